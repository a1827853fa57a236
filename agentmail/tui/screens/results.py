"""A search across every folder, shown as one virtual folder: newest first, each row naming its folder."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import urwid

from agentmail.errors import AgentmailError
from agentmail.mime.query import Query
from agentmail.mime.sanitize import clean_line
from agentmail.model import Page, Summary
from agentmail.tui.requests import SearchAll
from agentmail.tui.screens.base import Host, ListMoves, Screen
from agentmail.tui.screens.composer import ReplyActions
from agentmail.tui.screens.pager import PagerScreen
from agentmail.tui.screens.rows import row_widget
from agentmail.tui.widgets import ListOrNote

if TYPE_CHECKING:  # urwid's name for what a ListBox holds (a row that sizes by width)
    from urwid.widget import AbstractFlowWidget

PER_FOLDER = 200  # newest matches fetched per folder


class ResultsScreen(ReplyActions, ListMoves, Screen):
    """Matches of one query in every folder; Enter reads one, n/p in the pager walk this list."""

    name = "index"

    def __init__(self, host: Host, query: Query, *, label: str = "") -> None:
        self.query, self.label = query, label
        self.hits: list[tuple[str, int, Summary]] = []  # (folder, uidvalidity, summary)
        self.cut = False
        self.walker: urwid.SimpleFocusListWalker[AbstractFlowWidget] = urwid.SimpleFocusListWalker([])
        self.listbox = urwid.ListBox(self.walker)
        self.shown = ListOrNote(self.listbox, "Searching every folder…")
        super().__init__(host, self.shown)

    @property
    def folder(self) -> str:
        """The folder of the focused match (what move, reply and the status line act on)."""
        return self.hits[self.listbox.focus_position][0] if self.hits else ""

    def title(self) -> str:
        more = f", newest {PER_FOLDER} per folder" if self.cut else ""
        return f"All folders [search: {clean_line(self.label)}] ({len(self.hits)}{more})"

    def load(self) -> None:
        self.host.post(
            SearchAll(self.query, PER_FOLDER), self.show_pages, slot=f"search-all-{id(self)}", on_error=self._failed
        )

    def _failed(self, exc: AgentmailError) -> None:
        self.host.fail(exc)
        self.shown.say(f"The search failed: {clean_line(str(exc))}", "error")

    def show_pages(self, pages: list[Page]) -> None:
        """Matches arrived (from the worker, or from a test): merge them newest first."""
        oldest = datetime.min.replace(tzinfo=UTC)

        def when(hit: tuple[str, int, Summary]) -> datetime:
            stamp = hit[2].received or hit[2].date or oldest
            return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)

        self.hits = sorted(((p.folder, p.uidvalidity, s) for p in pages for s in p.items), key=when, reverse=True)
        self.cut = any(p.total > len(p.items) for p in pages)
        self.walker[:] = [row_widget(s, folder=f) for f, _uv, s in self.hits]
        self.shown.show(len(self.hits), "No matches in any folder.")
        self.host.remember([a for _f, _uv, s in self.hits for a in (s.sender, *s.to, *s.cc) if a is not None])

    def row_count(self) -> int:
        return len(self.hits)

    def _target(self) -> tuple[str, int, int] | None:
        if not self.hits:
            self.host.notify("No message here.")
            return None
        folder, uv, summary = self.hits[self.listbox.focus_position]
        return folder, summary.uid, uv

    def _neighbour(self, _uid: int, step: int) -> tuple[str, int, int] | None:
        position = self.listbox.focus_position + step
        if not self.hits or not 0 <= position < len(self.hits):
            return None
        self.listbox.set_focus(position)
        return self._target()

    # -- actions (the index's keys; those that make no sense across folders say so) ---------
    def action_open(self) -> None:
        if (target := self._target()) is None:
            return
        pager = PagerScreen(self.host, *target, neighbour=self._neighbour)
        self.host.push(pager)
        pager.load()

    def action_back(self) -> None:
        self.host.pop(self)

    def _not_here(self) -> None:
        self.host.notify("Not in an all-folder search: open the message's folder (c) to change it.")

    action_delete = action_undo = action_move = action_copy = action_flag = action_toggle_new = _not_here
    action_next_unread = action_threads = action_sort = _not_here

    def action_search(self) -> None:
        self.host.notify("Already searching every folder; q goes back.")

    action_search_all = action_search
