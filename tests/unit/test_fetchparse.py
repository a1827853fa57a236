"""imap/fetchparse.py returns what imapclient's parse_fetch_response returns, for real and hostile FETCH answers."""

from __future__ import annotations

import random

import pytest
from imapclient.exceptions import ProtocolError
from imapclient.response_parser import parse_fetch_response

from agentmail.imap.fetchparse import parse_fetch

HEADER = b"From: Eve <eve@example.org>\r\nSubject: =?utf-8?q?=C3=9Cber?=\r\n\r\n"
SUMMARY = (
    b'1 (UID 951 FLAGS (\\Seen $Forwarded) RFC822.SIZE 2118 INTERNALDATE "18-Nov-2026 19:18:55 +0100" '
    b'BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 120 3 NIL NIL NIL NIL)'
    b'("application" "pdf" ("name" "a \\"b\\" \\\\c.pdf") NIL NIL "base64" 800 NIL ("attachment" ("filename" '
    b'"r.pdf")) NIL NIL) "mixed" ("boundary" "b1") NIL NIL NIL) PREVIEW "Hi (there) [x] % {3}" '
    b"BODY[HEADER.FIELDS (FROM TO SUBJECT)] {" + str(len(HEADER)).encode() + b"}"
)
RECORDS = [
    (SUMMARY, HEADER),
    b")",
    b'2 (UID 952 FLAGS () RFC822.SIZE 0123 INTERNALDATE "bad date" BODYSTRUCTURE ("TEXT" "HTML" NIL NIL NIL '
    b'"7BIT" 10 1 NIL NIL NIL NIL) PREVIEW NIL)',
    b"3 (FLAGS (\\Deleted))",  # unsolicited: no UID
    b'4 (UID 960 BODY[1]<0> "x\\ty" BODY[] NIL MODSEQ (12345))',
]


@pytest.mark.parametrize("uid_is_key", [True, False])
def test_same_answer_as_imapclient(uid_is_key: bool) -> None:
    want = parse_fetch_response(RECORDS, normalise_times=False, uid_is_key=uid_is_key)
    got = parse_fetch(RECORDS, uid_is_key=uid_is_key)
    assert got == dict(want)
    assert [list(v) for v in got.values()] == [list(v) for v in want.values()]  # item order too


def test_same_tokens_on_random_lines() -> None:
    """Random lines of IMAP punctuation either parse alike or both raise the same error."""
    rng = random.Random(17)
    pieces = [b"(", b")", b" ", b'"', b"\\", b"[", b"]", b"NIL", b"12", b"0", b"%", b"\x01", b"UID", b"7", b"a", b"\t"]
    alike = 0
    for _ in range(20000):
        body = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        records = [b"1 (UID 5 X " + body + b")"]
        try:
            want: object = dict(parse_fetch_response(records, normalise_times=False))
        except (ProtocolError, AttributeError) as exc:  # imapclient: an item name that is a list or a number
            want = type(exc)
        try:
            got: object = parse_fetch(records)
        except (ProtocolError, AttributeError) as exc:
            got = type(exc)
        assert got == want, records
        alike += isinstance(want, dict)
    assert alike > 1000  # the random lines were not all malformed


def test_malformed_raises_protocol_error() -> None:
    for records in (
        [b'1 (UID 5 X "open)'],
        [b"1 (UID 5 X [open)"],
        [b"x (UID 5)"],
        [b"1 (UID)"],
        [(b"1 (X {3", b"abc")],
    ):
        with pytest.raises(ProtocolError):
            parse_fetch(records)
