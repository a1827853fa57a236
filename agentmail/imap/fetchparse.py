"""FETCH answers parsed as imapclient parses them, with a lexer that scans by regular expression.

imapclient's lexer walks a response one byte at a time through Python generators; for a page of 50
summaries (BODYSTRUCTURE, eight header fields, PREVIEW) that was about a third of a listing's FETCH.
This lexer yields the same tokens from one compiled pattern, and imapclient's own ``atom``/``BodyData``
build the values, so :func:`parse_fetch` returns what ``parse_fetch_response`` returns (tests/unit
compare the two on real and hostile answers).  Malformed input raises imapclient's ProtocolError too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from imapclient.datetime_util import parse_to_datetime
from imapclient.exceptions import ProtocolError
from imapclient.response_parser import atom
from imapclient.response_types import BodyData

# One token after optional whitespace: a quoted string (escapes kept for later), a word (bracketed parts such as
# ``BODY[HEADER.FIELDS (FROM)]`` belong to it, up to their "]"), or any other single byte ("(", ")", "%", a
# control byte; an unclosed quote or bracket falls through to this one too).
# A quote right after a word is caught with it (its own group): imapclient refuses that.  Only trailing whitespace
# matches nothing, so findall, which scans on past a miss, finds the same tokens as matching token by token would.
_TOKEN = re.compile(rb'[ \t\r\n]*(?:("(?:[^"\\]|\\.)*")|((?:[^\x00-\x1f ()%"\[]|\[[^\]]*\])+)("?)|(.))', re.S)
_ESCAPE = re.compile(rb'\\([\\"])')


class _Tokens:
    """imapclient's TokenSource: the tokens of every record, and the literal of the record being read."""

    def __init__(self, records: list[Any]) -> None:
        self.current_literal: bytes | None = None
        self._iter = self._tokens(records)

    def __iter__(self) -> Iterator[bytes]:
        return self._iter

    def _tokens(self, records: list[Any]) -> Iterator[bytes]:
        for record in records:
            if isinstance(record, tuple):
                line, self.current_literal = record
                if not line.endswith(b"}"):
                    raise ProtocolError(f"a literal's line does not end in its size: {line!r}")
            else:
                line, self.current_literal = record, None
            tokens, error = _line_tokens(line)
            yield from tokens
            if error is not None:
                raise error


def _line_tokens(line: bytes) -> tuple[list[bytes], ProtocolError | None]:
    """The tokens of one line, found by one findall in C (a match per token cost a third of the lexer), up to
    the first malformed one, and its error: raised once the tokens before it are read, as imapclient does."""
    tokens: list[bytes] = []
    for quoted, word, stray_quote, other in _TOKEN.findall(line):
        if word:
            if stray_quote:
                return tokens, ProtocolError(f"a quote inside a word: {line!r}")
            tokens.append(word)
        elif quoted:
            tokens.append(_ESCAPE.sub(rb"\1", quoted) if b"\\" in quoted else quoted)
        elif other in (b'"', b"["):
            return tokens, ProtocolError(f"no closing {']' if other == b'[' else other.decode()}: {line!r}")
        else:
            tokens.append(other)
    return tokens, None


def parse_fetch(records: list[Any], *, uid_is_key: bool = True) -> dict[int, dict[bytes, Any]]:
    """Untagged FETCH data (imaplib's records) -> message id -> item -> value, as imapclient returns it
    with ``normalise_times`` off: keyed by UID where it is named (or by sequence number), ``SEQ`` added."""
    parsed: dict[int, dict[bytes, Any]] = {}
    if not records or records == [None]:
        return parsed
    source = _Tokens(records)
    tokens = iter(source)
    try:
        for token in tokens:
            seq = _int(atom(source, token), "invalid message ID")
            items = atom(source, next(tokens, b""))
            if not isinstance(items, tuple):
                raise ProtocolError(f"bad response type: {items!r}")
            if len(items) % 2:
                raise ProtocolError(f"uneven number of response items: {items!r}")
            msg_id, data = _message(seq, items, uid_is_key)
            parsed.setdefault(msg_id, {}).update(data)
    except ValueError as exc:
        raise ProtocolError(str(exc)) from None
    return parsed


def _message(seq: int, items: tuple[Any, ...], uid_is_key: bool) -> tuple[int, dict[bytes, Any]]:
    msg_id = seq
    data: dict[bytes, Any] = {b"SEQ": seq}
    for i in range(0, len(items), 2):
        word = items[i].upper()
        value = items[i + 1]
        if word == b"UID":
            uid = _int(value, "invalid UID")
            if uid_is_key:
                msg_id = uid
            else:
                data[word] = uid
        elif word == b"INTERNALDATE":
            data[word] = _internaldate(value)
        elif word in (b"BODY", b"BODYSTRUCTURE"):
            data[word] = BodyData.create(value)
        else:
            data[word] = value
    return msg_id, data


def _int(value: Any, error: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ProtocolError(f"{error}: {value!r}") from None


def _internaldate(value: Any) -> Any:
    if value is None:
        return None
    try:
        return parse_to_datetime(value, normalise=False)
    except ValueError:
        return None
