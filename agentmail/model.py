"""Plain data shared by every layer, and the one path from data to JSON.

Fields the *sender* wrote (names, subject, body, filenames) carry the metadata
``sender=True``; :func:`to_json` groups them under ``"content"`` so an agent can
always tell mail content apart from agentmail's own facts (uid, flags, sizes).
"""

from __future__ import annotations

import base64
import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

#: Version of the JSON contract; a rename or removal of a field or command bumps it.
API_VERSION = 1

SENDER = {"sender": True}

# A member name: lower-case letters, digits, '.', '_' and '-'; starts and ends with a letter or digit; no '..'
# (not a valid dot-atom); at most 64 characters (RFC 5321 local-part limit).  identity.py validates with it.
_MEMBER_NAME = re.compile(r"[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?")


def is_member_name(raw: object) -> bool:
    """Whether raw is an acceptable member name (it is spliced into the Dovecot master login)."""
    return isinstance(raw, str) and raw.isascii() and bool(_MEMBER_NAME.fullmatch(raw)) and ".." not in raw


def sender_field(
    default: Any = dataclasses.MISSING, *, default_factory: Any = dataclasses.MISSING, json: str = ""
) -> Any:
    """A dataclass field whose value was written by the message's sender (``json``: its name under content)."""
    metadata = {**SENDER, "json": json} if json else SENDER
    if default_factory is not dataclasses.MISSING:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def json_name(f: dataclasses.Field) -> str:
    """The name a dataclass field has in JSON answers."""
    return f.metadata.get("json") or ("from" if f.name == "sender" else f.name)


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox: display name (may be empty) and addr-spec."""

    name: str
    email: str

    def formatted(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass(frozen=True, slots=True)
class Folder:
    """One IMAP folder with its special-use role and counts."""

    name: str
    role: str | None = None  # "inbox" | "sent" | "drafts" | "trash" | "junk" | "archive" | None
    total: int = 0
    unseen: int = 0
    delimiter: str = "/"
    flags: tuple[str, ...] = ()


def delete_expunges(folder: str, trash: str | None) -> bool:
    """The delete rule: in Trash, or in a mailbox with no Trash, a delete is for good; elsewhere it moves to Trash."""
    return trash is None or folder == trash


def flag_names(flags: Iterable[object]) -> tuple[str, ...]:
    """IMAP flags and keywords as text, the one decoding for every layer (imapclient hands them over as bytes)."""
    return tuple(f.decode("utf-8", "replace") if isinstance(f, bytes) else str(f) for f in flags)


@dataclass(frozen=True, slots=True)
class FolderRoles:
    """Which folder plays which role (inbox, sent, drafts, trash, ...), as the service resolved them."""

    by_role: tuple[tuple[str, str], ...] = ()  # (role, folder name)

    def folder_for(self, role: str) -> str | None:
        return next((name for r, name in self.by_role if r == role), None)

    def role_of(self, folder: str) -> str | None:
        return next((r for r, name in self.by_role if name == folder), None)

    def delete_expunges(self, folder: str) -> bool:
        """Whether deleting in this folder is for good (see :func:`delete_expunges`)."""
        return delete_expunges(folder, self.folder_for("trash"))


@dataclass(frozen=True, slots=True)
class Summary:
    """One index row: what the list view and ``list`` show."""

    uid: int
    flags: tuple[str, ...] = ()
    size: int = 0
    date: datetime | None = None  # the Date header, parsed
    received: datetime | None = None  # INTERNALDATE: when our server stored it
    has_attachments: bool = False
    message_id: str = ""  # a strictly valid <id@host> (mime.vocab), else ""; the sender's text is in content
    in_reply_to: str = ""
    depth: int = 0  # thread depth in a threaded listing
    sanitized: bool = False  # a header carried control/bidi characters that were removed
    sender: Address | None = sender_field(None)
    to: tuple[Address, ...] = sender_field(())
    cc: tuple[Address, ...] = sender_field(())
    subject: str = sender_field("")
    snippet: str = sender_field("")
    declared_message_id: str = sender_field("", json="message_id")  # the header as written, cleaned
    declared_in_reply_to: str = sender_field("", json="in_reply_to")
    preview: str = sender_field("")  # with --preview N: up to N characters of the new text ("" otherwise)

    @property
    def is_unread(self) -> bool:
        return "\\Seen" not in self.flags


@dataclass(frozen=True, slots=True)
class Page:
    """A window of a folder listing, newest first."""

    folder: str
    uidvalidity: int
    total: int
    items: tuple[Summary, ...] = ()
    next_cursor: str | None = None  # pass to ``list --cursor`` for the next (older) window


@dataclass(frozen=True, slots=True)
class Header:
    """One header line, decoded (RFC 2047) and unfolded."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to attach to an outgoing draft."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Draft:
    """An outgoing message before it is built; the From is always the member."""

    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    bcc: tuple[Address, ...] = ()
    subject: str = ""
    text: str = ""
    html: str = ""
    attachments: tuple[Attachment, ...] = ()
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    forward: bytes = b""  # a message attached whole as message/rfc822

    @property
    def recipients(self) -> tuple[Address, ...]:
        return self.to + self.cc + self.bcc


@dataclass(frozen=True, slots=True)
class SendResult:
    """What a submission did: the ids an agent needs to find the message again."""

    message_id: str
    recipients: int
    size: int
    sent_folder: str = ""
    sent_uid: int | None = None
    sent_uidvalidity: int | None = None
    duplicate: bool = False  # an earlier send with the same idempotency key already went out
    dry_run: bool = False
    raw: str = ""  # the built message, for --dry-run only
    # The final recipients as bare addr-specs (validated dot-atom@domain, no display names): who it went to.
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc_count: int = 0
    # Under a `draft` key (or outside a `send` key's allow-list) nothing was sent: the exact message waits in
    # Drafts for the member's approval (message_id is the one it will carry).
    pending_approval: bool = False
    proposal: ProposalRef | None = field(default=None, metadata={"omit_none": True})


@dataclass(frozen=True, slots=True)
class ProposalRef:
    """A stored proposal: our id for it and the SHA-256 of the exact bytes that approval would send."""

    id: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """One proposal as the member (TUI approvals view) and its agent (``proposals``) see it.

    Recipients are strict addr-specs we validated; the subject is the agent's text (under content).
    """

    id: str
    fingerprint: str
    agent: str
    message_id: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    bcc_count: int
    size: int
    created: datetime
    folder: str
    uid: int | None
    uidvalidity: int | None
    state: str = "pending"
    subject: str = sender_field("")


@dataclass(frozen=True, slots=True)
class ViewPrefs:
    """How a folder is shown in the reader: its sort order and whether threaded (remembered per folder)."""

    sort: str = "arrival"
    threads: bool = False


@dataclass(frozen=True, slots=True)
class View:
    """An ordered list of a folder's uids (with thread depth): the TUI pages summaries from it."""

    folder: str
    uidvalidity: int
    uids: tuple[int, ...] = ()
    depths: tuple[int, ...] = ()  # parallel to uids; empty when not threaded


if TYPE_CHECKING:  # what __getattr__ below hands out, as type checkers should see it (explicit re-exports)
    from agentmail.model_more import FAILING_RESULTS as FAILING_RESULTS
    from agentmail.model_more import Account as Account
    from agentmail.model_more import AuthVerdict as AuthVerdict
    from agentmail.model_more import Event as Event
    from agentmail.model_more import EventKind as EventKind
    from agentmail.model_more import Message as Message
    from agentmail.model_more import MessageFacts as MessageFacts
    from agentmail.model_more import Part as Part
    from agentmail.model_more import Quota as Quota
    from agentmail.model_more import Transfer as Transfer
    from agentmail.model_more import TrustAnchors as TrustAnchors
    from agentmail.model_more import UidPair as UidPair
    from agentmail.model_more import describe_verdict as describe_verdict

#: Names :mod:`agentmail.model_more` defines; they are loaded on first use (see :func:`__getattr__`).
_MORE = frozenset(
    {
        "FAILING_RESULTS",
        "Account",
        "AuthVerdict",
        "Event",
        "EventKind",
        "Message",
        "MessageFacts",
        "Part",
        "Quota",
        "Transfer",
        "TrustAnchors",
        "UidPair",
        "describe_verdict",
    }
)


def __getattr__(name: str) -> Any:
    """The types a listing never builds live in model_more, created only when first asked for."""
    if name in _MORE:
        from agentmail import model_more

        return getattr(model_more, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def to_json(value: Any) -> Any:
    """Turn model values into JSON-ready data (the only such path).

    Dataclasses become objects with sender-written fields under ``"content"``;
    tuples and frozensets become lists; datetimes ISO 8601 with offset; bytes base64.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        own: dict[str, Any] = {}
        content: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            out_name = json_name(f)
            target = content if f.metadata.get("sender") else own
            item = getattr(value, f.name)
            if (item is None and f.metadata.get("omit_none")) or (item == "" and f.metadata.get("omit_empty")):
                continue  # a field that says nothing is left out, not null (the schema says so too)
            target[out_name] = to_json(item)
        if content:
            own["content"] = content
        return own
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (tuple, list)):
        return [to_json(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(to_json(v) for v in value)
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value
