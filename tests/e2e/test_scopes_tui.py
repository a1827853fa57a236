"""A scoped key that opens the mail reader gets the same limits: the service refuses, the status line says why."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from tests.e2e.test_tui import Tui, _message, tui  # noqa: F401  (tui: the fixture)
from tests.stack.servers import Stack


@pytest.fixture
def scoped_tui(tui) -> Callable[[str, str], Tui]:  # noqa: F811  (the imported fixture)
    """Factory: scoped_tui(member, scope) runs the reader with the key line's AGENTMAIL_SCOPE."""
    return lambda member, scope: tui(member, AGENTMAIL_SCOPE=scope)


def _seen(stack: Stack, who: str, uid: int, folder: str = "INBOX") -> bool:
    with stack.imap(who) as client:
        client.select_folder(folder, readonly=True)
        return b"\\Seen" in client.get_flags([uid])[uid]


def test_a_read_key_reads_in_the_tui_without_setting_seen(stack: Stack, member, scoped_tui) -> None:
    who = member()
    uid = stack.deliver(who, _message("Look but do not touch", body="The body says kumquat.\n"))
    t = scoped_tui(who, "read")
    t.wait_for("(read-only)")
    t.wait_for("Look but do not touch")
    t.press("\r")
    t.wait_for("kumquat")
    t.press("q")
    t.wait_for("Look but do not touch")
    t.press("q")
    assert t.wait_exit() == 0
    assert not _seen(stack, who, uid)


def test_an_organize_key_cannot_send_from_the_tui(stack: Stack, member, scoped_tui) -> None:
    who = member()
    stack.deliver(who, _message("Sorting only"))
    t = scoped_tui(who, "organize")
    t.wait_for("Sorting only")
    t.press("m")
    t.wait_for("To:")
    t.press("bob@bbs.test")
    t.press(b"\x0e\x0e\x0e")  # ^N: Cc, Bcc, Subject
    t.press(f"not sent {uuid.uuid4().hex[:6]}")
    t.press(b"\x18")  # ^X
    t.wait_for("(y/n)")
    t.press("y")
    t.wait_for("scope is 'organize'")
