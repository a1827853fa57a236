"""Header values to text: RFC 2047 words, undeclared 8-bit, addresses, dates, msg-ids; never raises."""

from __future__ import annotations

import base64
import binascii
import email.utils
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from agentmail.mime import vocab
from agentmail.mime.charset import decode_bytes
from agentmail.mime.sanitize import clean_line, needs_cleaning, scrub, strip_invisible
from agentmail.model import Address

if TYPE_CHECKING:
    from agentmail.model import Header

# RFC 2047 encoded-word, with the RFC 2231 language suffix (=?utf-8*en?Q?...?=) allowed.
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([qQbB])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"[ \t\r\n]+")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_STRAY_BREAK = re.compile(r"[\r\n]+")
_MSG_ID = re.compile(r"<[^<>\s\x00-\x1f\x7f]{1,996}>")
_ADDR_SPEC = re.compile(r"[^\s<>,;:\"()\[\]]+@[^\s<>,;:\"()\[\]]+")
#: One mailbox in the plainest form, ``Atom Atom <local@domain>`` or a bare ``local@domain``, which
#: email.utils.getaddresses returns unchanged (a name of atoms joined by single spaces, a dot-atom address):
#: matched in C instead of its Python parser.  Anything else (quotes, comments, groups, lists) goes the long way.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATEXT}(?:\.{_ATEXT})*"
_PLAIN_MAILBOX = re.compile(rf"(?:({_ATEXT}(?: {_ATEXT})*) <({_DOT_ATOM}@{_DOT_ATOM})>|()({_DOT_ATOM}@{_DOT_ATOM}))")
MAX_REFERENCES = 50
MAX_DECLARED_CHARS = 998  # RFC 5322's line limit: longer id headers are cut


def _has_escaped_byte(text: str) -> bool:
    """Whether text holds a byte the email package kept as a surrogate escape (U+DC80-U+DCFF: undeclared 8-bit).

    UTF-8 encodes every code point but a surrogate, so the check runs in C and only text with a surrogate is
    read char by char (the pattern ``[\udc80-\udcff]`` cost re half a million instructions to compile at start-up).
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return any("\udc80" <= char <= "\udcff" for char in text)
    return False


def _bytes_to_text(data: bytes) -> str:
    """Undeclared 8-bit header bytes: UTF-8 if it fits, else windows-1252."""
    return decode_bytes(data, None)[0]


def raw_to_text(raw: str | bytes) -> str:
    """Turn raw header input into text, undoing the email package's surrogateescape of 8-bit bytes."""
    if isinstance(raw, bytes):
        return raw.decode("ascii") if raw.isascii() else _bytes_to_text(raw)  # ASCII: what decode_bytes gives
    if not isinstance(raw, str):
        return str(raw)
    if not raw.isascii() and _has_escaped_byte(raw):
        try:
            return _bytes_to_text(raw.encode("utf-8", "surrogateescape"))
        except UnicodeEncodeError:
            return scrub(raw)
    return raw


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    """The bytes of one encoded word, or None when it is not decodable."""
    try:
        if encoding in "bB":
            cleaned = re.sub(r"[^A-Za-z0-9+/]", "", payload)
            if payload and not cleaned:
                return None
            if len(cleaned) % 4 == 1:
                cleaned = cleaned[:-1]
            return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
        return binascii.a2b_qp(payload.encode("ascii", "replace"), header=True)
    except (binascii.Error, ValueError):
        return None


def decode_header_value(raw: str | bytes) -> str:
    """Decode an unfolded or folded header value to text (RFC 2047, unknown charsets, 8-bit)."""
    text = raw_to_text(raw)
    if "\r" in text or "\n" in text:
        text = _STRAY_BREAK.sub(" ", _FOLD.sub("", text))
    if "=?" not in text:
        return scrub(text)
    out: list[str] = []
    pending: list[bytes] = []
    pending_charset = ""
    pos = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            out.append(decode_bytes(b"".join(pending), pending_charset)[0])
        pending, pending_charset = [], ""

    for match in _ENCODED_WORD.finditer(text):
        gap = text[pos : match.start()]
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:
            continue
        charset = match.group(1).lower()
        # RFC 2047 6.2: whitespace between adjacent encoded words is not shown; a character
        # split across two words of the same charset is joined before decoding.
        if (gap and not _BETWEEN_WORDS.fullmatch(gap)) or not pending:
            flush()
            out.append(gap)
        elif charset != pending_charset:
            flush()
        pending.append(data)
        pending_charset = charset
        pos = match.end()
    flush()
    out.append(text[pos:])
    return scrub("".join(out))


def parse_addresses(raw: str | bytes | None) -> tuple[Address, ...]:
    """Mailboxes from an address header; names decoded after splitting (a comma inside =?..?= stays)."""
    if raw is None:
        return ()
    # Escape sequences go before splitting: their bytes (";", "<") would otherwise split or end addresses.
    text = clean_line(_STRAY_BREAK.sub(" ", _FOLD.sub("", raw_to_text(raw))))
    plain = _PLAIN_MAILBOX.fullmatch(text)
    try:
        pairs = [_plain_pair(plain)] if plain else email.utils.getaddresses([text])
    except Exception:  # the stdlib parser has raised on hostile input before; fall back below
        pairs = [("", found) for found in _ADDR_SPEC.findall(text)]
    result: list[Address] = []
    for name, addr in pairs:
        email_addr = clean_line(addr)
        if not email_addr or email_addr in ("<>",):
            continue
        display = clean_line(decode_header_value(name))
        result.append(Address(display, email_addr))
    return tuple(result)


def _plain_pair(match: re.Match[str]) -> tuple[str, str]:
    name, addr, bare_name, bare_addr = match.groups()
    return (name, addr) if addr is not None else (bare_name, bare_addr)


def parse_date(raw: str | bytes | None) -> datetime | None:
    """A timezone-aware datetime from a Date header; malformed or absurd dates give None."""
    if raw is None:
        return None
    return _date_from_text(decode_header_value(raw))


def _date_from_text(decoded: str) -> datetime | None:
    text = decoded.strip()
    if not text:
        return None
    try:
        value = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # RFC 5322 "-0000": the zone is unknown; UTC is the honest guess
    return value


def parse_msg_ids(raw: str | bytes | None) -> tuple[str, ...]:
    """The ``<id>`` tokens of a Message-ID/In-Reply-To/References header; anything else is dropped."""
    if raw is None:
        return ()
    return tuple(_MSG_ID.findall(_FOLD.sub("", raw_to_text(raw))))


@dataclass(frozen=True, slots=True)
class Envelope:
    """The header facts a Summary or Message shows, decoded once."""

    headers: tuple[Header, ...] = ()
    sender: Address | None = None
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    reply_to: tuple[Address, ...] = ()
    subject: str = ""
    date: datetime | None = None
    message_id: str = ""  # strictly valid ids only (mime.vocab); the sender's text is in declared_*
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    declared_message_id: str = ""
    declared_in_reply_to: str = ""
    declared_references: tuple[str, ...] = ()
    content_type: str = ""
    sanitized: bool = False
    notes: tuple[str, ...] = ()

    def model_fields(self, names: Iterable[str]) -> dict[str, Any]:
        """The named fields, for the Summary or Message built from this envelope (they share the names)."""
        return {name: getattr(self, name) for name in names}


#: What an index row (model.Summary) copies from the envelope.
SUMMARY_FIELDS = (
    "date", "message_id", "in_reply_to", "declared_message_id", "declared_in_reply_to", "sanitized", "sender", "to",
    "cc", "subject",
)  # fmt: skip
#: What a message read whole (model.Message) copies from the envelope.
MESSAGE_FIELDS = (*SUMMARY_FIELDS, "references", "declared_references", "reply_to", "headers")


def _first(values: dict[str, list[str]], name: str) -> str | None:
    found = values.get(name)
    return found[0] if found else None


def _declared(block: _Block, name: str) -> str:
    """A header value as the sender wrote it, decoded and cleaned to one bounded line."""
    return clean_line(block.decoded[name][0])[:MAX_DECLARED_CHARS] if _first(block.values, name) else ""


def _all_addresses(values: dict[str, list[str]], name: str) -> tuple[Address, ...]:
    return tuple(a for raw in values.get(name, []) for a in parse_addresses(raw))


def read_envelope(
    raw_items: Iterable[tuple[str, str | bytes]], *, max_header_bytes: int = 256 * 1024, headers: bool = True
) -> Envelope:
    """Decode raw ``(name, value)`` header pairs into an Envelope; a huge header block is cut with a note.

    Without ``headers`` the envelope's ``headers`` stay empty: an index row (SUMMARY_FIELDS) shows none of them.
    """
    block = _read_block(raw_items, max_header_bytes, headers)
    values = block.values
    senders = parse_addresses(_first(values, "from")) or parse_addresses(_first(values, "sender"))
    decoded = block.decoded
    references = _references(values)
    message_id = next(iter(parse_msg_ids(_first(values, "message-id"))), "")
    in_reply_to = next(iter(parse_msg_ids(_first(values, "in-reply-to"))), "")
    return Envelope(
        headers=tuple(block.headers),
        sender=senders[0] if senders else None,
        to=_all_addresses(values, "to"),
        cc=_all_addresses(values, "cc"),
        reply_to=_all_addresses(values, "reply-to"),
        subject=clean_line(decoded["subject"][0]) if "subject" in decoded else "",
        date=_date_from_text(decoded["date"][0]) if "date" in decoded else None,
        message_id=vocab.msg_id(message_id) or "",
        in_reply_to=vocab.msg_id(in_reply_to) or "",
        references=vocab.msg_ids(references),
        declared_message_id=_declared(block, "message-id"),
        declared_in_reply_to=_declared(block, "in-reply-to"),
        declared_references=tuple(clean_line(r) for r in references),
        content_type=decoded["content-type"][0].strip().lower() if "content-type" in decoded else "",
        sanitized=block.sanitized,
        notes=tuple(_block_notes(block, max_header_bytes)),
    )


class _Block:
    """A header block read once: each header decoded for display, and the raw and decoded values by lower-cased name."""

    __slots__ = ("cut", "decoded", "headers", "sanitized", "values")

    def __init__(
        self,
        headers: list[Header],
        values: dict[str, list[str]],
        decoded: dict[str, list[str]],
        cut: int,
        sanitized: bool,
    ) -> None:
        self.headers = headers
        self.values = values
        self.decoded = decoded  # decode_header_value of each value, decoded once
        self.cut = cut  # headers past the size cap, left out
        self.sanitized = sanitized  # a decoded value carried control, bidi or zero-width characters


def _read_block(raw_items: Iterable[tuple[str, str | bytes]], max_header_bytes: int, keep: bool) -> _Block:
    if keep:
        from agentmail.model_more import Header  # lazily: a listing keeps no header list (see read_envelope)
    headers: list[Header] = []
    values: dict[str, list[str]] = {}
    decoded_values: dict[str, list[str]] = {}
    used = 0
    cut = 0
    sanitized = False
    for raw_name, raw_value in raw_items:
        name = strip_invisible(raw_to_text(raw_name)).strip()
        value_text = raw_to_text(raw_value)
        used += len(name) + len(value_text) + 2
        if used > max_header_bytes:
            cut += 1
            continue
        values.setdefault(name.lower(), []).append(value_text)
        decoded = decode_header_value(value_text)
        decoded_values.setdefault(name.lower(), []).append(decoded)
        sanitized = sanitized or needs_cleaning(decoded.replace("\t", " "))
        if keep:
            headers.append(Header(name, clean_line(decoded)))
    return _Block(headers, values, decoded_values, cut, sanitized)


def _block_notes(block: _Block, max_header_bytes: int) -> list[str]:
    """Our sentences about the block: headers cut for size, and repeated headers of which only the first shows."""
    notes = []
    if block.cut:
        notes.append(f"{block.cut} headers not shown: the header block is larger than {max_header_bytes // 1024} KiB")
    notes.extend(
        f"the message has {len(block.values[dup])} {dup.capitalize()} headers; the first is shown"
        for dup in ("from", "subject", "date")
        if len(block.values.get(dup, [])) > 1
    )
    return notes


def _references(values: dict[str, list[str]]) -> tuple[str, ...]:
    """The References ids, long chains cut to the thread root and the most recent ancestors."""
    references = parse_msg_ids(" ".join(values.get("references", [])))
    if len(references) > MAX_REFERENCES:
        references = references[:1] + references[-(MAX_REFERENCES - 1) :]
    return references


def envelope_from_bytes(header_bytes: bytes, *, max_header_bytes: int = 256 * 1024, headers: bool = True) -> Envelope:
    """Decode a raw header block (as ``BODY.PEEK[HEADER...]`` returns it); never raises.  ``headers`` as for
    :func:`read_envelope`."""
    return read_envelope(header_items(header_bytes), max_header_bytes=max_header_bytes, headers=headers)


#: What the email package (compat32) takes for a line of the header block: a field name and its colon, an mbox
#: ``From`` line or a continuation.  The first other line (the blank separator, or body text) ends the block.
_HEADER_LINE = re.compile(r"From |[\041-\071\073-\176]*:|[\t ]")
#: A line and its ending, cut where the email package cuts (CR LF, CR or LF; not str.splitlines' other breaks).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def header_items(header_bytes: bytes) -> list[tuple[str, str]]:
    """The raw ``(name, value)`` pairs of a header block, exactly as the email package's
    ``BytesParser().parsebytes(data, headersonly=True).raw_items()`` gives them (tests/unit compare the two).

    Its feed parser, message class and policy machinery cost a listing's start-up about 2 ms and each of its
    rows a fifth of its time, only to split lines at colons; a whole message is still parsed by the package.
    Lines that parser drops are dropped here too: a continuation with no field before it, ``From`` lines,
    and lines that start with a colon.
    """
    text = header_bytes.decode("ascii", "surrogateescape")
    items: list[tuple[str, str]] = []
    field: list[str] = []  # the lines of the field being read: its first line, then continuations
    for line in _LINE.findall(text):
        if not _HEADER_LINE.match(line):
            break
        if line[0] in " \t":
            if field:
                field.append(line)
            continue
        if field:
            items.append(_item(field))
            field = []
        if not line.startswith("From ") and not line.startswith(":"):
            field = [line]
    if field:
        items.append(_item(field))
    return items


def _item(lines: list[str]) -> tuple[str, str]:
    """One field as compat32's ``header_source_parse`` makes it: the name, and the value with its folds."""
    name, value = lines[0].split(":", 1)
    return name, (value.lstrip(" \t") + "".join(lines[1:])).rstrip("\r\n")
