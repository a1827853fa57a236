"""The real program in a pseudo-terminal, read through pyte, against the real Dovecot + Postfix stack."""

from __future__ import annotations

import email
import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
import uuid
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pyte
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
COLS, ROWS = 100, 30


class Tui:
    """agentmail running on a pty; the screen is what pyte makes of the bytes it wrote."""

    def __init__(self, env: dict[str, str], tmp: Path, *, controlling_tty: bool = False) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.log = (tmp / "tui-stderr.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "agentmail"],
            stdin=slave,
            stdout=slave,
            stderr=self.log,
            env=env,
            cwd=REPO_ROOT,
            start_new_session=True,
            close_fds=True,
            # the pty as the session's controlling terminal, so closing it is a real hang-up (SIGHUP from the kernel)
            preexec_fn=(lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0)) if controlling_tty else None,
        )
        os.close(slave)
        self.master = master
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()

    def pump(self, timeout: float = 0.05) -> None:
        """Read whatever the program wrote and feed it to the terminal emulator."""
        while select.select([self.master], [], [], timeout)[0]:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.raw += data
            self.stream.feed(data)
            timeout = 0.01

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, needle: str, timeout: float = 20.0) -> str:
        """Poll the screen until needle shows (no key is pressed meanwhile)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.1)
            if needle in self.text():
                return self.text()
            if self.proc.poll() is not None:
                break
        raise AssertionError(f"{needle!r} never appeared; screen was:\n{self.text()}")

    def wait_until(self, check: Callable[[str], bool], timeout: float = 20.0) -> str:
        """Poll the screen until check(screen) holds, or the time is up; the screen either way (assert on it)."""
        deadline = time.monotonic() + timeout
        while not check(self.text()) and time.monotonic() < deadline and self.proc.poll() is None:
            self.pump(0.1)
        return self.text()

    def press(self, keys: str | bytes) -> None:
        os.write(self.master, keys.encode() if isinstance(keys, str) else keys)
        self.pump(0.2)

    def wait_exit(self, timeout: float = 10.0) -> int:
        deadline = time.monotonic() + timeout
        while self.master >= 0 and self.proc.poll() is None and time.monotonic() < deadline:
            self.pump(0.1)  # keep reading: a program blocked writing to a full pty never exits
        return self.proc.wait(timeout=max(1.0, deadline - time.monotonic()))  # hung up: only the exit to wait for

    def resize(self, cols: int, rows: int) -> None:
        """Change the window size as a terminal does (the kernel sends SIGWINCH); the emulator follows."""
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.screen.resize(rows, cols)
        self.pump(0.2)

    def hang_up(self) -> None:
        """Close the terminal's master side, as sshd does when the connection drops."""
        os.close(self.master)
        self.master = -1

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()  # only the process this test started, by its own handle
            self.proc.wait(5)
        if self.master >= 0:
            os.close(self.master)
        self.log.close()


def _message(
    subject: str, body: str = "Hello there.\n", sender: str = "Carol <carol@example.org>", to: str = ""
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to or "someone@bbs.test"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg.set_content(body)
    return bytes(msg)


@pytest.fixture
def tui(stack, tmp_path) -> Iterator[callable]:
    """Factory: tui(member) starts the program for that member; every one started is stopped."""
    started: list[Tui] = []

    def start(member: str, **extra: str) -> Tui:
        """``extra``: more environment, as a key line sets it (AGENTMAIL_SCOPE=...)."""
        env = stack.env(member)
        env.update(
            PATH=os.environ.get("PATH", "/usr/bin:/bin"),
            PYTHONPATH=str(REPO_ROOT),
            LANG="C.UTF-8",
            TERM="xterm-256color",
            HOME=str(tmp_path),
            **extra,
        )
        started.append(Tui(env, tmp_path))
        return started[-1]

    yield start
    for t in started:
        t.close()


def test_inbox_shows_newest_subject_and_q_quits_with_status_0(stack, member, tui) -> None:
    who = member()
    stack.deliver(who, _message("An older letter"))
    stack.deliver(who, _message("The newest letter"))
    t = tui(who)
    screen = t.wait_for("The newest letter")
    lines = screen.splitlines()
    newest = next(i for i, line in enumerate(lines) if "The newest letter" in line)
    older = next(i for i, line in enumerate(lines) if "An older letter" in line)
    assert newest < older
    t.press("q")
    assert t.wait_exit() == 0


def test_open_a_message_and_read_its_body(stack, member, tui) -> None:
    who = member()
    stack.deliver(who, _message("Readable", body="The body says pineapple.\n> and a quote\n"))
    t = tui(who)
    t.wait_for("Readable")
    t.press("\r")
    t.wait_for("pineapple")
    assert "From: Carol <carol@example.org>" in t.text()
    t.press("q")
    t.wait_for("Readable")


def test_reply_arrives_with_threading_headers(stack, alice, bob, tui) -> None:
    subject = f"Question {uuid.uuid4().hex[:8]}"
    raw = _message(subject, sender=f"Bob <{stack.address(bob)}>", to=stack.address(alice))
    original_id = email.message_from_bytes(raw)["Message-ID"]
    stack.deliver(alice, raw)
    t = tui(alice)
    t.wait_for(subject)
    t.press("/")
    t.press(f"subject:{subject.split()[1]}\r")
    t.wait_for("search:")
    t.press("r")
    t.wait_for("To:")
    t.press("My answer is yes.")
    t.press(b"\x18")  # ^X
    t.wait_for("(y/n)")
    t.press("y")
    t.wait_for("Sent to 1 recipient")
    got = stack.wait_for_message(bob, "INBOX", match=f"Re: {subject}", timeout=20)
    reply = email.message_from_bytes(got.raw)
    assert reply["In-Reply-To"] == original_id
    assert original_id in reply["References"]
    assert "My answer is yes." in reply.get_payload(decode=True).decode()


def test_delete_then_undo(stack, member, tui) -> None:
    who = member()
    stack.deliver(who, _message("Keep me"))
    stack.deliver(who, _message("Delete me"))
    t = tui(who)
    t.wait_for("Delete me")
    t.wait_for("INBOX unread 2")  # the folder roles arrived: until then d asks "for good" (the safe guess)
    t.press("d")
    t.wait_for("u undoes")
    assert "Delete me" not in t.text()
    t.press("u")
    t.wait_for("Undone")
    t.wait_for("Delete me")


def test_search_shows_only_matches(stack, member, tui) -> None:
    who = member()
    stack.deliver(who, _message("Invoice for March"))
    stack.deliver(who, _message("Holiday photos"))
    t = tui(who)
    t.wait_for("Holiday photos")
    t.press("/")
    t.press("subject:invoice\r")
    t.wait_for("search: subject:invoice")
    t.wait_for("Invoice for March")
    assert "Holiday photos" not in t.text()
    t.press("q")
    t.wait_for("Holiday photos")


def test_mail_delivered_while_open_appears_without_a_key(stack, member, tui) -> None:
    who = member()
    stack.deliver(who, _message("Already here"))
    t = tui(who)
    t.wait_for("Already here")
    stack.wait_idling(who)  # the worker watches the folder: what arrives now, only IDLE can tell it
    stack.deliver(who, _message("Fresh off the wire"))
    t.wait_for("Fresh off the wire", timeout=30)


def test_hostile_subject_renders_inert(stack, member, tui) -> None:
    who = member()
    hostile = "Hi\x1b]0;PWNED-TITLE\x07 there\x1b[2J\x1b[5;5Hmoved\x1b[31m"
    raw = _message("placeholder-subject").replace(b"placeholder-subject", hostile.encode())
    stack.deliver(who, raw)
    t = tui(who)
    t.wait_for("Hi there")
    assert b"PWNED-TITLE" not in t.raw and b"\x1b]0;" not in t.raw
    # urwid may clear the screen itself once at start; the message's own sequence must never be echoed
    assert b"\x1b[2J\x1b[5;5H" not in t.raw
    t.press("\r")
    t.wait_for("Subject: Hi theremoved")
    assert b"PWNED-TITLE" not in t.raw
    t.press("q")
    t.press("q")
    assert t.wait_exit() == 0


def test_survives_a_dropped_connection(stack, member, tui) -> None:
    who = member()
    stack.deliver(who, _message("Before the drop"))
    t = tui(who)
    t.wait_for("Before the drop")
    stack.wait_idling(who)  # the worker is on the connection the kick ends
    stack.kick(who)
    stack.deliver(who, _message("After the drop"))
    t.wait_for("After the drop", timeout=40)
    t.press("q")
    assert t.wait_exit() == 0


def test_hangup_restores_the_terminal(stack, member, tui) -> None:
    import signal

    who = member()
    t = tui(who)
    t.wait_for("connected")
    t.proc.send_signal(signal.SIGHUP)
    assert t.wait_exit() == 129
    assert t.raw.rstrip().endswith((b"\x1b[?1049l", b"\x1b[?25h", b"\x1b[?1000l")) or b"\x1b[?1049l" in t.raw[-200:]


def _click(col: int, row: int, button: int = 0) -> bytes:
    """An X10 mouse press at a 0-based cell, as a terminal reports it (urwid turns tracking on)."""
    return b"\x1b[M" + bytes((32 + button, 33 + col, 33 + row))


def test_search_every_folder_and_a_click_in_the_folder_pane(stack, member, tui) -> None:
    who = member()
    stack.deliver(who, _message("Invoice in the inbox"))
    stack.deliver(who, _message("Invoice filed away"), folder="Archive")
    stack.deliver(who, _message("Unrelated note"), folder="Archive")
    t = tui(who)
    t.wait_for("Invoice in the inbox")
    t.press("S")
    t.wait_for("Search every folder:")
    t.press("subject:invoice\r")
    screen = t.wait_for("Invoice filed away")
    assert "Invoice in the inbox" in screen and "Unrelated note" not in screen and "All folders" in screen
    t.press("q")
    screen = t.wait_for("Folders")
    row = next(i for i, line in enumerate(screen.splitlines()) if line.startswith("Archive"))
    t.press(_click(2, row))
    t.wait_for("Unrelated note")
    assert "Archive (2)" in t.text()


def test_postpone_then_resume_from_drafts_and_send_leaves_no_draft(stack, member, bob, tui) -> None:
    subject = f"Plan {uuid.uuid4().hex[:8]}"
    t = tui(member())  # a fresh mailbox: its Drafts must end up empty
    t.wait_for("connected")
    t.press("m")
    t.wait_for("To:")
    t.press(stack.address(bob))
    t.press(b"\x0e")  # ^N: Cc
    t.press(b"\x0e\x0e")  # Bcc, Subject
    t.press(subject)
    t.press(b"\x0e")  # the body
    t.press("first half")
    t.press(b"\x10")  # ^P: postpone
    t.wait_for("Postponed: saved in Drafts")
    t.press("c")
    t.wait_for("Change to which folder?")
    t.press("j")  # special-use folders first: INBOX, then Drafts
    t.press("\r")
    t.wait_for(subject)
    t.press("\r")  # in Drafts: edit, not read
    t.wait_for("first half")
    t.press(" and the rest")
    t.press(b"\x18")
    t.wait_for("(y/n)")
    t.press("y")
    t.wait_for("Sent to 1 recipient")
    got = stack.wait_for_message(bob, "INBOX", match=subject, timeout=20)
    assert b"first half" in got.raw and b"and the rest" in got.raw
    t.wait_for("No messages.")  # the index of Drafts is empty: the stored draft went with the send


def test_forward_as_attachment_arrives_as_message_rfc822(stack, alice, bob, tui) -> None:
    subject = f"Original {uuid.uuid4().hex[:8]}"
    stack.deliver(alice, _message(subject, body="the original words\n"))
    t = tui(alice)
    t.wait_for(subject)
    t.press(b"\x06")  # ^F
    t.wait_for("Attached: the original message")
    t.press(stack.address(bob))
    t.press(b"\x18")
    t.wait_for("(y/n)")
    t.press("y")
    t.wait_for("Sent to 1 recipient")
    got = email.message_from_bytes(stack.wait_for_message(bob, "INBOX", match=subject, timeout=20).raw)
    parts = [p.get_content_type() for p in got.walk()]
    assert "message/rfc822" in parts
