"""The search language, turned into criteria for ``IMAPClient.search(criteria, charset="UTF-8")``.

Grammar (operators are upper case; lower-case "or" is a word to search for)::

    query   := clause*                      implicit AND
    clause  := unary ("OR" unary)*          IMAP OR is binary: a OR b OR c = OR (OR a b) c
    unary   := ("NOT" | "-") unary | "(" query ")" | term
    term    := key ":" value | value        a bare value searches TEXT (headers and body)

Keys: from to cc bcc subject body text; since before on (YYYY-MM-DD, or 7d/2w/3m/1y ago);
is:unread|read|flagged|unflagged|answered|unanswered|deleted|undeleted|draft;
has:attachment; larger/smaller (10k, 2M); uid (an IMAP uid set like 1:100).

``has:attachment`` is approximated on the server as ``OR KEYWORD $HasAttachment HEADER
Content-Type multipart/mixed``: Dovecot sets ``$HasAttachment`` when attachment detection
is enabled, and most mail with attachments is multipart/mixed (some without attachments
are too); a caller that needs precision filters the hits by BODYSTRUCTURE.

Every value a user typed is a ``SearchValue``: the IMAP layer always sends it as a quoted
string (or a literal when it is not ASCII), never as a bare atom, so ``"`` ``\\`` ``(`` or ``*``
in a value are searched for, not read as syntax.  Line breaks and NUL cannot be sent and are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from agentmail.errors import UsageError

_TEXT_KEYS = {
    "from": "FROM",
    "to": "TO",
    "cc": "CC",
    "bcc": "BCC",
    "subject": "SUBJECT",
    "body": "BODY",
    "text": "TEXT",
}
_DATE_KEYS = {"since": "SINCE", "after": "SINCE", "before": "BEFORE", "on": "ON"}
_IS_VALUES = {
    "unread": ["UNSEEN"],
    "read": ["SEEN"],
    "seen": ["SEEN"],
    "flagged": ["FLAGGED"],
    "starred": ["FLAGGED"],
    "unflagged": ["UNFLAGGED"],
    "answered": ["ANSWERED"],
    "replied": ["ANSWERED"],
    "unanswered": ["UNANSWERED"],
    "deleted": ["DELETED"],
    "undeleted": ["UNDELETED"],
    "draft": ["DRAFT"],
}
HAS_ATTACHMENT = ["OR", "KEYWORD", "$HasAttachment", "HEADER", "Content-Type", "multipart/mixed"]
_SIZE = re.compile(r"(\d{1,12})([kKmMgG]?)[bB]?")
_RELATIVE = re.compile(r"(\d{1,5})([dwmy])")
_UID_SET = re.compile(r"(?:\d+|\*)(?::(?:\d+|\*))?(?:,(?:\d+|\*)(?::(?:\d+|\*))?)*")
_TOKEN = re.compile(r'\s*(?:(\()|(\))|(-)?([A-Za-z]+:)?"((?:[^"\\]|\\.)*)("?)|(-)?([^\s()"]+))')
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical item: a parenthesis, an operator, or a (possibly keyed, possibly quoted) value."""

    kind: str  # "(" | ")" | "OR" | "AND" | "NOT" | "term"
    text: str = ""
    key: str = ""
    quoted: bool = False
    negated: bool = False


def tokenize(query: str) -> list[Token]:
    """Split a query into tokens; an unterminated quote is a usage error."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(query):
        if not query[pos:].strip():
            break
        match = _TOKEN.match(query, pos)
        if not match or match.end() == pos:
            raise UsageError(f"cannot read the search query at {query[pos : pos + 20]!r}")
        pos = match.end()
        opening, closing, q_neg, q_key, q_text, q_end, w_neg, word = match.groups()
        if opening or closing:
            tokens.append(Token(opening or closing))
        elif q_text is not None:
            if not q_end:
                raise UsageError(f"the quoted phrase starting {q_text[:20]!r} has no closing quote")
            text = re.sub(r"\\(.)", r"\1", q_text)
            tokens.append(Token("term", text, (q_key or "")[:-1].lower(), True, bool(q_neg)))
        elif word in ("OR", "AND", "NOT") and not w_neg:
            tokens.append(Token(word))
        else:
            key, colon, value = word.partition(":")
            if colon and key.isalpha() and value:
                tokens.append(Token("term", value, key.lower(), False, bool(w_neg)))
            elif colon and key.isalpha():
                raise UsageError(f'the search key {word!r} has no value; write {word}value or {word}"a phrase"')
            else:
                tokens.append(Token("term", word, "", False, bool(w_neg)))
    return tokens


#: One IMAP search-key as its flat list of items (["FROM", "a"], ["UNSEEN"], ["OR", ..., ...]).
Key = list[Any]


class _Parser:
    """Recursive descent over the tokens; every rule returns a conjunction of search-keys."""

    def __init__(self, tokens: list[Token], today: date) -> None:
        self.tokens = tokens
        self.pos = 0
        self.today = today
        self.depth = 0

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def query(self, closing: bool) -> list[Key]:
        keys: list[Key] = []
        while (token := self.peek()) is not None:
            if token.kind == ")":
                if not closing:
                    raise UsageError("the search query has a ')' without a matching '('")
                break
            if token.kind == "AND":
                self.take()
                following = self.peek()
                if not keys or following is None or following.kind in (")", "OR", "AND"):
                    raise UsageError("AND needs a search term on each side")
                continue
            keys.extend(self.clause())
        return keys

    def clause(self) -> list[Key]:
        left = self.unary()
        while (token := self.peek()) is not None and token.kind == "OR":
            self.take()
            following = self.peek()
            if following is None or following.kind in (")", "OR", "AND"):
                raise UsageError("OR needs a search term on each side")
            left = [["OR", *_one(left), *_one(self.unary())]]
        return left

    def unary(self) -> list[Key]:
        token = self.peek()
        if token is None:
            raise UsageError("the search query ends where a search term was expected")
        if token.kind == "NOT":
            self.take()
            return [["NOT", *_one(self.unary())]]
        if token.kind == "(":
            return self.group()
        if token.kind in (")", "OR", "AND"):
            raise UsageError(f"unexpected {token.kind!r} in the search query")
        self.take()
        key = _term(token, self.today)
        return [["NOT", *key]] if token.negated else [key]

    def group(self) -> list[Key]:
        self.take()
        self.depth += 1
        if self.depth > 32:
            raise UsageError("the search query nests parentheses too deeply")
        inner = self.query(closing=True)
        if self.peek() is None:
            raise UsageError("the search query has a '(' without a matching ')'")
        self.take()
        self.depth -= 1
        if not inner:
            raise UsageError("the search query has empty parentheses '()'")
        return inner


def _one(keys: list[Key]) -> Key:
    """The items of exactly one search-key: several keys become one parenthesised (nested) list."""
    if len(keys) == 1:
        return keys[0]
    return [_flatten(keys)]


def _flatten(keys: list[Key]) -> list[Any]:
    return [item for key in keys for item in key]


class SearchValue(str):
    """A value the user typed: always sent quoted or as a literal (see imap/criteria.py)."""

    __slots__ = ()


def _value(text: str, key: str) -> SearchValue:
    if "\x00" in text or "\r" in text or "\n" in text:
        raise UsageError(f"the search value for {key or 'text'} contains a line break")
    return SearchValue(text)


def _date(text: str, key: str, today: date) -> date:
    relative = _RELATIVE.fullmatch(text)
    if relative:
        count, unit = int(relative.group(1)), relative.group(2)
        days = {"d": 1, "w": 7, "m": 30, "y": 365}[unit] * count
        return today - timedelta(days=days)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{key}:{text} is not a date; use YYYY-MM-DD or a span like 7d, 2w, 3m, 1y") from None


def _size(text: str, key: str) -> int:
    match = _SIZE.fullmatch(text)
    if not match:
        raise UsageError(f"{key}:{text} is not a size; use a number of bytes or 10k, 2M, 1G")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def _term(token: Token, today: date) -> Key:
    key, text = token.key, token.text
    if not key:
        return ["TEXT", _value(text, key)]
    if key in _TEXT_KEYS:
        return [_TEXT_KEYS[key], _value(text, key)]
    if key in _DATE_KEYS:
        return [_DATE_KEYS[key], _date(text, key, today)]
    if key == "is" and text.lower() in _IS_VALUES:
        return list(_IS_VALUES[text.lower()])
    if key == "has" and text.lower() in ("attachment", "attachments"):
        return list(HAS_ATTACHMENT)
    if key in ("larger", "smaller"):
        return [key.upper(), _size(text, key)]
    if key == "uid" and _UID_SET.fullmatch(text):
        return ["UID", text]
    if key in ("is", "has", "uid"):
        raise UsageError(f"{key}:{text} is not understood; see `help search` for the values {key}: takes")
    raise UsageError(
        f"unknown search key {key + ':'!r} in {key}:{text}; use from: to: cc: bcc: subject: body: text: "
        "since: before: on: is: has: larger: smaller: uid:"
    )


def describe() -> tuple[tuple[str, str], ...]:
    """The language as (form, meaning) rows, built from the tables above: the ``?`` screen and the man page read it."""
    return (
        ('word  "a phrase"', "Anywhere in the headers or the body (a bare word is text:)"),
        (" ".join(f"{key}:x" for key in _TEXT_KEYS), "That header, the body (body:) or anywhere (text:)"),
        (" ".join(f"{key}:D" for key in _DATE_KEYS), "Dates: YYYY-MM-DD, or a span ago like 7d, 2w, 3m, 1y"),
        ("is:FLAG", "Flags: " + ", ".join(_IS_VALUES)),
        ("has:attachment", "Mail with attachments (a server-side approximation: multipart/mixed)"),
        ("larger:N smaller:N", "Sizes in bytes, or with k, M or G"),
        ("uid:SET", "An IMAP uid set like 1:100"),
        ("a b   a AND b", "Both (terms side by side are joined by AND)"),
        ("a OR b", "Either"),
        ("NOT a   -a", "Not a"),
        ("( ... )", "Grouping"),
    )


@dataclass(frozen=True, slots=True)
class Query:
    """A search in this language, checked when parsed: what a front end hands the service.

    Every text must match (AND); no text means every message.  Front ends build these, never
    IMAP criteria: the service turns one into a SEARCH program (``imap/criteria.py``).
    """

    texts: tuple[str, ...] = ()

    def narrowed(self, other: Query | None) -> Query:
        """Messages that match this query and ``other`` too."""
        return Query((*self.texts, *other.texts)) if other is not None else self


#: Only unread messages (the reader's next-unread asks the server this).
UNREAD = Query(("is:unread",))


def parse(text: str) -> Query:
    """Check a query typed by a member or an agent (UsageError on a mistake); blank means every message."""
    text = text.strip()
    if not text:
        return Query()
    parse_query(text)
    return Query((text,))


def parse_query(query: str, *, today: date | None = None) -> list[Any]:
    """Criteria for ``IMAPClient.search``; an empty query means ALL; mistakes raise UsageError."""
    tokens = tokenize(query)
    if not tokens:
        return ["ALL"]
    parser = _Parser(tokens, today or date.today())
    keys = parser.query(closing=False)
    if parser.peek() is not None:
        raise UsageError("the search query has a ')' without a matching '('")
    return _flatten(keys)
