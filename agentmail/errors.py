"""One error tree with stable codes: adapters raise these, only front ends format them.

Every class names a `code` (stable snake_case, part of the JSON contract) and an
`exit_status` (sysexits.h where one fits).  Messages are one sentence and never
contain secrets.
"""

from __future__ import annotations


class AgentmailError(Exception):
    """A failure we expect and can explain in one sentence."""

    code = "internal"
    exit_status = 70  # EX_SOFTWARE

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.details: dict[str, object] = dict(details or {})

    @property
    def message(self) -> str:
        return str(self)


class UsageError(AgentmailError):
    """The command line or request was malformed (unknown command, bad argument)."""

    code = "usage"
    exit_status = 64  # EX_USAGE


class ConfigError(AgentmailError):
    """A setting is missing or malformed; raised before any network I/O."""

    code = "config"
    exit_status = 78  # EX_CONFIG


class IdentityError(AgentmailError):
    """The member name is missing or unacceptable, or an identity change was attempted."""

    code = "invalid_member"
    exit_status = 77  # EX_NOPERM


class ForbiddenError(AgentmailError):
    """The request is not allowed here (an operator-only option over SSH, a read-only session, the key's scope)."""

    code = "forbidden"
    exit_status = 77  # EX_NOPERM


class NotFoundError(AgentmailError):
    """A folder, message or part does not exist."""

    code = "not_found"
    exit_status = 66  # EX_NOINPUT


class StaleUidError(AgentmailError):
    """The folder's UIDVALIDITY changed: a uid the caller holds may now name another message."""

    code = "stale_uid"
    exit_status = 65  # EX_DATAERR


class InvalidAddressError(AgentmailError):
    """A recipient address is not acceptable; nothing was sent."""

    code = "invalid_address"
    exit_status = 65  # EX_DATAERR


class InvalidMessageError(AgentmailError):
    """A draft or header value cannot be turned into a well-formed message."""

    code = "invalid_message"
    exit_status = 65  # EX_DATAERR


class UnsupportedError(AgentmailError):
    """agentmail cannot turn this content into text (an image, an archive, a damaged document)."""

    code = "unsupported"
    exit_status = 65  # EX_DATAERR


class LimitError(AgentmailError):
    """A size, count or rate limit refused the request; nothing was changed."""

    code = "limit_exceeded"
    exit_status = 75  # EX_TEMPFAIL


class RateLimitedError(LimitError):
    """The member's sending rate limit is reached; nothing was sent."""

    code = "rate_limited"


class LineTooLongError(LimitError):
    """A batch or mcp request line was longer than AGENTMAIL_MAX_LINE_BYTES; it was skipped unread."""

    code = "line_too_long"


class IdleTimeoutError(LimitError):
    """A batch or mcp session received no request for AGENTMAIL_IDLE_TIMEOUT seconds and ended."""

    code = "idle_timeout"


class TooManySessionsError(LimitError):
    """The member already has AGENTMAIL_MAX_SESSIONS agentmail sessions open; close one and try again."""

    code = "too_many_sessions"


class AuthError(AgentmailError):
    """The master login was refused (wrong master user or password)."""

    code = "auth_failed"
    exit_status = 77  # EX_NOPERM


class NoMailboxError(AgentmailError):
    """Dovecot does not know this member's mailbox."""

    code = "no_mailbox"
    exit_status = 67  # EX_NOUSER


class UnavailableError(AgentmailError):
    """A server (IMAP, SMTP, admin API) could not be reached or dropped the connection."""

    code = "unavailable"
    exit_status = 69  # EX_UNAVAILABLE


class TooManyConnectionsError(UnavailableError):
    """Dovecot refused the login because the member has too many sessions open."""

    code = "too_many_connections"
    exit_status = 75  # EX_TEMPFAIL


class SmtpUnavailableError(UnavailableError):
    """The local relay (Postfix) could not be reached; a message being sent was kept in Drafts."""

    code = "smtp_unavailable"
    exit_status = 69  # EX_UNAVAILABLE


class ProvisionError(UnavailableError):
    """The mailbox is missing and the Mailu admin API could not create it (refused token, unreachable, error)."""

    code = "provision_failed"
    exit_status = 69  # EX_UNAVAILABLE


class ServerError(AgentmailError):
    """A server answered with an error we did not expect."""

    code = "server_error"
    exit_status = 76  # EX_PROTOCOL


class SendError(AgentmailError):
    """Submission failed; the draft was kept."""

    code = "send_failed"
    exit_status = 69  # EX_UNAVAILABLE


class IdempotencyConflictError(AgentmailError):
    """The idempotency key was used for a different message, or its earlier send may have gone out; nothing was sent."""

    code = "idempotency_conflict"
    exit_status = 65  # EX_DATAERR


class ProposalChangedError(AgentmailError):
    """A proposal's stored message no longer matches its fingerprint (replaced or gone); nothing was sent."""

    code = "proposal_changed"
    exit_status = 65  # EX_DATAERR


class ProposalDecidedError(AgentmailError):
    """The proposal was already approved, rejected or withdrawn (by another session, perhaps); nothing more was done."""

    code = "proposal_decided"
    exit_status = 65  # EX_DATAERR


class InternalError(AgentmailError):
    """A bug: something failed that we did not expect; the details go to the log only."""

    code = "internal"
    exit_status = 70

    @classmethod
    def wrap(cls, exc: BaseException) -> InternalError:
        err = cls(f"internal error ({type(exc).__name__}); see the log for details")
        err.__cause__ = exc
        return err


#: Every class, for the man page and the schema: code -> (exit status, description).
ERROR_CLASSES: tuple[type[AgentmailError], ...] = (
    UsageError,
    ConfigError,
    IdentityError,
    ForbiddenError,
    NotFoundError,
    StaleUidError,
    InvalidAddressError,
    InvalidMessageError,
    UnsupportedError,
    LimitError,
    RateLimitedError,
    LineTooLongError,
    IdleTimeoutError,
    TooManySessionsError,
    AuthError,
    NoMailboxError,
    UnavailableError,
    TooManyConnectionsError,
    SmtpUnavailableError,
    ProvisionError,
    ServerError,
    SendError,
    IdempotencyConflictError,
    ProposalChangedError,
    ProposalDecidedError,
    InternalError,
)
