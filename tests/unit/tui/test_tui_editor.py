"""The text editor widget, headless with plain urwid: readline keys, kill ring, undo, paste, quote trimming."""

from __future__ import annotations

import pytest

from agentmail.model import Address, Draft
from agentmail.tui.editor import TextEditor, quote_span
from agentmail.tui.screens.composer import ComposerScreen
from agentmail.tui.widgets import LineInput

SIZE = (40,)


def press(widget: TextEditor, *keys: str, size: tuple[int, ...] = SIZE) -> list[str | None]:
    return [widget.keypress(size, key) for key in keys]


def typed(widget: TextEditor, text: str) -> None:
    press(widget, *text)


def body(text: str = "", pos: int | None = None) -> TextEditor:
    editor = TextEditor("", text, multiline=True)
    editor.set_edit_pos(len(text) if pos is None else pos)
    return editor


def test_line_start_and_end_work_on_the_cursors_line() -> None:
    editor = body("first line\nsecond line", pos=14)
    press(editor, "ctrl a")
    assert editor.edit_pos == len("first line\n")
    press(editor, "ctrl e")
    assert editor.edit_pos == len("first line\nsecond line")


def test_kills_cut_and_yank_puts_back_the_last_cut() -> None:
    editor = body("keep this, drop that\nnext", pos=len("keep this, "))
    assert press(editor, "ctrl k") == [None]
    assert editor.edit_text == "keep this, \nnext"
    press(editor, "ctrl a", "ctrl y")
    assert editor.edit_text == "drop thatkeep this, \nnext"


def test_kills_in_a_row_join_into_one_yank() -> None:
    editor = body("one\ntwo\nthree", pos=0)
    press(editor, "ctrl k", "ctrl k", "ctrl k")  # "one", the line break, "two"
    assert editor.edit_text == "\nthree"
    press(editor, "ctrl y")  # all three come back together
    assert editor.edit_text == "one\ntwo\nthree"


def test_ctrl_u_ctrl_w_and_ctrl_d() -> None:
    editor = body("alpha beta  gamma", pos=len("alpha beta  gamma"))
    press(editor, "ctrl w")
    assert editor.edit_text == "alpha beta  "
    press(editor, "ctrl w")
    assert editor.edit_text == "alpha "
    press(editor, "ctrl a", "ctrl d")
    assert editor.edit_text == "lpha "
    press(editor, "ctrl e", "ctrl u")
    assert editor.edit_text == ""
    press(editor, "ctrl y")
    assert editor.edit_text == "lpha "


def test_undo_goes_back_edit_by_edit() -> None:
    editor = body("")
    typed(editor, "hello")
    press(editor, "enter")
    typed(editor, "world")
    press(editor, "ctrl w")
    assert editor.edit_text == "hello\n"
    press(editor, "ctrl _")
    assert editor.edit_text == "hello\nworld"
    press(editor, "ctrl _")
    assert editor.edit_text == "hello\n"
    press(editor, "ctrl _")
    assert editor.edit_text == "hello"
    press(editor, "ctrl _", "ctrl _")  # nothing left to undo: stays empty, the key is still the editor's
    assert editor.edit_text == ""
    typed(editor, "two words")
    press(editor, "ctrl _")
    assert editor.edit_text == "two "


def test_a_paste_is_text_tabs_and_newlines_included_and_one_undo_step() -> None:
    editor = body("start ")
    results = press(editor, "begin paste", "a", "tab", "b", "enter", "c", "ctrl x", "esc", "end paste")
    assert results == [None] * 9  # nothing in a paste leaks out as a command
    assert editor.edit_text == "start a\tb\nc"
    press(editor, "ctrl _")
    assert editor.edit_text == "start "


def test_a_paste_into_a_one_line_field_stays_on_one_line() -> None:
    field = TextEditor("To: ", "")
    press(field, "begin paste", *"ada@bbs.test", "enter", "enter", *"bob@bbs.test", "tab", "x", "enter", "end paste")
    assert field.edit_text == "ada@bbs.test bob@bbs.test x"


def test_page_keys_and_ctrl_home_end_move_through_a_long_body() -> None:
    editor = body("\n".join(f"line {i}" for i in range(40)), pos=0)
    editor.page_rows = 10
    press(editor, "page down")
    assert editor.edit_text[: editor.edit_pos].count("\n") == 10
    press(editor, "page down", "page up")
    assert editor.edit_text[: editor.edit_pos].count("\n") == 10
    press(editor, "ctrl end")
    assert editor.edit_pos == len(editor.edit_text)
    press(editor, "ctrl home")
    assert editor.edit_pos == 0


REPLY = "My answer.\n\nOn Mon, Bob wrote:\n> first\n>\n> second\n\n-- \nAlice\n"


@pytest.mark.parametrize(
    ("cursor_on", "left"),
    [
        ("My answer.", "My answer.\n\nOn Mon, Bob wrote:\n\n-- \nAlice\n"),  # the quote below, not the text above
        ("On Mon", "My answer.\n\n\n-- \nAlice\n"),  # its "wrote:" line goes with it
        ("> second", "My answer.\n\nOn Mon, Bob wrote:\n> first\n>\n\n-- \nAlice\n"),  # from the cursor down
    ],
)
def test_ctrl_t_trims_the_quote_below_the_cursor(cursor_on: str, left: str) -> None:
    editor = body(REPLY, pos=REPLY.index(cursor_on))
    press(editor, "ctrl t")
    assert editor.edit_text == left
    press(editor, "ctrl _")
    assert editor.edit_text == REPLY


def test_quote_span_without_a_quote_is_none() -> None:
    assert quote_span("no quote here\n", 0) is None
    assert quote_span("> only\ntext", 8) is None


def test_composer_body_takes_a_pasted_tab_as_text_and_stays_in_the_body(host) -> None:
    composer = ComposerScreen(host, Draft(to=(Address("Ada Lovelace", "ada@bbs.test"),), subject="s", text=""))
    assert composer._pile.focus is not composer._pile.contents[0][0]  # the body has the focus
    for key in ("begin paste", *"with", "tab", *"tab", "enter", *"two", "end paste"):
        composer.keypress((80, 20), key)
    assert composer.body.edit_text == "with\ttab\ntwo"
    assert composer.fields["to"].edit_text == "Ada Lovelace <ada@bbs.test>"
    assert composer._focused_editor() is composer.body


def test_composer_keeps_a_pasted_newline_out_of_the_next_field(host) -> None:
    composer = ComposerScreen(host, Draft())
    for key in ("begin paste", *"ada@bbs.test", "enter", *"Subject text", "end paste"):
        composer.keypress((80, 20), key)
    assert composer.fields["to"].edit_text == "ada@bbs.test Subject text"
    assert composer.fields["subject"].edit_text == ""
    assert composer._focused_editor() is composer.fields["to"]


def test_composer_body_readline_keys_and_page_rows_from_the_screen(host) -> None:
    composer = ComposerScreen(host, Draft(to=(Address("", "ada@bbs.test"),), text="words to cut"))
    composer.keypress((80, 20), "ctrl u")
    assert composer.body.edit_text == ""
    assert 5 < composer.body.page_rows < 20  # the body's share of 20 rows, below the header fields


def test_prompt_honours_ctrl_u_and_a_paste_never_answers_it() -> None:
    answers: list[str] = []
    prompt = LineInput("Find: ", answers.append, lambda: None, text="old needle")
    prompt.keypress(SIZE, "ctrl u")
    assert prompt.edit_text == ""
    for key in ("begin paste", *"new", "enter", *"line", "end paste"):
        prompt.keypress(SIZE, key)
    assert prompt.edit_text == "new line" and not answers
    prompt.keypress(SIZE, "ctrl w")
    prompt.keypress(SIZE, "enter")
    assert answers == ["new "]
