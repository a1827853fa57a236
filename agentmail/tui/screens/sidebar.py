"""The folder list: special-use folders first, unread counts; opens a folder or picks a move/copy target."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import urwid

from agentmail.mime.sanitize import clean_line
from agentmail.model import Folder
from agentmail.tui.screens.base import Host, Screen
from agentmail.tui.theme import FOCUS_MAP
from agentmail.tui.widgets import SelectableText

ROLE_ORDER = ("inbox", "drafts", "sent", "archive", "junk", "trash")


def ordered(folders: Sequence[Folder]) -> list[Folder]:
    """Special-use folders first (INBOX, Drafts, Sent, ...), then the rest by name."""

    def key(folder: Folder) -> tuple[int, str]:
        role = "inbox" if folder.name.upper() == "INBOX" else folder.role
        rank = ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER)
        return rank, folder.name.lower()

    return sorted((f for f in folders if "\\noselect" not in (x.lower() for x in f.flags)), key=key)


def folder_row(folder: Folder) -> urwid.Widget:
    """A folder with its unread and total counts; bold when something is unread."""
    label = clean_line(folder.name) or "?"
    counts = f"{folder.unseen}/{folder.total}" if folder.unseen else f"{folder.total}"
    attr = "folder unread" if folder.unseen else "folder"
    columns = urwid.Columns([SelectableText(label, wrap="ellipsis"), (12, urwid.Text(counts, align="right"))])
    return urwid.AttrMap(columns, attr, FOCUS_MAP[attr])


class SidebarScreen(Screen):
    """Choose a folder; ``on_pick`` gets its name (open it, or move/copy there)."""

    name = "sidebar"

    def __init__(self, host: Host, on_pick: Callable[[str], None], *, heading: str = "Folders") -> None:
        self.on_pick = on_pick
        self.heading = heading
        self.folders: list[Folder] = []
        self.walker = urwid.SimpleFocusListWalker([urwid.Text(("note", "Loading folders…"))])
        self.listbox = urwid.ListBox(self.walker)
        super().__init__(host, self.listbox)

    def title(self) -> str:
        return self.heading

    def load(self) -> None:
        self.host.post(lambda mb: mb.folders(), self.show_folders, slot="folders")

    def show_folders(self, folders: Sequence[Folder], current: str = "") -> None:
        """Folders arrived (from the worker, or from a test)."""
        self.folders = ordered(folders)
        self.walker[:] = [folder_row(f) for f in self.folders] or [urwid.Text(("note", "No folders."))]
        names = [f.name for f in self.folders]
        if current in names:
            self.listbox.set_focus(names.index(current))

    def action_down(self) -> None:
        self.listbox.keypress(self.size, "down")

    def action_up(self) -> None:
        self.listbox.keypress(self.size, "up")

    def action_open(self) -> None:
        if not self.folders:
            return
        name = self.folders[self.listbox.focus_position].name
        self.host.pop(self)
        self.on_pick(name)

    def action_back(self) -> None:
        self.host.pop(self)
