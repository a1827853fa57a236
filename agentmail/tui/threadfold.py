"""Collapsing threads and hiding repeated subjects: pure functions over a threaded View (no widgets, no I/O).

A thread is a root row (depth 0) and the deeper rows that follow it.  Collapsing
shows only the root, with how many messages it hides (mutt's collapse_thread).
"""

from __future__ import annotations

import dataclasses
import re
from array import array
from collections.abc import Collection, Container

from agentmail.model import View
from agentmail.uidlist import UidList

_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv|wg)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def threads(view: View) -> list[tuple[int, int]]:
    """Each thread as (position of its root, number of rows in it) in display order."""
    out: list[tuple[int, int]] = []
    for position, _uid in enumerate(view.uids):
        depth = view.depths[position] if position < len(view.depths) else 0
        if depth <= 0 or not out:
            out.append((position, 1))
        else:
            start, size = out[-1]
            out[-1] = (start, size + 1)
    return out


def root_of(view: View, position: int) -> int | None:
    """The uid of the root of the thread the row at position belongs to."""
    for start, size in threads(view):
        if start <= position < start + size:
            return view.uids[start]
    return None


def roots_with_replies(view: View) -> set[int]:
    """The roots of every thread that has more than one message (the ones collapsing changes)."""
    return {view.uids[start] for start, size in threads(view) if size > 1}


def fold(view: View, collapsed: Collection[int]) -> tuple[View, dict[int, int]]:
    """The rows shown with these roots collapsed, and how many messages each collapsed root hides."""
    if not view.depths or not collapsed:
        return view, {}
    uids = array("I")  # compact as the view's own (model.UidList), no int object per row
    depths: list[int] = []
    hidden: dict[int, int] = {}
    for start, size in threads(view):
        root = view.uids[start]
        if root in collapsed and size > 1:
            uids.append(root)
            depths.append(view.depths[start])
            hidden[root] = size - 1
        else:
            uids.extend(view.uids[start : start + size])
            depths.extend(view.depths[start : start + size])
    return dataclasses.replace(view, uids=UidList(uids), depths=tuple(depths)), hidden


def without_removed(full: View, shown: View, collapsed: Container[int]) -> View:
    """``full`` less the rows removed from ``shown`` since ``shown`` was folded from it.

    ``shown`` keeps ``full``'s order (folding and removing never reorder), so one walk over both finds what went,
    without a set of either; a collapsed thread (root in ``collapsed``) was not on screen and is kept whole.
    """
    uids, depths = array("I"), []
    j, left = 0, len(shown.uids)
    for start, size in threads(full):
        whole = full.uids[start] in collapsed
        for position in range(start, start + size):
            uid = full.uids[position]
            here = j < left and shown.uids[j] == uid
            j += here
            if whole or here:
                uids.append(uid)
                depths.append(full.depths[position] if position < len(full.depths) else 0)
    return dataclasses.replace(full, uids=UidList(uids), depths=tuple(depths) if full.depths else ())


def base_subject(subject: str) -> str:
    """A subject without its Re:/Fwd: prefixes, case and spacing (how threads compare subjects)."""
    return " ".join(_PREFIX.sub("", subject).split()).casefold()


def parent_position(depths: tuple[int, ...], position: int) -> int | None:
    """The row a threaded row answers: the nearest row above it one level up."""
    if not 0 < position < len(depths) or depths[position] <= 0:
        return None
    want = depths[position] - 1
    for above in range(position - 1, -1, -1):
        if depths[above] == want:
            return above
        if depths[above] < want:
            return None
    return None
