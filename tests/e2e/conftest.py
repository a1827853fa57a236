"""Fixtures of the end-to-end tests: one real sshd per run with agentmail as its forced command, and the
pseudo-terminal runner (start the real program for a member, stop every one started)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.test_tui import REPO_ROOT, Tui
from tests.stack.servers import Stack
from tests.stack.sshd import SshServer


@pytest.fixture(scope="session")
def sshd(stack: Stack, alice: str) -> Iterator[SshServer]:
    """One sshd per run (and one venv install), stopped by PID at the end.

    Its directory is its own, not pytest's basetemp: another pytest run makes that 0700 again, and the
    forced-command user must keep reaching the venv and the config file.
    """
    base = Path(tempfile.mkdtemp(prefix="agentmail-sshd-"))
    server = SshServer(base, stack.env(None))
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def run_tui(stack, tmp_path) -> Iterator[Callable[..., Tui]]:
    """Factory: run_tui(member, **env) starts agentmail on a pty (extra environment variables as keywords).

    ``controlling_tty=True`` makes the pty the program's controlling terminal, so ``hang_up()`` is a real one.
    """
    started: list[Tui] = []

    def start(member: str, *, controlling_tty: bool = False, **extra: str) -> Tui:
        env = stack.env(member)
        env.update(PATH=os.environ.get("PATH", "/usr/bin:/bin"), PYTHONPATH=str(REPO_ROOT), LANG="C.UTF-8",
                   TERM="xterm-256color", HOME=str(tmp_path), **extra)  # fmt: skip
        started.append(Tui(env, tmp_path, controlling_tty=controlling_tty))
        return started[-1]

    yield start
    for t in started:
        t.close()
