"""Shared by the pseudo-terminal tests: start the real program for a member, stop every one started."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from tests.e2e.test_tui import REPO_ROOT, Tui


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
