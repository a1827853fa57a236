"""Bulk work, limit, thread folding and remembered views (issue 15), in a pseudo-terminal against the real stack."""

from __future__ import annotations

import email.utils
import time
from email.message import EmailMessage

from tests.e2e.test_tui import _message

PANE = 24  # the folder pane and its rule take the first columns at 100 columns


def _row(screen: str, subject: str) -> str:
    """The index row (right of the folder pane) that shows subject."""
    return next(line for line in screen.splitlines() if subject in line)[PANE:]


def _wait(t, check, what: str, timeout: float = 20.0) -> str:
    """Pump the screen until check(screen) holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        t.pump(0.1)
        try:
            if check(t.text()):
                return t.text()
        except StopIteration:
            pass
    raise AssertionError(f"{what} never happened; screen was:\n{t.text()}")


def _subjects(stack, who: str, folder: str) -> set[str]:
    with stack.imap(who) as client:
        client.select_folder(folder, readonly=True)
        found = client.fetch(client.search("ALL"), ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
    return {v[b"BODY[HEADER.FIELDS (SUBJECT)]"].decode().split(":", 1)[1].strip() for v in found.values()}


def test_t_tags_two_messages_and_semicolon_d_moves_both_to_trash(stack, member, run_tui) -> None:
    who = member()
    for subject in ("Keep me", "Tag one", "Tag two"):
        stack.deliver(who, _message(subject))
    t = run_tui(who)
    t.wait_for("Tag two")
    t.wait_for("| connected")
    t.press("t")  # Tag two (the top row), then the cursor goes on to Tag one
    t.press("t")
    screen = _wait(t, lambda s: "*" in _row(s, "Tag one")[:8] and "*" in _row(s, "Tag two")[:8], "two tags")
    assert "*" not in _row(screen, "Keep me")[:8]
    t.press(";")
    t.wait_for("2 messages tagged")
    t.press("d")
    screen = _wait(t, lambda s: "Tag one" not in s and "Tag two" not in s, "both rows gone")
    assert "Keep me" in screen
    assert _subjects(stack, who, "INBOX") == {"Keep me"}
    assert _subjects(stack, who, "Trash") == {"Tag one", "Tag two"}


def test_l_limits_the_index_to_a_query_and_an_empty_query_shows_all(stack, member, run_tui) -> None:
    who = member()
    for subject in ("Lunch plans", "Budget report", "Lunch again"):
        stack.deliver(who, _message(subject))
    t = run_tui(who)
    t.wait_for("Budget report")
    t.press("l")
    t.wait_for("Limit to")
    t.press("subject:lunch\r")
    screen = _wait(t, lambda s: "[limit: subject:lunch]" in s and "Budget report" not in s, "the limit")
    assert "Lunch plans" in screen and "Lunch again" in screen
    t.press("l")
    t.wait_for("Limit to messages matching (empty: all): subject:lunch")
    t.press(b"\x15\r")  # ^U clears the prompt, Enter: no limit
    screen = _wait(t, lambda s: "Budget report" in s and "limit:" not in s, "all messages again")
    assert "Lunch plans" in screen


def _threaded(subject: str, msgid: str, parent: str = "") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Carol <carol@example.org>"
    msg["To"] = "someone@bbs.test"
    msg["Subject"] = subject
    msg["Message-ID"] = msgid
    if parent:
        msg["In-Reply-To"] = parent
        msg["References"] = parent
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg.set_content("Hello.\n")
    return bytes(msg)


def test_a_thread_collapses_to_its_root_with_a_count_and_expands_again(stack, member, run_tui) -> None:
    who = member()
    stack.deliver(who, _threaded("Trip plan", "<root@example.org>"))
    stack.deliver(who, _threaded("Re: Trip plan", "<r1@example.org>", "<root@example.org>"))
    stack.deliver(who, _threaded("Re: Trip plan", "<r2@example.org>", "<r1@example.org>"))
    stack.deliver(who, _threaded("Unrelated", "<other@example.org>"))
    t = run_tui(who)
    t.wait_for("Unrelated")
    t.press(b"\x14")  # ^T: threads
    screen = t.wait_for("└─>")
    assert screen.count("Trip plan") == 1, "replies repeating the subject show only the tree"
    if screen.index("Unrelated") < screen.index("Trip plan"):
        t.press("j")  # the cursor stays on the newest message, Unrelated: go down into the thread
    t.press("z")
    screen = t.wait_for("(+2) Trip plan")
    assert "└─>" not in screen
    t.press("z")
    screen = t.wait_for("└─>")
    assert "(+2)" not in screen


def test_sort_and_thread_mode_are_remembered_across_a_restart(stack, member, run_tui) -> None:
    who = member()
    stack.deliver(who, _message("Anything"))
    t = run_tui(who)
    t.wait_for("Anything")
    t.press(b"\x14")  # ^T: threads
    t.wait_for(" threads")
    t.press("o")
    t.wait_for("threads sort:date")
    t.press("q")
    assert t.wait_exit() == 0
    again = run_tui(who)
    again.wait_for("Anything")
    again.wait_for("threads sort:date")


def test_sent_shows_the_recipient_and_mail_to_me_is_marked(stack, member, run_tui) -> None:
    who = member()
    mine = _message("Sent one", sender=f"{who}@bbs.test", to="Bob Smith <bob@bbs.test>")
    stack.deliver(who, mine, folder="Sent")
    stack.deliver(who, _message("For me", to=f"{who}@bbs.test"))
    t = run_tui(who)
    screen = t.wait_for("For me")
    t.wait_for("| connected")
    assert "+" in _row(screen, "For me")[:8], "mutt's + for mail to me alone"
    t.press("c")
    t.wait_for("Change to which")
    t.press("jj\r")  # INBOX, Drafts, Sent
    row = _row(t.wait_for("Sent one"), "Sent one")
    assert "To Bob Smith" in row and who not in row
