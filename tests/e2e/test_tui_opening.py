"""The reader's overlapped start in a pseudo-terminal: a login that fails while urwid loads ends the start cleanly."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_tui import REPO_ROOT, Tui


@pytest.fixture
def started(tmp_path: Path) -> Iterator[list[Tui]]:
    """Every Tui a test starts, stopped afterwards."""
    tuis: list[Tui] = []
    yield tuis
    for t in tuis:
        t.close()


def _env(stack, who: str, tmp_path: Path, **override: str) -> dict[str, str]:
    env = stack.env(who)
    env.update(PATH=os.environ.get("PATH", "/usr/bin:/bin"), PYTHONPATH=str(REPO_ROOT), LANG="C.UTF-8",
               TERM="xterm-256color", HOME=str(tmp_path), **override)  # fmt: skip
    return env


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("override", "code", "status"),
    [
        ({"AGENTBBS_MAIL_MASTER_PASS": "not-the-master-password"}, "auth_failed", 77),
        ({"AGENTBBS_MAIL_IMAP_ADDR": "closed"}, "unavailable", 69),
    ],
    ids=["refused-login", "no-server"],
)
def test_a_failed_login_ends_the_start_with_one_sentence_and_its_status(
    stack, member, tmp_path, started, override, code, status
) -> None:
    if override.get("AGENTBBS_MAIL_IMAP_ADDR") == "closed":
        override = {"AGENTBBS_MAIL_IMAP_ADDR": f"127.0.0.1:{_closed_port()}"}
    t = Tui(_env(stack, member(), tmp_path, **override), tmp_path)
    started.append(t)
    assert t.wait_exit(timeout=30) == status
    screen = t.text()
    assert f'"code": "{code}"' in screen
    assert "Traceback" not in screen and b"Traceback" not in (tmp_path / "tui-stderr.log").read_bytes()
    assert b"\x1b[?1049h" not in t.raw  # the reader never took the screen over


def test_the_first_screen_comes_from_the_overlapped_start(stack, member, tmp_path, started) -> None:
    from tests.e2e.test_tui import _message

    who = member()
    for n in range(60):
        stack.deliver(who, _message(f"Overlap {n:02d}"))
    t = Tui(_env(stack, who, tmp_path), tmp_path)
    started.append(t)
    t.wait_for("Overlap 59")
    t.wait_for("connected")
    assert "Overlap 35" in t.text()  # the whole first screen, not placeholders
    t.press("q")
    assert t.wait_exit() == 0
