"""The per-member cap on concurrent agentmail sessions (every front end: one-shot, batch, mcp, watch, TUI).

A session holds an exclusive ``flock`` on one of ``AGENTMAIL_MAX_SESSIONS`` slot files under
``<state dir>/sessions/<member>/``.  The kernel drops the lock when the process ends, however it
ends (a crash, ``kill -9``, a dropped SSH connection), so a slot is never leaked; trying every slot
with a non-blocking lock makes two sessions starting at the same moment take different slots.
Files are made through :class:`StateDir`, so a root run leaves them to the forced-command user.
"""

from __future__ import annotations

from dataclasses import dataclass

from agentmail.config import Settings
from agentmail.errors import TooManySessionsError
from agentmail.identity import Member
from agentmail.service.state import LockedFile, StateDir


@dataclass
class SessionSlot:
    """One held slot (no lock when the cap is off); released by close() or by the process ending."""

    index: int
    lock: LockedFile | None = None

    def close(self) -> None:
        if self.lock is not None:
            self.lock.close()  # closing the only descriptor releases the flock
            self.lock = None


def acquire_slot(settings: Settings, member: Member) -> SessionSlot:
    """Take a free session slot for the member, or refuse with ``too_many_sessions``."""
    cap = settings.max_sessions
    if cap <= 0:
        return SessionSlot(-1)
    state = StateDir(settings)
    for index in range(cap):
        lock = state.try_lock("sessions", member.name, f"slot-{index}")
        if lock is not None:
            return SessionSlot(index, lock)
    raise TooManySessionsError(
        f"{member.address} already has {cap} agentmail sessions open (the limit); close one and try again",
        details={"max_sessions": cap},
    )
