"""The one list-movement helper every list, the pager and a text attachment move through."""

from __future__ import annotations

import pytest
import urwid

from agentmail.tui.screens.base import MOVES, ListMoves, move_focus
from agentmail.tui.widgets import SelectableText

SIZE = (20, 10)


def listbox(rows: int, *, tall: int = 1) -> urwid.ListBox:
    """Selectable rows (a list's); a text's lines are plain Text, which the tall test uses."""
    kind = SelectableText if tall == 1 else urwid.Text
    walker = urwid.SimpleFocusListWalker([kind("\n".join([f"row {i}"] * tall)) for i in range(rows)])
    box = urwid.ListBox(walker)
    box.render(SIZE)
    return box


def top_row(box: urwid.ListBox) -> int:
    """Which screen row the focused row starts at (0: the top)."""
    return int(box.calculate_visible(SIZE)[0][0])


def test_steps_and_ends_are_clamped() -> None:
    box = listbox(50)
    move_focus(box, SIZE, "up")
    assert box.focus_position == 0  # nothing above the first row
    move_focus(box, SIZE, "down")
    assert box.focus_position == 1
    move_focus(box, SIZE, "end")
    assert box.focus_position == 49
    assert top_row(box) == SIZE[1] - 1  # the last row sits at the bottom of the screen
    move_focus(box, SIZE, "down")
    assert box.focus_position == 49  # nothing below the last row
    move_focus(box, SIZE, "home")
    assert (box.focus_position, top_row(box)) == (0, 0)


def test_pages_move_by_a_screen_and_stop_at_the_ends() -> None:
    box = listbox(50)
    move_focus(box, SIZE, "page down")
    assert SIZE[1] - 2 <= box.focus_position <= SIZE[1] + 1
    for _ in range(10):
        box.render(SIZE)
        move_focus(box, SIZE, "page down")
    assert box.focus_position == 49
    for _ in range(10):
        box.render(SIZE)
        move_focus(box, SIZE, "page up")
    assert box.focus_position == 0


def test_a_row_taller_than_the_screen_scrolls_within() -> None:
    box = listbox(2, tall=3 * SIZE[1])
    move_focus(box, SIZE, "page down")
    assert box.focus_position == 0  # still inside the first, tall row
    assert top_row(box) < 0  # its top went off the screen
    move_focus(box, SIZE, "home")
    assert (box.focus_position, top_row(box)) == (0, 0)  # back to its first line, not left where it was
    move_focus(box, SIZE, "end")
    assert box.focus_position == 1 and top_row(box) == SIZE[1] - 3 * SIZE[1]  # the last line at the bottom


def test_end_of_a_short_list_leaves_no_blank_rows_above() -> None:
    box = listbox(3)
    move_focus(box, SIZE, "end")
    assert box.focus_position == 2 and top_row(box) == 2  # rows 0 and 1 stay above it, not blank space


@pytest.mark.parametrize("how", MOVES)
def test_a_list_with_no_real_rows_does_not_move(how: str) -> None:
    box = listbox(1)  # e.g. "No folders.": a note, not a row
    move_focus(box, SIZE, how, count=0)
    assert box.focus_position == 0
    empty = urwid.ListBox(urwid.SimpleFocusListWalker([]))
    move_focus(empty, SIZE, how)  # nothing to move to, and no error


def test_a_count_shorter_than_the_list_clamps_the_end() -> None:
    box = listbox(5)
    move_focus(box, SIZE, "end", count=3)
    assert box.focus_position == 2


def test_an_unknown_movement_is_a_bug() -> None:
    with pytest.raises(ValueError):
        move_focus(listbox(3), SIZE, "sideways")


def test_the_mixin_maps_actions_and_the_wheel_to_the_helper() -> None:
    class Rows(ListMoves):
        def __init__(self) -> None:
            self.listbox, self.size = listbox(30), SIZE

    rows = Rows()
    rows.action_last()
    assert rows.listbox.focus_position == 29
    rows.action_top()
    assert rows.listbox.focus_position == 0
    rows.on_wheel(+1)
    assert rows.listbox.focus_position == 3  # a notch is three rows
    rows.action_up()
    assert rows.listbox.focus_position == 2
    rows.action_bottom()
    rows.on_wheel(-1)
    assert rows.listbox.focus_position == 26
