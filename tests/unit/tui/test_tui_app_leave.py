"""^C everywhere asks before leaving and never loses a message being written; a paste only reaches text fields."""

from __future__ import annotations

from typing import Any

import pytest
import urwid

from agentmail.errors import UnavailableError
from agentmail.model import Address, Draft
from agentmail.tui.app import App
from agentmail.tui.screens.index import IndexScreen

SIZE = (100, 24)


class Dispatcher:
    """Records what the app posts; the test plays the worker's reply."""

    busy = False

    def __init__(self) -> None:
        self.posted: list[tuple[str, Any, Any]] = []

    def post(self, call: Any, on_done: Any, *, slot: str = "", on_error: Any = None) -> int:
        self.posted.append((slot, on_done, on_error))
        return len(self.posted)


def _app() -> tuple[App, Dispatcher]:
    dispatcher = Dispatcher()
    app = App("alice@bbs.test", dispatcher=dispatcher)  # type: ignore[arg-type]
    app.push(IndexScreen(app, "INBOX"))
    return app, dispatcher


def press(app: App, key: str) -> None:
    """A key as the MainLoop delivers it: the input filter, the screens, then the global bindings."""
    for k in app.filter_input([key], []):
        left = app.frame.keypress(SIZE, k)
        if left is not None:
            app.unhandled(left)


def test_ctrl_c_asks_and_only_y_leaves() -> None:
    app, _ = _app()
    press(app, "ctrl c")
    assert "Leave agentmail? (y/n)" in app._line.original_widget.text
    press(app, "n")
    assert app.frame.focus_position == "body"
    press(app, "ctrl c")
    with pytest.raises(urwid.ExitMainLoop):
        press(app, "y")


def test_ctrl_c_in_the_composer_saves_the_message_to_drafts_before_leaving() -> None:
    app, dispatcher = _app()
    app.compose(Draft(to=(Address("", "bob@bbs.test"),)))
    for key in "half a thought":
        press(app, key)
    press(app, "ctrl c")
    assert "saved to Drafts first" in app._line.original_widget.text
    press(app, "y")
    slot, on_done, on_error = dispatcher.posted[-1]
    assert slot == "composer-save"
    on_error(UnavailableError("the mail server closed the connection"))  # not saved: nothing is left behind
    assert app.stack[-1].name == "composer" and app.stack[-1].body.edit_text == "half a thought"
    press(app, "ctrl c")
    press(app, "y")
    slot, on_done, _ = dispatcher.posted[-1]
    with pytest.raises(urwid.ExitMainLoop):
        on_done(("Drafts", 7))
    assert "saved in Drafts" in app.message.text


def test_ctrl_c_in_an_untouched_composer_just_asks_to_leave() -> None:
    app, _ = _app()
    app.compose(Draft(to=(Address("", "bob@bbs.test"),), text="\n\n> quoted\n"))
    press(app, "ctrl c")
    assert app._line.original_widget.text == "Leave agentmail? (y/n)"


def test_a_paste_where_there_is_no_text_field_is_dropped_not_run_as_keys() -> None:
    app, _ = _app()
    assert app.filter_input(["begin paste", "d", "m", "tab"], []) == []
    assert app.filter_input(["q", "end paste", "j"], []) == ["j"]  # a paste may come in several reads
    assert "Paste ignored" in app.message.text
    app.compose(Draft())
    keys = ["begin paste", "a", "tab", "end paste"]
    assert app.filter_input(keys, []) == keys


def test_a_paste_into_a_prompt_reaches_it() -> None:
    app, _ = _app()
    got: list[str] = []
    app.prompt("Search: ", got.append)
    for key in ("begin paste", *"from:bob", "enter", "end paste", "enter"):
        press(app, key)
    assert got == ["from:bob"]  # a trailing newline in a paste adds nothing to a one-line field
