"""Raw message bytes (or a header block plus BODYSTRUCTURE) to model values; nothing escapes.

The tree is parsed with the ``compat32`` policy: it never interprets header values, so
hostile headers cannot raise from the header registry the way ``policy.default`` can.
Header values are decoded by :mod:`agentmail.mime.headers` instead.  The model keeps
decoded text (front ends call :mod:`sanitize`); NUL, unpaired surrogates, bidi and
zero-width characters are already gone from subjects, names and filenames.
"""

from __future__ import annotations

import dataclasses
import email.utils
import functools
from collections.abc import Sequence
from email.message import Message as EmailMessage
from email.parser import BytesParser
from typing import TYPE_CHECKING, Any

from agentmail.mime.assemble import Fetch, assemble_message, bare_message, message_facts
from agentmail.mime.charset import decode_bytes
from agentmail.mime.headers import (
    Envelope,
    decode_header_value,
    envelope_from_bytes,
    parse_addresses,
    parse_date,
    parse_msg_ids,
    raw_to_text,
    read_envelope,
)
from agentmail.mime.layout import Plan, plan_body
from agentmail.mime.sanitize import clean_line, strip_invisible
from agentmail.mime.structure import PartInfo, message_from_parts, structure_parts, text_parts_to_fetch
from agentmail.mime.summary import parse_summary
from agentmail.mime.tree import DEFAULT_LIMITS, Limits, Node, child_id

if TYPE_CHECKING:
    from agentmail.model import Message, MessageFacts, TrustAnchors

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "PartInfo",
    "decode_header_value",
    "message_from_parts",
    "parse_addresses",
    "parse_date",
    "parse_message",
    "parse_msg_ids",
    "parse_summary",
    "structure_parts",
    "text_parts_to_fetch",
]

_DEFECT_NOTES = {
    "NoBoundaryInMultipartDefect": "a multipart part has no boundary parameter; its content is shown as text",
    "StartBoundaryNotFoundDefect": "a multipart boundary was never found; its content is shown as text",
    "CloseBoundaryNotFoundDefect": "the message ends before its closing MIME boundary; it may be truncated",
    "MultipartInvariantViolationDefect": "the MIME structure is inconsistent",
    "MissingHeaderBodySeparatorDefect": "a malformed header line ended the header block early",
    "FirstHeaderLineIsContinuationDefect": "the header block starts with a continuation line",
    "InvalidBase64PaddingDefect": "a base64 part was damaged or truncated; decoded what could be",
    "InvalidBase64CharactersDefect": "a base64 part contained invalid characters; they were skipped",
    "InvalidBase64LengthDefect": "a base64 part was damaged or truncated; decoded what could be",
}


class _TreeBuilder:
    """Builds the Node tree for a parsed message and keeps each leaf's payload."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.payloads: dict[str, tuple[bytes, str]] = {}
        self.notes: list[str] = []
        self.count = 0

    def body(self, msg: EmailMessage, prefix: str, depth: int) -> Node:
        """The body of a (possibly encapsulated) message: a multipart node or a single leaf."""
        if msg.get_content_maintype() == "multipart" and msg.is_multipart():
            return self.entity(msg, prefix, depth)
        return self.entity(msg, child_id(prefix, 1), depth)

    def entity(self, part: EmailMessage, part_id: str, depth: int) -> Node:
        self.count += 1
        node = Node(part_id, part.get_content_type(), **_describe(part))
        if depth > self.limits.max_depth or self.count > self.limits.max_parts * 4:
            return node
        if node.maintype == "multipart" and part.is_multipart():
            payload = part.get_payload()
            node.children = [self.entity(c, child_id(part_id, i), depth + 1) for i, c in enumerate(payload, 1)]
        elif node.is_message and (inner := _inner_message(part)) is not None:
            node.children = [self.body(inner, part_id, depth + 1)]
            node.forward_headers = _forward_headers(read_envelope(inner.raw_items()))
            node.size = _serialised_size(inner)
        else:
            data, note = _leaf_bytes(part)
            if note:
                self.notes.append(f"part {part_id}: {note}")
            node.size = len(data)
            self.payloads[part_id] = (data, note or "")
        self._collect_defects(part)
        return node

    def _collect_defects(self, part: EmailMessage) -> None:
        for defect in getattr(part, "defects", ()):
            note = _DEFECT_NOTES.get(type(defect).__name__)
            if note and note not in self.notes:
                self.notes.append(note)

    def fetch(self, node: Node) -> bytes | None:
        found = self.payloads.get(node.part_id)
        return found[0] if found else None


def _inner_message(part: EmailMessage) -> EmailMessage | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], EmailMessage):
        return payload[0]
    return None


def _describe(part: EmailMessage) -> dict[str, Any]:
    """Parameters, disposition, filename, Content-ID and encoding of one entity, decoded."""
    params: dict[str, str] = {}
    for key, value in (part.get_params(failobj=[]) or [])[1:]:
        text = email.utils.collapse_rfc2231_value(value) if isinstance(value, tuple) else value
        params[str(key).strip().lower()] = raw_to_text(str(text)).strip()
    try:
        raw_name = part.get_filename() or ""
    except (ValueError, LookupError, TypeError, UnicodeError):
        raw_name = ""
    filename = raw_to_text(raw_name)
    if "=?" in filename:
        filename = decode_header_value(filename)
    disposition = (part.get_content_disposition() or "").lower()
    return {
        "params": params,
        "disposition": disposition if disposition in ("attachment", "inline") else "",
        "filename": clean_line(filename),
        "content_id": strip_invisible(decode_header_value(part.get("Content-ID", "") or "")).strip().strip("<>"),
        "encoding": raw_to_text(part.get("Content-Transfer-Encoding", "") or "").strip().lower(),
    }


def _leaf_bytes(part: EmailMessage) -> tuple[bytes, str | None]:
    """A leaf's content with its transfer encoding undone (damage is recorded in ``part.defects``)."""
    payload = part.get_payload()
    if isinstance(payload, list):  # message/delivery-status and friends: blocks of headers
        return b"\n".join(_as_bytes(p) for p in payload), None
    data = part.get_payload(decode=True)
    return (data if isinstance(data, bytes) else b""), None


def _as_bytes(msg: Any) -> bytes:
    try:
        return msg.as_bytes() if isinstance(msg, EmailMessage) else str(msg).encode("utf-8", "replace")
    except (ValueError, LookupError, TypeError, UnicodeError):
        return b""


def _serialised_size(msg: EmailMessage) -> int:
    return len(_as_bytes(msg))


def _forward_headers(envelope: Envelope) -> tuple[tuple[str, str], ...]:
    """What the "Forwarded message" separator shows for an attached message."""

    def names(addresses: Sequence[Any]) -> str:
        return ", ".join(a.formatted() for a in addresses)

    return (
        ("From", envelope.sender.formatted() if envelope.sender else ""),
        ("Date", envelope.date.strftime("%a, %d %b %Y %H:%M %z") if envelope.date else ""),
        ("Subject", envelope.subject),
        ("To", names(envelope.to)),
        ("Cc", names(envelope.cc)),
    )


def parse_message(
    raw: bytes,
    facts: MessageFacts | None = None,
    *,
    trust: TrustAnchors | None = None,
    limits: Limits = DEFAULT_LIMITS,
    **fields: Any,
) -> Message:
    """Decode a whole message; damage and limits become ``notes``, never exceptions.

    ``facts`` are the server's facts about it; without them, ``fields`` (``uid=``, ``folder=``, ...) build them.
    """
    from agentmail.mime.signature import body_of  # lazily: a listing never reads a whole message

    facts = message_facts(facts, fields)
    if facts.size is None:
        facts = dataclasses.replace(facts, size=len(raw))
    assemble = functools.partial(assemble_message, facts=facts, limits=limits, trust=trust, signed_body=body_of(raw))
    try:
        msg = BytesParser().parsebytes(raw)  # compat32 is BytesParser's documented default
        envelope = read_envelope(msg.raw_items(), max_header_bytes=limits.max_header_bytes)
        builder = _TreeBuilder(limits)
        root = builder.body(msg, "", 0)
        return assemble(envelope, plan_body(root, limits), builder.fetch, extra_notes=builder.notes)
    except (RecursionError, MemoryError) as exc:
        reason = f"the MIME structure could not be parsed ({type(exc).__name__})"
    except Exception as exc:  # the promise: a hostile message never breaks reading
        reason = f"the message could not be decoded ({type(exc).__name__})"
    try:
        return assemble(*_as_raw_text(raw, reason, limits))
    except Exception:  # last resort: the bare facts and the reason
        return bare_message(facts, reason)


def _as_raw_text(raw: bytes, reason: str, limits: Limits) -> tuple[Envelope, Plan, Fetch]:
    """The headers we can read and the body as text, for when the MIME tree cannot be used."""
    head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    envelope = envelope_from_bytes(head + b"\n\n", max_header_bytes=limits.max_header_bytes)
    text, _ = decode_bytes(body[: limits.max_text_chars], None)
    plan = plan_body(Node("1", "text/plain"), limits)
    plan.notes.append(reason + "; the body is shown as raw text")
    return envelope, plan, lambda _node: text.encode("utf-8")
