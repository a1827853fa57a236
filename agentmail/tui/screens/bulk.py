"""mutt's bulk work in the index: tag (t), tag by query (T), apply the next action to every tagged message (;),
and limit the list to a query (l).

Tags are kept by uid, so they survive scrolling, paging and the eviction of rows far
from the focus; an action after ``;`` is one request over all tagged uids.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import urwid

from agentmail.mime.query import Query
from agentmail.mime.sanitize import clean_line
from agentmail.model import Transfer, View
from agentmail.tui import keys
from agentmail.tui.requests import Copy, Delete, Move, OpenView, SetFlags
from agentmail.tui.screens.base import Host
from agentmail.tui.screens.rows import LazyRows

#: What ``;`` can apply to every tagged message (mutt's tag-prefix).
BULK_ACTIONS = ("delete", "move", "copy", "flag", "toggle_new")


def _plural(n: int, word: str = "message") -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


class TagActions:
    """Tagging, ``;`` and limit for the index screen (which provides the attributes below)."""

    host: Host
    folder: str
    items: LazyRows
    listbox: urwid.ListBox
    query: Query | None
    limit: Query | None
    limit_label: str
    tag_prefix: bool

    # provided by the index screen
    _query: Callable[[str], Query | None]
    load: Callable[..., None]
    deleted: Callable[[Transfer], None]
    focused_uid: Callable[[], int | None]

    # -- tagging ------------------------------------------------------------------------
    def action_tag(self) -> None:
        """Tag or untag the message under the cursor, then go to the next one (as mutt does)."""
        uid = self.focused_uid()
        if uid is None:
            self.host.notify("No message here.")
            return
        self.items.tagged ^= {uid}
        self.items.redraw()
        if self.items.focus + 1 < len(self.items):
            self.listbox.set_focus(self.items.focus + 1)

    def action_tag_pattern(self) -> None:
        self.host.prompt("Tag messages matching: ", self.tag_matching)

    def tag_matching(self, text: str) -> None:
        """Tag every message in this list that matches a query (the search language)."""
        if (found := self._query(text)) is None:
            return
        wanted = (self.query or Query()).narrowed(self.limit).narrowed(found)

        def matched(view: View) -> None:
            self.items.tagged.update(view.uids)
            self.items.redraw()
            self.host.notify(f"Tagged {_plural(len(view.uids))}; {len(self.items.tagged)} tagged in all.")

        self.host.post(OpenView(self.folder, query=wanted), matched, slot="tag-pattern")

    def action_tag_prefix(self) -> None:
        if not self.items.tagged:
            self.host.notify("No tagged messages (t tags one, T tags by a query).")
            return
        self.tag_prefix = True
        self.host.notify(f"{_plural(len(self.items.tagged))} tagged: d delete, s move, C copy, F flag, N read/unread")

    def bulk_key(self, key: str) -> None:
        """The key after ``;``: one of the bulk actions, over every tagged message."""
        self.tag_prefix = False
        action = keys.action_for("index", key)
        if action not in BULK_ACTIONS:
            self.host.notify("Not an action for tagged messages (d, s, C, F or N)." if key != "esc" else "Cancelled.")
            return
        uids = tuple(sorted(self.items.tagged, reverse=True))
        getattr(self, f"_bulk_{action}")(uids)

    def _bulk_delete(self, uids: tuple[int, ...]) -> None:
        folder, uv = self.folder, self.items.view.uidvalidity

        def go() -> None:
            self.host.post(Delete(folder, uids, uv), self._untag_after(uids, self.deleted), slot="bulk")

        if self.host.expunges(folder):
            self.host.confirm(f"Delete {_plural(len(uids))} for good (they are not moved to Trash)?", go)
        else:
            go()

    def _bulk_move(self, uids: tuple[int, ...]) -> None:
        self._bulk_transfer(uids, "move")

    def _bulk_copy(self, uids: tuple[int, ...]) -> None:
        self._bulk_transfer(uids, "copy")

    def _bulk_transfer(self, uids: tuple[int, ...], verb: str) -> None:
        folder, uv = self.folder, self.items.view.uidvalidity

        def picked(to: str) -> None:
            def done(_transfer: Transfer) -> None:
                if verb == "move":
                    for uid in uids:
                        self.items.remove(uid)
                    self.items.tagged -= set(uids)
                    self.items.redraw()
                said = "Moved" if verb == "move" else "Copied"
                self.host.notify(f"{said} {_plural(len(uids))} to {clean_line(to)}.")

            request = (Move if verb == "move" else Copy)(folder, uids, to, uidvalidity=uv)
            self.host.post(request, done, slot="bulk")

        self.host.pick_folder(f"{verb.capitalize()} {_plural(len(uids))} to which folder?", picked)

    def _bulk_flag(self, uids: tuple[int, ...]) -> None:
        self._bulk_toggle(uids, "\\Flagged", ("Flagged", "Unflagged"))

    def _bulk_toggle_new(self, uids: tuple[int, ...]) -> None:
        self._bulk_toggle(uids, "\\Seen", ("Marked read:", "Marked unread:"))

    def _bulk_toggle(self, uids: tuple[int, ...], flag: str, words: tuple[str, str]) -> None:
        """Set the flag on all tagged messages, or clear it when every one of them has it already."""
        known = {u: s for u in uids if (s := self._summary(u)) is not None}
        clear = len(known) == len(uids) and all(flag in s.flags for s in known.values())
        folder, uv = self.folder, self.items.view.uidvalidity
        request = SetFlags(folder, uids, uv, remove=(flag,)) if clear else SetFlags(folder, uids, uv, add=(flag,))

        def done(_changed: Any) -> None:
            for uid, summary in known.items():
                rest = tuple(f for f in summary.flags if f != flag)
                self.items.update(uid, flags=rest if clear else (*rest, flag))
            self.host.notify(f"{words[1] if clear else words[0]} {_plural(len(uids))}.")

        self.host.post(request, done, slot="bulk")

    def _summary(self, uid: int) -> Any:
        uids = self.items.view.uids
        return self.items.summary_at(uids.index(uid)) if uid in uids else None

    def _untag_after(self, uids: tuple[int, ...], then: Callable[[Transfer], None]) -> Callable[[Transfer], None]:
        def done(transfer: Transfer) -> None:
            self.items.tagged -= set(uids)
            then(transfer)
            self.items.redraw()

        return done

    # -- limit ------------------------------------------------------------------------------
    def action_limit(self) -> None:
        self.host.prompt("Limit to messages matching (empty: all): ", self.limit_to, text=self.limit_label)

    def limit_to(self, text: str) -> None:
        """Show only the messages matching a query; an empty query shows all again."""
        if not text.strip():
            self.limit, self.limit_label = None, ""
            self.host.notify("Showing all messages.")
        else:
            if (found := self._query(text)) is None:
                return
            self.limit, self.limit_label = found, text.strip()
            self.host.notify(f"Limited to: {clean_line(self.limit_label)} (l, then Enter on nothing, shows all).")
        self.load()
