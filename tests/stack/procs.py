"""Process and file-system helpers for the test stack: ports, PIDs, banners, Postfix directories."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    """A loopback port nobody listens on right now (the production ports are never assumed free)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tail(path: Path, lines: int = 40) -> str:
    """Last lines of a log file, for error messages."""
    if not path.exists():
        return f"({path} does not exist)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def kill_pid(pid: int, timeout: float = 10.0) -> None:
    """SIGTERM one process, wait for it to go, SIGKILL if it does not."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while alive(pid):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            deadline += timeout
        time.sleep(0.02)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reap our own child (dovecot -F) so no zombie is left


def reap(proc: subprocess.Popen[bytes]) -> None:
    """Kill a test's child process if it still runs, wait for it and close its pipes (no ResourceWarning)."""
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(BrokenPipeError):
                stream.close()


def kill_all(pids: dict[str, int]) -> None:
    """Finalizer/atexit guard: no daemon outlives the test run."""
    for name in list(pids):
        kill_pid(pids.pop(name))


def ensure_traversable(path: Path) -> None:
    """Let the mail/dovecot/postfix users reach files under `path`: add o+x (not read) to our own private ancestors.

    pytest's basetemp (/tmp/pytest-of-root/…) is 0700; pytest re-privatises it on its next run.
    """
    me = os.getuid()
    for d in [path, *path.parents]:
        st = d.stat()
        if st.st_uid == me and not st.st_mode & 0o001:
            d.chmod((st.st_mode & 0o7777) | 0o011)


def wait_banner(port: int, prefix: bytes, timeout: float, alive: Callable[[], bool]) -> str | None:
    """Wait until a server on the port greets with `prefix`; None on success, else why not."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if not alive():
            return "the process exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
                greeting = s.recv(512)
                if greeting.startswith(prefix):
                    return None
                last = f"unexpected greeting {greeting!r}"
        except OSError as e:
            last = str(e)
        time.sleep(0.05)
    return f"timed out: {last}"


def make_queue_dirs(queue: Path, postfix_uid: int, postdrop_gid: int) -> None:
    """What `postfix post-install create-missing` makes, in milliseconds instead of two seconds."""
    private = (
        "active",
        "bounce",
        "corrupt",
        "defer",
        "deferred",
        "flush",
        "hold",
        "incoming",
        "private",
        "saved",
        "trace",
    )
    layout = [(name, postfix_uid, 0, 0o700) for name in private]
    layout += [("maildrop", postfix_uid, postdrop_gid, 0o730), ("public", postfix_uid, postdrop_gid, 0o710)]
    layout += [("pid", 0, 0, 0o755)]
    for name, uid, gid, mode in layout:
        d = queue / name
        d.mkdir(exist_ok=True)
        os.chown(d, uid, gid)
        d.chmod(mode)


def postfix_daemon_dir() -> Path:
    """Where master(8) lives (Debian: /usr/lib/postfix/sbin)."""
    out = subprocess.run(["postconf", "-dh", "daemon_directory"], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def register_alternate_config(config_dir: Path) -> None:
    """Add config_dir to alternate_config_directories in /etc/postfix/main.cf, once (Postfix requires it there)."""
    main_cf = Path("/etc/postfix/main.cf")
    lines = main_cf.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("alternate_config_directories"):
            if str(config_dir) in line.split("=", 1)[1].replace(",", " ").split():
                return
            lines[i] = f"{line} {config_dir}"
            break
    else:
        lines.append(f"alternate_config_directories = {config_dir}")
    main_cf.write_text("\n".join(lines) + "\n")
