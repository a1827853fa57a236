"""Shaping answers for a context window: fenced sender text, byte-bounded windows, capped pages.

Pure functions over the typed answers; the handlers call them.  ``PageAnswer`` lives here rather than in
agent/answers.py because ``--json list`` builds it, and that path should not create every other answer type.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from agentmail.mime.sanitize import escape_json
from agentmail.model import Page, Summary, to_json

T = TypeVar("T")


def optional(description: str = "") -> Any:
    """An answer field that is absent (never null) while it is None: there only when it has something to say."""
    metadata: dict[str, Any] = {"omit_none": True}
    if description:
        metadata["description"] = description
    return field(default=None, metadata=metadata)


@dataclass(frozen=True, slots=True)
class PageAnswer(Page):
    """list, thread and draft_list: a page of summaries, cut to the answer budget when it had to be."""

    capped: bool | None = optional()  # fewer items than asked for, to fit the budget
    truncated: bool | None = optional()  # something was cut (items, recipient lists, subjects)

    @classmethod
    def of(cls, page: Page) -> PageAnswer:
        return extend(cls, page)

    def pages(self) -> tuple[Page, ...]:
        return (self,)

    def squeezed(self, pages: tuple[Page, ...]) -> PageAnswer:
        return dataclasses.replace(self, items=pages[0].items, truncated=True)


def extend(cls: type[T], base: Any, **changes: Any) -> T:
    """An answer type that adds fields to a model type (``cls`` subclasses ``type(base)``), filled from ``base``."""
    values = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
    return cls(**{**values, **changes})


class Paged(Protocol):
    """An answer made of pages of summaries (PageAnswer, SearchAnswer), which squeeze() can shorten."""

    def pages(self) -> tuple[Page, ...]: ...

    def squeezed(self, pages: tuple[Page, ...]) -> Any: ...


P = TypeVar("P", bound=Paged)


def new_fence() -> str:
    """A per-answer marker that sender-written text cannot predict, so it cannot fake the fence's end."""
    import secrets  # lazily: a listing needs no fence (hashlib and hmac at start-up)

    return f"untrusted-mail-{secrets.token_hex(6)}"


def fence_text(text: str, marker: str) -> str:
    return f"<<<{marker}>>>\n{text}\n<<</{marker}>>>"


#: Room for the answer's envelope (ok, api_version, command, a batch id) around a handler's fields.
ENVELOPE_BYTES = 120


def dumps(answer: dict[str, Any], *, pretty: bool = False) -> str:
    """JSON text safe to print on a terminal: what mime.sanitize removes is escaped, other text kept readable."""
    text = json.dumps(
        answer, ensure_ascii=False, indent=2 if pretty else None, separators=None if pretty else (",", ":")
    )
    return escape_json(text)


def json_size(answer: Any) -> int:
    """Bytes of the answer (typed, or JSON-ready) as it is printed (controls escaped), plus its envelope."""
    return len(dumps(to_json(answer)).encode("utf-8")) + ENVELOPE_BYTES


class Sizer:
    """json_size that keeps the JSON of the answer it measured last: an answer is sent as it was measured.

    A page fitted to the budget is measured as JSON before it is sent; without this, a listing would turn
    its summaries into JSON twice.  One per Context (a session), never shared between threads.
    """

    def __init__(self) -> None:
        self._last: tuple[Any, Any] = (None, None)

    def size(self, answer: Any) -> int:
        data = to_json(answer)
        self._last = (answer, data)
        return len(dumps(data).encode("utf-8")) + ENVELOPE_BYTES

    def json(self, answer: Any) -> Any:
        """The answer as JSON (model.to_json, the one path), reusing what size() made of this same answer."""
        last, data = self._last
        self._last = (None, None)
        return data if last is answer else to_json(answer)


def window(text: str, offset: int, max_bytes: int) -> tuple[str, dict[str, Any]]:
    """Cut text at a character offset to at most max_bytes of UTF-8; say how to continue (a Window's fields).

    Offsets count characters (code points), as JSON strings do.
    """
    total = len(text)
    offset = min(offset, total)
    # At most max_bytes characters can fit; encode those and cut on a character boundary.
    encoded = text[offset : offset + max_bytes].encode("utf-8", "surrogatepass")[:max_bytes]
    piece = ""
    for trim in range(4):  # a UTF-8 character is at most 4 bytes: drop a cut-off tail
        try:
            piece = encoded[: len(encoded) - trim].decode("utf-8", "surrogatepass")
            break
        except UnicodeDecodeError:
            continue
    end = offset + len(piece)
    truncated = end < total
    info = {
        "offset": offset,
        "length": end - offset,
        "total_length": total,
        "truncated": truncated,
        "next_offset": end if truncated else None,
    }
    return text[offset:end], info


def within_budget(
    make: Callable[[int], PageAnswer], limit: int, budget: int, size: Callable[[Any], int] = json_size
) -> PageAnswer:
    """Fetch a page; if its JSON is over the answer budget, fetch fewer items and say so (``capped``).

    The smaller page comes from the service, so its next_cursor continues right after it.
    """
    answer = make(limit)
    measured = size(answer)
    if measured <= budget:
        return answer
    if len(answer.items) <= 1:
        return squeeze(answer, budget, size)
    while measured > budget and limit > 1:
        per_item = max(1, measured // max(1, len(answer.items)))
        limit = max(1, min(limit - 1, budget // per_item - 1))
        answer = make(limit)
        measured = size(answer)
    return squeeze(dataclasses.replace(answer, capped=True, truncated=True), budget, size)


def squeeze(answer: P, budget: int, size: Callable[[Any], int] = json_size) -> P:
    """Last resort when even one summary is over the cap (hostile mail with 1,500 recipients):
    halve the longest recipient list, then shorten subjects, until the answer fits; it says truncated."""
    for _ in range(64):
        pages = answer.pages()
        if size(answer) <= budget or not any(p.items for p in pages):
            break
        answer = answer.squeezed(tuple(dataclasses.replace(p, items=items) for p, items in _halved(pages)))
    return answer


def _halved(pages: tuple[Page, ...]) -> list[tuple[Page, tuple[Summary, ...]]]:
    """One squeezing step: halve the longest to/cc list anywhere, or else every subject, snippet and preview."""
    lists = [
        (len(getattr(s, k)), i, j, k)
        for i, p in enumerate(pages)
        for j, s in enumerate(p.items)
        for k in ("to", "cc")
        if getattr(s, k)
    ]
    items = [list(p.items) for p in pages]
    if lists:
        _, i, j, key = max(lists, key=lambda t: t[0])  # the first of the longest, in answer order
        old = getattr(items[i][j], key)
        items[i][j] = dataclasses.replace(items[i][j], **{key: old[: len(old) // 2]})
    else:
        items = [[_shorter(s) for s in row] for row in items]
    return [(p, tuple(row)) for p, row in zip(pages, items, strict=True)]


def _shorter(s: Summary) -> Summary:
    half = {key: getattr(s, key)[: len(getattr(s, key)) // 2] for key in ("subject", "snippet", "preview")}
    return dataclasses.replace(s, **half)


def cut_items(page: PageAnswer, budget: int, size: Callable[[Any], int] = json_size) -> PageAnswer:
    """Drop a page's last items until its JSON fits the budget (an answer without a cursor: thread)."""
    if size(page) <= budget:
        return page
    items = list(page.items)
    while len(items) > 1 and json_size(dataclasses.replace(page, items=tuple(items))) > budget:
        items.pop()
    return squeeze(dataclasses.replace(page, items=tuple(items), capped=True, truncated=True), budget, size)
