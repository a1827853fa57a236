"""IMAP IDLE on the session's one connection (RFC 2177): enter, wait for the server, leave.

The connection is shared with requests (aerc's model): leave IDLE before any
other command, and re-enter it every few minutes so neither side times out.
"""

from __future__ import annotations

import socket
import time

from agentmail.errors import UnavailableError
from agentmail.imap.session import ImapSession

#: Re-issue IDLE before Dovecot's (and NATs') 30-minute timeouts.
IDLE_RENEW_SECONDS = 25 * 60


class Idle:
    """IDLE state of one session; only the session's owner thread may use it."""

    def __init__(self, session: ImapSession) -> None:
        self._session = session
        self.active = False
        self._since = 0.0

    def start(self) -> None:
        if self.active:
            return
        self._session.call(lambda c: c.idle())
        self.active = self._session.idling = True
        self._since = time.monotonic()

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
