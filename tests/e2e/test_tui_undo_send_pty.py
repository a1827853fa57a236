"""Undo send in the reader (issue 13): a confirmed send waits AGENTMAIL_UNDO_SEND_SECONDS; u brings it back."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.test_tui import REPO_ROOT, Tui
from tests.stack.servers import Stack


@pytest.fixture
def undo_tui(stack: Stack, tmp_path: Path) -> Iterator[Callable[[str, int], Tui]]:
    """Factory: undo_tui(member, seconds) runs the reader with that undo window."""
    started: list[Tui] = []

    def start(member: str, seconds: int) -> Tui:
        env = stack.env(member)
        env.update(PATH=os.environ.get("PATH", "/usr/bin:/bin"), PYTHONPATH=str(REPO_ROOT), LANG="C.UTF-8",
                   TERM="xterm-256color", HOME=str(tmp_path), AGENTMAIL_UNDO_SEND_SECONDS=str(seconds))  # fmt: skip
        started.append(Tui(env, tmp_path))
        return started[-1]

    yield start
    for t in started:
        t.close()


def _sent_copies(stack: Stack, who: str, subject: str) -> int:
    with stack.imap(who) as client:
        client.select_folder("Sent", readonly=True)
        return len(client.search(["SUBJECT", subject]))


def _write_and_send(t: Tui, to: str, subject: str, body: str) -> None:
    t.press("m")
    t.wait_for("To:")
    t.press(to)
    t.press(b"\x0e\x0e\x0e")  # ^N ^N ^N: past Cc and Bcc to Subject
    t.press(subject)
    t.press(b"\x0e")  # the body
    t.press(body)
    t.press(b"\x18")  # ^X
    t.wait_for("(y/n)")
    t.press("y")


def test_u_during_the_window_brings_the_composer_back_and_quitting_sends_first(
    stack: Stack, member, bob: str, undo_tui
) -> None:
    who = member()
    subject = f"Undo me {uuid.uuid4().hex[:8]}"
    t = undo_tui(who, 600)
    t.wait_for("INBOX")
    _write_and_send(t, stack.address(bob), subject, "Every word kept.")
    t.wait_for("sending in")
    t.press("u")
    t.wait_for("Not sent")
    screen = t.wait_for("Every word kept.")
    assert subject in screen and stack.address(bob) in screen
    assert _sent_copies(stack, who, subject) == 0  # nothing was posted, so nothing can have gone out
    t.press(b"\x18")
    t.wait_for("(y/n)")
    t.press("y")
    t.wait_for("sending in")
    t.press(b"\x03")  # ^C during the wait: it says so and sends first
    t.wait_for("waiting to be sent")
    t.press("y")
    assert t.wait_exit(timeout=30) == 0
    assert _sent_copies(stack, who, subject) == 1
    got = stack.wait_for_message(bob, "INBOX", subject, timeout=20)
    assert b"Every word kept." in got.raw


def test_a_send_left_alone_goes_out_once_when_the_window_ends(stack: Stack, member, bob: str, undo_tui) -> None:
    who = member()
    subject = f"Wait for it {uuid.uuid4().hex[:8]}"
    t = undo_tui(who, 2)
    t.wait_for("INBOX")
    _write_and_send(t, stack.address(bob), subject, "Sent after the window.")
    t.wait_for("sending in")
    t.wait_for("Sent to 1 recipient", timeout=30)
    stack.wait_for_message(bob, "INBOX", subject, timeout=20)
    assert _sent_copies(stack, who, subject) == 1
