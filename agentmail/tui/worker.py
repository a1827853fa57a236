"""The one thread that owns the Mailbox (and so the one IMAP connection), and the queue to it.

Screens post a :class:`Request` (a callable taking the Mailbox); the worker answers
each with exactly one :class:`Reply`, puts it on a queue and writes one wake-up byte
to the urwid ``watch_pipe`` fd.  Between requests the worker idles in IMAP IDLE on
the same connection (aerc's model; Dovecot allows few connections per member) and
posts unsolicited replies (id 0) carrying change events.  This is the only tui
module that imports ``agentmail.service``.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from agentmail.errors import AgentmailError, InternalError
from agentmail.model import Draft, Event, SendResult
from agentmail.service.mailbox import Mailbox

log = logging.getLogger(__name__)

EVENTS_ID = 0  # the id of unsolicited replies (change events)
IDLE_REFRESH = 20 * 60.0  # re-issue IDLE well inside the 29-minute limit of RFC 2177
POLL_INTERVAL = 15.0  # without IDLE, look for changes this often

Call = Callable[[Any], Any]


@dataclass(frozen=True)
class Request:
    """One unit of work for the worker thread."""

    id: int
    call: Call


@dataclass(frozen=True)
class Reply:
    """The one answer to a request (or, with id 0, change events nobody asked for)."""

    id: int
    value: Any = None
    error: AgentmailError | None = None


@dataclass(frozen=True)
class Watch:
    """A control message, not a request: idle on this folder from now on (no reply)."""

    folder: str


class WatcherLike(Protocol):
    """What the worker needs from service.feed.Watcher."""

    folder: str

    def start(self) -> Any: ...
    def fileno(self) -> int: ...
    def poll(self, timeout: float) -> bool: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def collect(self) -> list[Event]: ...


WatcherFactory = Callable[[Any, str], WatcherLike]


def idle_watcher(mailbox: Any, folder: str) -> WatcherLike:
    """IMAP IDLE through service.feed (imported late: a missing feed must not break the TUI)."""
    from agentmail.service.feed import Watcher

    return Watcher(mailbox, folder)


class Worker(threading.Thread):
    """Owns the Mailbox; serves requests in order, idles in IDLE between them."""

    def __init__(self, mailbox: Any, wake_fd: int, *, watcher_factory: WatcherFactory | None = None) -> None:
        super().__init__(daemon=True, name="imap-worker")
        self._mailbox = mailbox
        self._wake_fd = wake_fd
        self._factory = watcher_factory
        self._watcher: WatcherLike | None = None
        self._folder: str | None = None
        self._requests: queue.Queue[Request | Watch | None] = queue.Queue()
        self.replies: queue.Queue[Reply] = queue.Queue()
        self._ring_r, self._ring_w = os.pipe()
        self._ids = itertools.count(1)
        self._stopping = False

    # -- the UI thread's side -------------------------------------------------------
    def submit(self, call: Call | Watch) -> int:
        """Queue work and return the id its reply will carry."""
        req_id = next(self._ids)
        self._requests.put(call if isinstance(call, Watch) else Request(req_id, call))
        os.write(self._ring_w, b".")
        return req_id

    def stop(self) -> None:
        """Ask the thread to finish after the current request (it closes the mailbox)."""
        self._stopping = True
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
        while True:
            try:
                req = self._requests.get_nowait()
            except queue.Empty:
                break
            if req is None:
                self._stopping = True
                return
            if isinstance(req, Watch):
                self._folder = req.folder
                self._drop_watcher()
                continue
            self._answer(req)
        self._resume()

    def _answer(self, req: Request) -> None:
        """Run one request and post exactly one reply for it."""
        try:
            reply = Reply(req.id, value=req.call(self._mailbox))
        except AgentmailError as exc:
            reply = Reply(req.id, error=exc)
        except Exception as exc:  # the thread boundary: a bug becomes one logged error, never a traceback
            log.exception("worker request failed")
            reply = Reply(req.id, error=InternalError.wrap(exc))
        self._post(reply)

    def _post(self, reply: Reply) -> None:
        self.replies.put(reply)
        try:
            os.write(self._wake_fd, b"r")
        except OSError:
            log.debug("wake pipe closed; the UI is gone")

    def _pause(self) -> None:
        if self._watcher is None:
            return
        try:
            self._watcher.pause()
        except AgentmailError as exc:
            self._lost(exc)

    def _resume(self) -> None:
        """Re-enter IDLE, starting a watcher when none runs (e.g. after a dropped connection)."""
        if self._folder is None or self._factory is None:
            return
        try:
            if self._watcher is None:
                watcher = self._factory(self._mailbox, self._folder)
                watcher.start()
                self._watcher = watcher
            else:
                self._watcher.resume()
        except AgentmailError as exc:
            self._lost(exc)
        except Exception as exc:
            log.exception("could not start watching")
            self._lost(InternalError.wrap(exc))

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
            self._lost(InternalError.wrap(exc))
            return
        if events:
            self._post(Reply(EVENTS_ID, value=events))

    def _lost(self, exc: AgentmailError) -> None:
        """Watching failed: tell the UI, forget the watcher; the next request or poll retries."""
        self._watcher = None
        self._post(Reply(EVENTS_ID, error=exc))
        time.sleep(0.5)  # avoid a hot loop against a server that is down

    def _drop_watcher(self) -> None:
        self._watcher = None

    def _close(self) -> None:
        try:
            self._mailbox.close()
        except Exception:  # closing a dead connection may fail; we are leaving anyway
            log.debug("closing the mailbox failed", exc_info=True)


@dataclass
class Dispatcher:
    """The UI thread's view of the worker: callbacks by id, and dropping of superseded replies."""

    submit: Callable[[Call | Watch], int]
    replies: queue.Queue[Reply]
    on_events: Callable[[Reply], None] = lambda reply: None
    on_error: Callable[[AgentmailError], None] = lambda exc: None
    _callbacks: dict[int, tuple[Callable[[Any], None], Callable[[AgentmailError], None] | None, str]] = field(
        default_factory=dict
    )
    _latest: dict[str, int] = field(default_factory=dict)

    def post(
        self, call: Call, on_done: Callable[[Any], None], *, slot: str = "",
        on_error: Callable[[AgentmailError], None] | None = None,
    ) -> int:  # fmt: skip
        """Send work to the worker; a later post in the same slot supersedes this one."""
        req_id = self.submit(call)
        self._callbacks[req_id] = (on_done, on_error, slot)
        if slot:
            self._latest[slot] = req_id
        return req_id

    def watch(self, folder: str) -> None:
        """Idle on this folder from now on."""
        self.submit(Watch(folder))

    def abandon(self, slot: str) -> None:
        """Forget the answer to whatever is pending in a slot (its reply will be dropped)."""
        self._latest.pop(slot, None)

    @property
    def busy(self) -> bool:
        """True while some request has no reply yet."""
        return bool(self._callbacks)

    def drain(self) -> int:
        """Apply every reply waiting in the queue; returns how many callbacks ran."""
        ran = 0
        while True:
            try:
                reply = self.replies.get_nowait()
            except queue.Empty:
                return ran
            ran += self._apply(reply)

    def _apply(self, reply: Reply) -> int:
        if reply.id == EVENTS_ID:
            self.on_events(reply)
            return 1
        entry = self._callbacks.pop(reply.id, None)
        if entry is None:
            return 0
        on_done, on_error, slot = entry
        if slot and self._latest.get(slot) != reply.id:
            return 0  # superseded: a newer request in this slot owns the screen now
        if slot:
            del self._latest[slot]
        if reply.error is not None:
            (on_error or self.on_error)(reply.error)
        else:
            on_done(reply.value)
        return 1


# -- named calls: the screens' way to say what they want without importing service --------------


def send_call(draft: Draft, *, answered: tuple[str, int, int] | None = None, flag: str = "\\Answered",
              drop_drafts: tuple[int, ...] = ()) -> Call:  # fmt: skip
    """Send a draft; on success mark the original (folder, uid, uidvalidity) answered or forwarded
    and remove the stored drafts this message was resumed from."""

    def call(mb: Mailbox) -> SendResult:
        from agentmail.service import sending  # lazily: SMTP and composing are not needed to start reading

        result = sending.send(mb, draft)
        if drop_drafts:
            try:
                mb.delete(mb.folder_for("drafts"), list(drop_drafts))
            except AgentmailError:
                log.warning("sent, but could not remove the old draft")
        if answered is not None:
            folder, uid, uidvalidity = answered
            try:
                mb.set_flags(folder, [uid], add=[flag], uidvalidity=uidvalidity)
            except AgentmailError:
                log.warning("sent, but could not flag the original message")
        return result

    return call


def save_draft_call(draft: Draft, *replace_uids: int) -> Call:
    """Postpone: store the draft in Drafts, replacing the stored versions it came from."""

    def call(mb: Mailbox) -> tuple[str, int | None]:
        from agentmail.service import sending

        first, rest = (replace_uids[0], list(replace_uids[1:])) if replace_uids else (None, [])
        where = sending.save_draft(mb, draft, replace_uid=first)
        if rest:
            mb.delete(where[0], rest)
        return where

    return call


def overview_call() -> Call:
    """Folders with counts and the quota, for the status line and the sidebar."""

    def call(mb: Mailbox) -> tuple[list[Any], Any]:
        folders = mb.folders()
        try:
            quota = mb.quota()
        except AgentmailError:
            quota = None
        return folders, quota

    return call


def new_mailbox(settings: Any, member: Any, *, read_only: bool) -> Mailbox:
    """The Mailbox the worker will own (not connected yet: the worker's first request connects)."""
    return Mailbox(settings, member, read_only=read_only, interactive=True)
