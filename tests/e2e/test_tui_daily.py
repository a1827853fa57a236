"""Daily-use defects of the reader (issue 15), each tried in a pseudo-terminal against the real stack."""

from __future__ import annotations

import time

from tests.e2e.test_tui import ROWS, _message

PANE = 24  # the folder pane and its rule take the first columns at 100 columns


def _row(screen: str, subject: str) -> str:
    """The index row (right of the folder pane) that shows subject."""
    line = next(line for line in screen.splitlines() if subject in line)
    return line[PANE:]


def _message_line(screen: str) -> str:
    return screen.splitlines()[ROWS - 1].strip()


def test_a_message_reached_with_n_is_read_in_the_index_after_q(stack, member, run_tui) -> None:
    who = member()
    stack.deliver(who, _message("First unread"))
    stack.deliver(who, _message("Second unread"))
    t = run_tui(who)
    screen = t.wait_for("First unread")
    assert _row(screen, "First unread").lstrip().startswith("N")
    t.press("\r")  # the newest, "Second unread"
    t.wait_for("Subject: Second unread")
    t.press("n")
    t.wait_for("Subject: First unread")
    t.press("q")
    screen = t.wait_for("Second unread")
    assert not _row(screen, "First unread").lstrip().startswith("N"), screen
    assert not _row(screen, "Second unread").lstrip().startswith("N"), screen


def test_a_search_with_no_results_is_left_with_q_and_keys_typed_there_stay_there(stack, member, run_tui) -> None:
    who = member()
    stack.deliver(who, _message("Something to find"))
    t = run_tui(who)
    t.wait_for("Something to find")
    t.press("/")
    t.press("zzzqqq\r")
    t.wait_for("No matches.")
    t.press("/")  # the next query goes to the prompt, not to the keys it is made of (m would compose)
    t.wait_for("Search: ")
    t.press("from:me")
    screen = t.wait_for("Search: from:me")
    assert "To:" not in screen
    t.press(b"\x1b")  # Esc cancels the prompt
    for _ in range(50):  # a q within urwid's escape wait (0.125 s) would make Alt-q: let Esc land first
        if "Search: from:me" not in t.text():
            break
        t.pump(0.1)
    t.press("q")
    screen = t.wait_for("Something to find")
    assert "search:" not in screen
    t.press("q")
    assert t.wait_exit() == 0


def test_new_mail_shows_up_in_view_when_the_cursor_is_on_the_top_row(stack, member, run_tui) -> None:
    who = member()
    stack.seed_maildir(who, "INBOX", [_message(f"Filler {n}") for n in range(2 * ROWS)])  # more than a screen
    stack.deliver(who, _message("Was on top"))
    t = run_tui(who)
    t.wait_for("Was on top")
    t.wait_for("| connected")
    stack.wait_idling(who)  # the reader watches INBOX: what arrives now, only IDLE can tell it
    stack.deliver(who, _message("Just arrived"))
    screen = t.wait_for("Just arrived", timeout=30)
    lines = screen.splitlines()
    assert [i for i, line in enumerate(lines) if "Just arrived" in line] < [
        i for i, line in enumerate(lines) if "Was on top" in line
    ]
    t.press("\r")  # the cursor stayed on the message it was on
    t.wait_for("Subject: Was on top")


def test_status_messages_clear_on_the_next_key_and_dollar_says_what_it_found(stack, member, run_tui) -> None:
    who = member()
    stack.deliver(who, _message("Only one"))
    t = run_tui(who)
    t.wait_for("Only one")
    t.wait_for("| connected")
    t.press("$")
    screen = t.wait_for("No new mail in INBOX.")
    assert "Checking for new mail" not in screen
    t.press("j")  # any key clears the message line
    deadline = time.monotonic() + 10
    while _message_line(t.text()) and time.monotonic() < deadline:
        t.pump(0.1)
    assert _message_line(t.text()) == ""


def test_a_message_left_alone_clears_after_a_few_seconds(stack, member, run_tui) -> None:
    who = member()
    t = run_tui(who)
    t.wait_for("| connected")
    t.press("u")
    t.wait_for("Nothing to undo.")
    deadline = time.monotonic() + 30
    while "Nothing to undo." in t.text() and time.monotonic() < deadline:
        t.pump(0.2)  # waiting for the screen to change, not asserting a duration
    assert "Nothing to undo." not in t.text()


def test_delete_then_undo_puts_an_old_message_back_on_its_row(stack, member, run_tui) -> None:
    who = member()
    stack.deliver(who, _message("A letter from 2024"), received=1_714_000_000)
    stack.deliver(who, _message("Middle letter"))
    stack.deliver(who, _message("Newest letter"))
    t = run_tui(who)
    t.wait_for("A letter from 2024")
    t.wait_for("INBOX unread 3")  # the folder roles arrived: until then d asks "for good" (the safe guess)
    t.press("jj")
    t.press("d")
    t.wait_for("u undoes")
    assert "A letter from 2024" not in t.text()
    t.press("u")
    screen = t.wait_for("A letter from 2024")
    lines = screen.splitlines()
    order = [next(i for i, line in enumerate(lines) if s in line) for s in
             ("Newest letter", "Middle letter", "A letter from 2024")]  # fmt: skip
    assert order == sorted(order), screen
    t.press("\r")  # and the cursor is on it
    t.wait_for("Subject: A letter from 2024")
