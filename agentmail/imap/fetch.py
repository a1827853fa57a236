"""Reading messages: small ones whole, large ones structure first and only the parts needed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentmail.errors import LimitError, NotFoundError
from agentmail.imap.listing import section_bytes
from agentmail.imap.session import FolderState, ImapSession
from agentmail.mime import parse as mime_parse
from agentmail.mime.charset import decode_transfer
from agentmail.mime.tree import make_part

if TYPE_CHECKING:
    from agentmail.model import Message, Part, TrustAnchors

#: Messages up to this size are fetched whole; larger ones by BODYSTRUCTURE and sections (RFC 3501 BODY[n]).
WHOLE_FETCH_LIMIT = 1024 * 1024
#: At most this much of one text part is fetched (a partial fetch, BODY.PEEK[n]<0.N>).
TEXT_PART_LIMIT = 4 * 1024 * 1024
#: A large message's whole body is fetched to check agentmail's signature only up to this size (larger: unverified).
SIGNED_BODY_LIMIT = 32 * 1024 * 1024


def fetch_message(
    session: ImapSession,
    state: FolderState,
    uid: int,
    *,
    trust: TrustAnchors | None = None,
    headers_only: bool = False,
) -> Message:
    """Decode one message without setting \\Seen (BODY.PEEK); the caller marks it read."""
    from agentmail.model import MessageFacts  # lazily: model_more is for reading, not listing

    meta = session.call(lambda c: c.fetch([uid], ["FLAGS", "RFC822.SIZE", "INTERNALDATE", "BODYSTRUCTURE"]))
    if uid not in meta:
        raise NotFoundError(f"no message with uid {uid} in {state.name!r}", details={"folder": state.name, "uid": uid})
    info = meta[uid]
    size = int(info.get(b"RFC822.SIZE", 0) or 0)
    flags = tuple(info.get(b"FLAGS", ()))  # decoded once, by model.flag_names, when the Message is built
    facts = MessageFacts(uid, state.name, state.uidvalidity, flags, size, info.get(b"INTERNALDATE"))
    structure = info.get(b"BODYSTRUCTURE")
    if size <= WHOLE_FETCH_LIMIT and not headers_only:
        raw = fetch_raw(session, state, uid)
        return mime_parse.parse_message(raw, facts, trust=trust)
    sections = [] if headers_only else mime_parse.text_parts_to_fetch(structure)
    wanted = ["BODY.PEEK[HEADER]", *(f"BODY.PEEK[{s}]<0.{TEXT_PART_LIMIT}>" for s in sections)]
    data = session.call(lambda c: c.fetch([uid], wanted)).get(uid, {})
    header = data.get(b"BODY[HEADER]", b"") or b""
    parts = {s: section_bytes(data, s) for s in sections}
    verify = trust is not None and trust.signing_key and not headers_only and size <= SIGNED_BODY_LIMIT
    body = _signed_body(session, uid, header) if verify else None
    return mime_parse.message_from_parts(header, parts, structure, facts, trust=trust, body=body)


def _signed_body(session: ImapSession, uid: int, header: bytes) -> bytes | None:
    """The whole body of a large message, fetched only when it carries agentmail's signature (to verify it)."""
    from agentmail.mime import signature  # lazily: hashlib and hmac are for reading, not listing

    if signature.HEADER.lower().encode() + b":" not in header.lower():
        return None
    data = session.call(lambda c: c.fetch([uid], ["BODY.PEEK[TEXT]"])).get(uid, {})
    body = data.get(b"BODY[TEXT]")
    return body if isinstance(body, bytes) else None


def fetch_raw(session: ImapSession, state: FolderState, uid: int) -> bytes:
    """The message source exactly as stored."""
    data = session.call(lambda c: c.fetch([uid], ["BODY.PEEK[]"]))
    if uid not in data:
        raise NotFoundError(f"no message with uid {uid} in {state.name!r}", details={"folder": state.name, "uid": uid})
    raw = data[uid].get(b"BODY[]")
    return raw if isinstance(raw, bytes) else b""


def fetch_part(session: ImapSession, state: FolderState, uid: int, part_id: str, max_bytes: int) -> tuple[Part, bytes]:
    """One MIME part, decoded from its transfer encoding; refused above max_bytes before download."""
    part, payload, _ = fetch_part_info(session, state, uid, part_id, max_bytes)
    return part, payload


def fetch_part_info(
    session: ImapSession, state: FolderState, uid: int, part_id: str, max_bytes: int
) -> tuple[Part, bytes, mime_parse.PartInfo]:
    """fetch_part, also answering the part's BODYSTRUCTURE entry (its charset and other parameters)."""
    meta = session.call(lambda c: c.fetch([uid], ["BODYSTRUCTURE"]))
    if uid not in meta:
        raise NotFoundError(f"no message with uid {uid} in {state.name!r}", details={"folder": state.name, "uid": uid})
    infos = {p.part_id: p for p in mime_parse.structure_parts(meta[uid].get(b"BODYSTRUCTURE"))}
    info = infos.get(part_id)
    if info is None:
        raise NotFoundError(
            f"message {uid} has no part {part_id!r}; parts are {', '.join(sorted(infos)) or 'none'}",
            details={"folder": state.name, "uid": uid, "part": part_id},
        )
    if info.size > max_bytes * 1.4 + 1024:  # base64 grows data by 4/3
        raise LimitError(
            f"part {part_id} is about {info.size} bytes, over the {max_bytes}-byte limit for one answer",
            details={"size": info.size, "limit": max_bytes},
        )
    section = f"BODY.PEEK[{part_id}]"
    data = session.call(lambda c: c.fetch([uid], [section])).get(uid, {})
    encoded = data.get(f"BODY[{part_id}]".encode(), b"") or b""
    payload, _ = decode_transfer(encoded, info.encoding)
    if len(payload) > max_bytes:
        raise LimitError(
            f"part {part_id} is {len(payload)} bytes, over the {max_bytes}-byte limit for one answer",
            details={"size": len(payload), "limit": max_bytes},
        )
    part = make_part(part_id, info.content_type, len(payload), info.disposition, info.content_id, info.filename)
    return part, payload, info
