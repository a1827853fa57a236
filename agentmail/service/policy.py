"""Per-member sending limits, shared by every concurrent session of that member.

State is one small file per member under ``AGENTMAIL_STATE_DIR`` (``sends/<member>``),
holding the timestamps of recent sends; an exclusive ``flock`` makes check-and-record
atomic across processes (several SSH sessions and agents of one member at once).
The file is created through ``state.StateDir``, so a root run leaves it usable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from agentmail.config import Settings
from agentmail.errors import RateLimitedError
from agentmail.service.state import LockedFile, StateDir

DAY = 86400.0
HOUR = 3600.0


class SendLimiter:
    """Reserve a send slot under the hourly and daily limits, or refuse with rate_limited."""

    def __init__(self, settings: Settings, member: str, *, clock: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._state = StateDir(settings)
        self._member = member
        self._clock = clock

    @property
    def enabled(self) -> bool:
        return bool(self._settings.send_per_hour or self._settings.send_per_day)

    def reserve(self) -> float | None:
        """Record one send now if the limits allow it; return its stamp for release()."""
        if not self.enabled:
            return None
        now = self._clock()
        with self._state.locked("sends", self._member) as handle:
            stamps = _recent(handle.read(), now)
            last_hour = sum(1 for s in stamps if now - s < HOUR)
            per_hour, per_day = self._settings.send_per_hour, self._settings.send_per_day
            if per_hour and last_hour >= per_hour:
                raise RateLimitedError(f"you have sent {last_hour} messages in the last hour; the limit is {per_hour}")
            if per_day and len(stamps) >= per_day:
                raise RateLimitedError(f"you have sent {len(stamps)} messages in the last day; the limit is {per_day}")
            stamps.append(now)
            _rewrite(handle, stamps)
        return now

    def release(self, stamp: float | None) -> None:
        """Give back a slot whose send failed."""
        if stamp is None:
            return
        with self._state.locked("sends", self._member) as handle:
            stamps = _recent(handle.read(), self._clock())
            if stamp in stamps:
                stamps.remove(stamp)
            _rewrite(handle, stamps)


def _recent(data: bytes, now: float) -> list[float]:
    out = []
    for line in data.decode("ascii", "replace").split():
        try:
            stamp = float(line)
        except ValueError:
            continue
        if now - DAY < stamp <= now + 60:
            out.append(stamp)
    return out


def _rewrite(handle: LockedFile, stamps: list[float]) -> None:
    handle.write("".join(f"{s:.6f}\n" for s in stamps).encode("ascii"))


def state_file(settings: Settings, member: str) -> Path:
    """Where a member's send stamps live (for doctor and tests)."""
    return settings.state_dir / "sends" / member
