"""The UI thread's side of the worker: posting typed requests, and applying their replies on the main thread.

Each posted request gets an id; its one reply comes back through a queue (the
worker writes a wake-up byte to urwid's ``watch_pipe``) and is handed to the
callback the screen gave.  A reply for a request superseded in its slot is
dropped by its id.  This module imports no service code, only plain data.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentmail.errors import AgentmailError
from agentmail.tui.requests import Request

EVENTS_ID = 0  # the id of unsolicited replies (change events, connection state)


@dataclass(frozen=True)
class Job:
    """A request on its way to the worker, with the id its reply will carry."""

    id: int
    request: Request[Any]


@dataclass(frozen=True)
class Reply:
    """The one answer to a request (or, with id 0, change events or connection news nobody asked for)."""

    id: int
    value: Any = None
    error: AgentmailError | None = None


@dataclass(frozen=True)
class Watch:
    """A control message, not a request: idle on this folder from now on (no reply)."""

    folder: str


Callbacks = tuple[Callable[[Any], None], Callable[[AgentmailError], None] | None, str]


@dataclass
class Dispatcher:
    """Callbacks by id, and dropping of superseded replies."""

    submit: Callable[[Request[Any] | Watch], int]
    replies: queue.Queue[Reply]
    on_events: Callable[[Reply], None] = lambda reply: None
    on_error: Callable[[AgentmailError], None] = lambda exc: None
    _callbacks: dict[int, Callbacks] = field(default_factory=dict)
    _latest: dict[str, int] = field(default_factory=dict)

    def post(
        self, request: Request[Any], on_done: Callable[[Any], None], *, slot: str = "",
        on_error: Callable[[AgentmailError], None] | None = None,
    ) -> int:  # fmt: skip
        """Send a request to the worker; a later post in the same slot supersedes this one."""
        req_id = self.submit(request)
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
