"""Parsing: headers, body choice, charsets, part numbering, structure-first reading."""

from __future__ import annotations

from datetime import UTC, datetime

from imapclient.response_types import BodyData

from agentmail.mime.parse import (
    decode_header_value,
    message_from_parts,
    parse_addresses,
    parse_date,
    parse_message,
    parse_summary,
    structure_parts,
    text_parts_to_fetch,
)
from agentmail.mime.tree import Limits
from agentmail.model import Address


def parse(raw: bytes, **kw: object) -> object:
    return parse_message(raw, uid=7, folder="INBOX", uidvalidity=42, **kw)  # type: ignore[arg-type]


def test_decode_header_value() -> None:
    assert decode_header_value("=?utf-8?q?Caf=C3=A9?= =?utf-8?q?_cr=C3=A8me?=") == "Café crème"
    assert decode_header_value("=?utf-8?b?8J+Y?= =?utf-8?b?gw==?=") == "😃"  # a character split across words
    assert decode_header_value("a =?iso-8859-1?q?=E9?= b") == "a é b"
    assert decode_header_value("=?x-unknown?q?caf=E9?=") == "café"
    assert decode_header_value(b"J\xc3\xb6rg") == "Jörg"
    assert decode_header_value(b"M\xfcnchen") == "München"
    assert decode_header_value("folded\r\n line") == "folded line"
    assert decode_header_value("=?utf-8?b?!!!?=") == "=?utf-8?b?!!!?="


def test_parse_addresses_decodes_names_after_splitting() -> None:
    assert parse_addresses("=?utf-8?q?Doe=2C_J=C3=B6hn?= <j@example.org>, b@example.org") == (
        Address("Doe, Jöhn", "j@example.org"),
        Address("", "b@example.org"),
    )
    assert parse_addresses("Evil\u202e <e@example.org>") == (Address("Evil", "e@example.org"),)
    assert parse_addresses(None) == ()
    assert parse_addresses(",,,") == ()


def test_parse_date() -> None:
    assert parse_date("Mon, 3 Jun 2024 10:00:00 +0200") == datetime(2024, 6, 3, 8, 0, tzinfo=UTC)
    assert parse_date("Mon, 3 Jun 2024 10:00:00 -0000").tzinfo is not None  # type: ignore[union-attr]
    assert parse_date("yesterday-ish") is None
    assert parse_date("") is None
    assert parse_date("Mon, 3 Jun 99999 10:00:00 +0000") is None


PLAIN = b"From: A <a@example.com>\r\nSubject: hi\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n"


def test_simple_message() -> None:
    m = parse(PLAIN, flags=(b"\\Seen",), size=99)
    assert m.subject == "hi" and m.text == "hello\n" and m.flags == ("\\Seen",) and m.size == 99  # type: ignore[attr-defined]
    assert m.attachments == () and m.notes == () and not m.sanitized  # type: ignore[attr-defined]


MIXED = b"""From: a@example.com\r
Subject: mixed\r
Message-ID: <id1@example.com>\r
In-Reply-To: junk <id0@example.com>\r
References: <r1@x> <bad id@x> <r2@x>\r
MIME-Version: 1.0\r
Content-Type: multipart/mixed; boundary="m"\r
\r
--m\r
Content-Type: multipart/alternative; boundary="a"\r
\r
--a\r
Content-Type: text/plain; charset=iso-8859-1\r
Content-Transfer-Encoding: quoted-printable\r
\r
Caf=E9\r
--a\r
Content-Type: multipart/related; boundary="r"\r
\r
--r\r
Content-Type: text/html; charset=utf-8\r
\r
<p>Caf\xc3\xa9 <img src="cid:i1"></p>\r
--r\r
Content-Type: image/png\r
Content-ID: <i1>\r
Content-Transfer-Encoding: base64\r
\r
iVBORw0KGgo=\r
--r--\r
--a--\r
--m\r
Content-Type: application/pdf\r
Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf\r
Content-Transfer-Encoding: base64\r
\r
JVBERi0=\r
--m\r
Content-Type: message/rfc822\r
\r
From: Inner <i@example.net>\r
Subject: inner\r
Content-Type: multipart/mixed; boundary="n"\r
\r
--n\r
Content-Type: text/plain\r
\r
inner text\r
--n\r
Content-Type: image/gif\r
Content-Disposition: attachment; filename=x.gif\r
\r
GIF89a\r
--n--\r
--m--\r
"""


def test_body_choice_parts_and_section_numbers() -> None:
    m = parse(MIXED)
    assert m.text.startswith("Café")  # type: ignore[attr-defined]
    assert "---------- Forwarded message ----------" in m.text and "inner text" in m.text  # type: ignore[attr-defined]
    assert m.html == '<p>Café <img src="cid:i1"></p>'  # type: ignore[attr-defined]
    ids = {p.part_id: p for p in m.attachments}  # type: ignore[attr-defined]
    assert "1.2.1" not in ids  # the HTML alternative is the body in another form (m.html), not an attachment
    assert ids["1.2.2"].content_type == "image/png" and ids["1.2.2"].content_id == "i1" and ids["1.2.2"].size == 8
    assert ids["2"].filename == "résumé.pdf" and ids["2"].disposition == "attachment" and ids["2"].size == 5
    assert ids["3"].content_type == "message/rfc822"
    assert ids["3.2"].filename == "x.gif"
    assert m.message_id == "<id1@example.com>" and m.in_reply_to == "<id0@example.com>"  # type: ignore[attr-defined]
    assert m.references == ("<r1@x>", "<r2@x>")  # type: ignore[attr-defined]


def test_html_only_is_rendered_with_links() -> None:
    raw = b'Content-Type: text/html\r\n\r\n<p>See <a href="https://e.example/">site</a></p>'
    m = parse(raw)
    assert m.text == "See site [1]" and m.links == ("https://e.example/",)  # type: ignore[attr-defined]


def test_charset_fallbacks() -> None:
    latin = b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\n\x93q\x94 caf\xe9"
    assert parse(latin).text == "\u201cq\u201d café"  # type: ignore[attr-defined]
    lying = b"Content-Type: text/plain; charset=us-ascii\r\n\r\ncaf\xc3\xa9"
    assert parse(lying).text == "caf\u00c3\u00a9" or parse(lying).text == "café"  # type: ignore[attr-defined]
    unknown = b"Content-Type: text/plain; charset=x-nonsense\r\n\r\ncaf\xc3\xa9"
    assert parse(unknown).text == "café"  # type: ignore[attr-defined]


def test_sanitized_flag_and_agent_fields() -> None:
    raw = b"From: =?utf-8?q?Eve=E2=80=AE?= <e@x>\r\nSubject: hi\x1b[2J =?utf-8?q?a=E2=80=8Bb?=\r\n\r\nx"
    m = parse(raw)
    assert m.sanitized  # type: ignore[attr-defined]
    assert m.sender == Address("Eve", "e@x") and m.subject == "hi ab"  # type: ignore[attr-defined]


def test_limits_add_notes() -> None:
    parts = b"".join(b"--b\r\nContent-Type: application/x-y\r\n\r\nd\r\n" for _ in range(10))
    raw = b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + parts + b"--b--\r\n"
    m = parse(raw, limits=Limits(max_parts=5))
    assert any("parts not shown: more than 5 parts" in n for n in m.notes)  # type: ignore[attr-defined]
    long = parse(b"\r\n" + b"x" * 100, limits=Limits(max_text_chars=10))
    assert long.text == "x" * 10 and any("cut" in n for n in long.notes)  # type: ignore[attr-defined]


def test_auth_verdict_is_attached() -> None:
    from agentmail.mime.authres import TrustAnchors

    raw = (
        b"Authentication-Results: mx.example.org; dkim=pass; spf=pass\r\n"
        b"Received: from a (a [192.0.2.1]) by mx.example.org (Postfix) with ESMTP id Q\r\nFrom: a@b\r\n\r\nx"
    )
    m = parse(raw, trust=TrustAnchors("mx.example.org", "mx.example.org"))
    assert m.auth is not None and m.auth.trusted and m.auth.dkim == "pass"  # type: ignore[attr-defined]


STRUCTURE = (
    (
        (b"TEXT", b"PLAIN", (b"CHARSET", b"UTF-8"), None, None, b"QUOTED-PRINTABLE", 20, 2, None, None, None, None),
        (b"TEXT", b"HTML", (b"CHARSET", b"UTF-8"), None, None, b"7BIT", 40, 2),
        b"ALTERNATIVE",
        (b"BOUNDARY", b"x"),
        None,
        None,
    ),
    (
        b"APPLICATION",
        b"PDF",
        (b"NAME", b"x.pdf"),
        None,
        None,
        b"BASE64",
        1000,
        None,
        (b"attachment", (b"FILENAME*", b"utf-8''r%C3%A9.pdf")),
        None,
    ),
    (
        b"MESSAGE",
        b"RFC822",
        None,
        None,
        None,
        b"7BIT",
        300,
        (b"Sun, 2 Jun 2024 10:00:00 +0000", b"inner", ((b"Alice", None, b"a", b"x.org"),), None, None, None, None),
        (b"TEXT", b"PLAIN", (b"CHARSET", b"US-ASCII"), None, None, b"7BIT", 10, 1),
        5,
    ),
    b"MIXED",
    (b"BOUNDARY", b"y"),
    None,
)


def test_structure_parts_raw_and_bodydata() -> None:
    for form in (STRUCTURE, BodyData.create(STRUCTURE)):
        infos = structure_parts(form)
        assert [i.part_id for i in infos] == ["1.1", "1.2", "2", "3", "3.1"]
        assert infos[2].filename == "ré.pdf" and infos[2].disposition == "attachment"
        assert infos[0].container == "alternative" and infos[0].param("charset") == "UTF-8"
        assert text_parts_to_fetch(form) == ["1.1", "3.1"]


def test_structure_of_single_part_and_garbage() -> None:
    single = (b"TEXT", b"PLAIN", (b"CHARSET", b"UTF-8"), None, None, b"7BIT", 5, 1)
    assert [i.part_id for i in structure_parts(single)] == ["1"]
    assert text_parts_to_fetch(single) == ["1"]
    for weird in (None, (), (None,), ((),), (b"TEXT",), ((None, 3), b"MIXED"), (1, 2, 3), ([], b"X")):
        structure_parts(weird)
        text_parts_to_fetch(weird)


ALTERNATIVE = b"""From: a@example.com\r
Subject: alt\r
MIME-Version: 1.0\r
Content-Type: multipart/alternative; boundary="a"\r
\r
--a\r
Content-Type: text/plain\r
\r
plain\r
--a\r
Content-Type: text/html\r
\r
<p>plain</p>\r
--a\r
Content-Type: text/calendar\r
\r
BEGIN:VCALENDAR\r
--a\r
Content-Type: text/html\r
Content-Disposition: attachment; filename=page.html\r
\r
<p>a file</p>\r
--a--\r
"""


def test_html_alternative_is_not_an_attachment() -> None:
    """Observed in issue 15: "[2] part 2 (text/html, 152B)"; the other alternatives that are files stay listed."""
    m = parse(ALTERNATIVE)
    assert m.text.startswith("plain") and m.html == "<p>plain</p>"  # type: ignore[attr-defined]
    assert [(p.part_id, p.content_type) for p in m.attachments] == [  # type: ignore[attr-defined]
        ("3", "text/calendar"),
        ("4", "text/html"),
    ]


def test_message_from_parts_reads_only_fetched_text() -> None:
    m = message_from_parts(
        b"From: A <a@example.com>\r\nSubject: big one\r\nDate: Mon, 3 Jun 2024 10:00:00 +0000\r\n\r\n",
        {"1.1": b"Caf=C3=A9 =\r\nok", "3.1": b"inner text"},
        STRUCTURE,
        uid=9,
        folder="INBOX",
        uidvalidity=1,
        size=50_000_000,
    )
    assert m.subject == "big one" and m.size == 50_000_000
    assert m.text.startswith("Café ok") and "inner text" in m.text and "From: Alice <a@x.org>" in m.text
    assert [p.part_id for p in m.attachments] == ["2", "3"]  # 1.2, the HTML alternative, is the body again
    missing = message_from_parts(b"", {}, STRUCTURE, uid=9, folder="INBOX", uidvalidity=1)
    assert any("was not fetched" in n for n in missing.notes)


def test_parse_summary() -> None:
    s = parse_summary(
        3,
        flags=(b"\\Flagged",),
        size=1234,
        received=None,
        header_bytes=b"From: =?utf-8?q?J=C3=B6rg?= <j@x>\r\nSubject: Hi\x1b]0;t\x07\r\nMessage-ID: <s@x>\r\n\r\n",
        bodystructure=STRUCTURE,
        preview="  hello\r\n\x1b[2J   world " + "x" * 300,
    )
    assert s.sender == Address("Jörg", "j@x") and s.has_attachments and s.sanitized and s.is_unread
    assert s.snippet.startswith("hello world") and len(s.snippet) == 200
    assert s.message_id == "<s@x>"
    bare = parse_summary(4, flags=(), size=0, received=None, header_bytes=b"")
    assert bare.subject == "" and not bare.has_attachments


def test_escape_sequences_in_a_from_header_do_not_hide_the_address() -> None:
    from agentmail.mime.headers import parse_addresses

    (address,) = parse_addresses("\x1b]0;pwned\x07 Evil \x1b[31m <evil@example.com>")
    assert address.email == "evil@example.com" and "\x1b" not in address.name
