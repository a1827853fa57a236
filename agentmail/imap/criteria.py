"""Parsed queries to search criteria, and criteria to IMAP command arguments, every value quoted or a literal.

Front ends pass a parsed ``Query``; the service asks ``for_query`` for its SEARCH program.

imapclient quotes a value only when it holds a space, quote or backslash, and a raw command
sends whatever it is given; either way ``"`` or ``(`` in a value would reach the server as
syntax (``subject:"\\""`` became ``SUBJECT "`` and a BAD).  Here a typed value
(``SearchValue``) is always a quoted string, or a literal when it is not ASCII; our own words
(keys, sequence sets, flags) stay atoms, and anything else that is not a plain atom is quoted too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from agentmail.errors import UsageError
from agentmail.mime.query import Query, SearchValue, parse_query

#: An IMAP atom as our own criteria use them (keys, sequence sets like 1:*, $Keywords, header names).
_ATOM = re.compile(r"[A-Za-z0-9$:*,./_+-]+")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def for_query(query: Query, *, today: date | None = None) -> list[Any]:
    """The SEARCH program of a parsed query: each text compiled by the language, all of them ANDed; none: ALL."""
    return [item for text in query.texts for item in parse_query(text, today=today)] or ["ALL"]


def encode(criteria: Sequence[Any]) -> tuple[list[bytes], bool]:
    """The arguments of a SEARCH/SORT/THREAD program, and whether it needs ``CHARSET UTF-8``."""
    out: list[bytes] = []
    needs_charset = _encode_into(list(criteria) or ["ALL"], out)
    return out, needs_charset


def _encode_into(items: Sequence[Any], out: list[bytes]) -> bool:
    needs_charset = False
    for item in items:
        if isinstance(item, list | tuple):
            inner: list[bytes] = []
            needs_charset |= _encode_into(item, inner)
            if not inner:
                raise UsageError("an empty group in the search criteria")
            if _is_literal(inner[-1]):
                # ")" glued to a literal would become part of it; ALL inside an AND group changes nothing.
                inner.append(b"ALL")
            inner[0] = b"(" + inner[0]
            inner[-1] = inner[-1] + b")"
            out.extend(inner)
        elif isinstance(item, bool):
            raise UsageError("a search criterion cannot be true or false")
        elif isinstance(item, int):
            out.append(str(item).encode("ascii"))
        elif isinstance(item, datetime | date):
            out.append(f"{item.day}-{_MONTHS[item.month - 1]}-{item.year}".encode("ascii"))
        elif isinstance(item, bytes):
            out.append(quote(item.decode("utf-8", "replace")))
            needs_charset |= not item.isascii()
        elif isinstance(item, str):
            if isinstance(item, SearchValue) or not _ATOM.fullmatch(item):
                out.append(quote(item))
                needs_charset |= not item.isascii()
            else:
                out.append(item.encode("ascii"))
        else:
            raise UsageError(f"a search criterion of type {type(item).__name__} cannot be sent")
    return needs_charset


def quote(value: str) -> bytes:
    """A quoted string, or (not ASCII) the UTF-8 bytes imapclient sends as a literal."""
    if any(ch in value for ch in "\r\n\x00"):
        raise UsageError("a search value cannot contain a line break or NUL")
    if not value.isascii():
        return value.encode("utf-8")
    return b'"' + value.replace("\\", "\\\\").replace('"', '\\"').encode("ascii") + b'"'


def _is_literal(arg: bytes) -> bool:
    return not arg.isascii()
