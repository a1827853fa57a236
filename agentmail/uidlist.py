"""UidList: a folder's uids in display order, four bytes each, immutable.

A reader's view of a 100,000-message folder is 100,000 uids; as a tuple of ints that is ~3.6 MB (an int object
per uid plus the tuple's pointers), and every ``set()`` or tuple rebuilt from it costs as much again.  Here the
uids are one ``bytes`` buffer of native 32-bit unsigned ints (IMAP uids are 32-bit, RFC 9051 section 2.3.1.1),
400 KB for 100,000, read through a ``memoryview`` so indexing, iteration and slicing run in C.

Why a flat buffer and not runs (``1:100000`` as one pair): SORT and THREAD orders have no runs, so runs would
cost as much as ints there and make every operation two-level; a flat buffer costs the same for every order.
Membership and ``index`` bisect when the uids are strictly monotonic (arrival order: newest first or oldest first,
the common case, found once and remembered) and otherwise scan the buffer in C (``bytes.find``, ~0.1 ms per
100,000).  Changes (:meth:`inserted`, :meth:`removed`, :meth:`deleted_at`) return a new list: one C copy of
the buffer, no Python int per uid.  A UidList equals a tuple or list of the same ints (and hashes as that tuple).
"""

from __future__ import annotations

import operator
import re
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from sys import maxsize
from typing import Any, Final, SupportsIndex, overload

TYPECODE: Final = "I"
if array(TYPECODE).itemsize != 4:  # C unsigned int is 4 bytes on every platform CPython supports; say so if not
    raise ImportError("agentmail.uidlist needs a 4-byte array('I')")
MAX_UID = 0xFFFFFFFF

_SEQUENCE_SET = re.compile(r"\d+(?::\d+)?(?:,\d+(?::\d+)?)*")
_RUN = re.compile(r"(\d+)(?::(\d+))?")
_NUMBER = re.compile(rb"\d+")
_UNKNOWN, _ARBITRARY, _ASCENDING, _DESCENDING = 0, 1, 2, 3
_REPR_ITEMS = 12


class UidList(Sequence[int]):
    """An immutable sequence of uids (ints 0..2**32-1) in a compact buffer; see the module docstring."""

    __slots__ = ("_data", "_hash", "_items", "_order")

    def __init__(self, uids: Iterable[int] = ()) -> None:
        if isinstance(uids, UidList):
            self._adopt(uids._data, uids._order)
        elif isinstance(uids, array) and uids.typecode == TYPECODE:
            self._adopt(uids.tobytes(), _UNKNOWN)
        else:
            self._adopt(_packed(uids).tobytes(), _UNKNOWN)

    def _adopt(self, data: bytes, order: int) -> None:
        self._data = data
        self._items = memoryview(data).cast(TYPECODE)
        self._order = order
        self._hash: int | None = None

    @classmethod
    def _from_bytes(cls, data: bytes, order: int = _UNKNOWN) -> UidList:
        new = cls.__new__(cls)
        new._adopt(data, order)
        return new

    @classmethod
    def from_sequence_set(cls, text: str, *, descending: bool = False) -> UidList:
        """The uids of an ESEARCH ``ALL`` sequence set like ``1:4,9,12:13``, ascending (or ``descending``).

        Built run by run into the buffer: ``1:100000`` never becomes 100,000 int objects at once.  Runs may come
        in any order or overlap (RFC 4731 promises no order); the answer is sorted and without repeats.
        """
        if not _SEQUENCE_SET.fullmatch(text):
            raise ValueError(f"not a sequence set of uids: {text[:40]!r}")
        out, last, ordered = array(TYPECODE), -1, True
        for match in _RUN.finditer(text):
            lo = int(match[1])
            hi = int(match[2]) if match[2] is not None else lo
            lo, hi = min(lo, hi), max(lo, hi)
            if hi > MAX_UID:
                raise ValueError(f"uid {hi} is out of range")
            ordered = ordered and lo > last
            last = hi
            out.extend(range(lo, hi + 1))
        if not ordered:
            out = array(TYPECODE, sorted(set(out)))
        if descending:
            out.reverse()
        return cls._from_bytes(out.tobytes(), _DESCENDING if descending else _ASCENDING)

    @classmethod
    def from_numbers(cls, text: bytes) -> UidList:
        """The uids of a SORT or SEARCH answer (``5 3 9``), in the order given, without a list of them first."""
        return cls(int(match[0]) for match in _NUMBER.finditer(text))

    # -- Sequence ----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: SupportsIndex) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> UidList: ...
    def __getitem__(self, index: SupportsIndex | slice) -> int | UidList:
        """A uid, or a slice as a UidList (monotonic stays monotonic)."""
        if isinstance(index, slice):
            part = self._items[index]
            order = self._order
            if index.step is not None and index.step < 0 and order in (_ASCENDING, _DESCENDING):
                order = _ASCENDING + _DESCENDING - order
            return UidList._from_bytes(part.tobytes(), order if order != _ARBITRARY else _UNKNOWN)
        return int(self._items[operator.index(index)])

    def __iter__(self) -> Iterator[int]:
        return iter(self._items)

    def __reversed__(self) -> Iterator[int]:
        return iter(self._items[::-1])

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int):
            return any(value == uid for uid in self._items)
        return self._find(value, 0, len(self)) >= 0

    def index(self, value: Any, start: int = 0, stop: int = maxsize) -> int:
        """Where the uid is (bisected when monotonic, else a C scan); ValueError when absent, as a tuple's."""
        begin, end, _ = slice(start, stop).indices(len(self))
        position = self._find(value, begin, end) if isinstance(value, int) else -1
        if position < 0:
            raise ValueError(f"{value!r} is not in the list")
        return position

    def count(self, value: Any) -> int:
        if isinstance(value, int) and self._monotonic():
            return int(value in self)
        return sum(1 for uid in self._items if uid == value)

    # -- what a reader needs -------------------------------------------------------------------------
    def inserted(self, position: int, uid: int) -> UidList:
        """A new list with uid at position (clamped to 0..len, as list.insert does)."""
        position = max(0, min(position if position >= 0 else len(self) + position, len(self)))
        at = position * 4
        data = self._data[:at] + _packed((uid,)).tobytes() + self._data[at:]
        return UidList._from_bytes(data, self._order_after_insert(position, uid))

    def deleted_at(self, position: int) -> UidList:
        """A new list without the uid at position (IndexError outside it)."""
        position = range(len(self))[position]
        at = position * 4
        order = self._order if self._order != _ARBITRARY else _UNKNOWN
        return UidList._from_bytes(self._data[:at] + self._data[at + 4 :], order)

    def removed(self, uid: int) -> UidList:
        """A new list without uid's first occurrence (ValueError when absent, as list.remove)."""
        return self.deleted_at(self.index(uid))

    def intersection(self, uids: Iterable[int]) -> set[int]:
        """Which of these uids the list holds: one C pass over the buffer, or bisection when monotonic."""
        wanted = uids if isinstance(uids, set | frozenset) else set(uids)
        if self._monotonic() or len(wanted) < 4:
            return {uid for uid in wanted if uid in self}
        return set(filter(wanted.__contains__, self._items))

    def count_above(self, uid: int) -> int:
        """How many uids are greater than uid (new mail has uids above every older one, RFC 9051 2.3.1.1)."""
        order = self._monotonic()
        if order == _ASCENDING:
            return len(self) - bisect_left(self._items, uid + 1)
        if order == _DESCENDING:
            return self._count_descending_above(uid)
        return sum(map(uid.__lt__, self._items))

    def highest(self) -> int:
        """The greatest uid, 0 when empty."""
        order = self._monotonic()
        if not self._items:
            return 0
        if order in (_ASCENDING, _DESCENDING):
            return max(self._items[0], self._items[-1])
        return max(self._items)

    # -- comparison, hashing, repr, pickling ------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if isinstance(other, UidList):
            return self._data == other._data
        if isinstance(other, tuple | list):
            return len(other) == len(self) and all(map(operator.eq, self._items, other))
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(tuple(self._items))  # equal to a tuple of the same uids, so hashed as that tuple
        return self._hash

    def __repr__(self) -> str:
        if len(self) <= _REPR_ITEMS:
            return f"UidList({tuple(self._items)!r})"
        head = ", ".join(map(str, islice(self._items, _REPR_ITEMS // 2)))
        tail = ", ".join(map(str, self._items[-2:]))
        return f"UidList(<{len(self)} uids: {head}, ..., {tail}>)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (UidList._from_bytes, (self._data, self._order))

    # -- inside ------------------------------------------------------------------------------------
    def _monotonic(self) -> int:
        """_ASCENDING, _DESCENDING (strictly) or 0; worked out once (a C pass) and remembered."""
        if self._order == _UNKNOWN:
            items = self._items
            if all(map(operator.lt, items, items[1:])):
                self._order = _ASCENDING
            elif all(map(operator.gt, items, items[1:])):
                self._order = _DESCENDING
            else:
                self._order = _ARBITRARY
        return self._order if self._order != _ARBITRARY else 0

    def _find(self, uid: int, begin: int, end: int) -> int:
        """The first position of uid in begin..end, or -1."""
        if not 0 <= uid <= MAX_UID or begin >= end:
            return -1
        order = self._monotonic()
        if order:
            at = bisect_left(self._items, uid) if order == _ASCENDING else self._count_descending_above(uid)
            return at if begin <= at < end and self._items[at] == uid else -1
        needle, data = _packed((uid,)).tobytes(), self._data
        at = data.find(needle, begin * 4, end * 4)
        while at >= 0 and at % 4:  # a match across two uids' bytes: look on
            at = data.find(needle, at + 1, end * 4)
        return at // 4 if at >= 0 else -1

    def _count_descending_above(self, uid: int) -> int:
        """In a descending list: how many come before uid's place (bisect wants ascending keys: negate them)."""
        return bisect_left(self._items, -uid, key=operator.neg)

    def _order_after_insert(self, position: int, uid: int) -> int:
        """The order a monotonic list keeps when uid lands between its neighbours; else unknown."""
        if self._order not in (_ASCENDING, _DESCENDING):
            return _UNKNOWN
        before = self._items[position - 1] if position > 0 else None
        after = self._items[position] if position < len(self) else None
        if self._order == _DESCENDING:
            before, after = after, before
        fits = (before is None or before < uid) and (after is None or uid < after)
        return self._order if fits else _UNKNOWN


def _packed(uids: Iterable[int]) -> array[int]:
    """Uids as array('I'); a value outside 0..2**32-1 is a ValueError (array says OverflowError)."""
    try:
        return array(TYPECODE, uids)
    except OverflowError as exc:
        raise ValueError("a uid is a 32-bit unsigned number") from exc
