"""The index's rows: a ListWalker over a View's uids that fetches summaries only for windows near the screen.

Rows are fetched in blocks of :data:`BLOCK` (a placeholder shows until a block
arrives) and blocks far from the focus are evicted, so memory stays bounded
however large the folder is (aerc's msglist does the same).  At most :data:`PENDING`
block requests are in flight: blocks wanted meanwhile wait here, and those paged past
before their turn are never asked for (holding down PgDn through 100,000 rows
otherwise queued ~2,000 requests, megabytes, for rows long off screen).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

import urwid

from agentmail.mime.sanitize import clean_line
from agentmail.model import Summary, View
from agentmail.tui.theme import FOCUS_MAP
from agentmail.tui.threadfold import base_subject, parent_position
from agentmail.tui.widgets import SelectableText, addr_name, flag_marks, fmt_date, fmt_size, thread_prefix

BLOCK = 50  # rows per summaries() request
KEEP_BLOCKS = 4  # blocks kept on each side of the focus; the rest are evicted
PENDING = 2  # block requests in flight at once: paging faster than the server answers queues no backlog


def to_me_mark(summary: Summary, me: str) -> str:
    """mutt's to_chars: + only to you, T to you and others, C you are in Cc, F from you, blank otherwise."""
    me = me.lower()
    if not me:
        return " "
    if summary.sender is not None and summary.sender.email.lower() == me:
        return "F"
    to = [a.email.lower() for a in summary.to]
    if me in to:
        return "+" if len(to) == 1 and not summary.cc else "T"
    return "C" if me in (a.email.lower() for a in summary.cc) else " "


def row_widget(
    summary: Summary, depth: int = 0, folder: str = "", *, tagged: bool = False, me: str = "",
    recipient: bool = False, wide: bool = False, hidden: int = 0, show_subject: bool = True, sized: bool = True,
) -> urwid.AttrMap[urwid.Columns]:  # fmt: skip
    """One index row: flags (to-me mark, tag), date, (folder,) sender or recipient, (size,) subject; unread bold.

    ``recipient`` shows "To <name>" instead of the sender (Sent, Drafts: mutt's %F); ``hidden`` is how many
    messages a collapsed thread hides; ``show_subject`` False leaves a reply's repeated subject out; ``sized``
    False leaves the size cell blank (the size is not known yet).
    """
    attr = "unread" if summary.is_unread else ("flagged" if "\\Flagged" in summary.flags else "row")
    prefix = thread_prefix(depth) + (f"(+{hidden}) " if hidden else "")
    text = clean_line(summary.subject) or "(no subject)"
    if not show_subject:
        text = ""
    subject: str | list[tuple[str, str] | str] = [("tree", prefix), text] if prefix else text
    marks = flag_marks(summary) + to_me_mark(summary, me) + ("*" if tagged else " ")
    cells: list[tuple[int, urwid.Text] | urwid.Text] = [
        (6, urwid.Text(marks, wrap="clip")),
        (10, urwid.Text(fmt_date(summary.date or summary.received), wrap="clip")),
    ]
    if folder:
        cells.append((12, urwid.Text(("tree", clean_line(folder)), wrap="ellipsis")))
    who = "To " + addr_name(summary.to[0] if summary.to else None) if recipient else addr_name(summary.sender)
    cells.append((20, urwid.Text(who, wrap="ellipsis")))
    if wide:
        cells.append((5, urwid.Text(fmt_size(summary.size) if sized else "", align="right", wrap="clip")))
    cells.append(SelectableText(subject, wrap="ellipsis"))
    columns = urwid.Columns(cells, dividechars=1)
    return urwid.AttrMap(columns, attr, FOCUS_MAP[attr])


def placeholder_widget() -> urwid.AttrMap[SelectableText]:
    """A row whose summary has not arrived yet."""
    return urwid.AttrMap(SelectableText("     …", wrap="clip"), "placeholder", FOCUS_MAP["placeholder"])


class LazyRows(urwid.ListWalker):
    """Positions 0..n-1 over ``view.uids``; asks for blocks through ``need(start, uids)`` as rows are shown."""

    def __init__(self, need: Callable[[int, list[int]], None]) -> None:
        self._need = need
        self.view = View("", 0)
        self.focus = 0
        self._summaries: dict[int, Summary] = {}
        self._widgets: dict[int, urwid.Widget] = {}
        self._blocks: set[int] = set()  # requested or loaded
        self._pending: set[int] = set()  # asked for, no answer yet
        self._waiting: list[int] = []  # wanted while PENDING were in flight
        self._placeholder = placeholder_widget()
        # How rows look (set by the screen): whose mail is "to me", recipients instead of senders,
        # a size column, tagged uids (kept by uid, so tags survive scrolling, paging and eviction),
        # and how many messages each collapsed thread root hides.
        self.me = ""
        self.recipient = False
        self.wide = False
        self.tagged: set[int] = set()
        self.hidden: dict[int, int] = {}
        self.unsized: set[int] = set()  # rows shown before their size was known (the reader's first page)

    # -- ListWalker protocol ----------------------------------------------------------
    def __len__(self) -> int:
        return len(self.view.uids)

    def __getitem__(self, position: int) -> urwid.Widget:
        if not 0 <= position < len(self.view.uids):
            raise IndexError(position)
        uid = self.view.uids[position]
        widget = self._widgets.get(uid)
        if widget is not None:
            return widget
        summary = self._summaries.get(uid)
        if summary is None:
            self._request(position // BLOCK)
            return self._placeholder
        widget = row_widget(summary, self.depth(position), tagged=uid in self.tagged, me=self.me,
                            recipient=self.recipient, wide=self.wide, hidden=self.hidden.get(uid, 0),
                            show_subject=self._subject_differs(position, summary),
                            sized=uid not in self.unsized)  # fmt: skip
        self._widgets[uid] = widget
        return widget

    def _subject_differs(self, position: int, summary: Summary) -> bool:
        """A reply shows its subject only when it differs from its parent's (mutt's hide_thread_subject)."""
        parent = parent_position(self.view.depths, position)
        above = self.summary_at(parent) if parent is not None else None
        return above is None or base_subject(above.subject) != base_subject(summary.subject)

    def redraw(self) -> None:
        """Build every row again (tags, width or folding changed)."""
        self._widgets.clear()
        self._modified()

    def next_position(self, position: int) -> int:
        if position + 1 >= len(self.view.uids):
            raise IndexError(position)
        return position + 1

    def prev_position(self, position: int) -> int:
        if position <= 0:
            raise IndexError(position)
        return position - 1

    def positions(self, reverse: bool = False) -> Iterable[int]:
        n = len(self.view.uids)
        return range(n - 1, -1, -1) if reverse else range(n)

    def set_focus(self, position: int) -> None:
        self.focus = max(0, min(position, len(self.view.uids) - 1))
        self._evict()
        self._modified()

    # -- data ---------------------------------------------------------------------
    def set_view(self, view: View, keep_uid: int | None = None) -> None:
        """Show a new uid list; summaries already known are kept, the focus follows keep_uid.

        No set of the whole list is made: the few hundred known summaries are looked up in it instead.
        """
        still = view.uids.intersection(self._summaries)
        self._summaries = {u: s for u, s in self._summaries.items() if u in still}
        self._widgets.clear()
        self._forget_requests()
        self.view = view
        found = keep_uid is not None and keep_uid in view.uids
        position = view.uids.index(keep_uid) if found else min(self.focus, max(len(view.uids) - 1, 0))
        self.focus = position
        self._modified()

    def fill(self, uidvalidity: int, summaries: Iterable[Summary]) -> None:
        """Summaries arrived for a block (dropped if the folder was re-created since)."""
        if uidvalidity != self.view.uidvalidity:
            return
        for summary in summaries:
            self._summaries[summary.uid] = summary
            self._widgets.pop(summary.uid, None)
            self.unsized.discard(summary.uid)
        self._modified()

    def ask_for_sizes(self) -> None:
        """Fetch the rows shown without their size again (they stay as they are until the answer comes)."""
        blocks = {self.view.uids.index(uid) // BLOCK for uid in self.unsized if uid in self.view.uids}
        for block in sorted(blocks):
            self._request(block)

    def forget_block(self, start: int) -> None:
        """A block request failed: allow it to be asked for again later."""
        self._blocks.discard(start // BLOCK)
        self.answered(start)

    def answered(self, start: int) -> None:
        """The request for the block at start was answered: send the next one wanted, if still near the focus."""
        self._pending.discard(start // BLOCK)
        here = self.focus // BLOCK
        while self._waiting and len(self._pending) < PENDING:
            block = self._waiting.pop()  # the latest wanted first: it is where the reader is now
            if abs(block - here) <= KEEP_BLOCKS:
                self._send(block)
            else:
                self._blocks.discard(block)  # paged past: asked for again only if shown again

    def update(self, uid: int, **changes: object) -> Summary | None:
        """Change a known summary (flags after F or N) and redraw its row."""
        summary = self._summaries.get(uid)
        if summary is None:
            return None
        summary = dataclasses.replace(summary, **changes)  # type: ignore[arg-type]
        self._summaries[uid] = summary
        self._widgets.pop(uid, None)
        self._modified()
        return summary

    def summary_at(self, position: int) -> Summary | None:
        if not 0 <= position < len(self.view.uids):
            return None
        return self._summaries.get(self.view.uids[position])

    def uid_at(self, position: int) -> int | None:
        return self.view.uids[position] if 0 <= position < len(self.view.uids) else None

    def depth(self, position: int) -> int:
        return self.view.depths[position] if position < len(self.view.depths) else 0

    def insert_newest(self, summary: Summary) -> None:
        """New mail: put it on top (newest-first arrival order), keeping the focus on the same message."""
        if summary.uid in self.view.uids:
            return
        focus_uid = self.uid_at(self.focus)
        self._summaries[summary.uid] = summary
        view = dataclasses.replace(self.view, uids=self.view.uids.inserted(0, summary.uid))
        self.set_view(view, keep_uid=focus_uid)

    def insert_at(self, position: int, uid: int) -> None:
        """A message came back (undo): show it at the row it left, focused (its summary is fetched like any row)."""
        if uid in self.view.uids:
            return
        position = max(0, min(position, len(self.view.uids)))
        uids = self.view.uids.inserted(position, uid)
        self.set_view(dataclasses.replace(self.view, uids=uids, depths=()), keep_uid=uid)

    def forget_summaries(self) -> None:
        """Drop every fetched row so the next look fetches them again (flags may have changed elsewhere)."""
        self._summaries.clear()
        self._widgets.clear()
        self._forget_requests()
        self._modified()

    def remove(self, uid: int) -> None:
        """A message left the folder (deleted here or expunged elsewhere)."""
        self.tagged.discard(uid)  # a gone message is no longer tagged (; must not act on it)
        if uid not in self.view.uids:
            return
        index = self.view.uids.index(uid)
        depths = self.view.depths[:index] + self.view.depths[index + 1 :] if self.view.depths else ()
        uids = self.view.uids.deleted_at(index)
        self.set_view(dataclasses.replace(self.view, uids=uids, depths=depths))

    @property
    def cached(self) -> int:
        """How many summaries are held (tests check the bound)."""
        return len(self._summaries)

    def _request(self, block: int) -> None:
        if block in self._blocks:
            return
        self._blocks.add(block)
        if len(self._pending) < PENDING:
            self._send(block)
        else:
            self._waiting.append(block)

    def _send(self, block: int) -> None:
        self._pending.add(block)
        start = block * BLOCK
        self._need(start, list(self.view.uids[start : start + BLOCK]))

    def _forget_requests(self) -> None:
        """Another list (or a fresh look): no block counts as asked for; answers for the old one are dropped."""
        self._blocks.clear()
        self._pending.clear()
        self._waiting.clear()

    def _evict(self) -> None:
        """Drop summaries far from the focus so a long scroll does not keep every one."""
        here = self.focus // BLOCK
        self._blocks = {b for b in self._blocks if abs(b - here) <= KEEP_BLOCKS}
        self._waiting = [b for b in self._waiting if b in self._blocks]
        if len(self._summaries) <= (2 * KEEP_BLOCKS + 1) * BLOCK:
            return
        keep = set(self.view.uids[max(0, (here - KEEP_BLOCKS) * BLOCK) : (here + KEEP_BLOCKS + 1) * BLOCK])
        for uid in [u for u in self._summaries if u not in keep]:
            del self._summaries[uid]
            self._widgets.pop(uid, None)
