"""The one thread that owns the Mailbox (and so the one IMAP connection), serving the screens' requests on it.

Screens post typed requests (``tui/requests.py``); ``tui/serving.py`` maps each to
service calls, and the worker answers each with exactly one reply, put on a queue
with one wake-up byte to the urwid ``watch_pipe`` fd.  Between requests the worker
idles in IMAP IDLE on the same connection (aerc's model; Dovecot allows few
connections per member) and posts unsolicited replies (id 0) carrying change
events.  When the server goes away it retries with capped, jittered backoff for
``reconnect_window`` seconds, saying so (id 0 replies), and resumes watching from
the last change token so nothing that arrived meanwhile is missed.  This,
``tui/serving.py`` and ``tui/start.py`` (which makes and logs in the Mailbox this
thread then owns) are the only tui modules that import ``agentmail.service``.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import queue
import select
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from agentmail.errors import AgentmailError, InternalError, UnavailableError
from agentmail.imap.backoff import Backoff
from agentmail.model import Event
from agentmail.tui import requests as rq
from agentmail.tui.dispatch import EVENTS_ID, Job, Reply, Watch
from agentmail.tui.serving import serve

log = logging.getLogger(__name__)

IDLE_REFRESH = 20 * 60.0  # re-issue IDLE well inside the 29-minute limit of RFC 2177
POLL_INTERVAL = 15.0  # without IDLE, look for changes this often

Serve = Callable[[Any, "rq.Request[Any]"], Any]


# -- watching -----------------------------------------------------------------------------------------


class WatcherLike(Protocol):
    """What the worker needs from service.feed.Watcher."""

    folder: str
    token: str
    elsewhere: bool  # another folder changed (NOTIFY STATUS while idling); the worker clears it
    statuses: dict[str, dict[str, int]]  # the counts NOTIFY gave for those folders

    def start(self, since: str | None = None) -> tuple[list[Event], str]: ...
    def fileno(self) -> int: ...
    def poll(self, timeout: float) -> bool: ...
    def pause(self) -> None: ...
    def catch_up(self, *, report: bool = True) -> list[Event]: ...
    def resume(self) -> None: ...
    def collect(self) -> list[Event]: ...


WatcherFactory = Callable[[Any, str], WatcherLike]


def idle_watcher(mailbox: Any, folder: str) -> WatcherLike:
    """IMAP IDLE through service.feed (imported late: a missing feed must not break the TUI)."""
    from agentmail.service.feed import Watcher

    return Watcher(mailbox, folder, other_folders=True)  # NOTIFY: other folders' counts follow changes elsewhere


def backoff() -> Iterator[float]:
    """Delays before each reconnect attempt: the ramp every long-lived session uses (imap/backoff.py)."""
    ramp = Backoff(window=0.0)  # the worker keeps its own deadline: it must stop early when the reader quits
    return (ramp.delay(attempt) for attempt in itertools.count(1))


# -- the thread ---------------------------------------------------------------------------------------


class Worker(threading.Thread):
    """Owns the Mailbox; serves requests in order, idles in IDLE between them, rides out server restarts."""

    def __init__(self, mailbox: Any, wake_fd: int, *, watcher_factory: WatcherFactory | None = None,
                 serve: Serve = serve, reconnect_window: float = 120.0) -> None:  # fmt: skip
        super().__init__(daemon=True, name="imap-worker")
        self._mailbox = mailbox
        self._wake_fd = wake_fd
        self._factory = watcher_factory
        self._serve = serve
        self._window = reconnect_window
        self._watcher: WatcherLike | None = None
        self._folder: str | None = None
        self._token: str | None = None  # where watching the folder got to: resumed from after a reconnect
        self._requests: queue.Queue[Job | Watch | None] = queue.Queue()
        self.replies: queue.Queue[Reply] = queue.Queue()
        self._ring_r, self._ring_w = os.pipe()
        self._ids = itertools.count(1)
        self._stopping = False
        self._halt = threading.Event()

    # -- the UI thread's side -------------------------------------------------------
    def submit(self, request: rq.Request[Any] | Watch) -> int:
        """Queue a request (or a Watch) and return the id its reply will carry."""
        req_id = next(self._ids)
        self._requests.put(request if isinstance(request, Watch) else Job(req_id, request))
        os.write(self._ring_w, b".")
        return req_id

    def stop(self) -> None:
        """Ask the thread to finish after the current request (it closes the mailbox)."""
        self._stopping = True
        self._halt.set()
        self._requests.put(None)
        os.write(self._ring_w, b".")

    # -- the worker thread ----------------------------------------------------------
    def run(self) -> None:
        try:
            while not self._stopping:
                readable = self._wait()
                if self._ring_r in readable:
                    os.read(self._ring_r, 512)
                    self._serve_all()
                elif readable:
                    self._collect()
                elif self._folder is not None:
                    self._refresh()
        finally:
            self._close()

    def _wait(self) -> list[int]:
        """Block until a request arrives or the watched connection has news."""
        fds = [self._ring_r]
        timeout: float | None = None
        if self._watcher is not None:
            try:
                fds.append(self._watcher.fileno())
                timeout = IDLE_REFRESH
            except (AgentmailError, OSError, ValueError):
                timeout = POLL_INTERVAL
        elif self._folder is not None:
            timeout = POLL_INTERVAL
        readable, _, _ = select.select(fds, [], [], timeout)
        return readable

    def _refresh(self) -> None:
        """A select timeout: re-issue IDLE, or retry watching after a lost connection."""
        if self._watcher is not None:
            self._pause()
        self._resume()

    def _serve_all(self) -> None:
        """Leave IDLE, answer every queued request, then go back to IDLE."""
        self._pause()
        changed = False  # a request changed mail: what the server announced is (also) our own doing
        while not self._stopping:
            try:
                job = self._requests.get_nowait()
            except queue.Empty:
                break
            if job is None:
                self._stopping = True
                return
            if isinstance(job, Watch):
                self._folder, self._token = job.folder, None
                self._watcher = None
                continue
            self._answer(job)
            changed = changed or not job.request.retry_safe
        self._catch_up(report=not changed)
        self._resume()

    def _answer(self, job: Job) -> None:
        """Run one request and post exactly one reply for it."""
        try:
            reply = Reply(job.id, value=self._run(job.request))
        except AgentmailError as exc:
            reply = Reply(job.id, error=exc)
        except Exception as exc:  # the thread boundary: a bug becomes one logged error, never a traceback
            log.exception("worker request failed")
            reply = Reply(job.id, error=InternalError.wrap(exc))
        self._post(reply)

    def _run(self, request: rq.Request[Any]) -> Any:
        """Serve a request; a read that lost the server waits for it to come back and runs once more."""
        try:
            return self._serve(self._mailbox, request)
        except UnavailableError as exc:
            self._forget_watcher()  # IDLE rode the same connection
            if not request.retry_safe or not self._reconnect(exc):
                raise  # a send or a move is never repeated blindly; the screen keeps what it had
        return self._serve(self._mailbox, request)

    def _post(self, reply: Reply) -> None:
        self.replies.put(reply)
        try:
            os.write(self._wake_fd, b"r")
        except OSError:
            log.debug("wake pipe closed; the UI is gone")

    # -- reconnecting ---------------------------------------------------------------
    def _reconnect(self, exc: AgentmailError) -> bool:
        """Retry the connection with backoff for the reconnect window, saying so; True once it is back."""
        deadline = time.monotonic() + self._window
        for delay in backoff():
            if self._stopping or time.monotonic() + delay > deadline:
                return False
            log.info("mail server unavailable (%s); retrying in %.1fs", exc, delay)
            self._post(Reply(EVENTS_ID, value=rq.Reconnecting(math.ceil(delay), str(exc))))
            if self._halt.wait(delay):
                return False
            try:
                self._mailbox.reconnect()
            except UnavailableError as again:
                exc = again
                continue
            except AgentmailError:
                log.debug("reconnected, but re-opening the folder failed", exc_info=True)
            self._post(Reply(EVENTS_ID, value=rq.Reconnected()))
            return True
        return False  # pragma: no cover - backoff() never ends

    # -- watching -------------------------------------------------------------------
    def _pause(self) -> None:
        if self._watcher is None:
            return
        try:
            self._watcher.pause()
        except AgentmailError as exc:
            self._lost(exc)

    def _catch_up(self, *, report: bool) -> None:
        """News the server gave inside a request's answer goes out now, not at the next IDLE wake-up.

        After a request that changed mail, the announcements are (also) our own move, delete or restore: the
        screen already shows those, so they are set aside, and real news among them waits for IDLE as before.
        """
        if self._watcher is None or self._stopping:
            return
        try:
            events = self._watcher.catch_up(report=report)
        except AgentmailError as exc:
            self._lost(exc)
            return
        if events:
            self._post(Reply(EVENTS_ID, value=events))

    def _resume(self, *, may_reconnect: bool = True) -> None:
        """Re-enter IDLE, starting a watcher when none runs (from the last token after a lost connection)."""
        if self._folder is None or self._factory is None or self._stopping:
            return
        try:
            if self._watcher is None:
                watcher = self._factory(self._mailbox, self._folder)
                events, _token = watcher.start(self._token)
                self._watcher = watcher
                if events:
                    self._post(Reply(EVENTS_ID, value=events))
            else:
                self._watcher.resume()
        except AgentmailError as exc:
            self._lost(exc, may_reconnect=may_reconnect)
        except Exception as exc:
            log.exception("could not start watching")
            self._lost(InternalError.wrap(exc), may_reconnect=False)

    def _collect(self) -> None:
        """The server said something (or IDLE is due a refresh): turn it into events."""
        if self._watcher is None:
            self._resume()
            return
        try:
            if not self._watcher.poll(0):
                return  # a keepalive: still idling
            events = self._watcher.collect()
            self._watcher.resume()
        except AgentmailError as exc:
            self._lost(exc)
            return
        except Exception as exc:
            log.exception("collecting changes failed")
            self._lost(InternalError.wrap(exc), may_reconnect=False)
            return
        if events:
            self._post(Reply(EVENTS_ID, value=events))
        if getattr(self._watcher, "elsewhere", False):  # another folder changed (NOTIFY STATUS while idling)
            statuses: dict[str, dict[str, int]] = getattr(self._watcher, "statuses", {})
            counts = tuple((name, c.get("MESSAGES"), c.get("UNSEEN")) for name, c in sorted(statuses.items()))
            self._watcher.elsewhere = False
            statuses.clear()
            self._post(Reply(EVENTS_ID, value=rq.FoldersChanged(counts)))

    def _lost(self, exc: AgentmailError, *, may_reconnect: bool = True) -> None:
        """Watching failed: wait for the server to come back and watch again, or tell the UI and retry later."""
        self._forget_watcher()
        if may_reconnect and isinstance(exc, UnavailableError) and self._reconnect(exc):
            self._resume(may_reconnect=False)
            return
        self._post(Reply(EVENTS_ID, error=exc))
        self._halt.wait(0.5)  # avoid a hot loop against a server that is down

    def _forget_watcher(self) -> None:
        """Drop the watcher, keeping its change token so watching again reports what happened meanwhile."""
        if self._watcher is not None:
            self._token = self._watcher.token or self._token
        self._watcher = None

    def _close(self) -> None:
        try:
            self._mailbox.close()
        except Exception:  # closing a dead connection may fail; we are leaving anyway
            log.debug("closing the mailbox failed", exc_info=True)
