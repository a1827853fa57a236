"""The TUI half of "Reading real-world mail": every hostile corpus message through the real parse path
and the real pager, at 80x24 and 120x40, with nothing on screen that a terminal would obey.

The headless tests need no server: ``parse_message`` (what the worker's ``Mailbox.read`` ends in) feeds
``PagerScreen`` inside the real app frame.  The last test opens a hostile message in the real program
on a pseudo-terminal against the real Dovecot and checks the bytes written to the terminal.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import urwid

from agentmail.mime.parse import parse_message
from agentmail.mime.sanitize import is_terminal_safe
from agentmail.model import Folder, Message
from agentmail.tui.app import App
from agentmail.tui.requests import Overview
from agentmail.tui.screens.index import IndexScreen
from agentmail.tui.screens.pager import PagerScreen
from tests.corpus import generate
from tests.e2e.test_tui import REPO_ROOT, Tui

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SIZES = ((80, 24), (120, 40))
# Anything a terminal acts on or that hides/reorders text: C0 (but nothing is allowed, not even tab), DEL, C1, bidi.
FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _corpus() -> list[tuple[str, Callable[[], bytes]]]:
    files = [(path.name, (lambda p=path: p.read_bytes())) for path in sorted(CORPUS.glob("*.eml"))]
    return files + [(f"generated:{name}", make) for name, make in generate.GENERATED.items()]


CASES = _corpus()


def _assert_clean(rows: list[bytes], where: str) -> None:
    for number, row in enumerate(rows):
        line = row.decode("utf-8")  # urwid renders text as UTF-8; a decode error would itself be a failure
        assert is_terminal_safe(line), f"{where}: row {number} is not terminal-safe: {line!r}"
        assert not FORBIDDEN.search(line), f"{where}: row {number} has a control or bidi character: {line!r}"


def _app_with_pager(message: Message) -> tuple[App, PagerScreen]:
    app = App("member@example.org", webmail_url="https://mail.example.org")
    app.open_folder("INBOX")  # no dispatcher: nothing is posted anywhere
    app._overview(Overview((Folder("INBOX", "inbox", 1, 1), Folder("Trash", "trash"))))
    assert isinstance(app.stack[0], IndexScreen)
    pager = PagerScreen(app, "INBOX", message.uid, message.uidvalidity)
    app.push(pager)
    pager.show(message)
    return app, pager


def _every_row_of(pager: PagerScreen, cols: int) -> list[bytes]:
    """Every line the pager can scroll to (each walker row rendered at the pager's width)."""
    out: list[bytes] = []
    for widget in pager.walker:
        out += widget.render((cols,)).text
    return out


@pytest.mark.parametrize(("name", "make"), CASES, ids=[name for name, _ in CASES])
def test_every_corpus_message_renders_inert_in_the_pager(name: str, make: Callable[[], bytes]) -> None:
    raw = make()
    message = parse_message(raw, uid=7, folder="INBOX", uidvalidity=3, flags=("\\Seen",))
    app, pager = _app_with_pager(message)
    for cols, rows in SIZES:
        pane_cols = cols - 24 if app.body.shows_pane(cols) else cols  # the pager's own width beside the pane
        for view in ("normal", "full headers", "raw source", "cut lines"):
            if view == "full headers":
                pager.action_headers()
            elif view == "raw source":
                pager.action_headers()
                pager.raw_source = raw[:200_000].decode("utf-8", "replace")  # what the raw toggle shows
                pager.rebuild()
            elif view == "cut lines":
                pager.raw_source = None
                pager.action_wrap()
            where = f"{name} at {cols}x{rows}, {view}"
            canvas = app.frame.render((cols, rows), focus=True)
            assert canvas.rows() == rows and canvas.cols() == cols, where
            _assert_clean(canvas.text, where)
            _assert_clean(_every_row_of(pager, pane_cols), where + " (every row)")
        pager.action_wrap()
        pager.action_bottom()  # the end of the longest message still renders
        _assert_clean(app.frame.render((cols, rows), focus=True).text, f"{name} at {cols}x{rows}, bottom")
        pager.action_top()


def test_the_corpus_really_is_hostile() -> None:
    """Guard against a corpus that quietly lost its teeth: the raw bytes do carry what the screen must not."""
    raws = b"".join(path.read_bytes() for path in CORPUS.glob("*.eml"))
    assert b"\x1b]" in raws and b"\x1b[" in raws and b"\x00" in raws
    parsed = [parse_message(path.read_bytes(), uid=1, folder="INBOX", uidvalidity=1) for path in CORPUS.glob("*.eml")]
    decoded = "".join(m.subject + m.text + "".join(p.filename for p in m.attachments) for m in parsed)
    assert FORBIDDEN.search(decoded), "the decoded corpus carries controls or bidi for the screen to remove"


def test_the_big_generated_ones_show_their_limits_instead_of_breaking() -> None:
    many = parse_message(generate.many_parts(), uid=1, folder="INBOX", uidvalidity=1)
    _app, pager = _app_with_pager(many)
    text = b"\n".join(_every_row_of(pager, 80)).decode()
    assert "part0.bin" in text and "not shown" in text
    deep = parse_message(generate.deep_nesting(), uid=1, folder="INBOX", uidvalidity=1)
    _app, pager = _app_with_pager(deep)
    assert "nested deeper" in b"\n".join(_every_row_of(pager, 80)).decode()
    big = parse_message(generate.big_attachment(), uid=1, folder="INBOX", uidvalidity=1)
    _app, pager = _app_with_pager(big)
    text = b"\n".join(_every_row_of(pager, 80)).decode()
    assert "see the attachment" in text and "big.bin" in text and "application/octet-stream" in text


# -- the real program on a pty ---------------------------------------------------------------------


@pytest.fixture
def program(stack, tmp_path) -> Iterator[Callable[[str], Tui]]:
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


def test_a_hostile_message_opened_in_the_real_program_sends_no_escape_of_its_own(stack, member, program) -> None:
    who = member()
    stack.deliver(who, (CORPUS / "escape-subject.eml").read_bytes())
    t = program(who)
    t.wait_for("Hi  there")
    t.press("\r")
    screen = t.wait_for("Body with link and bold and bell and")
    assert "Subject: Hi  there" in screen and "From:" in screen
    out = bytes(t.raw)
    # urwid itself writes CSI (colours, cursor) but never OSC, DCS or BEL: any of those came from the message
    assert b"\x1b]" not in out and b"\x1bP" not in out and b"\x07" not in out
    assert b"pwned" not in out and b"http://evil/" not in out and b"+q" not in out
    assert "\x9b" not in out.decode("utf-8", "replace")  # 8-bit CSI
    assert b"\x1b[2J\x1b[H" not in out  # the subject's clear-and-home pair, verbatim
    assert t.screen.title == "" and t.screen.icon_name == ""  # no OSC reached the terminal emulator
    t.press("q")
    t.press("q")
    assert t.wait_exit() == 0


_ = urwid  # urwid is imported first so a broken install fails here, not inside a parametrised case
