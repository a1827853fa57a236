"""IMAP IDLE on the session's one connection (RFC 2177): enter, wait for the server, leave.

The connection is shared with requests (aerc's model): leave IDLE before any
other command, and re-enter it every few minutes so neither side times out.
"""

from __future__ import annotations

import logging
import socket
import time
from typing import Any, TypeGuard

from agentmail.errors import AgentmailError, UnavailableError
from agentmail.imap.session import ImapSession, decode_folder

log = logging.getLogger(__name__)

#: Re-issue IDLE before Dovecot's (and NATs') 30-minute timeouts.
IDLE_RENEW_SECONDS = 25 * 60
#: RFC 5465: the selected folder's events as plain IDLE gives them (EXISTS, EXPUNGE, FETCH), and for every other
#: folder of the member's a STATUS response (Dovecot 2.3 sends them while idling; no initial STATUS burst).
NOTIFY_SET = b"SET (selected (MessageNew MessageExpunge FlagChange)) (personal (MessageNew MessageExpunge FlagChange))"


class Idle:
    """IDLE state of one session; only the session's owner thread may use it."""

    def __init__(self, session: ImapSession, *, other_folders: bool = False) -> None:
        self._session = session
        self.active = False
        self._since = 0.0
        self._other_folders = other_folders
        self._notified: object = None  # the connection NOTIFY was set on (a new one after a reconnect needs it again)

    def start(self) -> None:
        if self.active:
            return
        if self._other_folders:
            self._notify_other_folders()
        self._session.call(lambda c: c.idle())
        self.active = self._session.idling = True
        self._since = time.monotonic()

    def _notify_other_folders(self) -> None:
        """Ask for STATUS news of every other folder while idling (NOTIFY), once per connection; without it, none."""
        client = self._session.client
        if client is self._notified or not self._session.has("NOTIFY"):
            return
        try:
            # imapclient wraps no NOTIFY: its private _raw_command (see imap/session.py's docstring)
            self._session.call(lambda c: c._raw_command(b"NOTIFY", [NOTIFY_SET], uid=False))
        except UnavailableError:
            raise
        except AgentmailError as exc:  # refused: other folders' counts then follow only the periodic refresh
            log.info("the server refused NOTIFY: %s", exc)
            self._other_folders = False
            return
        self._notified = self._session.client

    def fileno(self) -> int:
        """The socket to poll while idling."""
        return self._session.client.socket().fileno()

    def check(self, timeout: float) -> list[object]:
        """Untagged responses the server sent while idling (empty on timeout)."""
        if not self.active:
            return []
        responses = self._session.run(lambda c: c.idle_check(timeout=timeout), retry=False)
        if not responses and _at_eof(self._session.client.socket()):
            # imapclient swallows EOF inside idle_check; a closed socket would look readable forever.
            self.active = self._session.idling = False
            self._session.drop()
            raise UnavailableError("the IMAP server closed the connection while idling")
        if time.monotonic() - self._since > IDLE_RENEW_SECONDS:
            self.stop()
            self.start()
        return [r for r in responses if not _is_keepalive(r)]

    def stop(self) -> None:
        """Leave IDLE; if the connection is gone, the next command reconnects."""
        if not self.active:
            return
        self.active = self._session.idling = False
        try:
            self._session.run(lambda c: c.idle_done(), retry=False)
        except UnavailableError:
            self._session.drop()


def _at_eof(sock: socket.socket) -> bool:
    """True when the peer has closed the connection (a zero-byte peek)."""
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def _is_keepalive(response: object) -> bool:
    """Dovecot sends "* OK Still here" every few minutes while idling."""
    return isinstance(response, tuple) and len(response) >= 1 and response[0] == b"OK"


def is_status(response: object) -> TypeGuard[tuple[Any, ...]]:
    """A NOTIFY STATUS response: another folder changed (RFC 5465)."""
    return isinstance(response, tuple) and len(response) >= 2 and response[0] == b"STATUS"


def status_counts(response: object) -> tuple[str, dict[str, int]] | None:
    """(folder, {"MESSAGES": n, "UNSEEN": n} as far as given) from a STATUS response; None when unreadable."""
    if not is_status(response) or len(response) < 3:
        return None
    _kind, raw_name, items = response[:3]
    if not isinstance(raw_name, bytes | str) or not isinstance(items, tuple | list):
        return None
    pairs = dict(zip(items[::2], items[1::2], strict=False))
    counts = {k.decode() if isinstance(k, bytes) else str(k): v for k, v in pairs.items()}
    return decode_folder(raw_name), {k: int(v) for k, v in counts.items() if k in ("MESSAGES", "UNSEEN")}
