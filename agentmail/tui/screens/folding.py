"""Thread view in the index: threads on and off, and collapsing one thread or all (mutt's Esc-v, Esc-V)."""

from __future__ import annotations

from collections.abc import Callable

import urwid

from agentmail.mime.query import Query
from agentmail.model import View, ViewPrefs
from agentmail.tui.requests import SaveViewPrefs
from agentmail.tui.screens.base import Host
from agentmail.tui.screens.rows import LazyRows
from agentmail.tui.threadfold import fold, root_of, roots_with_replies, without_removed

SORTS = ("arrival", "date", "from", "subject", "size")


class ThreadActions:
    """Sort, threads and folding for the index screen (which provides the attributes below)."""

    host: Host
    folder: str
    items: LazyRows
    listbox: urwid.ListBox
    sort: str
    threads: bool
    full_view: View
    collapsed: set[int]
    query: Query | None
    load: Callable[..., None]
    focused_uid: Callable[[], int | None]

    def _remember(self) -> None:
        """Keep this folder's sort and thread mode for the next visit and the next session."""
        if self.query is None:
            self.host.post(SaveViewPrefs(self.folder, ViewPrefs(self.sort, self.threads)), lambda _ok: None)

    def action_threads(self) -> None:
        self.threads = not self.threads
        self.collapsed = set()
        self.host.notify("Threads shown (z folds one, Z all)." if self.threads else "Threads hidden.")
        self._remember()
        self.load()

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.host.notify(f"Sorted by {self.sort}.")
        self._remember()
        self.load()

    def folded(self, view: View) -> View:
        """The rows to show for a folder's view: collapsed threads as their root alone."""
        self.full_view = view
        self.collapsed = view.uids.intersection(self.collapsed)
        shown, hidden = fold(view, self.collapsed)
        self.items.hidden = hidden
        return shown

    def _refold(self, keep_uid: int | None) -> None:
        """Fold again from the last view, without the rows removed since (deleted, moved, expunged)."""
        shown = self.folded(without_removed(self.full_view, self.items.view, self.items.hidden))
        self.items.set_view(shown, keep_uid)
        self.items.redraw()
        if shown.uids:
            self.listbox.set_focus(self.items.focus)

    def action_collapse_thread(self) -> None:
        """Collapse the thread under the cursor to its first message, or expand it again."""
        if not self.threads:
            self.host.notify("Threads are off (^T shows them).")
            return
        root = root_of(self.items.view, self.items.focus)
        if root is None:
            return
        if root in self.collapsed:
            self.collapsed.discard(root)
        elif root in roots_with_replies(self.full_view):
            self.collapsed.add(root)
        else:
            self.host.notify("This thread has only one message.")
            return
        self._refold(root)

    def action_collapse_all(self) -> None:
        """Collapse every thread, or expand them all when some are collapsed."""
        if not self.threads:
            self.host.notify("Threads are off (^T shows them).")
            return
        root = root_of(self.items.view, self.items.focus)
        self.collapsed = set() if self.collapsed else roots_with_replies(self.full_view)
        self._refold(root)
