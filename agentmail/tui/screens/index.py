"""The message list of one folder (or of a search in it): newest first, fetched a window at a time."""

from __future__ import annotations

from typing import Any

import urwid

from agentmail.errors import AgentmailError
from agentmail.mime import query
from agentmail.mime.sanitize import clean_line
from agentmail.model import Event, Summary, Transfer, View
from agentmail.tui.screens.base import Host, ListMoves, Screen
from agentmail.tui.screens.composer import ReplyActions, start_resume
from agentmail.tui.screens.pager import PagerScreen
from agentmail.tui.screens.rows import LazyRows

SORTS = ("arrival", "date", "from", "subject", "size")


class IndexScreen(ReplyActions, ListMoves, Screen):
    """A folder's messages; with ``criteria`` a search inside it, shown as a virtual folder."""

    name = "index"

    def __init__(self, host: Host, folder: str, *, criteria: list[Any] | None = None, label: str = "") -> None:
        self.folder = folder
        self.criteria = criteria
        self.label = label
        self.sort = "arrival"
        self.threads = False
        self.undo: list[Transfer] = []
        self.generation = 0
        self.items = LazyRows(self._need)
        self.listbox = urwid.ListBox(self.items)
        self.empty = urwid.Filler(urwid.Text(("note", "Loading…"), align="center"))
        self._holder = urwid.WidgetPlaceholder(self.empty)
        super().__init__(host, self._holder)

    @property
    def is_search(self) -> bool:
        return self.criteria is not None

    def title(self) -> str:
        name = clean_line(self.folder)
        where = f"{name} [search: {clean_line(self.label)}]" if self.is_search else name
        extra = (" threads" if self.threads else "") + (f" sort:{self.sort}" if self.sort != "arrival" else "")
        return f"{where} ({len(self.items)}){extra}"

    # -- loading ------------------------------------------------------------------------
    def load(self, keep_uid: int | None = None) -> None:
        """Ask for the folder's uid list in the current order (summaries follow per window)."""
        folder, sort, threads = self.folder, self.sort, self.threads
        criteria = self.criteria or ["ALL"]

        def call(mb: Any) -> View:
            return mb.view(folder, sort=sort, threads=threads, criteria=criteria)

        focus = keep_uid if keep_uid is not None else self.focused_uid()
        slot = f"view-{id(self)}"
        self.host.post(call, lambda view: self.show_view(view, focus), slot=slot, on_error=self.load_failed)

    def load_failed(self, exc: AgentmailError) -> None:
        """The list could not be fetched: say so where the list would be ($ retries)."""
        self.host.fail(exc)
        if not len(self.items):
            problem = f"Could not open {clean_line(self.folder)}: {clean_line(str(exc))}\n$ retries."
            self.empty.original_widget.set_text(("error", problem))

    def show_view(self, view: View, keep_uid: int | None = None, summaries: list[Summary] | None = None) -> None:
        """A uid list arrived: show it (rows stay placeholders until their window arrives, unless
        ``summaries`` already came with it, as the reader's first page does)."""
        self.generation += 1
        self.items.set_view(view, keep_uid)
        if summaries:
            self.show_summaries(view.uidvalidity, summaries)
        if view.uids:
            self._holder.original_widget = self.listbox
            self.listbox.set_focus(self.items.focus)
        else:
            self.empty.original_widget.set_text(("note", "No messages." if not self.is_search else "No matches."))
            self._holder.original_widget = self.empty

    def _need(self, start: int, uids: list[int]) -> None:
        """The walker wants a window: fetch its summaries (a reply for an older view is ignored)."""
        folder, uv, generation = self.folder, self.items.view.uidvalidity, self.generation

        def arrived(summaries: list[Summary]) -> None:
            if generation == self.generation:
                self.show_summaries(uv, summaries)

        def failed(exc: AgentmailError) -> None:
            self.items.forget_block(start)
            self.host.fail(exc)

        self.host.post(lambda mb: mb.summaries(folder, uids, uv), arrived, on_error=failed)

    def show_summaries(self, uidvalidity: int, summaries: list[Summary]) -> None:
        """A window of summaries arrived (tests call this directly)."""
        self.items.fill(uidvalidity, summaries)
        seen = [a for s in summaries for a in (s.sender, *s.to, *s.cc) if a is not None]
        self.host.remember(seen)

    def on_events(self, events: list[Event]) -> None:
        """New mail, flag changes and expunges from IDLE, applied without a key press."""
        simple = self.sort == "arrival" and not self.threads and not self.is_search
        for event in events:
            if event.folder and event.folder != self.folder:
                continue
            if event.kind == "new" and event.summary is not None and simple:
                self.items.insert_newest(event.summary)
                self._holder.original_widget = self.listbox
            elif event.kind == "expunged" and event.uid is not None:
                self.items.remove(event.uid)
            elif event.kind == "flags" and event.uid is not None:
                self.items.update(event.uid, flags=event.flags)
            elif event.kind in ("new", "resync_required"):
                self.load()
                return

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
    def mouse_event(self, size: tuple[int, int], event: str, button: int, col: int, row: int, focus: bool) -> bool:
        """A click selects a row; a click on the row already selected opens it; the wheel scrolls."""
        before = self.items.focus
        was_on_focus = len(self.items) > 0 and self._focus_row(size) == row
        handled = super().mouse_event(size, event, button, col, row, focus)
        if urwid.util.is_mouse_press(event) and button == 1 and was_on_focus and self.items.focus == before:
            self.action_open()
            return True
        return handled

    def _focus_row(self, size: tuple[int, int]) -> int | None:
        if self._holder.original_widget is not self.listbox:
            return None
        offset, _inset = self.listbox.get_focus_offset_inset(size)
        return offset

    # -- actions: moving --------------------------------------------------------------------
    def action_next_unread(self) -> None:
        """Jump to the next unread message below the focus (asks the server which are unread)."""
        folder, start = self.folder, self.items.focus
        crit = [*(self.criteria or []), "UNSEEN"]

        def found(view: View) -> None:
            unread = set(view.uids)
            order = list(range(start + 1, len(self.items))) + list(range(start + 1))
            hit = next((i for i in order if self.items.uid_at(i) in unread), None)
            if hit is None:
                self.host.notify("No unread messages.")
            else:
                self.listbox.set_focus(hit)

        self.host.post(lambda mb: mb.view(folder, criteria=crit), found, slot="next-unread")

    # -- actions: opening and writing ------------------------------------------------------
    def action_open(self) -> None:
        target = self._target()
        if target is None:
            return
        if self.host.role_of(self.folder) == "drafts":
            start_resume(self.host, *target)
            return
        pager = PagerScreen(self.host, *target, neighbour=self.neighbour, on_deleted=self.deleted)
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

    def _criteria(self, text: str) -> list | None:
        """The query compiled for the server, or None (empty, or an error shown in the status line)."""
        if not text.strip():
            return None
        try:
            return query.parse_query(text)
        except AgentmailError as exc:
            self.host.fail(exc)
            return None

    def search_all(self, text: str) -> None:
        """Run a query in every folder; the matches show as one virtual folder."""
        from agentmail.tui.screens.results import ResultsScreen  # results opens pagers; avoid an import cycle

        if (criteria := self._criteria(text)) is None:
            return
        results = ResultsScreen(self.host, criteria, label=text)
        self.host.push(results)
        results.load()

    def search(self, text: str) -> None:
        """Run a query in this folder and show the matches as a virtual folder."""
        if (criteria := self._criteria(text)) is None:
            return
        results = IndexScreen(self.host, self.folder, criteria=criteria, label=text)
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
        self.host.post(lambda mb: mb.delete(folder, [uid], uidvalidity=uv), self.deleted, slot=f"delete-{uid}")

    def deleted(self, transfer: Transfer) -> None:
        """A delete went through (here or from the pager): drop the rows, remember how to undo it."""
        for pair in transfer.uids:
            self.items.remove(pair.uid)
        if transfer.expunged:
            self.host.notify("Deleted for good (there is no Trash to undo from).")
            return
        self.undo.append(transfer)
        self.host.notify(f"Moved to {clean_line(transfer.target)}; u undoes.")

    def action_undo(self) -> None:
        if not self.undo:
            self.host.notify("Nothing to undo.")
            return
        transfer = self.undo.pop()

        def call(mb: Any) -> Transfer:
            uids = [p.new_uid for p in transfer.uids if p.new_uid is not None]
            if not uids:
                raise AgentmailError("the delete cannot be undone: the server did not give the message's new uid")
            return mb.move(transfer.target, uids, transfer.folder)

        def restored(back: Transfer) -> None:
            new = [p.new_uid for p in back.uids if p.new_uid is not None]
            self.host.notify("Undone: the message is back.")
            self.load(keep_uid=new[0] if new else None)

        self.host.post(call, restored, slot="undo")

    def _transfer(self, verb: str) -> None:
        if (target := self._target()) is None:
            return
        folder, uid, uv = target

        def picked(to: str) -> None:
            def done(transfer: Transfer) -> None:
                if verb == "move":
                    self.items.remove(uid)
                self.host.notify(f"{'Moved' if verb == 'move' else 'Copied'} to {clean_line(to)}.")

            call = (lambda mb: mb.move(folder, [uid], to, uidvalidity=uv)) if verb == "move" else (
                lambda mb: mb.copy(folder, [uid], to, uidvalidity=uv))  # fmt: skip
            self.host.post(call, done, slot=f"{verb}-{uid}")

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
        change = {"remove": [flag]} if had else {"add": [flag]}
        flags = tuple(f for f in self._flags(uid) if f != flag) if had else (*self._flags(uid), flag)

        def done(_found: Any) -> None:
            self.items.update(uid, flags=flags)

        self.host.post(lambda mb: mb.set_flags(folder, [uid], uidvalidity=uv, **change), done, slot=f"flag-{uid}")

    def action_flag(self) -> None:
        self._toggle("\\Flagged")

    def action_toggle_new(self) -> None:
        self._toggle("\\Seen")

    def action_threads(self) -> None:
        self.threads = not self.threads
        self.load()

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.host.notify(f"Sorted by {self.sort}.")
        self.load()
