"""The full folder list: order, counts, empty Trash and delete folder (both ask first)."""

from __future__ import annotations

from agentmail.model import Folder
from agentmail.tui.requests import DeleteFolder, EmptyTrash
from agentmail.tui.screens.sidebar import SidebarScreen

FOLDERS = [Folder("Projects", None, 3, 1), Folder("Trash", "trash", 4, 0), Folder("INBOX", "inbox", 9, 2)]


def _sidebar(host) -> SidebarScreen:
    screen = SidebarScreen(host, lambda name: host.notes.append((f"picked {name}", False)))
    screen.show_folders(FOLDERS)
    return screen


def test_special_use_first_with_counts(host, text_of) -> None:
    lines = text_of(_sidebar(host), (60, 5)).splitlines()
    assert lines[0].startswith("INBOX") and lines[0].rstrip().endswith("2/9")
    assert lines[1].startswith("Trash") and lines[2].startswith("Projects")


def test_empty_trash_asks_then_expunges_everything_in_it(host) -> None:
    screen = _sidebar(host)
    screen.keypress((60, 5), "E")
    question, yes = host.confirms[-1]
    assert "all 4 messages in Trash for good" in question and not host.posted
    yes()

    assert host.requests[-1] == EmptyTrash("Trash")
    host.posted[-1].reply(4)
    assert host.overviews == 1
    assert any("4 messages deleted for good" in text for text, _ in host.notes)


def test_delete_folder_asks_first_and_special_folders_are_refused(host) -> None:
    screen = _sidebar(host)
    screen.keypress((60, 5), "D")  # focus is on INBOX
    assert not host.confirms and host.notes[-1][1]
    screen.keypress((60, 5), "j")
    screen.keypress((60, 5), "j")
    screen.keypress((60, 5), "D")
    question, yes = host.confirms[-1]
    assert "Delete the folder Projects and its 3 messages for good" in question
    yes()

    assert host.requests[-1] == DeleteFolder("Projects")
    host.posted[-1].reply(None)
    assert ("gone Projects", False) in host.notes
