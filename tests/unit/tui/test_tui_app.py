"""The app frame without a terminal or a worker: status line, hint bar, prompts, resize, palettes."""

from __future__ import annotations

from agentmail.errors import UnavailableError
from agentmail.model import Folder, Quota, View
from agentmail.tui import theme
from agentmail.tui.app import App
from agentmail.tui.screens.index import IndexScreen


def _app() -> App:
    app = App("alice@bbs.test")
    index = IndexScreen(app, "INBOX")
    app.push(index)
    index.show_view(View("INBOX", 1, (3, 2, 1)))
    app._overview(([Folder("INBOX", "inbox", 3, 2)], Quota("", 512, 1024)))
    return app


def test_status_line_and_hint_bar_at_80x24_and_after_a_resize(text_of) -> None:
    app = _app()
    for size in ((80, 24), (132, 50), (40, 10)):
        lines = text_of(app.frame, size).splitlines()
        assert len(lines) == size[1] and all(len(line) == size[0] for line in lines)
    lines = text_of(app.frame, (80, 24)).splitlines()
    assert lines[0].startswith(" ?:Help")
    assert "alice@bbs.test | INBOX (3) | INBOX unread 2 | quota 50% | connected" in lines[-2]


def test_errors_are_one_sentence_and_a_lost_connection_shows(text_of) -> None:
    app = _app()
    app.fail(UnavailableError("the mail server closed the connection"))
    text = text_of(app.frame, (100, 24))
    assert "the mail server closed the connection" in text and "connection lost" in text
    assert "Traceback" not in text


def test_prompt_takes_keys_and_gives_them_back(text_of) -> None:
    app = _app()
    got: list[str] = []
    app.prompt("Search: ", got.append)
    for key in "from:bob":
        app.frame.keypress((80, 24), key)
    assert "Search: from:bob" in text_of(app.frame, (80, 24))
    app.frame.keypress((80, 24), "enter")
    assert got == ["from:bob"] and app.frame.focus_position == "body"


def test_palette_choice_follows_term() -> None:
    assert theme.colors_for("xterm-256color") == 256
    assert theme.colors_for("xterm") == 16
    assert theme.colors_for("vt100") == 1
    assert theme.colors_for("") == 1
    assert theme.colors_for("xterm", "truecolor") == 256
