"""mime.headers.header_items splits a header block exactly as the email package's compat32 parser does."""

from __future__ import annotations

from email.parser import BytesParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentmail.mime.headers import envelope_from_bytes, header_items

#: Pieces a hostile or broken header block is made of: line breaks of every kind, folds, colons, mbox lines,
#: 8-bit bytes, and the breaks str.splitlines knows but the email package does not.
PIECES = st.sampled_from(
    [b"\r\n", b"\n", b"\r", b" ", b"\t", b":", b"From ", b"From: a@b", b"Subject", b"To: x", b"\r\n\r\n", b"\n ",
     b"\r\n\t", b"\x00", b"\x0b", b"\x0c", b"\x1c", b"\x85", b"\xe2\x80\xa8", b"\xff", b"\xc3\xa9", b"=?utf-8?q?x?=",
     b"X-Y", b"a b:", b"[", b"~", b"\x7f", b"body text"]
)  # fmt: skip


def _stdlib(data: bytes) -> list[tuple[str, str]]:
    return list(BytesParser().parsebytes(data, headersonly=True).raw_items())


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"From: a@example.org\r\nSubject: hi\r\n\r\n",
        b"Subject: one\r\n two\r\n\tthree\r\nTo: x\r\n",
        b" leading continuation\r\nSubject: s\r\n",
        b"From someone@example.org Mon Jan 1\nSubject: mbox\n\n",
        b"Subject: a\nFrom stray line\n more\nTo: b\n",
        b": no name\r\nSubject: s\r\n",
        b"Subject: no end",
        b"Subject: cr only\rTo: x\r\rbody",
        b"Subject: a\x0bb\x0cc\x1cd\r\n",
        b"Subject: \xe2\x80\xa8 and \xc2\x85\r\n",
        b"Subject: 8bit \xff\xfe\r\n",
        b"Subject: s\r\nnot a header line\r\nTo: hidden\r\n",
        b"Subject:   spaced  \r\n\r\n",
        b"Subject: s\r\nFrom x\r\n",
        b"X" * 9000 + b": long name\r\nSubject: " + b"y" * 9000 + b"\r\n",  # past the parser's 8 KiB chunks
        b"Subject: split\r" + b"a" * 8180 + b"\r\nTo: x\r\n",
    ],
)
def test_hand_picked_blocks_split_as_the_email_package_splits_them(data: bytes) -> None:
    assert header_items(data) == _stdlib(data)


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=40).map(b"".join))
def test_any_block_splits_as_the_email_package_splits_it(data: bytes) -> None:
    assert header_items(data) == _stdlib(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_split_as_the_email_package_splits_them(data: bytes) -> None:
    assert header_items(data) == _stdlib(data)


def test_a_listing_reads_its_envelope_without_the_email_package_parser() -> None:
    envelope = envelope_from_bytes(b"From: Ann <ann@example.org>\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\r\n")
    assert (envelope.sender and envelope.sender.email, envelope.subject) == ("ann@example.org", "café")


def test_raw_to_text_undoes_exactly_the_surrogate_escaped_bytes() -> None:
    """An escaped byte (U+DC80-U+DCFF) is decoded as the byte it was; any other text, a lone surrogate outside that
    range included, is kept (scrubbed later)."""
    import re

    from agentmail.mime.headers import _has_escaped_byte, raw_to_text

    escaped = re.compile("[\udc80-\udcff]")  # the pattern the check replaced
    for code in (*range(0xD700, 0xE100), 0x7F, 0xE9, 0xFFFD, 0x1F600):
        text = f"é{chr(code)}"
        assert _has_escaped_byte(text) is (escaped.search(text) is not None), hex(code)
    assert raw_to_text("caf\udcc3\udca9") == "café"  # UTF-8 bytes the email package escaped
    assert raw_to_text("é\ud800") == "é\ud800"
    assert raw_to_text("plain é") == "plain é"
