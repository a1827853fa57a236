"""The search language becomes IMAP search criteria; mistakes are usage errors."""

from __future__ import annotations

from datetime import date

import pytest

from agentmail.errors import UsageError
from agentmail.mime.query import HAS_ATTACHMENT, SearchValue, parse_query

TODAY = date(2024, 6, 10)


@pytest.mark.parametrize(
    ("query", "criteria"),
    [
        ("", ["ALL"]),
        ("hello", ["TEXT", "hello"]),
        ('from:alice subject:"a b" since:2024-01-01', ["FROM", "alice", "SUBJECT", "a b", "SINCE", date(2024, 1, 1)]),
        ('"exact phrase"', ["TEXT", "exact phrase"]),
        ("before:2024-02-01 on:2024-01-15", ["BEFORE", date(2024, 2, 1), "ON", date(2024, 1, 15)]),
        ("since:7d", ["SINCE", date(2024, 6, 3)]),
        ("is:unread is:flagged", ["UNSEEN", "FLAGGED"]),
        ("-is:read", ["NOT", "SEEN"]),
        ("NOT from:bob", ["NOT", "FROM", "bob"]),
        ("from:a OR from:b", ["OR", "FROM", "a", "FROM", "b"]),
        ("from:a OR from:b OR to:c", ["OR", "OR", "FROM", "a", "FROM", "b", "TO", "c"]),
        ("(from:a to:b) OR cc:c", ["OR", ["FROM", "a", "TO", "b"], "CC", "c"]),
        ("NOT (from:a to:b)", ["NOT", ["FROM", "a", "TO", "b"]]),
        ("from:a AND to:b", ["FROM", "a", "TO", "b"]),
        ("larger:10k smaller:2M", ["LARGER", 10240, "SMALLER", 2 * 1024 * 1024]),
        ("uid:1:100", ["UID", "1:100"]),
        ("has:attachment", HAS_ATTACHMENT),
        ("body:x bcc:y text:z", ["BODY", "x", "BCC", "y", "TEXT", "z"]),
        ("or", ["TEXT", "or"]),
        ("café", ["TEXT", "café"]),
    ],
)
def test_queries(query: str, criteria: list[object]) -> None:
    assert parse_query(query, today=TODAY) == criteria


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("foo:bar", "foo:"),
        ("(from:a", "'('"),
        ("from:a)", "')'"),
        ("OR a", "OR"),
        ("a OR", "OR"),
        ("a AND", "AND"),
        ("since:2024-13-01", "since:2024-13-01"),
        ("larger:ten", "larger:ten"),
        ('"open', "closing quote"),
        ("is:sideways", "is:sideways"),
        ("from:", "from:"),
        ("()", "()"),
        ("uid:abc", "uid:abc"),
    ],
)
def test_errors_point_at_the_bad_token(query: str, fragment: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_query(query, today=TODAY)
    assert fragment in str(info.value)
    assert info.value.code == "usage"


def test_values_with_atom_specials_are_fine_inside_a_phrase() -> None:
    assert parse_query('subject:"[PATCH] (v2)"') == ["SUBJECT", "[PATCH] (v2)"]


@pytest.mark.parametrize("query", ['subject:"\\""', "{5}", "a*b", 'from:"x\\\\y"', "café", "%"])
def test_every_typed_value_is_marked_to_be_quoted(query: str) -> None:
    """Values are SearchValues, which the IMAP layer always quotes (or sends as a literal), never bare atoms."""
    criteria = parse_query(query)
    values = [c for c in criteria if isinstance(c, str) and c not in ("TEXT", "FROM", "SUBJECT")]
    assert values and all(isinstance(v, SearchValue) for v in values)


def test_a_parsed_query_is_checked_once_and_becomes_criteria_in_the_imap_layer() -> None:
    """Front ends hold a Query; imap/criteria.py makes the SEARCH program, ANDing narrowed queries in order."""
    from agentmail.imap.criteria import for_query
    from agentmail.mime.query import UNREAD, Query, parse

    with pytest.raises(UsageError):
        parse("from:")
    assert parse("   ") == Query() and for_query(Query()) == ["ALL"]
    found = parse(" from:bob ").narrowed(parse("subject:lunch")).narrowed(None)
    assert found == Query(("from:bob", "subject:lunch"))
    assert for_query(found.narrowed(UNREAD), today=TODAY) == ["FROM", "bob", "SUBJECT", "lunch", "UNSEEN"]
    assert for_query(parse("since:7d"), today=TODAY) == parse_query("since:7d", today=TODAY)


def test_the_tool_summary_names_every_key_the_parser_knows() -> None:
    """QUERY_SUMMARY sits in the agent's table (so a listing loads no parser); it must still say what parse() takes."""
    from agentmail.agent.shared_args import QUERY_SUMMARY
    from agentmail.mime import query

    for key in (*query._TEXT_KEYS, *(k for k in query._DATE_KEYS if k != "after"), "larger", "smaller", "uid"):
        assert f"{key}:" in QUERY_SUMMARY, key
    assert "is:" in QUERY_SUMMARY and "has:attachment" in QUERY_SUMMARY
