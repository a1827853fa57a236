"""mutt's attachment view (``v`` in the pager): every part listed; text and HTML open as text, nothing is saved.

No part is ever written to a file or handed to a program: SSH members get no local
file writes, no mailcap and no external viewer.  Text parts are decoded, HTML is
rendered to text (never shown as markup), and everything goes through the sanitiser.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import urwid

from agentmail.mime.charset import decode_bytes
from agentmail.mime.render import html_to_text
from agentmail.mime.sanitize import clean_filename, clean_line, clean_text
from agentmail.model import Part
from agentmail.tui.requests import FetchPart, PartData
from agentmail.tui.screens.base import Host, ListMoves, Screen, TextScroll
from agentmail.tui.theme import FOCUS_MAP
from agentmail.tui.widgets import SelectableText, fmt_size

if TYPE_CHECKING:  # urwid's name for what a ListBox holds (a row that sizes by width)
    from urwid.widget import AbstractFlowWidget

MAX_PART_BYTES = 1024 * 1024  # the most a text part shown on screen may be
SAVING_DISABLED = "Saving attachments is disabled for members on this host; only text parts can be shown."


def part_label(part: Part) -> str:
    """One part as listed: id, name, type and size, all sanitised."""
    name = clean_filename(part.filename) if part.filename else "(no name)"
    return f"[{clean_line(part.part_id)}] {name}  ({clean_line(part.content_type)}, {fmt_size(part.size)})"


def shows_as_text(part: Part) -> bool:
    """Text parts open in the pager (HTML rendered to text); every other type is only listed."""
    return part.content_type.startswith("text/")


def part_text(part: Part, data: bytes, charset: str = "") -> str:
    """A text part's bytes as text a terminal may show: decoded (its declared charset, else UTF-8, else
    windows-1252), HTML rendered, sanitised."""
    text, _note = decode_bytes(data, charset or None)
    if part.content_type == "text/html":
        text, links = html_to_text(text)
        if links:
            text += "\n\nLinks:\n" + "\n".join(f"[{i}] {url}" for i, url in enumerate(links, 1))
    return clean_text(text)


class AttachmentsScreen(ListMoves, Screen):
    """The parts of one message; Enter opens a text part, any other part says why it cannot be saved."""

    name = "attachments"

    def __init__(self, host: Host, folder: str, uid: int, uidvalidity: int, parts: Sequence[Part]) -> None:
        self.folder, self.uid, self.uidvalidity = folder, uid, uidvalidity
        self.parts = list(parts)
        rows: list[AbstractFlowWidget] = [
            urwid.AttrMap(SelectableText(part_label(p), wrap="ellipsis"), "attachment", FOCUS_MAP["row"])
            for p in self.parts
        ]
        self.walker = urwid.SimpleFocusListWalker(rows or [urwid.Text(("note", "This message has no attachments."))])
        self.listbox = urwid.ListBox(self.walker)
        super().__init__(host, self.listbox)

    def title(self) -> str:
        return f"Attachments ({len(self.parts)})"

    def row_count(self) -> int:
        return len(self.parts)

    def focused(self) -> Part | None:
        return self.parts[self.listbox.focus_position] if self.parts else None

    def action_back(self) -> None:
        self.host.pop(self)

    def action_open(self) -> None:
        part = self.focused()
        if part is None:
            return
        if not shows_as_text(part):
            self.host.notify(SAVING_DISABLED)
            return
        request = FetchPart(self.folder, self.uid, self.uidvalidity, part.part_id, MAX_PART_BYTES)
        self.host.post(request, self._arrived, slot="attachment-part")

    def _arrived(self, got: PartData) -> None:
        self.host.push(PartScreen(self.host, got.part, part_text(got.part, got.data, got.charset)))


class PartScreen(TextScroll, Screen):
    """One text part, scrolled like the pager; q goes back to the attachment list."""

    name = "part"

    def __init__(self, host: Host, part: Part, text: str) -> None:
        self.part = part
        rows = [urwid.Text(("attachment", part_label(part))), urwid.Divider("─")]
        rows += [urwid.Text(line) for line in text.expandtabs(8).split("\n")]
        self.walker = urwid.SimpleFocusListWalker(rows)
        self.listbox = urwid.ListBox(self.walker)
        super().__init__(host, self.listbox)

    def title(self) -> str:
        return f"Part {clean_line(self.part.part_id)}"
