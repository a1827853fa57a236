"""A program on a pseudo-terminal, its screen read through pyte: start, wait for text, press keys, read memory."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyte

COLS, ROWS = 120, 40
KEY_ENTER = b"\r"
KEY_END = b"\x1bOF"  # xterm's kend; urwid and ncurses both read it as End
KEY_HOME = b"\x1bOH"
KEY_PGDN = b"\x1b[6~"


def _controlling_tty() -> None:
    """In the child, after setsid: make the pty (stdin) the controlling terminal; aerc opens /dev/tty."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class TimedOut(RuntimeError):
    """The awaited text never showed; the message carries the last screen."""


class Terminal:
    """One program on a pty; ``started`` is the moment just before it was spawned."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path, log: Path) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self._log = log.open("ab")
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=self._log,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
            preexec_fn=_controlling_tty,
        )
        os.close(slave)
        self.master = master

    def pump(self, timeout: float) -> None:
        """Feed whatever the program wrote within `timeout` to the emulator."""
        while select.select([self.master], [], [], timeout)[0]:
            try:
                data = os.read(self.master, 1 << 16)
            except OSError:
                return
            if not data:
                return
            self.stream.feed(data)
            timeout = 0

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, pattern: str, timeout: float = 120.0, since: float | None = None) -> float:
        """Seconds from `since` (default: the spawn) until the regex shows on the screen."""
        rx = re.compile(pattern)
        start = self.started if since is None else since
        deadline = time.perf_counter() + timeout
        while True:
            self.pump(0.005)
            if rx.search(self.text()):
                return time.perf_counter() - start
            if self.proc.poll() is not None or time.perf_counter() > deadline:
                raise TimedOut(f"{pattern!r} never appeared; the screen was:\n{self.text()}")

    def wait_gone(self, pattern: str, timeout: float = 30.0) -> None:
        """Wait until the regex is no longer on the screen."""
        rx = re.compile(pattern)
        deadline = time.perf_counter() + timeout
        while rx.search(self.text()):
            self.pump(0.005)
            if time.perf_counter() > deadline:
                raise TimedOut(f"{pattern!r} stayed on the screen:\n{self.text()}")

    def press(self, key: bytes) -> float:
        """Send a key and return the moment it was sent."""
        os.write(self.master, key)
        return time.perf_counter()

    def peak_rss_kib(self) -> int:
        """VmHWM of the program (the kernel's high-water mark of its resident set)."""
        return status_kib(self.proc.pid, "VmHWM")

    def close(self, quit_keys: bytes = b"", timeout: float = 5.0) -> None:
        """Ask the program to quit with its own keys, else end it (only this process group, by its id)."""
        if quit_keys and self.proc.poll() is None:
            with contextlib.suppress(OSError):
                os.write(self.master, quit_keys)
            deadline = time.perf_counter() + timeout
            while self.proc.poll() is None and time.perf_counter() < deadline:
                self.pump(0.05)
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(3)
        with contextlib.suppress(OSError):
            os.close(self.master)
        self._log.close()


def status_kib(pid: int, field: str) -> int:
    """A kB field of /proc/<pid>/status (VmHWM, VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0
