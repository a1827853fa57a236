"""Hypothesis: no generated header, body or MIME tree makes parsing raise or output unsafe."""

from __future__ import annotations

import base64
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentmail.mime.headers import decode_header_value
from agentmail.mime.parse import parse_addresses, parse_date, parse_message, parse_summary, structure_parts
from agentmail.mime.sanitize import clean_line, clean_text, is_terminal_safe
from agentmail.model import to_json

HOSTILE_CHARS = st.sampled_from(
    [
        "\x1b",
        "\x1b[2J",
        "\x1b]0;t\x07",
        "\x9b",
        "\x00",
        "\r",
        "\n",
        "\t",
        "\u202e",
        "\u2066",
        "\u200b",
        "\ufeff",
        "\U000e0041",
        "é",
        "日",
        "😀",
        "=?",
        "?=",
        "<",
        ">",
        ",",
        ";",
        '"',
        "@",
        "\\",
        "(",
        ")",
        ":",
        " ",
    ]
)
HOSTILE_TEXT = st.lists(st.one_of(HOSTILE_CHARS, st.text(max_size=5)), max_size=20).map("".join)
CHARSETS = st.sampled_from(["utf-8", "iso-8859-1", "windows-1252", "x-bogus", "utf-16", "shift_jis", "base64", ""])


@st.composite
def encoded_words(draw: st.DrawFn) -> str:
    text = draw(HOSTILE_TEXT)
    charset = draw(CHARSETS)
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        return f"=?{charset}?b?{base64.b64encode(data).decode()}?="
    return f"=?{charset}?q?{''.join(f'={b:02X}' for b in data)}?="


HEADER_VALUES = st.lists(st.one_of(encoded_words(), HOSTILE_TEXT), max_size=4).map(" ".join)


def _assert_json_safe(message: object) -> None:
    json.dumps(to_json(message), ensure_ascii=False).encode("utf-8")


@given(HEADER_VALUES)
def test_header_helpers_never_raise(value: str) -> None:
    decoded = decode_header_value(value)
    assert is_terminal_safe(clean_line(decoded))
    for address in parse_addresses(value):
        assert "\u202e" not in address.name and "\x00" not in address.email
    parse_date(value)


@st.composite
def mime_tree(draw: st.DrawFn, depth: int = 0) -> bytes:
    kind = draw(st.sampled_from(["text", "html", "binary", "multipart", "rfc822", "broken"] if depth < 4 else ["text"]))
    charset = draw(CHARSETS)
    cte = draw(st.sampled_from(["", "base64", "quoted-printable", "8bit", "x-weird"]))
    body = draw(HOSTILE_TEXT).encode("utf-8", "surrogatepass")
    if cte == "base64" and draw(st.booleans()):
        body = base64.encodebytes(body)
    head = f"Content-Transfer-Encoding: {cte}\r\n".encode() if cte else b""
    name = draw(HEADER_VALUES).encode("utf-8", "surrogatepass")
    if kind == "text":
        return b"Content-Type: text/plain; charset=" + charset.encode() + b"; format=flowed\r\n" + head + b"\r\n" + body
    if kind == "html":
        return b"Content-Type: text/html; charset=" + charset.encode() + b"\r\n" + head + b"\r\n<p>" + body + b"</p>"
    if kind == "binary":
        return (
            b'Content-Type: application/x-y\r\nContent-Disposition: attachment; filename="'
            + name
            + b'"\r\n'
            + head
            + b"\r\n"
            + body
        )
    if kind == "rfc822":
        return b"Content-Type: message/rfc822\r\n\r\nSubject: " + name + b"\r\n" + draw(mime_tree(depth + 1))
    if kind == "broken":
        return b"Content-Type: multipart/mixed\r\n\r\n--x\r\n" + body
    subtype = draw(st.sampled_from([b"mixed", b"alternative", b"related", b"signed", b"encrypted", b"weird"]))
    children = draw(st.lists(mime_tree(depth + 1), min_size=0, max_size=3))
    boundary = b"b%d" % depth
    parts = b"".join(b"--" + boundary + b"\r\n" + child + b"\r\n" for child in children)
    closing = b"--" + boundary + b"--\r\n" if draw(st.booleans()) else b""
    return b"Content-Type: multipart/" + subtype + b'; boundary="' + boundary + b'"\r\n\r\n' + parts + closing


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    headers = b"".join(
        name + b": " + draw(HEADER_VALUES).encode("utf-8", "surrogatepass") + b"\r\n"
        for name in draw(
            st.lists(
                st.sampled_from(
                    [b"From", b"To", b"Cc", b"Subject", b"Date", b"Message-ID", b"References", b"Reply-To", b"X-Junk"]
                ),
                max_size=8,
            )
        )
    )
    return headers + draw(mime_tree())


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(messages())
def test_parse_message_never_raises_and_renders_safely(raw: bytes) -> None:
    message = parse_message(raw, uid=1, folder="INBOX", uidvalidity=1)
    assert is_terminal_safe(clean_text(message.text))
    assert is_terminal_safe(clean_line(message.subject))
    for part in message.attachments:
        assert is_terminal_safe(clean_line(part.filename))
    _assert_json_safe(message)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_parse_message_survives_random_bytes(raw: bytes) -> None:
    _assert_json_safe(parse_message(raw, uid=1, folder="INBOX", uidvalidity=1))


ATOMS = st.one_of(
    st.none(),
    st.integers(-5, 10**6),
    st.binary(max_size=8),
    st.sampled_from(
        [b"TEXT", b"PLAIN", b"HTML", b"MESSAGE", b"RFC822", b"MULTIPART", b"MIXED", b"attachment", b"BASE64"]
    ),
)
STRUCTURES = st.recursive(ATOMS, lambda inner: st.lists(inner, max_size=12).map(tuple), max_leaves=40)


@settings(max_examples=200, deadline=None)
@given(STRUCTURES, st.binary(max_size=300), st.text(max_size=50))
def test_parse_summary_never_raises(structure: object, header_bytes: bytes, preview: str) -> None:
    summary = parse_summary(
        1,
        flags=(b"\\Seen",),
        size=1,
        received=None,
        header_bytes=header_bytes,
        bodystructure=structure,
        preview=preview,
    )
    assert is_terminal_safe(summary.snippet)
    structure_parts(structure)
    _assert_json_safe(summary)
