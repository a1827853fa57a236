"""The pager, attachments and folder side of issue 15, each in a pseudo-terminal against the real stack."""

from __future__ import annotations

import uuid
from email.message import EmailMessage

from tests.e2e.test_tui import COLS, ROWS, _message

UNBOUND = "Key is not bound. Press ? for help."


def _message_line(screen: str) -> str:
    return screen.splitlines()[-1].strip()


def _with_parts(subject: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Carol <carol@example.org>", "someone@bbs.test", subject
    msg.set_content("The plain body.\n")
    msg.add_alternative("<html><body><p>The <b>HTML</b> body.</p></body></html>", subtype="html")
    msg.add_attachment(b"%PDF-1.4 not really", maintype="application", subtype="pdf", filename="menu.pdf")
    msg.add_attachment(
        "<html><body><h1>Soup of the day</h1><script>steal()</script></body></html>", subtype="html",
        filename="page.html",
    )  # fmt: skip
    return bytes(msg)


def test_the_attachment_view_lists_parts_shows_html_as_text_and_saves_nothing(stack, member, run_tui) -> None:
    who = member()
    stack.deliver(who, _with_parts("Parts to look at"))
    t = run_tui(who)
    t.wait_for("Parts to look at")
    t.press("\r")
    screen = t.wait_for("The plain body.")
    assert "menu.pdf" in screen and "page.html" in screen
    assert "(no name)  (text/html" not in screen and "part 1.2" not in screen  # observed 7: no HTML alternative
    t.press("v")
    screen = t.wait_for("Attachments (2)")
    assert "menu.pdf  (application/pdf" in screen and "page.html  (text/html" in screen
    t.press("\r")  # menu.pdf
    t.wait_for("Saving attachments is disabled for members on this host")
    t.press("j")
    t.press("\r")  # page.html
    screen = t.wait_for("Soup of the day")
    assert "<h1>" not in screen and "steal()" not in screen and "<html>" not in screen
    t.press("q")
    t.wait_for("Attachments (2)")
    t.press("q")
    t.wait_for("The plain body.")


def test_unbound_keys_in_the_pager_say_so(stack, member, run_tui) -> None:
    who = member()
    stack.deliver(who, _message("Keys to try"))
    t = run_tui(who)
    t.wait_for("Keys to try")
    t.press("\r")
    t.wait_for("Subject: Keys to try")
    for key in ("s", "|", "!", "e"):
        t.press(key)
        assert _message_line(t.wait_for(UNBOUND)) == UNBOUND
        t.press("j")  # the next key clears it
        assert UNBOUND not in t.wait_until(lambda screen: UNBOUND not in screen, timeout=10)


def test_folders_are_created_and_renamed_from_the_folder_list(stack, member, run_tui) -> None:
    who = member()
    name = f"zz-{uuid.uuid4().hex[:6]}"
    t = run_tui(who)
    t.wait_for("connected")
    t.press("c")
    t.wait_for("Change to which folder?")
    t.press("N")
    t.wait_for("New folder name:")
    t.press(name + "\r")
    t.wait_for(f"Created the folder {name}.")
    t.press("N")
    t.press(name + "\r")  # again: the server's refusal is one sentence
    assert "already exists" in _message_line(t.wait_for("already exists"))
    t.press("j" * 20)  # the new folder sorts last
    t.press("R")
    t.wait_for(f"Rename {name} to:")
    t.press(b"\x15Trash\r")  # onto an existing folder: one sentence, nothing renamed
    assert _message_line(t.wait_for("already exists")) == "a folder named 'Trash' already exists"
    t.press("R")
    t.wait_for(f"Rename {name} to:")
    t.press(b"\x15" + f"{name}-renamed\r".encode())  # ^U clears the offered old name
    t.wait_for(f"Renamed the folder {name} to {name}-renamed.")
    with stack.imap(who) as client:
        names = [entry[2] for entry in client.list_folders()]
    assert f"{name}-renamed" in names and name not in names


def _pane_count(screen: str, folder: str) -> str:
    """The unread count the folder pane shows for a folder ("" when none)."""
    line = next((line for line in screen.splitlines() if line.startswith(folder)), "")
    return line[:22][len(folder) :].strip()


def test_other_folders_counts_follow_a_move_at_once(stack, member, run_tui) -> None:
    who = member()
    target = f"zz-{uuid.uuid4().hex[:6]}"
    stack.deliver(who, _message("Read me later"))
    stack.deliver(who, _message("Old and read"), folder=target, flags=["\\Seen"])
    t = run_tui(who)
    screen = t.wait_for("Read me later")
    t.wait_for(target)
    assert _pane_count(t.text(), target) == ""
    t.press("s")
    t.wait_for("Move to which folder?")
    t.press("j" * 20)
    t.press("\r")
    t.wait_for(f"Moved to {target}.")
    screen = t.wait_until(lambda s: _pane_count(s, target) == "1")  # with the overview the move asked for
    assert _pane_count(screen, target) == "1", screen


def test_a_resize_to_60x15_and_back_keeps_the_reading_position(stack, member, run_tui) -> None:
    who = member()
    body = "\n".join(" ".join(f"L{n}.{i}" for i in range(14)) for n in range(150)) + "\n"
    stack.deliver(who, _message("Long read", body=body))
    t = run_tui(who, controlling_tty=True)  # SIGWINCH goes to the terminal's foreground process group
    t.wait_for("Long read")
    t.press("\r")
    t.wait_for("L0.0")
    t.press("   jjj|")  # three pages and three lines down; the unbound | answers once all of them are handled
    t.wait_for(UNBOUND)

    def top() -> str:
        return t.text().splitlines()[1][24:].split()[0].split(".")[0]  # right of the folder pane

    before_top = top()
    before = t.text()
    assert before_top.startswith("L")
    t.resize(60, 15)
    t.wait_for(f"{before_top}.")
    assert t.text().splitlines()[1].split()[0].split(".")[0] == before_top  # no pane under 90 columns
    t.resize(COLS, ROWS)
    after = t.wait_until(lambda screen: screen.splitlines()[1:-2] == before.splitlines()[1:-2], timeout=10)
    assert top() == before_top and after.splitlines()[1:-2] == before.splitlines()[1:-2]


def test_a_hang_up_while_writing_saves_the_message_to_drafts(stack, member, run_tui) -> None:
    who = member()
    subject = f"Half written {uuid.uuid4().hex[:8]}"
    t = run_tui(who, controlling_tty=True)
    t.wait_for("connected")
    t.press("m")
    t.wait_for("To:")
    t.press("bob@bbs.test")
    t.press(b"\x0e\x0e\x0e")  # ^N to Subject
    t.press(subject)
    t.press(b"\x0e")
    t.press("a thought the connection must not lose")
    t.wait_for("must not lose")
    t.hang_up()  # the master side closes: the kernel sends SIGHUP, as when an SSH connection drops
    assert t.wait_exit(timeout=20) == 129
    saved = stack.wait_for_message(who, "Drafts", match=subject, timeout=20)
    assert b"a thought the connection must not lose" in saved.raw


def test_other_folders_counts_follow_changes_made_elsewhere(stack, member, run_tui) -> None:
    """NOTIFY: mail arriving in a folder that is not open shows in the pane without waiting for the minute tick."""
    who = member()
    other = f"zz-{uuid.uuid4().hex[:6]}"
    stack.deliver(who, _message("Already read"), folder=other, flags=["\\Seen"])
    t = run_tui(who)
    t.wait_for(other)
    t.wait_for("connected")
    assert _pane_count(t.text(), other) == ""
    stack.wait_idling(who)  # the reader watches (NOTIFY rides on its IDLE): what changes now, only that tells it
    stack.deliver(who, _message("Filed by a rule"), folder=other)
    screen = t.wait_until(lambda s: _pane_count(s, other) == "1")  # NOTIFY's STATUS news, not the minute tick
    assert _pane_count(screen, other) == "1", screen
