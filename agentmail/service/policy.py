"""Per-member sending limits, shared by every concurrent session of that member.

State is one small file per member under ``AGENTMAIL_STATE_DIR``, holding the
timestamps of recent sends; an exclusive ``flock`` makes check-and-record atomic
across processes (several SSH sessions and agents of one member at once).
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from agentmail.config import Settings
from agentmail.errors import ConfigError, RateLimitedError

DAY = 86400.0
HOUR = 3600.0


class SendLimiter:
    """Reserve a send slot under the hourly and daily limits, or refuse with rate_limited."""

    def __init__(self, settings: Settings, member: str, *, clock: callable = time.time) -> None:  # type: ignore[valid-type]
        self._settings = settings
        self._path = settings.state_dir / "sends" / member
        self._clock = clock

    @property
    def enabled(self) -> bool:
        return bool(self._settings.send_per_hour or self._settings.send_per_day)

    def reserve(self) -> float | None:
        """Record one send now if the limits allow it; return its stamp for release()."""
        if not self.enabled:
            return None
        now = self._clock()
        with self._locked() as handle:
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
        with self._locked() as handle:
            stamps = _recent(handle.read(), self._clock())
            if stamp in stamps:
                stamps.remove(stamp)
            _rewrite(handle, stamps)

    def _locked(self) -> _LockedFile:
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise ConfigError(
                f"AGENTMAIL_STATE_DIR ({self._settings.state_dir}) is not writable, so send limits cannot be kept "
                f"({exc.strerror})"
            ) from None
        return _LockedFile(fd)


class _LockedFile:
    def __init__(self, fd: int) -> None:
        self._fd = fd

    def __enter__(self) -> _LockedFile:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)

    def read(self) -> str:
        os.lseek(self._fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(self._fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks).decode("ascii", "replace")

    def write(self, text: str) -> None:
        os.lseek(self._fd, 0, os.SEEK_SET)
        os.ftruncate(self._fd, 0)
        os.write(self._fd, text.encode("ascii"))


def _recent(text: str, now: float) -> list[float]:
    out = []
    for line in text.split():
        try:
            stamp = float(line)
        except ValueError:
            continue
        if now - DAY < stamp <= now + 60:
            out.append(stamp)
    return out


def _rewrite(handle: _LockedFile, stamps: list[float]) -> None:
    handle.write("".join(f"{s:.6f}\n" for s in stamps))


def state_file(settings: Settings, member: str) -> Path:
    """Where a member's send stamps live (for doctor and tests)."""
    return settings.state_dir / "sends" / member
