"""The per-member cap on concurrent agentmail sessions (every front end: one-shot, batch, mcp, watch, TUI).

A session holds an exclusive ``flock`` on one of ``AGENTMAIL_MAX_SESSIONS`` slot files under
``<state dir>/sessions/<member>/``.  The kernel drops the lock when the process ends, however it
ends (a crash, ``kill -9``, a dropped SSH connection), so a slot is never leaked; trying every slot
with a non-blocking lock makes two sessions starting at the same moment take different slots.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass

from agentmail.config import Settings
from agentmail.errors import ConfigError, TooManySessionsError
from agentmail.identity import Member


@dataclass
class SessionSlot:
    """One held slot (``fd`` is -1 when the cap is off); released by close() or by the process ending."""

    index: int
    fd: int = -1

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing the only descriptor releases the flock
            self.fd = -1


def acquire_slot(settings: Settings, member: Member) -> SessionSlot:
    """Take a free session slot for the member, or refuse with ``too_many_sessions``."""
    cap = settings.max_sessions
    if cap <= 0:
        return SessionSlot(-1)
    folder = settings.state_dir / "sessions" / member.name
    try:
        for path in (folder.parent, folder):
            if not path.is_dir():
                path.mkdir(exist_ok=True, mode=0o700)
                _owned_like_state_dir(settings, path)
    except OSError as exc:
        raise ConfigError(
            f"AGENTMAIL_STATE_DIR ({settings.state_dir}) is not writable, so sessions cannot be counted "
            f"({exc.strerror})"
        ) from None
    for index in range(cap):
        path = folder / f"slot-{index}"
        try:
            created = not path.exists()
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            if created:
                _owned_like_state_dir(settings, path)
        except OSError as exc:
            raise ConfigError(f"a session slot file in {folder} cannot be opened ({exc.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return SessionSlot(index, fd)
    raise TooManySessionsError(
        f"{member.address} already has {cap} agentmail sessions open (the limit); close one and try again",
        details={"max_sessions": cap},
    )


def _owned_like_state_dir(settings: Settings, path: os.PathLike[str]) -> None:
    """A root run (an operator's --member) leaves what it creates to the state directory's owner, the forced-command
    user, so that user's sessions can still take the slots."""
    if os.geteuid() == 0:
        owner = os.stat(settings.state_dir)
        os.chown(path, owner.st_uid, owner.st_gid)
