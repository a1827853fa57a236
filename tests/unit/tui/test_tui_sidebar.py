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


def test_create_folder_asks_for_a_name_then_posts_it(host) -> None:
    from agentmail.errors import UsageError
    from agentmail.tui.requests import CreateFolder, ListFolders

    screen = _sidebar(host)
    screen.keypress((60, 5), "N")
    caption, answer = host.prompts[-1]
    assert caption == "New folder name: " and not host.posted
    answer("  Projects/2026 ")
    assert host.requests == [CreateFolder("Projects/2026")]
    host.posted[-1].reply(Folder("Projects/2026"))
    assert host.notes[-1] == ("Created the folder Projects/2026.", False)
    assert host.requests[-1] == ListFolders()

    answer("Projects")
    host.posted[-1].fail(UsageError("a folder named 'Projects' already exists"))
    assert host.notes[-1] == ("a folder named 'Projects' already exists", True)
    answer("")
    assert host.requests[-1] == CreateFolder("Projects")  # nothing more was posted for an empty name


def test_rename_folder_offers_the_old_name_and_refuses_special_folders(host) -> None:
    from agentmail.tui.requests import RenameFolder

    screen = _sidebar(host)
    screen.keypress((60, 5), "R")  # INBOX
    assert not host.prompts and host.notes[-1] == ("INBOX is a special folder and cannot be renamed.", True)
    screen.keypress((60, 5), "j")
    screen.keypress((60, 5), "j")
    screen.keypress((60, 5), "R")
    caption, answer = host.prompts[-1]
    assert caption == "Rename Projects to: "
    answer("Work")
    assert host.requests == [RenameFolder("Projects", "Work")]
    host.posted[-1].reply(Folder("Work"))
    assert ("Renamed the folder Projects to Work.", False) in host.notes and ("gone Projects", False) in host.notes
