"""Small widgets and formatters shared by the screens (sender strings are sanitised here or in the screen)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import urwid

from agentmail.mime.sanitize import clean_line
from agentmail.model import Address, Summary
from agentmail.tui.editor import TextEditor


class SelectableText(urwid.Text):
    """A text that can hold the focus in a list (an index row, a folder); keys pass through."""

    _selectable = True

    def keypress(self, size: tuple[int], key: str) -> str | None:  # type: ignore[override]  # a flow widget narrows size, as urwid's own do
        return key


class MessageLine:
    """The one-line message under the status line: it lasts until the next key or a few seconds, like mutt's."""

    def __init__(self, seconds: float = 6.0, error_seconds: float = 12.0) -> None:
        self.text = urwid.Text("", wrap="clip")
        self.seconds, self.error_seconds = seconds, error_seconds
        self.loop: Any = None  # the MainLoop, once running (its alarms clear old messages)
        self._serial = 0

    def show(self, markup: Any, *, error: bool = False) -> None:
        self._serial += 1
        self.text.set_text(markup)
        if self.loop is not None:
            serial = self._serial
            self.loop.set_alarm_in(self.error_seconds if error else self.seconds, lambda *_: self._expire(serial))

    def clear(self) -> None:
        self._serial += 1
        self.text.set_text("")

    def _expire(self, serial: int) -> None:
        if serial == self._serial:
            self.text.set_text("")


class LineInput(TextEditor):
    """A one-line prompt: Enter answers, Esc or ^G cancels, Tab completes; the editor's line keys (^U, ^W...) work."""

    def __init__(
        self,
        caption: str,
        on_done: Callable[[str], None],
        on_cancel: Callable[[], None],
        *,
        text: str = "",
        complete: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__(caption, text)
        self._on_done, self._on_cancel, self._complete = on_done, on_cancel, complete

    def keypress(self, size: tuple[int], key: str) -> str | None:  # type: ignore[override]  # a flow widget narrows size, as urwid's own do
        if key == "begin paste" or self.pasting:
            super().keypress(size, key)  # a paste is text, even its newlines: it never answers the prompt
            return None
        if key == "enter":
            self._on_done(self.edit_text)
            return None
        if key in ("esc", "ctrl g", "ctrl c"):
            self._on_cancel()
            return None
        if key == "tab" and self._complete is not None:
            self.set_edit_text(self._complete(self.edit_text))
            self.set_edit_pos(len(self.edit_text))
            return None
        super().keypress(size, key)
        return None  # the prompt is modal: no key leaks to the screen behind it


class ConfirmBar(SelectableText):
    """A yes/no question in the message line: y answers yes, any other key no."""

    def __init__(self, question: str, on_yes: Callable[[], None], on_no: Callable[[], None]) -> None:
        super().__init__(f"{question} (y/n)")
        self._on_yes, self._on_no = on_yes, on_no

    def keypress(self, size: tuple[int], key: str) -> str | None:  # type: ignore[override]  # a flow widget narrows size, as urwid's own do
        if key in ("y", "Y"):
            self._on_yes()
        else:
            self._on_no()
        return None


def fmt_date(when: datetime | None, now: datetime | None = None) -> str:
    """Index date: time today, "Mon DD" this year, else the full date (mutt's habit)."""
    if when is None:
        return "?"
    now = now or datetime.now(when.tzinfo)
    local = when.astimezone(now.tzinfo) if when.tzinfo and now.tzinfo else when
    if local.date() == now.date():
        return local.strftime("%H:%M")
    if local.year == now.year:
        return local.strftime("%b %d")
    return local.strftime("%Y-%m-%d")


def fmt_size(size: int) -> str:
    """A size people read: 512B, 12K, 3.4M."""
    if size < 1024:
        return f"{size}B"
    if size < 1024 * 1024:
        return f"{size // 1024}K"
    return f"{size / (1024 * 1024):.1f}M"


def flag_marks(summary: Summary) -> str:
    """The index flags column: N new, F flagged, r replied, @ attachment."""
    flags = summary.flags
    return "".join(
        (
            "N" if summary.is_unread else " ",
            "F" if "\\Flagged" in flags else " ",
            "r" if "\\Answered" in flags else ("f" if "$Forwarded" in flags else " "),
            "@" if summary.has_attachments else " ",
        )
    )


def addr_name(address: Address | None) -> str:
    """A sender as the index shows it: the display name, else the address; sanitised."""
    if address is None:
        return "(nobody)"
    return clean_line(address.name or address.email) or clean_line(address.email)


def addr_list(addresses: Sequence[Address]) -> str:
    """Addresses for a header line, sanitised."""
    return clean_line(", ".join(a.formatted() for a in addresses))


def thread_prefix(depth: int) -> str:
    """Tree glyphs before a threaded subject (depth 0 is a thread's root)."""
    return "" if depth <= 0 else "  " * (depth - 1) + "└─>"


class ListOrNote(urwid.WidgetPlaceholder):
    """A list, or in its place one centred sentence: while it loads, when it is empty, or why it failed."""

    def __init__(self, listbox: urwid.ListBox, note: str) -> None:
        self.listbox = listbox
        self.note = urwid.Text(("note", note), align="center")
        self._filler = urwid.Filler(self.note)
        super().__init__(self._filler)

    @property
    def shows_list(self) -> bool:
        return self.original_widget is self.listbox

    def show_list(self, focus: int | None = None) -> None:
        self.original_widget = self.listbox
        if focus is not None:
            self.listbox.set_focus(focus)

    def say(self, text: str, attr: str = "note") -> None:
        """The sentence instead of the list."""
        self.note.set_text((attr, text))
        self.original_widget = self._filler

    def show(self, rows: int, nothing: str, focus: int = 0) -> None:
        """The list when it has rows (focused on row ``focus``), else ``nothing`` where it would be."""
        if rows:
            self.show_list(focus)
        else:
            self.say(nothing)
