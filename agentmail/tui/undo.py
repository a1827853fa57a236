"""Undo send: a confirmed send in the reader waits ``AGENTMAIL_UNDO_SEND_SECONDS`` before it is posted.

Meanwhile the status line counts down and ``u`` brings the composer back with everything in it; nothing
has reached the worker, so nothing can have gone out.  Quitting during the wait says so and sends first:
a held message is never dropped, and never sent later without the member seeing it.  When the count
reaches zero the composer posts its send as it always does (a failure brings it back on screen).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

#: What a held send does when released: post the send, then call ``then`` once it went out.
Release = Callable[[Callable[[], None] | None], None]


class HeldSend:
    """One confirmed send waiting out its undo window (each held send keeps a window of its own)."""

    def __init__(self, composer: Any, release: Release, seconds: float, loop: Any, on_tick: Callable[[], None]):
        self.composer, self._release, self._loop, self._on_tick = composer, release, loop, on_tick
        self.deadline = time.monotonic() + seconds
        self._alarm: Any = None
        self.done = False
        self._arm()

    def left(self) -> int:
        """Whole seconds until it is sent (what the status line shows)."""
        return max(0, math.ceil(self.deadline - time.monotonic()))

    def status(self) -> str:
        return f"sending in {self.left()}s (u: undo)"

    def _arm(self) -> None:
        wait = self.deadline - time.monotonic()
        self._alarm = self._loop.set_alarm_in(min(1.0, max(0.0, wait)), self._tick)

    def _tick(self, _loop: Any = None, _data: Any = None) -> None:
        if self.done:
            return
        if self.deadline - time.monotonic() <= 0:
            self.send_now()
        else:
            self._arm()
        self._on_tick()

    def send_now(self, then: Callable[[], None] | None = None) -> None:
        """Post the send at once (the window ran out, or the member is leaving)."""
        if self.done:
            return
        self._stop()
        self._release(then)

    def cancel(self) -> Any:
        """Undo: nothing was posted; answer the composer to show again."""
        self._stop()
        return self.composer

    def _stop(self) -> None:
        self.done = True
        if self._alarm is not None:
            self._loop.remove_alarm(self._alarm)
            self._alarm = None


class UndoSend:
    """The app's side of undo send (a mixin of tui/app.App, which provides the Host methods used here)."""

    undo_send_seconds: int
    loop: Any
    held: HeldSend | None  # the most recent held send: what u brings back first
    earlier_held: list[HeldSend]  # older ones still in their windows, oldest first
    stack: list[Any]
    frame: Any
    pop: Callable[[Any], None]
    push: Callable[[Any], None]
    notify: Callable[..., None]
    refresh_status: Callable[[], None]
    _takes_paste: Callable[[], bool]

    def hold_send(self, composer: Any, release: Any) -> bool:
        """Hold a confirmed send for the undo window (False: no window, send now).

        A send confirmed while another is held is held too, with a window of its own: ``u`` brings back the most
        recent first, then the one before it.
        """
        if self.undo_send_seconds <= 0 or self.loop is None:
            return False
        if self.held is not None:
            self.earlier_held.append(self.held)  # it keeps counting down on its own alarm
        mine: list[HeldSend] = []
        self.held = HeldSend(composer, self._released(release, mine), self.undo_send_seconds, self.loop,
                             self.refresh_status)  # fmt: skip
        mine.append(self.held)
        self.pop(composer)
        self.notify(f"Sending in {self.undo_send_seconds}s: u undoes it.")
        return True

    def all_held(self) -> list[HeldSend]:
        """Every held send, oldest first."""
        return [*self.earlier_held, *([self.held] if self.held is not None else [])]

    def held_status(self) -> str:
        """The status line's words for the held sends ("" when none)."""
        if self.held is None:
            return ""
        more = len(self.earlier_held)
        return self.held.status() + (f" +{more} more" if more else "")

    def send_all_held(self, then: Callable[[], None] | None = None) -> None:
        """Post every held send now (leaving, or a hang-up); ``then`` runs once the last one went out."""
        waiting = self.all_held()
        left = [len(waiting)]

        def one_sent() -> None:
            left[0] -= 1
            if left[0] == 0 and then is not None:
                then()

        for held in waiting:
            held.send_now(then=one_sent)

    def _forget(self, held: HeldSend) -> None:
        if self.held is held:
            self.held = self.earlier_held.pop() if self.earlier_held else None
        elif held in self.earlier_held:
            self.earlier_held.remove(held)

    def _released(self, release: Any, mine: list[HeldSend]) -> Any:
        def go(then: Any) -> None:
            self._forget(mine[0])
            release(then)
            self.refresh_status()

        return go

    def held_back(self, composer: Any) -> None:
        """A held send failed once posted: its composer comes back with the error."""
        if composer not in self.stack:
            self.push(composer)

    def _undo_key(self, keys_in: list[Any]) -> list[Any]:
        """``u`` while a send is held (and no text field or prompt has the keys): bring the composer back."""
        if self.held is None or "u" not in keys_in or self._takes_paste() or self.frame.focus_position == "footer":
            return keys_in
        self.action_undo_send()
        return [k for k in keys_in if k != "u"]

    def action_undo_send(self) -> None:
        if self.held is None:
            self.notify("No message is waiting to be sent.")
            return
        held = self.held
        composer = held.cancel()
        self._forget(held)
        self.push(composer)
        self.notify("Not sent: the message is back in the composer.")
