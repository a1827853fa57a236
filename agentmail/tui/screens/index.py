"""The message list of one folder (or of a search in it): newest first, fetched a window at a time."""

from __future__ import annotations

import itertools
from typing import Any

import urwid

from agentmail.errors import AgentmailError
from agentmail.mime.query import UNREAD, Query
from agentmail.mime.query import parse as parse_query
from agentmail.mime.sanitize import clean_line
from agentmail.model import Event, Message, Summary, Transfer, View, ViewPrefs
from agentmail.tui.requests import Copy, Delete, FetchSummaries, GetViewPrefs, Move, OpenView, SetFlags
from agentmail.tui.screens.base import Host, ListMoves, Screen
from agentmail.tui.screens.bulk import TagActions
from agentmail.tui.screens.composer import ReplyActions, start_resume
from agentmail.tui.screens.folding import SORTS, ThreadActions
from agentmail.tui.screens.pager import PagerScreen
from agentmail.tui.screens.rows import LazyRows
from agentmail.tui.widgets import ListOrNote

__all__ = ["SORTS", "IndexScreen"]
WIDE = 72  # index columns from which rows show sizes


class IndexScreen(TagActions, ThreadActions, ReplyActions, ListMoves, Screen):
    """A folder's messages; with ``query`` a search inside it, shown as a virtual folder."""

    name = "index"

    def __init__(self, host: Host, folder: str, *, query: Query | None = None, label: str = "") -> None:
        self.folder = folder
        self.query = query
        self.label = label
        self.sort = "arrival"
        self.threads = False
        self.limit: Query | None = None  # l: only messages matching this query
        self.limit_label = ""
        self.tag_prefix = False  # ; was pressed: the next key acts on every tagged message
        self.collapsed: set[int] = set()  # roots of collapsed threads
        self.full_view = View(folder, 0)  # the view before folding collapsed threads
        self.undo: list[tuple[Transfer, tuple[int, ...]]] = []  # a delete, and the rows its messages were on
        self.generation = 0
        self.coming: int | None = None  # the folder's count while only its newest rows are here (the reader's start)
        self.items = LazyRows(self._need)
        self.items.me = host.member_address
        self.listbox = urwid.ListBox(self.items)
        self.shown = ListOrNote(self.listbox, "Loading…")
        super().__init__(host, self.shown)

    @property
    def is_search(self) -> bool:
        return self.query is not None

    def title(self) -> str:
        name = clean_line(self.folder)
        where = f"{name} [search: {clean_line(self.label)}]" if self.is_search else name
        extra = (" threads" if self.threads else "") + (f" sort:{self.sort}" if self.sort != "arrival" else "")
        if self.limit is not None:
            extra += f" [limit: {clean_line(self.limit_label)}]"
        count = len(self.items) if self.coming is None else self.coming
        return f"{where} ({count}){extra}"

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget narrows size, as urwid's own do
        if self.tag_prefix:  # the key after ; acts on the tagged messages
            self.bulk_key(key)
            return None
        return super().keypress(size, key)

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]  # a box widget narrows size, as urwid's own do
        wide, recipient = size[0] >= WIDE, self.host.role_of(self.folder) in ("sent", "drafts")
        if (wide, recipient) != (self.items.wide, self.items.recipient):  # resized, or the folder roles arrived
            self.items.wide, self.items.recipient = wide, recipient
            self.items.redraw()
        return super().render(size, focus)

    def open(self, first: Any = None) -> None:
        """First show of a folder: its remembered sort and thread mode, then its list.

        ``first`` (tui/start.py's FirstPage) is the reader's first page, fetched ahead in the remembered
        order while urwid was imported: shown as it is, asking the worker for nothing.
        """
        if first is not None and first.prefs is not None:
            self.sort = first.prefs.sort if first.prefs.sort in SORTS else "arrival"
            self.threads = first.prefs.threads
            self.show_view(first.view, summaries=first.summaries)
            self.coming = first.total  # only the newest rows: the whole list follows (complete())
            if not first.sized:
                self.items.unsized = {summary.uid for summary in first.summaries}  # asked for again by complete()
            return

        def remembered(prefs: ViewPrefs) -> None:
            self.sort, self.threads = prefs.sort if prefs.sort in SORTS else "arrival", prefs.threads
            self.load()

        def unknown(exc: AgentmailError) -> None:
            self.load()

        self.host.post(GetViewPrefs(self.folder), remembered, slot=f"view-{id(self)}", on_error=unknown)

    # -- loading ------------------------------------------------------------------------
    def load(self, keep_uid: int | None = None, *, fresh: bool = False, report: bool = False) -> None:
        """Ask for the folder's uid list in the current order (summaries follow per window).

        ``fresh`` fetches the rows again too (``$``: flags may have changed elsewhere); ``report`` says what came.
        """
        request = OpenView(self.folder, self.sort, self.threads, (self.query or Query()).narrowed(self.limit))
        focus = keep_uid if keep_uid is not None else self.focused_uid()
        uidvalidity, highest = self.items.view.uidvalidity, self._highest_uid() if report else 0

        def shown(view: View) -> None:
            if fresh:
                self.items.forget_summaries()
            self.show_view(view, focus)
            if report:
                new = view.uids.count_above(highest if view.uidvalidity == uidvalidity else 0)
                where = clean_line(self.folder)
                self.host.notify(f"{new} new message{'s' if new != 1 else ''} in {where}." if new else (
                    f"No new mail in {where}."))  # fmt: skip

        self.host.post(request, shown, slot=f"view-{id(self)}", on_error=self.load_failed)

    def _highest_uid(self) -> int:
        """The newest uid known here, folded away or not: new mail is what comes in above it (uids only grow,
        RFC 9051 2.3.1.1), so ``$`` counts uids, not a set of 100,000 against another (a re-created folder: all new).
        """
        return max(self.full_view.uids.highest(), self.items.view.uids.highest())

    def load_failed(self, exc: AgentmailError) -> None:
        """The list could not be fetched: say so where the list would be ($ retries)."""
        self.host.fail(exc)
        if not len(self.items):
            problem = f"Could not open {clean_line(self.folder)}: {clean_line(str(exc))}\n$ retries."
            self.shown.say(problem, "error")

    def complete(self, view: View | None) -> None:
        """The whole uid list after a first page of only the newest rows (None: it could not be had, so load it),
        and the sizes of rows shown without them."""
        if self.coming is None:
            return
        if view is None:
            self.load()
        else:
            self.show_view(view, self.focused_uid())

    def show_view(self, view: View, keep_uid: int | None = None, summaries: list[Summary] | None = None) -> None:
        """A uid list arrived: show it (rows stay placeholders until their window arrives, unless
        ``summaries`` already came with it, as the reader's first page does)."""
        self.coming = None
        self.generation += 1
        if view.uidvalidity != self.items.view.uidvalidity:
            self.items.tagged = set()  # the folder was re-created: old uids mean other messages now
        self.items.set_view(self.folded(view), keep_uid)
        if summaries:
            self.show_summaries(view.uidvalidity, summaries)
        nothing = "No matches." if self.is_search or self.limit is not None else "No messages."
        self.shown.show(len(view.uids), nothing, self.items.focus)
        if self.items.unsized:
            self.items.ask_for_sizes()  # rows of the first page, shown before their sizes were known

    def _need(self, start: int, uids: list[int]) -> None:
        """The walker wants a window: fetch its summaries (a reply for an older view is ignored)."""
        folder, uv, generation = self.folder, self.items.view.uidvalidity, self.generation

        def arrived(summaries: list[Summary]) -> None:
            if generation == self.generation:
                self.show_summaries(uv, summaries)
                self.items.answered(start)

        def failed(exc: AgentmailError) -> None:
            self.items.forget_block(start)
            self.host.fail(exc)

        self.host.post(FetchSummaries(folder, tuple(uids), uv), arrived, on_error=failed)

    def show_summaries(self, uidvalidity: int, summaries: list[Summary]) -> None:
        """A window of summaries arrived (tests call this directly)."""
        self.items.fill(uidvalidity, summaries)
        seen = [a for s in summaries for a in (s.sender, *s.to, *s.cc) if a is not None]
        self.host.remember(seen)

    def on_events(self, events: list[Event]) -> None:
        """New mail, flag changes and expunges from IDLE, applied without a key press."""
        simple = self.sort == "arrival" and not self.threads and not self.is_search and self.limit is None
        for event in events:
            if event.folder and event.folder != self.folder:
                continue
            if event.kind == "new" and event.summary is not None and simple:
                self._show_new(event.summary)
            elif event.kind == "expunged" and event.uid is not None:
                self.items.remove(event.uid)
            elif event.kind == "flags" and event.uid is not None:
                self.items.update(event.uid, flags=event.flags)
            elif event.kind in ("new", "resync_required"):
                self.load()
                return

    def _show_new(self, summary: Summary) -> None:
        """New mail goes on top; when the top row was in view it stays in view, the cursor on the same message."""
        row = self._focus_row(self.size)
        top_in_view = row is not None and row == self.items.focus
        self.items.insert_newest(summary)
        self.shown.show_list()
        if top_in_view and row is not None and row + 1 < self.size[1]:
            self.listbox.change_focus(self.size, self.items.focus, offset_inset=row + 1)

    def mark_read(self, message: Message) -> None:
        """The pager showed a message (opened, or reached with n and p): its row is read now."""
        if message.folder == self.folder:
            self.items.update(message.uid, flags=tuple(dict.fromkeys((*self._flags(message.uid), "\\Seen"))))

    # -- what is focused ------------------------------------------------------------------
    def focused_uid(self) -> int | None:
        return self.items.uid_at(self.items.focus) if len(self.items) else None

    def neighbour(self, uid: int, step: int) -> int | None:
        """The uid step rows away from uid (the pager's n and p); moves the index focus along."""
        if uid not in self.items.view.uids:
            return None
        position = self.items.view.uids.index(uid) + step
        if not 0 <= position < len(self.items):
            return None
        self.items.set_focus(position)
        return self.items.uid_at(position)

    def row_count(self) -> int:
        return len(self.items)

    def _target(self) -> tuple[str, int, int] | None:
        uid = self.focused_uid()
        if uid is None:
            self.host.notify("No message here.")
            return None
        return self.folder, uid, self.items.view.uidvalidity

    # -- the mouse --------------------------------------------------------------------------
    def mouse_event(self, size: tuple[int, int], event: str, button: int, col: int, row: int, focus: bool) -> bool:  # type: ignore[override]  # a box widget narrows size, as urwid's own do
        """A click selects a row; a click on the row already selected opens it; the wheel scrolls."""
        before = self.items.focus
        was_on_focus = len(self.items) > 0 and self._focus_row(size) == row
        handled = super().mouse_event(size, event, button, col, row, focus)
        if urwid.util.is_mouse_press(event) and button == 1 and was_on_focus and self.items.focus == before:
            self.action_open()
            return True
        return handled

    def _focus_row(self, size: tuple[int, int]) -> int | None:
        if not self.shown.shows_list:
            return None
        offset, _inset = self.listbox.get_focus_offset_inset(size)
        return offset

    # -- actions: moving --------------------------------------------------------------------
    def action_next_unread(self) -> None:
        """Jump to the next unread message below the focus (asks the server which are unread)."""
        folder, start = self.folder, self.items.focus
        unread = (self.query or Query()).narrowed(UNREAD)

        def found(view: View) -> None:
            unread = view.uids  # arrival order: looked up by bisection, no set of the folder
            order = itertools.chain(range(start + 1, len(self.items)), range(start + 1))
            hit = next((i for i in order if self.items.uid_at(i) in unread), None)
            if hit is None:
                self.host.notify("No unread messages.")
            else:
                self.listbox.set_focus(hit)

        self.host.post(OpenView(folder, query=unread), found, slot="next-unread")

    # -- actions: opening and writing ------------------------------------------------------
    def action_open(self) -> None:
        target = self._target()
        if target is None:
            return
        if self.host.role_of(self.folder) == "drafts":
            start_resume(self.host, *target)
            return
        pager = PagerScreen(self.host, *target, neighbour=self.neighbour, on_deleted=self.deleted,
                            on_read=self.mark_read)  # fmt: skip
        self.host.push(pager)
        pager.load()
        self.items.update(target[1], flags=tuple({*(self._flags(target[1])), "\\Seen"}))

    def _flags(self, uid: int) -> tuple[str, ...]:
        if uid not in self.items.view.uids:
            return ()
        summary = self.items.summary_at(self.items.view.uids.index(uid))
        return summary.flags if summary else ()

    def action_back(self) -> None:
        self.host.pop(self)  # leaving the folder itself quits: the app ends with its last screen

    def action_search(self) -> None:
        self.host.prompt("Search: ", self.search)

    def action_search_all(self) -> None:
        self.host.prompt("Search every folder: ", self.search_all)

    def _query(self, text: str) -> Query | None:
        """The query parsed (the service makes it a server search), or None (empty, or an error in the status line)."""
        if not text.strip():
            return None
        try:
            return parse_query(text)
        except AgentmailError as exc:
            self.host.fail(exc)
            return None

    def search_all(self, text: str) -> None:
        """Run a query in every folder; the matches show as one virtual folder."""
        from agentmail.tui.screens.results import ResultsScreen  # results opens pagers; avoid an import cycle

        if (found := self._query(text)) is None:
            return
        results = ResultsScreen(self.host, found, label=text)
        self.host.push(results)
        results.load()

    def search(self, text: str) -> None:
        """Run a query in this folder and show the matches as a virtual folder."""
        if (found := self._query(text)) is None:
            return
        results = IndexScreen(self.host, self.folder, query=found, label=text)
        self.host.push(results)
        results.load()

    # -- actions: changing -----------------------------------------------------------------
    def action_delete(self) -> None:
        if (target := self._target()) is None:
            return
        if self.host.expunges(self.folder):
            self.host.confirm("Delete this message for good (it is not moved to Trash)?", lambda: self._delete(target))
        else:
            self._delete(target)

    def _delete(self, target: tuple[str, int, int]) -> None:
        folder, uid, uv = target
        self.host.post(Delete(folder, (uid,), uv), self.deleted, slot=f"delete-{uid}")

    def deleted(self, transfer: Transfer) -> None:
        """A delete went through (here or from the pager): drop the rows, remember how to undo it (and where)."""
        uids = self.items.view.uids
        rows = tuple(uids.index(pair.uid) if pair.uid in uids else 0 for pair in transfer.uids)
        for pair in transfer.uids:
            self.items.remove(pair.uid)
        if transfer.expunged:
            self.host.notify("Deleted for good (there is no Trash to undo from).")
            return
        self.undo.append((transfer, rows))
        self.host.notify(f"Moved to {clean_line(transfer.target)}; u undoes.")

    def action_undo(self) -> None:
        if not self.undo:
            self.host.notify("Nothing to undo.")
            return
        transfer, rows = self.undo.pop()
        uids = tuple(p.new_uid for p in transfer.uids if p.new_uid is not None)
        if not uids:
            self.host.notify("The delete cannot be undone: the server did not give the message's new uid.", error=True)
            return
        # The new uids belong to the Trash as it was then: its uidvalidity makes a re-created Trash fail, not misfire.
        request = Move(transfer.target, uids, transfer.folder, uidvalidity=transfer.target_uidvalidity)

        def restored(back: Transfer) -> None:
            self.host.notify("Undone: the message is back.")
            row_of = {pair.new_uid: row for pair, row in zip(transfer.uids, rows, strict=True)}  # Trash uid -> row
            placed = sorted((row_of.get(p.uid, 0), p.new_uid) for p in back.uids if p.new_uid is not None)
            if not placed or self.sort != "arrival" or self.threads or self.is_search:
                self.load(keep_uid=placed[0][1] if placed else None)  # the server knows where it goes
                return
            # A message moved back gets a new, higher uid: in arrival order it goes back to the row it left.
            for row, uid in placed:
                self.items.insert_at(row, uid)
            self.shown.show_list(self.items.focus)

        self.host.post(request, restored, slot="undo")

    def _transfer(self, verb: str) -> None:
        if (target := self._target()) is None:
            return
        folder, uid, uv = target

        def picked(to: str) -> None:
            def done(transfer: Transfer) -> None:
                if verb == "move":
                    self.items.remove(uid)
                self.host.notify(f"{'Moved' if verb == 'move' else 'Copied'} to {clean_line(to)}.")

            request = (Move if verb == "move" else Copy)(folder, (uid,), to, uidvalidity=uv)
            self.host.post(request, done, slot=f"{verb}-{uid}")

        self.host.pick_folder(f"{verb.capitalize()} to which folder?", picked)

    def action_move(self) -> None:
        self._transfer("move")

    def action_copy(self) -> None:
        self._transfer("copy")

    def _toggle(self, flag: str) -> None:
        if (target := self._target()) is None:
            return
        folder, uid, uv = target
        had = flag in self._flags(uid)
        request = SetFlags(folder, (uid,), uv, remove=(flag,)) if had else SetFlags(folder, (uid,), uv, add=(flag,))
        flags = tuple(f for f in self._flags(uid) if f != flag) if had else (*self._flags(uid), flag)

        def done(_found: Any) -> None:
            self.items.update(uid, flags=flags)

        self.host.post(request, done, slot=f"flag-{uid}")

    def action_flag(self) -> None:
        self._toggle("\\Flagged")

    def action_toggle_new(self) -> None:
        self._toggle("\\Seen")
