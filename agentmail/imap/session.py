"""One IMAP connection for one member: master login, selection, reconnect, error translation.

imapclient is not thread-safe (its docs say so), so exactly one owner drives a
session: the agent process, or the TUI's worker thread.

The IMAP adapter reaches into imapclient where it wraps nothing we need: the imaplib
connection (``_imap``: bracketed response codes and untagged responses such as COPYUID,
VANISHED, STATUS), ``_raw_command``/``_raw_command_untagged`` (commands it does not wrap:
ESEARCH, SORT, THREAD, NOTIFY), ``_proc_folder_list`` and the ``response_parser``
module.  Those are private, so setup.cfg bounds imapclient to the versions tested.
"""

from __future__ import annotations

import imaplib
import logging
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import imapclient
from imapclient import exceptions as imap_errors
from imapclient.imap_utf7 import decode as utf7_decode

from agentmail.config import Settings
from agentmail.errors import (
    AgentmailError,
    AuthError,
    ForbiddenError,
    NoMailboxError,
    NotFoundError,
    ServerError,
    StaleUidError,
    TooManyConnectionsError,
    UnavailableError,
    UsageError,
)
from agentmail.identity import Member

if TYPE_CHECKING:
    from agentmail.imap.backoff import OnWait

log = logging.getLogger(__name__)
# imaplib's protocol trace would carry message data; keep it out of any log.
logging.getLogger("imapclient").setLevel(logging.WARNING)

T = TypeVar("T")

#: Logins tried when the server drops the connection instead of answering.
LOGIN_ATTEMPTS = 3
#: Network failures after which a fresh connection may succeed.
_DROPPED = (imaplib.IMAP4.abort, imap_errors.IMAPClientAbortError, OSError, EOFError)


@dataclass(frozen=True, slots=True)
class FolderState:
    """What SELECT/EXAMINE told us about the selected folder."""

    name: str
    uidvalidity: int
    exists: int
    uidnext: int
    highestmodseq: int = 0
    read_only: bool = False


class ImapSession:
    """A master-user IMAP session that reconnects once when the server drops it."""

    def __init__(
        self,
        settings: Settings,
        member: Member,
        *,
        read_only: bool = False,
        on_no_mailbox: Callable[[], bool] | None = None,
        reconnect_window: float = 0.0,
        on_reconnecting: OnWait | None = None,
    ) -> None:
        settings.require_mailbox_access()
        # Long-lived sessions retry a lost server with backoff for this many seconds; one-shot ones use 0.
        self.reconnect_window = reconnect_window
        self.on_reconnecting = on_reconnecting  # told before each wait: (attempt, seconds, reason)
        self._logged_in_once = False
        self._on_no_mailbox = on_no_mailbox  # may create the mailbox (provisioning); True to retry
        self._settings = settings
        self._member = member
        self.read_only = read_only
        self._client: imapclient.IMAPClient | None = None
        self._capabilities: frozenset[str] = frozenset()
        self.selected: FolderState | None = None
        self.reconnects = 0
        self.idling = False  # set by imap.idle: LOGOUT must not be sent inside IDLE

    # -- connection ---------------------------------------------------------
    def connect(self) -> None:
        """Open the connection and log in, retrying with backoff within the reconnect window (if any)."""
        if self.reconnect_window <= 0:
            self._connect_or_provision()
            return
        from agentmail.imap import backoff  # lazily: a one-shot command (reconnect window 0) never waits

        backoff.retry(
            self._connect_or_provision,
            backoff.Backoff(self.reconnect_window),
            on_wait=self.on_reconnecting,
            should_retry=self._transient,
        )

    def _transient(self, exc: AgentmailError) -> bool:
        from agentmail.imap import backoff

        # A restarting Dovecot may drop logins, which reads as no_mailbox; a mailbox we already opened still exists.
        return backoff.retryable(exc) or (isinstance(exc, NoMailboxError) and self._logged_in_once)

    def _connect_or_provision(self) -> None:
        """Open the connection and log in; if the mailbox is unknown, provision it once and retry."""
        try:
            self._connect()
        except NoMailboxError:
            if self._on_no_mailbox is None or not self._on_no_mailbox():
                raise
            # Dovecot may re-read its user list a moment later (passwd-file mtime granularity).
            for delay in (0.2, 0.5, 1.0, 2.0):
                time.sleep(delay)
                try:
                    self._connect()
                    return
                except NoMailboxError:
                    continue
            raise

    def _connect(self) -> None:
        s = self._settings
        where = f"{s.imap_host}:{s.imap_port}"
        # Dovecot 2.3 often closes the connection instead of answering NO [UNAVAILABLE] when the master login
        # succeeded but the user is unknown ("Internal login failure" in its log; a wrong password always gets
        # NO [AUTHENTICATIONFAILED]).  A login dropped on every one of a few fresh connections (each greeted,
        # so the server is up) is therefore read as that [UNAVAILABLE].
        for attempt in range(LOGIN_ATTEMPTS):
            try:
                context = None if s.imap_plaintext else ssl.create_default_context()
                client = imapclient.IMAPClient(
                    s.imap_host, port=s.imap_port, ssl=not s.imap_plaintext, ssl_context=context, timeout=s.timeout
                )
            except (OSError, imaplib.IMAP4.error) as exc:
                raise UnavailableError(f"the IMAP server at {where} cannot be reached ({_reason(exc)})") from None
            try:
                client.login(self._member.master_login(s.master_user), s.master_pass)
                break
            except imap_errors.LoginError as exc:
                _close_quietly(client)
                if not _login_dropped(str(exc)):
                    raise _login_error(str(exc), self._member.address) from None
                reason = _server_text(exc)
            except _DROPPED as exc:
                _close_quietly(client)
                reason = _reason(exc)
            log.debug("the IMAP server dropped the login (%s), attempt %d", reason, attempt + 1)
            if attempt == LOGIN_ATTEMPTS - 1:
                raise NoMailboxError(f"there is no mailbox for {self._member.address} on this host")
        client.normalise_times = False  # keep INTERNALDATE's offset: dates in JSON carry one
        self._client = client
        self._logged_in_once = True
        caps = client.capabilities()
        self._capabilities = frozenset(c.decode("ascii", "replace").upper() for c in caps)
        # QRESYNC (RFC 7162) lets the change feed learn expunged uids; it implies CONDSTORE.
        if "QRESYNC" in self._capabilities:
            client.enable("QRESYNC")
        elif "CONDSTORE" in self._capabilities:
            client.enable("CONDSTORE")

    def close(self) -> None:
        """Log out politely; never raises."""
        client, self._client = self._client, None
        self.selected = None
        if client is not None:
            try:
                if self.idling:
                    self.idling = False
                    client.idle_done()
                client.logout()
            except (*_DROPPED, imaplib.IMAP4.error):
                _close_quietly(client)

    @property
    def client(self) -> imapclient.IMAPClient:
        if self._client is None:
            previous, self.selected = self.selected, None
            self.connect()
            if previous is not None:
                self.select(previous.name, expect_uidvalidity=previous.uidvalidity, writable=not previous.read_only)
        assert self._client is not None
        return self._client

    @property
    def capabilities(self) -> frozenset[str]:
        if self._client is None:
            self.connect()
        return self._capabilities

    def has(self, capability: str) -> bool:
        return capability.upper() in self.capabilities

    def drop(self) -> None:
        """Forget a dead connection; the next operation opens a new one and re-selects."""
        self.idling = False
        if self._client is not None:
            _close_quietly(self._client)
            self._client = None

    def reconnect(self) -> None:
        """Drop the connection and open a new one, re-selecting the folder we had."""
        previous = self.selected
        if self._client is not None:
            _close_quietly(self._client)
            self._client = None
        self.selected = None
        self.reconnects += 1
        self.connect()
        if previous is not None:
            self.select(previous.name, expect_uidvalidity=previous.uidvalidity)

    def run(self, operation: Callable[[imapclient.IMAPClient], T], *, retry: bool = True) -> T:
        """Run one operation, translating library errors; reconnect and retry once if dropped."""
        try:
            return operation(self.client)
        except _DROPPED as exc:
            if not retry:
                raise UnavailableError(f"the IMAP connection was lost ({_reason(exc)})") from None
            log.warning("IMAP connection lost (%s); reconnecting", _reason(exc))
        deadline = time.monotonic() + self.reconnect_window
        while True:
            self.reconnect()
            try:
                return operation(self.client)
            except _DROPPED as exc:
                if time.monotonic() >= deadline:
                    raise UnavailableError(f"the IMAP connection was lost again ({_reason(exc)})") from None
                log.warning("IMAP connection lost again (%s); reconnecting", _reason(exc))
            except imaplib.IMAP4.error as exc:
                raise ServerError(f"the IMAP server refused the request: {_server_text(exc)}") from None

    def call(self, operation: Callable[[imapclient.IMAPClient], T], *, retry: bool = True) -> T:
        """Like run, but a server NO/BAD becomes ServerError."""
        try:
            return self.run(operation, retry=retry)
        except AgentmailError:
            raise
        except imaplib.IMAP4.error as exc:
            raise ServerError(f"the IMAP server refused the request: {_server_text(exc)}") from None

    # -- selection ------------------------------------------------------------
    def select(
        self, folder: str, *, expect_uidvalidity: int | None = None, writable: bool = False, reuse: bool = False
    ) -> FolderState:
        """Select a folder (EXAMINE unless a change is asked for) and check UIDVALIDITY.

        SELECT is cheap on Dovecot and gives fresh counts, so it is re-sent unless
        ``reuse`` says the caller only needs the folder open (a fetch right after a list).
        """
        if writable and self.read_only:
            raise ForbiddenError("this session is read-only; nothing can be changed")
        readonly = not writable
        current = self.selected
        if reuse and current is not None and current.name == folder and (readonly or not current.read_only):
            state = current
        else:
            state = self._do_select(folder, readonly)
        if expect_uidvalidity is not None and expect_uidvalidity != state.uidvalidity:
            raise StaleUidError(
                f"the folder {folder!r} was recreated (UIDVALIDITY {state.uidvalidity}, not {expect_uidvalidity}); "
                "list it again to get current uids",
                details={"folder": folder, "uidvalidity": state.uidvalidity},
            )
        return state

    def refresh(self) -> FolderState:
        """Re-select the current folder to see new counts (NOOP is not enough for EXISTS after EXAMINE)."""
        if self.selected is None:
            raise ServerError("no folder is selected")
        return self._do_select(self.selected.name, self.selected.read_only)

    def _do_select(self, folder: str, readonly: bool) -> FolderState:
        check_folder_name(folder)

        def op(c: imapclient.IMAPClient) -> dict[bytes, Any]:
            answer = c.select_folder(folder, readonly=readonly)
            _forget_news(c)  # the answer's own EXISTS is the folder's size, not news (see take_news)
            return answer

        try:
            resp = self.run(op)
        except imaplib.IMAP4.error as exc:
            self.selected = None
            text = _server_text(exc)
            if "NONEXISTENT" in text.upper() or "doesn't exist" in text or "not exist" in text.lower():
                raise NotFoundError(f"there is no folder named {folder!r}") from None
            raise ServerError(f"the folder {folder!r} cannot be opened: {text}") from None
        state = FolderState(
            name=folder,
            uidvalidity=int(resp.get(b"UIDVALIDITY", 0)),
            exists=int(resp.get(b"EXISTS", 0)),
            uidnext=int(resp.get(b"UIDNEXT", 0)),
            highestmodseq=int(resp.get(b"HIGHESTMODSEQ", 0)),
            read_only=readonly,
        )
        self.selected = state
        return state

    def take_news(self) -> bool:
        """Whether the server announced new or removed messages (EXISTS, EXPUNGE, VANISHED) inside another
        command's answer since the folder was selected; forgets them, so each announcement counts once.

        IDLE reports only what arrives while idling: mail delivered during a request would otherwise wait
        for the next wake-up.  imaplib keeps such responses until the next SELECT (see the module docstring).
        """
        return _forget_news(self.client)

    def raw_untagged(self, command: bytes, args: list[bytes], response: str, *, uid: bool = True) -> list[Any]:
        """Send a command imapclient does not wrap and return its untagged responses of one kind."""

        def op(c: imapclient.IMAPClient) -> list[Any]:  # private imapclient: see the module docstring
            c._imap.untagged_responses.pop(response, None)
            return list(c._raw_command_untagged(command, args, response_name=response, uid=uid))

        return self.call(op)


def _forget_news(client: imapclient.IMAPClient) -> bool:
    """Drop the kept EXISTS/EXPUNGE/VANISHED responses; True when there were any."""
    held = client._imap.untagged_responses  # private imapclient: see the module docstring
    return any([held.pop(kind, None) for kind in ("EXISTS", "EXPUNGE", "VANISHED")])


def check_folder_name(name: str) -> None:
    """Refuse a folder name with a control character before it reaches the IMAP stream (CR/LF would end a command)."""
    if any(ord(ch) < 32 or 127 <= ord(ch) < 160 or ch in "\u2028\u2029" for ch in name):
        raise UsageError("a folder name cannot contain control characters")


def decode_folder(raw: bytes | str) -> str:
    return utf7_decode(raw) if isinstance(raw, bytes) else raw


def _login_dropped(text: str) -> bool:
    """imaplib reports a connection closed mid-command as 'socket error: EOF' (no tagged answer at all)."""
    upper = text.upper()
    return "SOCKET ERROR" in upper or ("EOF" in upper and "[" not in upper)


def _login_error(text: str, address: str) -> AgentmailError:
    upper = text.upper()
    if "[UNAVAILABLE]" in upper:
        return NoMailboxError(f"there is no mailbox for {address} on this host")
    if "MAXIMUM NUMBER OF CONNECTIONS" in upper or "[LIMIT]" in upper:
        return TooManyConnectionsError(f"too many mail sessions are open for {address}; close one and try again")
    if "[AUTHENTICATIONFAILED]" in upper or "AUTHENTICATION FAILED" in upper:
        return AuthError("the mail server refused the master login; check AGENTBBS_MAIL_MASTER_USER and _PASS")
    return AuthError("the mail server refused the login")


def _server_text(exc: BaseException) -> str:
    text = str(exc)
    for prefix in ("b'", 'b"'):
        if prefix in text:
            text = text.replace(prefix, "").replace("'", "").replace('"', "")
    return " ".join(text.split())[:200] or type(exc).__name__


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    return " ".join(str(exc).split())[:120] or type(exc).__name__


def _close_quietly(client: imapclient.IMAPClient) -> None:
    try:
        client.shutdown()
    except (OSError, imaplib.IMAP4.error):
        log.debug("ignoring an error while closing a dropped connection")
