"""The server's facts about a message travel as one MessageFacts; IMAP flags are decoded in one place."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agentmail.mime.parse import message_from_parts, parse_message
from agentmail.model import MessageFacts, flag_names, to_json

RAW = b"From: A <a@example.com>\r\nSubject: hi\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n"
WHEN = datetime(2024, 6, 3, 10, 0, tzinfo=UTC)
STRUCTURE = (b"TEXT", b"PLAIN", (b"CHARSET", b"UTF-8"), None, None, b"7BIT", 7, 1)


def test_flag_names_decodes_imapclient_bytes_and_keeps_text() -> None:
    assert flag_names((b"\\Seen", "$Forwarded", b"caf\xc3\xa9", b"\xff")) == ("\\Seen", "$Forwarded", "café", "\ufffd")
    assert flag_names(()) == ()


def test_facts_and_their_keyword_form_read_the_same_message() -> None:
    facts = MessageFacts(7, "INBOX", 42, (b"\\Seen", b"$Forwarded"), 99, WHEN)
    given = parse_message(RAW, facts)
    flags = (b"\\Seen", "$Forwarded")
    spelled = parse_message(RAW, uid=7, folder="INBOX", uidvalidity=42, flags=flags, size=99, received=WHEN)
    assert to_json(given) == to_json(spelled)
    assert (given.uid, given.folder, given.uidvalidity, given.size, given.received) == (7, "INBOX", 42, 99, WHEN)
    assert given.flags == ("\\Seen", "$Forwarded") and given.text == "hello\n"


def test_an_unknown_size_is_the_length_of_the_bytes_read() -> None:
    assert parse_message(RAW, MessageFacts(1, "INBOX", 1)).size == len(RAW)
    assert message_from_parts(b"", {"1": b"hello"}, STRUCTURE, MessageFacts(1, "INBOX", 1)).size == 0


def test_message_from_parts_takes_the_same_facts() -> None:
    facts = MessageFacts(9, "Archive", 5, (b"\\Flagged",), 50_000_000, WHEN)
    m = message_from_parts(b"Subject: big\r\n\r\n", {"1": b"hello"}, STRUCTURE, facts)
    expected = (9, "Archive", 5, ("\\Flagged",), 50_000_000, WHEN)
    assert (m.uid, m.folder, m.uidvalidity, m.flags, m.size, m.received) == expected
    assert m.subject == "big" and m.text == "hello"


def test_facts_cannot_be_given_twice() -> None:
    with pytest.raises(TypeError, match="given twice"):
        parse_message(RAW, MessageFacts(1, "INBOX", 1), uid=2)
    with pytest.raises(TypeError):
        parse_message(RAW, folder="INBOX", uidvalidity=1)  # no uid: the facts are incomplete
