"""The mail reader rides out a mail server restart: it says it is reconnecting, then carries on where it was."""

from __future__ import annotations

from tests.e2e.test_tui import _message


def test_a_dovecot_restart_shows_reconnecting_then_the_reader_carries_on_where_it_was(stack, member, run_tui) -> None:
    who = member()
    stack.deliver(who, _message("The one I was reading"))
    stack.deliver(who, _message("Newest before the restart"))
    t = run_tui(who)
    t.wait_for("Newest before the restart")
    t.wait_for("| connected")
    t.press("j")  # the cursor on the second row: it must still be there afterwards
    try:
        stack.stop_dovecot()
        screen = t.wait_for("Reconnecting to the mail server… (retry in ", timeout=30)
        assert "reconnecting (retry in" in screen  # the status line says it too
        assert t.proc.poll() is None
    finally:
        stack.start_dovecot()
    stack.deliver(who, _message("Arrived after the restart"))
    screen = t.wait_for("Arrived after the restart", timeout=60)
    assert "New mail." in screen, "the new-mail notice is not lost"
    t.wait_for("| connected", timeout=30)
    lines = t.text().splitlines()
    order = [next(i for i, line in enumerate(lines) if s in line) for s in
             ("Arrived after the restart", "Newest before the restart", "The one I was reading")]  # fmt: skip
    assert order == sorted(order), "still INBOX, newest first, with the new message on top"
    t.press("\r")  # the cursor stayed on the message it was on
    t.wait_for("Subject: The one I was reading")
    t.press("q")
    t.press("q")
    assert t.wait_exit() == 0
