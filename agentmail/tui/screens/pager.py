"""Reading one message: headers, the body with coloured quote levels, links, attachments; raw and full-header views."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import urwid

from agentmail.mime.render import quote_level
from agentmail.mime.sanitize import clean_line, clean_text
from agentmail.model import AuthVerdict, Message, Transfer, describe_verdict
from agentmail.tui.requests import Delete, FetchRaw, Read
from agentmail.tui.screens.attachments import AttachmentsScreen, part_label
from agentmail.tui.screens.base import Host, Screen, TextScroll
from agentmail.tui.screens.composer import ReplyActions
from agentmail.tui.theme import quote_attr
from agentmail.tui.widgets import addr_list

if TYPE_CHECKING:  # urwid's name for what a ListBox holds (a row that sizes by width)
    from urwid.widget import AbstractFlowWidget

# (uid, step) -> the uid step rows away in the index (or, from an all-folder search, its (folder, uid, uidvalidity)).
Neighbour = Callable[[int, int], int | tuple[str, int, int] | None]


def _line(markup: Any, wrap: str) -> urwid.Text:
    return urwid.Text(markup, wrap="space" if wrap == "space" else "clip")


def header_lines(message: Message, full: bool) -> list[tuple[str, str]]:
    """(name, sanitised value) pairs for the header block: the usual five, or every header."""
    if full:
        return [(clean_line(h.name), clean_line(h.value)) for h in message.headers]
    rows = [("From", addr_list((message.sender,)) if message.sender else "")]
    rows += [("To", addr_list(message.to))] if message.to else []
    rows += [("Cc", addr_list(message.cc))] if message.cc else []
    rows += [("Date", message.date.strftime("%a, %d %b %Y %H:%M %z") if message.date else "")]
    rows += [("Subject", clean_line(message.subject))]
    return rows


def auth_line(auth: AuthVerdict | None) -> tuple[str, str] | None:
    """The verdict as (attribute, text), from the same function as the JSON answers; None when there is none."""
    if auth is None:
        return None
    level, summary = describe_verdict(auth)
    return ("auth good" if level in ("member", "pass") else "auth bad"), clean_line(summary)


def body_markup(text: str, needle: str = "") -> list[Any]:
    """The body, one markup item per line: quote levels coloured, search matches highlighted."""
    lines = []
    for raw in clean_text(text).expandtabs(8).split("\n"):
        attr = quote_attr(quote_level(raw))
        lines.append(_highlight(raw, needle, attr) if needle else (attr, raw))
    return lines


def _highlight(line: str, needle: str, attr: str) -> Any:
    """Split a line around case-insensitive matches of needle (flat markup: urwid 5 layers nested attributes)."""
    low, n = line.lower(), needle.lower()
    out: list[tuple[str, str]] = []
    pos = 0
    while (hit := low.find(n, pos)) >= 0:
        out += [(attr, line[pos:hit]), ("match", line[hit : hit + len(n)])]
        pos = hit + len(n)
    out.append((attr, line[pos:]))
    return [piece for piece in out if piece[1]] or (attr, "")


def _row_starts(widget: AbstractFlowWidget, cols: int) -> list[int]:
    """The character offset each screen row of a text line starts at, at this width."""
    if not isinstance(widget, urwid.Text):
        return [0]
    starts: list[int] = []
    for row in widget.get_line_translation(cols):
        offsets = [seg[1] for seg in row if len(seg) >= 2 and seg[1] is not None]
        starts.append(int(offsets[0]) if offsets else (starts[-1] if starts else 0))
    return starts or [0]


def top_anchor(listbox: urwid.ListBox, size: tuple[int, int]) -> tuple[int, int] | None:
    """(line, character) of the text at the top of the listbox as drawn at size."""
    middle, top, _bottom = listbox.calculate_visible(size)
    if middle is None or top is None:
        return None
    offset, focus_widget, focus_pos, _rows, _cursor = middle
    trim, above = top
    widget, pos, skipped = (above[-1][0], above[-1][1], trim) if above else (focus_widget, focus_pos, max(0, -offset))
    starts = _row_starts(widget, size[0])
    return int(pos), starts[min(skipped, len(starts) - 1)]


def put_at_top(listbox: urwid.ListBox, size: tuple[int, int], pos: int, char: int) -> None:
    """Scroll so the screen row holding character char of line pos is the top row."""
    body = listbox.body
    if not isinstance(body, urwid.SimpleFocusListWalker) or pos >= len(body):  # the pager's body is such a list
        return
    starts = _row_starts(body[pos], size[0])
    row = max(i for i, start in enumerate(starts) if start <= char or i == 0)
    listbox.change_focus(size, pos, offset_inset=-row)


class PagerScreen(ReplyActions, TextScroll, Screen):
    """One message, scrolled like a pager; n/p walk the index it was opened from."""

    name = "pager"

    def __init__(self, host: Host, folder: str, uid: int, uidvalidity: int, *, neighbour: Neighbour | None = None,
                 on_deleted: Callable[[Transfer], None] | None = None,
                 on_read: Callable[[Message], None] | None = None) -> None:  # fmt: skip
        self.folder, self.uid, self.uidvalidity = folder, uid, uidvalidity
        self.neighbour = neighbour or (lambda _uid, _step: None)
        self.on_deleted = on_deleted or (lambda _transfer: None)
        self.on_read = on_read or (lambda _message: None)  # the index marks the row read (n and p open others)
        self.message: Message | None = None
        self.full_headers, self.wrap_lines = False, True
        self.raw_source: str | None = None
        self.needle = ""
        self.walker = urwid.SimpleFocusListWalker([urwid.Text(("note", "Loading the message…"))])
        self.listbox = urwid.ListBox(self.walker)
        self._drawn: tuple[int, int] | None = None  # the size last drawn at
        self._anchor: tuple[int, int] | None = None  # (row, character) at the top when a resize began
        super().__init__(host, self.listbox)

    def title(self) -> str:
        subject = clean_line(self.message.subject) if self.message else "…"
        return f"{self.folder}: {subject[:50]}"

    def load(self) -> None:
        """Ask for the message (this marks it read, as opening does in every mail reader)."""
        self.host.post(Read(self.folder, self.uid, self.uidvalidity), self.show, slot="pager-read")

    def show(self, message: Message) -> None:
        """Display a message (called with the worker's reply, or directly by tests)."""
        self.message, self.raw_source, self.needle = message, None, ""
        self.uid = message.uid
        self.rebuild()
        self.on_read(message)

    def rebuild(self, focus: int = 0) -> None:
        """Lay the message out again (after a toggle, a search or attachments arriving)."""
        if self.message is None:
            return
        self._anchor = None
        wrap = "space" if self.wrap_lines else "clip"
        rows = self._raw_rows(wrap) if self.raw_source is not None else self._message_rows(self.message, wrap)
        self.walker[:] = rows
        self.listbox.set_focus(min(focus, len(rows) - 1))

    # -- keeping the reading position across resizes --------------------------------------
    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]  # a box widget narrows size, as urwid's own do
        """A new size keeps the same line of text at the top (and a round trip of resizes returns exactly)."""
        if self._drawn is not None and size != self._drawn and len(self.walker):
            if self._anchor is None:  # remembered until the reader scrolls, so 80 -> 60 -> 80 comes back exactly
                self._anchor = top_anchor(self.listbox, self._drawn)
            if self._anchor is not None:
                put_at_top(self.listbox, size, *self._anchor)
        self._drawn = size
        return super().render(size, focus)

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget narrows size, as urwid's own do
        self._anchor = None  # the reader moves: the next resize keeps the new position
        return super().keypress(size, key)

    def _raw_rows(self, wrap: str) -> list[urwid.Widget]:
        return [_line(line, wrap) for line in clean_text(self.raw_source or "").expandtabs(8).split("\n")]

    def _message_rows(self, message: Message, wrap: str) -> list[urwid.Widget]:
        rows: list[urwid.Widget] = []
        for name, value in header_lines(message, self.full_headers):
            attr = "subject" if name == "Subject" else "header value"
            rows.append(_line([("header name", f"{name}: "), (attr, value)], wrap))
        if (verdict := auth_line(message.auth)) is not None:
            rows.append(_line([("header name", "Auth: "), verdict], wrap))
        rows += [_line(("note", f"[{clean_line(note)}]"), wrap) for note in message.notes]
        rows.append(urwid.Divider("─"))
        rows += [_line(markup, wrap) for markup in body_markup(message.text, self.needle)]
        if message.links:
            rows += [urwid.Divider(" "), _line(("note", "Links:"), wrap)]
            rows += [_line(("link", f"[{i}] {clean_line(url)}"), wrap) for i, url in enumerate(message.links, 1)]
        if message.attachments:
            rows += [urwid.Divider(" "), _line(("note", "Attachments (v lists them; text ones open):"), wrap)]
            rows += [_line(("attachment", part_label(p)), wrap) for p in message.attachments]
        return rows

    # -- actions --------------------------------------------------------------------------
    def action_next_message(self) -> None:
        self._go(+1)

    def action_previous_message(self) -> None:
        self._go(-1)

    def _go(self, step: int) -> None:
        uid = self.neighbour(self.uid, step)
        if uid is None:
            self.host.notify("No next message." if step > 0 else "No previous message.")
            return
        if isinstance(uid, tuple):
            self.folder, self.uid, self.uidvalidity = uid
        else:
            self.uid = uid
        self.load()

    def _target(self) -> tuple[str, int, int] | None:
        return self.folder, self.uid, self.uidvalidity

    def on_wheel(self, step: int) -> None:
        self._anchor = None
        super().on_wheel(step)

    def action_delete(self) -> None:
        if self.host.expunges(self.folder):
            self.host.confirm("Delete this message for good (it is not moved to Trash)?", self._delete)
        else:
            self._delete()

    def _delete(self) -> None:
        folder, uid, uv = self.folder, self.uid, self.uidvalidity
        following = self.neighbour(uid, +1)

        def deleted(transfer: Transfer) -> None:
            self.on_deleted(transfer)
            if following is None:
                self.host.pop(self)
            elif isinstance(following, tuple):
                self.folder, self.uid, self.uidvalidity = following
                self.load()
            else:
                self.uid = following
                self.load()

        self.host.post(Delete(folder, (uid,), uv), deleted, slot="pager-delete")

    def action_headers(self) -> None:
        self.full_headers = not self.full_headers
        self.rebuild()

    def action_raw(self) -> None:
        if self.raw_source is not None:
            self.raw_source = None
            self.rebuild()
            return

        def shown(raw: bytes) -> None:
            self.raw_source = raw.decode("utf-8", "replace")
            self.rebuild()

        self.host.post(FetchRaw(self.folder, self.uid, self.uidvalidity), shown, slot="pager-raw")

    def action_attachments(self) -> None:
        """mutt's attachment view: every part listed; text and HTML ones open as text, none is saved."""
        if self.message is None:
            return
        self.host.push(AttachmentsScreen(self.host, self.folder, self.uid, self.uidvalidity, self.message.attachments))

    def action_wrap(self) -> None:
        self.wrap_lines = not self.wrap_lines
        self.rebuild(self.listbox.focus_position)

    def action_search(self) -> None:
        self.host.prompt("Find: ", self.find, text=self.needle)

    def find(self, needle: str) -> None:
        """Highlight needle and move to its next occurrence after the current line."""
        self.needle = needle.strip()
        here = self.listbox.focus_position if self.walker else 0
        self.rebuild(here)
        if not self.needle:
            return
        texts = [w.text.lower() if isinstance(w, urwid.Text) else "" for w in self.walker]
        order = list(range(here + 1, len(texts))) + list(range(here + 1))
        hit = next((i for i in order if self.needle.lower() in texts[i]), None)
        if hit is None:
            self.host.notify(f"Not found: {clean_line(self.needle)}")
        else:
            self.listbox.set_focus(hit)
