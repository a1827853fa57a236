"""The state directory (``AGENTMAIL_STATE_DIR``): files shared by every session of every member.

sshd runs agentmail as one forced-command user (``AGENTMAIL_SSH_USER``), and every
session of every member must be able to open what any other run left here, an
operator's run as root included.  So everything created here takes the owner of
the state directory: a root run creates a file or directory and then chowns it
to that owner (and repairs a root-owned one an older version left), and creates a
missing state directory for the forced-command user.  Refusing root runs instead
would stop an operator from sending for a member while sharing that member's
limits and idempotency keys; taking the owner keeps both working.

Every read-modify-write holds an ``flock`` (``locked``); whole-file updates go
through ``write_atomic`` (a temporary file, fsync, rename), so a reader sees the
old or the new content, never half of it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import stat
from collections.abc import Iterator
from pathlib import Path

from agentmail.config import Settings
from agentmail.errors import ConfigError

DIR_MODE = 0o700
FILE_MODE = 0o600


class StateDir:
    """Paths under the state directory, created with its owner; parts are single names, never paths."""

    def __init__(self, settings: Settings) -> None:
        self.root = Path(settings.state_dir)
        self.ssh_user = settings.ssh_user

    # -- paths and ownership -----------------------------------------------------------------------------------------

    def path(self, *parts: str) -> Path:
        """The path of a file or directory under the root; a part is one plain name."""
        for part in parts:
            if not part or part in (".", "..") or "/" in part or "\0" in part:
                raise ValueError(f"not a plain file name: {part!r}")
        return self.root.joinpath(*parts)

    def owner(self) -> tuple[int, int]:
        """The state directory's (uid, gid), creating the directory for the forced-command user if it is missing."""
        try:
            st = self.root.stat()
        except FileNotFoundError:
            self._create_root()
            st = self.root.stat()
        except OSError as exc:
            raise self._error(exc) from None
        if not stat.S_ISDIR(st.st_mode):
            raise ConfigError(f"AGENTMAIL_STATE_DIR ({self.root}) is not a directory")
        return st.st_uid, st.st_gid

    def directory(self, *parts: str) -> Path:
        """Make sure a directory (and its parents under the root) exists, owned like the root."""
        uid, gid = self.owner()
        current = self.root
        for part in parts:
            current = self.path(*current.relative_to(self.root).parts, part)
            try:
                current.mkdir(mode=DIR_MODE)
            except FileExistsError:
                pass
            except OSError as exc:
                raise self._error(exc) from None
            else:
                self._give(current, uid, gid)
        return current

    # -- files -------------------------------------------------------------------------------------------------------

    def open(self, *parts: str, create: bool = True) -> int:
        """Open a file read-write (created owned like the root, mode 600); return the descriptor."""
        uid, gid = self.owner()
        if len(parts) > 1:
            self.directory(*parts[:-1])
        path = self.path(*parts)
        flags = os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW | (os.O_CREAT if create else 0)
        try:
            fd = os.open(path, flags, FILE_MODE)
        except OSError as exc:
            raise self._error(exc) from None
        if os.geteuid() == 0:
            st = os.fstat(fd)
            if (st.st_uid, st.st_gid) != (uid, gid):
                os.fchown(fd, uid, gid)  # new, or left root-owned by an older version
        return fd

    @contextlib.contextmanager
    def locked(self, *parts: str) -> Iterator[LockedFile]:
        """Hold an exclusive flock on a state file (created if missing) for the duration of the block."""
        fd = self.open(*parts)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield LockedFile(fd)
        finally:
            os.close(fd)  # closing the last descriptor releases the lock

    def try_lock(self, *parts: str) -> LockedFile | None:
        """Take an exclusive flock without waiting (None when another process holds it); close() releases it.

        For slots held as long as a session lives (a lock dies with its process, so a crash frees the slot).
        """
        fd = self.open(*parts)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return LockedFile(fd)

    def read(self, *parts: str) -> bytes | None:
        """The whole file, or None when it does not exist."""
        try:
            return self.path(*parts).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._error(exc) from None

    def write_atomic(self, *parts: str, data: bytes) -> None:
        """Replace a file's content all at once: a temporary file beside it, fsync, rename."""
        uid, gid = self.owner()
        folder = self.directory(*parts[:-1])
        target = self.path(*parts)
        tmp = folder / f".{parts[-1]}.{os.getpid()}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | os.O_NOFOLLOW, FILE_MODE)
            try:
                if os.geteuid() == 0:
                    os.fchown(fd, uid, gid)
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise self._error(exc) from None

    def remove(self, *parts: str) -> None:
        """Delete a file if it is there."""
        try:
            self.path(*parts).unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise self._error(exc) from None

    # -- internals ---------------------------------------------------------------------------------------------------

    def _create_root(self) -> None:
        """A missing state directory: the forced-command user creates its own; root creates it for that user."""
        try:
            self.root.parent.mkdir(parents=True, exist_ok=True)
            self.root.mkdir(mode=DIR_MODE, exist_ok=True)
        except OSError as exc:
            raise self._error(exc) from None
        if os.geteuid() == 0:
            try:
                entry = pwd.getpwnam(self.ssh_user)
            except KeyError:
                with contextlib.suppress(OSError):
                    self.root.rmdir()
                raise ConfigError(
                    f"AGENTMAIL_STATE_DIR ({self.root}) does not exist and AGENTMAIL_SSH_USER ({self.ssh_user}) "
                    "is not a user here, so it cannot be created for the forced-command user"
                ) from None
            self._give(self.root, entry.pw_uid, entry.pw_gid)

    def _give(self, path: Path, uid: int, gid: int) -> None:
        if os.geteuid() == 0:
            try:
                os.chown(path, uid, gid, follow_symlinks=False)
            except OSError as exc:
                raise self._error(exc) from None

    def _error(self, exc: OSError) -> ConfigError:
        return ConfigError(
            f"AGENTMAIL_STATE_DIR ({self.root}) cannot be used ({exc.strerror or type(exc).__name__}); "
            f"it must belong to the forced-command user {self.ssh_user} (see agentmail doctor)"
        )


class LockedFile:
    """A state file held under flock: read and rewrite it in place."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def read(self) -> bytes:
        os.lseek(self.fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(self.fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        """Release the lock (closing the descriptor)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def write(self, data: bytes) -> None:
        os.lseek(self.fd, 0, os.SEEK_SET)
        os.ftruncate(self.fd, 0)
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]
