"""The folder list: special-use folders first, unread counts; opens a folder or picks a move/copy target.

Two forms: :class:`SidebarScreen`, the full-window list ``c`` opens (it also empties
Trash and deletes folders, both after a y), and :class:`FolderPane`, the narrow pane
always shown beside the other screens on a wide enough terminal (click to open).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import urwid

from agentmail.mime.sanitize import clean_line
from agentmail.model import Folder
from agentmail.tui.requests import CreateFolder, DeleteFolder, EmptyTrash, ListFolders, RenameFolder
from agentmail.tui.screens.base import Host, ListMoves, Screen
from agentmail.tui.theme import FOCUS_MAP
from agentmail.tui.widgets import SelectableText

if TYPE_CHECKING:  # urwid's name for what a ListBox holds (a row that sizes by width)
    from urwid.widget import AbstractFlowWidget

PANE_WIDTH = 22  # columns of the folder pane, divider excluded
PANE_MIN_COLS = 90  # below this terminal width the pane hides itself

ROLE_ORDER = ("inbox", "drafts", "sent", "archive", "junk", "trash")


def ordered(folders: Sequence[Folder]) -> list[Folder]:
    """Special-use folders first (INBOX, Drafts, Sent, ...), then the rest by name."""

    def key(folder: Folder) -> tuple[int, str]:
        role = "inbox" if folder.name.upper() == "INBOX" else folder.role
        rank = ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER)
        return rank, folder.name.lower()

    return sorted((f for f in folders if "\\noselect" not in (x.lower() for x in f.flags)), key=key)


def folder_row(folder: Folder) -> urwid.AttrMap[urwid.Columns]:
    """A folder with its unread and total counts; bold when something is unread."""
    label = clean_line(folder.name) or "?"
    counts = f"{folder.unseen}/{folder.total}" if folder.unseen else f"{folder.total}"
    attr = "folder unread" if folder.unseen else "folder"
    columns = urwid.Columns([SelectableText(label, wrap="ellipsis"), (12, urwid.Text(counts, align="right"))])
    return urwid.AttrMap(columns, attr, FOCUS_MAP[attr])


class SidebarScreen(ListMoves, Screen):
    """Choose a folder; ``on_pick`` gets its name (open it, or move/copy there)."""

    name = "sidebar"

    def __init__(self, host: Host, on_pick: Callable[[str], None], *, heading: str = "Folders") -> None:
        self.on_pick = on_pick
        self.heading = heading
        self.folders: list[Folder] = []
        self.walker: urwid.SimpleFocusListWalker[AbstractFlowWidget]
        self.walker = urwid.SimpleFocusListWalker([urwid.Text(("note", "Loading folders…"))])
        self.listbox = urwid.ListBox(self.walker)
        super().__init__(host, self.listbox)

    def title(self) -> str:
        return self.heading

    def load(self) -> None:
        self.host.post(ListFolders(), self.show_folders, slot="folders")

    def show_folders(self, folders: Sequence[Folder], current: str = "") -> None:
        """Folders arrived (from the worker, or from a test)."""
        self.folders = ordered(folders)
        rows: list[AbstractFlowWidget] = [folder_row(f) for f in self.folders]
        self.walker[:] = rows or [urwid.Text(("note", "No folders."))]
        names = [f.name for f in self.folders]
        if current in names:
            self.listbox.set_focus(names.index(current))

    def row_count(self) -> int:
        return len(self.folders)

    def action_open(self) -> None:
        if not self.folders:
            return
        name = self.folders[self.listbox.focus_position].name
        self.host.pop(self)
        self.on_pick(name)

    def action_back(self) -> None:
        self.host.pop(self)

    def _focused(self) -> Folder | None:
        if not self.folders:
            return None
        return self.folders[self.listbox.focus_position]

    def _ordinary(self, verb: str) -> Folder | None:
        """The focused folder, unless it is a special one (INBOX, Drafts, Trash…), which is never deleted or renamed."""
        folder = self._focused()
        if folder is not None and (folder.role or folder.name.upper() == "INBOX"):
            self.host.notify(f"{clean_line(folder.name)} is a special folder and cannot be {verb}.", error=True)
            return None
        return folder

    def action_empty_trash(self) -> None:
        """Delete every message in Trash for good, after a y."""
        trash = next((f for f in self.folders if self.host.role_of(f.name) == "trash"), None)  # as the service says
        if trash is None:
            self.host.notify("There is no Trash folder here.", error=True)
            return
        if trash.total == 0:
            self.host.notify(f"{clean_line(trash.name)} is already empty.")
            return
        name = trash.name

        def done(count: int) -> None:
            self.host.notify(
                f"Emptied {clean_line(name)}: {count} message{'s' if count != 1 else ''} deleted for good."
            )
            self.load()
            self.host.refresh_overview()

        question = f"Delete all {trash.total} messages in {clean_line(name)} for good?"

        def empty() -> None:
            self.host.post(EmptyTrash(name), done, slot="empty-trash")

        self.host.confirm(question, empty)

    def action_delete_folder(self) -> None:
        """Delete the focused folder with everything in it, after a y (the server refuses special folders)."""
        if (folder := self._ordinary("deleted")) is None:
            return
        name = folder.name

        def done(_none: Any) -> None:
            self.host.notify(f"Deleted the folder {clean_line(name)}.")
            self.host.folder_gone(name)
            self.load()
            self.host.refresh_overview()

        def delete() -> None:
            self.host.post(DeleteFolder(name), done, slot="delete-folder", on_error=self.host.fail)

        self.host.confirm(f"Delete the folder {clean_line(name)} and its {folder.total} messages for good?", delete)

    def action_create_folder(self) -> None:
        """Ask for a name and create the folder; the server's refusal shows as one sentence."""
        self.host.prompt("New folder name: ", self._create)

    def _create(self, name: str) -> None:
        name = name.strip()
        if not name:
            self.host.notify("No folder created: the name was empty.")
            return

        def done(folder: Folder) -> None:
            self.host.notify(f"Created the folder {clean_line(folder.name)}.")
            self.load()  # the app refreshes the counts after every change

        self.host.post(CreateFolder(name), done, slot="create-folder", on_error=self.host.fail)

    def action_rename_folder(self) -> None:
        """Ask for the focused folder's new name (the old one to edit) and rename it."""
        if (folder := self._ordinary("renamed")) is None:
            return
        old = folder.name
        self.host.prompt(f"Rename {clean_line(old)} to: ", lambda new: self._rename(old, new.strip()), text=old)

    def _rename(self, old: str, new: str) -> None:
        if not new or new == old:
            self.host.notify("The folder keeps its name.")
            return

        def done(folder: Folder) -> None:
            self.host.notify(f"Renamed the folder {clean_line(old)} to {clean_line(folder.name)}.")
            self.host.folder_gone(old)
            self.load()

        self.host.post(RenameFolder(old, new), done, slot="rename-folder", on_error=self.host.fail)


class PaneRow(urwid.WidgetWrap):
    """One folder in the pane: a click (button 1) opens it."""

    def __init__(self, folder: Folder, current: bool, on_click: Callable[[str], None]) -> None:
        self.folder_name, self._on_click = folder.name, on_click
        label = clean_line(folder.name) or "?"
        attr = ("folder current" if current else "folder") + (" unread" if folder.unseen else "")
        attr = "folder current unread" if current and folder.unseen else attr
        count = urwid.Text(str(folder.unseen) if folder.unseen else "", align="right", wrap="clip")
        columns = urwid.Columns([urwid.Text(label, wrap="ellipsis"), (6, count)], dividechars=1)
        super().__init__(urwid.AttrMap(columns, attr))

    def mouse_event(self, size: tuple[int], event: str, button: int, col: int, row: int, focus: bool) -> bool:  # type: ignore[override]  # a flow widget narrows size, as urwid's own do
        if urwid.util.is_mouse_press(event) and button == 1:
            self._on_click(self.folder_name)
            return True
        return False


class FolderPane(urwid.WidgetWrap):
    """The always-there folder pane: special-use first, unread counts, the open folder highlighted."""

    def __init__(self, on_click: Callable[[str], None]) -> None:
        self._on_click = on_click
        self.walker: urwid.SimpleListWalker[AbstractFlowWidget]
        self.walker = urwid.SimpleListWalker([urwid.Text(("note", "Folders…"))])
        self.listbox = urwid.ListBox(self.walker)
        title = urwid.AttrMap(urwid.Text("Folders", wrap="clip"), "pane title")
        super().__init__(urwid.Frame(self.listbox, header=title))

    def selectable(self) -> bool:
        return False  # keys stay with the screen beside it; the pane answers clicks only

    def show(self, folders: Sequence[Folder], current: str) -> None:
        rows: list[AbstractFlowWidget] = [PaneRow(f, f.name == current, self._on_click) for f in ordered(folders)]
        self.walker[:] = rows or [urwid.Text(("note", "No folders."))]

    def mouse_event(self, size: tuple[int, int], event: str, button: int, col: int, row: int, focus: bool) -> bool:  # type: ignore[override]  # a box widget narrows size, as urwid's own do
        if button in (4, 5) and urwid.util.is_mouse_press(event):
            return True  # the pane is short; ignore the wheel rather than move the screen beside it
        return bool(self._w.mouse_event(size, event, button, col, row, focus))


class Workspace(urwid.Widget):
    """The folder pane beside the top screen; the pane hides when toggled off or under PANE_MIN_COLS columns."""

    _sizing = frozenset([urwid.Sizing.BOX])
    _selectable = True

    def __init__(self, pane: FolderPane) -> None:
        super().__init__()
        self.pane = pane
        self.visible = True
        self.screen: urwid.Widget = urwid.SolidFill(" ")
        rule = urwid.AttrMap(urwid.SolidFill("│"), "note")
        self.columns = urwid.Columns([(PANE_WIDTH, pane), (1, rule), self.screen], dividechars=1, focus_column=2)

    def set_screen(self, screen: urwid.Widget) -> None:
        self.screen = screen
        self.columns.contents[2] = (screen, self.columns.options())
        self.columns.focus_position = 2
        self._invalidate()

    def toggle(self) -> None:
        self.visible = not self.visible
        self._invalidate()

    def shows_pane(self, cols: int) -> bool:
        return self.visible and cols >= PANE_MIN_COLS

    def _current(self, size: tuple[int, int]) -> urwid.Widget:
        return self.columns if self.shows_pane(size[0]) else self.screen

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]  # a box widget narrows size, as urwid's own do
        return self._current(size).render(size, focus)

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget narrows size, as urwid's own do
        return self._current(size).keypress(size, key)

    def mouse_event(self, size: tuple[int, int], event: str, button: int, col: int, row: int, focus: bool) -> bool:  # type: ignore[override]  # a box widget narrows size, as urwid's own do
        return bool(self._current(size).mouse_event(size, event, button, col, row, focus))


def with_counts(folders: Sequence[Folder], counts: Sequence[tuple[str, int | None, int | None]]) -> list[Folder]:
    """The folders with (name, total, unseen) counts applied as the server gave them (None: not given).

    A folder the list does not know yet is added with the counts it came with.
    """
    given = {name: (total, unseen) for name, total, unseen in counts}
    updated = []
    for folder in folders:
        total, unseen = given.get(folder.name, (None, None))
        updated.append(dataclasses.replace(folder, total=folder.total if total is None else total,
                                           unseen=folder.unseen if unseen is None else unseen))  # fmt: skip
    known = {f.name for f in folders}
    updated += [Folder(name, None, total or 0, unseen or 0) for name, (total, unseen) in given.items()
                if name not in known]  # fmt: skip
    return updated
