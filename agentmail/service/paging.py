"""Listing a folder a page at a time: uid views, pages of summaries, searches, and the cursors between pages.

``Listing`` is a part of ``Mailbox`` (service/mailbox.py): front ends pass a parsed ``Query`` and the
service turns it into the SEARCH program (imap/criteria.py), so IMAP criteria never leave this layer.
"""

from __future__ import annotations

import builtins  # the method `list` below shadows the builtin in later annotations
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agentmail.errors import NotFoundError, UsageError
from agentmail.imap import listing
from agentmail.imap.session import FolderState, ImapSession
from agentmail.model import Page, Summary
from agentmail.service import tokens

if TYPE_CHECKING:
    from agentmail.mime.query import Query
    from agentmail.model import Folder, View

MAX_LIMIT = 500


class Listing:
    """Views, pages and searches of one mailbox (the Mailbox provides the attributes below)."""

    session: ImapSession
    select: Callable[..., FolderState]
    folders: Callable[..., list[Folder]]

    def view(
        self,
        folder: str = "INBOX",
        *,
        sort: str = "arrival",
        reverse: bool = False,
        threads: bool = False,
        query: Query | None = None,
        uidvalidity: int | None = None,
        reuse: bool = False,
    ) -> View:
        """The folder's uids newest first (or oldest first with reverse), optionally threaded or only a query's.

        ``reuse`` keeps the folder open if it is (the reader's first page selected it a moment ago): no second
        SELECT, its round trip and Dovecot's resync of the folder.
        """
        from agentmail.imap.criteria import for_query  # lazily: the common plain listing runs no SEARCH
        from agentmail.mime.query import Query

        return self._view(folder, sort, reverse, threads, for_query(query or Query()), uidvalidity, reuse=reuse)

    def _view(
        self,
        folder: str,
        sort: str,
        reverse: bool,
        threads: bool,
        criteria: Sequence[Any],
        uidvalidity: int | None,
        *,
        reuse: bool = False,
    ) -> View:
        from agentmail.model_more import View  # lazily: the agent's common list never builds one
        from agentmail.uidlist import UidList

        state = self.select(folder, uidvalidity, reuse=reuse)
        if threads:
            rows = listing.thread_rows(self.session, criteria)
            if reverse:
                rows.reverse()
            return View(folder, state.uidvalidity, UidList(u for u, _ in rows), tuple(d for _, d in rows))
        if sort == "arrival" and state.exists == 0:
            uids = UidList()
        elif sort == "arrival":
            uids = listing.search_uids(self.session, criteria)
        else:
            uids = listing.sorted_uids(self.session, sort, criteria)
        return View(folder, state.uidvalidity, uids if reverse else uids[::-1])

    def summaries(
        self, folder: str, uids: Sequence[int], uidvalidity: int | None = None, *, preview: int = 0
    ) -> list[Summary]:
        """Summaries for exactly these uids (the rows on screen), in that order."""
        self.session.select(folder, expect_uidvalidity=uidvalidity, reuse=True)
        return listing.fetch_summaries(self.session, uids, preview=preview)

    def thread(self, folder: str, uid: int, *, uidvalidity: int | None = None, preview: int = 0) -> Page:
        """The thread a message sits in: its rows from the nearest root above it to the next root, with depths."""
        view = self.view(folder, threads=True, uidvalidity=uidvalidity)
        if uid not in view.uids:
            raise NotFoundError(f"no message with uid {uid} in {folder!r}")
        depths = view.depths or (0,) * len(view.uids)
        start, end = _thread_span(depths, view.uids.index(uid))
        depth_of = dict(zip(view.uids, depths, strict=True))
        items = listing.fetch_summaries(self.session, view.uids[start:end], depth_of, preview=preview)
        return Page(folder, view.uidvalidity, len(items), tuple(items))

    def uidvalidity_of(self, folder: str) -> int:
        """The folder's UIDVALIDITY, for answers that name uids; no round trip when the last call left it open."""
        return self.session.select(folder, reuse=True).uidvalidity

    def list(
        self,
        folder: str = "INBOX",
        *,
        limit: int = 50,
        cursor: str | None = None,
        before_uid: int | None = None,
        unread: bool = False,
        flagged: bool = False,
        sort: str = "arrival",
        reverse: bool = False,
        threads: bool = False,
        uidvalidity: int | None = None,
        query: Query | None = None,
        preview: int = 0,
    ) -> Page:
        """One page of summaries, newest first; ``next_cursor`` continues where it ends."""
        limit = _check_limit(limit)
        crit: list[Any] = _criteria(query) if query is not None else []
        crit += ["UNSEEN"] if unread else []
        crit += ["FLAGGED"] if flagged else []
        shape = _shape_key({"s": sort, "r": reverse, "t": threads, "c": crit})
        at = _position(cursor, shape, uidvalidity, before_uid)
        if not cursor and before_uid is None and not crit and sort == "arrival" and not threads and not reverse:
            return self._newest_page(folder, limit, uidvalidity, shape, preview)
        view = self._view(folder, sort, reverse, threads, crit or ["ALL"], at.uidvalidity)
        by_uid = sort == "arrival" and not threads  # uid order: resume by uid, robust to new mail
        uids = at.rest(view, by_uid=by_uid, reverse=reverse, threads=threads)
        window = uids[at.offset : at.offset + limit]
        depths = dict(zip(view.uids, view.depths, strict=False)) if view.depths else {}
        items = listing.fetch_summaries(self.session, window, depths, preview=preview)
        next_cursor = None
        if at.offset + limit < len(uids):
            token: dict[str, Any] = {"uv": view.uidvalidity, "shape": shape, "fb": at.before_uid}
            token.update({"k": window[-1]} if by_uid else {"o": at.offset + limit})
            next_cursor = _encode_cursor(token)
        return Page(folder, view.uidvalidity, len(view.uids), tuple(items), next_cursor)

    def newest(self, folder: str = "INBOX", *, limit: int = 50, sizes: bool = True) -> Page:
        """The first page of a plain listing (what ``list`` gives with no options); without ``sizes`` every
        size is 0 and Dovecot is not asked for them (imap/listing.fetch_newest: the reader's first screen)."""
        shape = _shape_key({"s": "arrival", "r": False, "t": False, "c": []})
        return self._newest_page(folder, _check_limit(limit), None, shape, sizes=sizes)

    def _newest_page(
        self, folder: str, limit: int, uidvalidity: int | None, shape: str, preview: int = 0, *, sizes: bool = True
    ) -> Page:
        """The first page of a plain listing: the newest `limit` by sequence number, never the whole uid list.

        On a 100,000-message folder this skips a SEARCH ALL and a 100,000-int list (the agent's common call).
        """
        state = self.select(folder, uidvalidity)
        items = listing.fetch_newest(self.session, state.exists, limit, preview=preview, sizes=sizes)
        next_cursor = None
        if items and state.exists > limit:  # the same token list() gives: resume below the last uid shown
            next_cursor = _encode_cursor({"uv": state.uidvalidity, "shape": shape, "fb": None, "k": items[-1].uid})
        return Page(folder, state.uidvalidity, state.exists, tuple(items), next_cursor)

    def search(
        self, query: Query, *, folders: Sequence[str] = ("INBOX",), limit: int = 50, preview: int = 0
    ) -> builtins.list[Page]:
        """Server-side SEARCH in each folder; newest matches first.

        A page with more matches carries a next_cursor: ``list(folder, cursor=..., query=query)``
        (``search --folder F --cursor C``) goes on right after its last uid.
        """
        limit = _check_limit(limit)
        criteria = _criteria(query)
        shape = _shape_key({"s": "arrival", "r": False, "t": False, "c": criteria})
        return [self._search_folder(folder, criteria, shape, limit, preview) for folder in folders]

    def _search_folder(self, folder: str, criteria: builtins.list[Any], shape: str, limit: int, preview: int) -> Page:
        state = self.select(folder)
        uids = listing.search_uids(self.session, criteria)[::-1] if state.exists else ()
        items = listing.fetch_summaries(self.session, uids[:limit], preview=preview)
        next_cursor = None
        if len(uids) > limit:
            next_cursor = _encode_cursor({"uv": state.uidvalidity, "shape": shape, "fb": None, "k": uids[limit - 1]})
        return Page(folder, state.uidvalidity, len(uids), tuple(items), next_cursor)

    def searchable_folders(self) -> builtins.list[str]:
        """Every selectable folder, for searches across all of them (not \\Noselect or \\NonExistent parents)."""
        unselectable = {"\\noselect", "\\nonexistent"}
        return [f.name for f in self.folders() if not unselectable.intersection(x.lower() for x in f.flags)]


@dataclass(frozen=True)
class _Position:
    """Where a page starts: the folder generation, a uid to stay below, and an offset or the last uid shown."""

    uidvalidity: int | None
    before_uid: int | None
    offset: int = 0
    resume_after: int | None = None  # arrival order: the last uid already shown

    def rest(self, view: View, *, by_uid: bool, reverse: bool, threads: bool) -> list[int]:
        """The view's uids from this position on (the window is then cut at ``offset``)."""
        uids = list(view.uids)
        if self.before_uid is not None and not threads:
            uids = [u for u in uids if u < self.before_uid]
        if self.resume_after is not None and by_uid:
            after = self.resume_after
            uids = [u for u in uids if (u > after if reverse else u < after)]
        return uids


def _position(cursor: str | None, shape: str, uidvalidity: int | None, before_uid: int | None) -> _Position:
    """The start of a page: from the cursor, which must belong to a listing of the same shape, or from the options."""
    if not cursor:
        return _Position(uidvalidity, before_uid)
    state = _decode_cursor(cursor)
    if state.get("shape") != shape:
        raise UsageError("the cursor belongs to a listing with other options; repeat those options")
    return _Position(state["uv"], state.get("fb", before_uid), int(state.get("o", 0)), state.get("k"))


def _thread_span(depths: Sequence[int], index: int) -> tuple[int, int]:
    """The rows of the thread holding row ``index``: back to the nearest root (depth 0), on to the next one."""
    start = index
    while start > 0 and depths[start] > 0:
        start -= 1
    end = index + 1
    while end < len(depths) and depths[end] > 0:
        end += 1
    return start, end


def _check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"limit must be between 1 and {MAX_LIMIT}")
    return limit


def _shape_key(shape: dict[str, Any]) -> str:
    return json.dumps(shape, sort_keys=True, default=str)


def _encode_cursor(state: dict[str, Any]) -> str:
    return tokens.encode(tokens.CURSOR, state)


def _decode_cursor(cursor: str) -> dict[str, Any]:
    return tokens.decode(tokens.CURSOR, cursor)


def _criteria(query: Query) -> builtins.list[Any]:
    """The SEARCH program for a parsed query; imported here, so a plain listing loads no query code."""
    from agentmail.imap.criteria import for_query

    return for_query(query)
