"""Editing in the real program on a pty, against the real stack: bracketed paste and ^C (issue 15, 3 and 12)."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import uuid
from collections.abc import Iterator

import pytest

from tests.e2e.test_tui import REPO_ROOT, Tui

PASTE_ON, PASTE_OFF = b"\x1b[?2004h", b"\x1b[?2004l"


def paste(text: str) -> bytes:
    """What a terminal in bracketed-paste mode sends for a paste."""
    return b"\x1b[200~" + text.encode() + b"\x1b[201~"


@pytest.fixture
def tui(stack, tmp_path) -> Iterator[callable]:
    """Factory: tui(member) starts the program for that member; every one started is stopped."""
    started: list[Tui] = []

    def start(member: str) -> Tui:
        env = stack.env(member)
        env.update(PATH=os.environ.get("PATH", "/usr/bin:/bin"), PYTHONPATH=str(REPO_ROOT), LANG="C.UTF-8",
                   TERM="xterm-256color", HOME=str(tmp_path))  # fmt: skip
        started.append(Tui(env, tmp_path))
        return started[-1]

    yield start
    for t in started:
        t.close()


def _compose_to(t: Tui, address: str) -> None:
    """m, then the address in To:, then ^N to Subject."""
    t.press("m")
    t.wait_for("To:")
    t.press(address)
    t.press(b"\x0e\x0e\x0e")  # ^N ^N ^N: Cc, Bcc, Subject


def test_a_paste_with_tabs_and_newlines_is_text_never_a_field_switch(stack, alice, bob, tui) -> None:
    subject = f"Pasted {uuid.uuid4().hex[:8]}"
    t = tui(alice)
    t.wait_for("connected")
    assert PASTE_ON in t.raw  # bracketed paste is on from the start
    _compose_to(t, stack.address(bob))
    t.press(paste(f"{subject}\r\nsecond line of the title"))  # a one-line field: the newline is a space
    t.press(b"\x0e")  # ^N: the body
    t.press(paste("with\ttab\rnext line\r"))  # terminals send a pasted line break as CR
    t.wait_for("next line")
    screen = t.text()
    assert f"To: {stack.address(bob)}" in screen and "tab" not in screen.split("Subject:")[0]
    t.press(b"\x18")  # ^X
    t.wait_for("(y/n)")
    t.press("y")
    t.wait_for("Sent to 1 recipient")
    got = email.message_from_bytes(
        stack.wait_for_message(bob, "INBOX", match=subject, timeout=20).raw, policy=email.policy.default
    )
    assert got["To"] == stack.address(bob)
    assert got["Subject"] == f"{subject} second line of the title"
    assert "with\ttab\nnext line" in got.get_content().replace("\r\n", "\n")


def test_a_paste_on_the_message_list_runs_no_command(stack, member, tui) -> None:
    who = member()
    t = tui(who)
    t.wait_for("connected")
    t.press(paste("m?c"))  # as keys: compose, help, folders
    t.wait_for("Paste ignored")
    assert "To:" not in t.text() and "Change to which folder" not in t.text()


def test_ctrl_c_asks_saves_the_message_to_drafts_and_help_says_so(stack, member, bob, tui) -> None:
    subject = f"Unfinished {uuid.uuid4().hex[:8]}"
    who = member()
    t = tui(who)
    t.wait_for("connected")
    t.press("?")
    t.wait_for("^C                 Leave agentmail, after a y (a message being written is")
    t.press("q")
    _compose_to(t, stack.address(bob))
    t.press(subject)
    t.press(b"\x0e")
    t.press("half a thought")
    t.press(b"\x03")  # ^C
    t.wait_for("Leave agentmail? The message being written is saved to Drafts first. (y/n)")
    t.press("n")  # no: back to writing, nothing lost
    t.press(" and the rest")
    t.wait_for("half a thought and the rest")
    t.press(b"\x03")
    t.wait_for("(y/n)")
    t.press("y")
    assert t.wait_exit() == 0
    assert PASTE_OFF in t.raw[t.raw.rindex(PASTE_ON) :]  # the terminal is given back with paste mode off
    saved = stack.wait_for_message(who, "Drafts", match=subject, timeout=20)
    assert b"half a thought and the rest" in saved.raw


def test_hangup_while_writing_turns_bracketed_paste_off(stack, member, tui) -> None:
    t = tui(member())
    t.wait_for("connected")
    t.press("m")
    t.wait_for("To:")
    t.proc.send_signal(signal.SIGHUP)
    assert t.wait_exit() == 129
    assert PASTE_OFF in t.raw[t.raw.rindex(PASTE_ON) :]
