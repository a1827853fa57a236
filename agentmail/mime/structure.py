"""Structure-first reading: the parts of an IMAP BODYSTRUCTURE, which text parts to fetch, and the message
made of them.  The BODYSTRUCTURE itself becomes a tree in mime/bodystructure.py (all a listing needs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agentmail.mime.assemble import assemble_message, bare_message, message_facts
from agentmail.mime.bodystructure import leaves, structure_tree
from agentmail.mime.charset import decode_transfer
from agentmail.mime.headers import envelope_from_bytes
from agentmail.mime.layout import plan_body
from agentmail.mime.tree import DEFAULT_LIMITS, Limits, Node

if TYPE_CHECKING:
    from agentmail.model import Message, MessageFacts, TrustAnchors

#: Default cap on the encoded bytes of text parts fetched to show one message.
MAX_TEXT_FETCH = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PartInfo:
    """One leaf (or attached message) of a BODYSTRUCTURE, decoded."""

    part_id: str
    type: str
    subtype: str
    params: tuple[tuple[str, str], ...] = ()
    encoding: str = ""
    size: int = 0  # encoded octets, as the server reports them
    disposition: str = ""
    filename: str = ""
    content_id: str = ""
    container: str = ""  # subtype of the enclosing multipart ("alternative", "related", ...), "" at the top

    @property
    def content_type(self) -> str:
        return f"{self.type}/{self.subtype}"

    def param(self, name: str) -> str:
        return next((v for k, v in self.params if k == name.lower()), "")


def structure_parts(bodystructure: Any, limits: Limits = DEFAULT_LIMITS) -> list[PartInfo]:
    """Every leaf and attached message of a BODYSTRUCTURE, in order, with its IMAP section id."""
    return [_info(node, container) for node, container in leaves(structure_tree(bodystructure, limits))]


def _info(node: Node, container: str) -> PartInfo:
    return PartInfo(
        part_id=node.part_id,
        type=node.maintype,
        subtype=node.subtype,
        params=tuple(sorted(node.params.items())),
        encoding=node.encoding,
        size=node.size,
        disposition=node.disposition,
        filename=node.filename,
        content_id=node.content_id,
        container=container,
    )


def text_parts_to_fetch(
    bodystructure: Any, *, max_bytes: int = MAX_TEXT_FETCH, limits: Limits = DEFAULT_LIMITS
) -> list[str]:
    """Section ids of the text parts to fetch for reading, in order, within ``max_bytes`` encoded.

    The first is always included, however large: fetch it with a partial range
    (``BODY.PEEK[id]<0.max_bytes>``); :func:`message_from_parts` copes with a cut part.
    """
    plan = plan_body(structure_tree(bodystructure, limits), limits)
    wanted: list[str] = []
    total = 0
    for item in plan.shown:
        if item.kind == "forward":
            continue
        if wanted and total + item.node.size > max_bytes:
            continue
        wanted.append(item.node.part_id)
        total += item.node.size
    return wanted


def message_from_parts(
    header_bytes: bytes,
    parts: Mapping[str, bytes],
    structure: Any,
    facts: MessageFacts | None = None,
    *,
    trust: TrustAnchors | None = None,
    body: bytes | None = None,
    limits: Limits = DEFAULT_LIMITS,
    **fields: Any,
) -> Message:
    """A Message from the header block and only the fetched text parts; other parts are listed unfetched.

    ``facts`` as for :func:`agentmail.mime.parse.parse_message`; ``body`` is the whole body, to verify a signature.
    """
    facts = message_facts(facts, fields)
    envelope = envelope_from_bytes(header_bytes or b"", max_header_bytes=limits.max_header_bytes)
    plan = plan_body(structure_tree(structure, limits), limits)
    notes: list[str] = []

    def fetch(node: Node) -> bytes | None:
        raw = parts.get(node.part_id)
        if raw is None:
            return None
        data, note = decode_transfer(bytes(raw), node.encoding)
        if note:
            notes.append(f"part {node.part_id}: {note}")
        return data

    try:
        return assemble_message(
            envelope, plan, fetch, facts, limits=limits, trust=trust, signed_body=body, extra_notes=notes
        )
    except Exception as exc:  # the promise: reading never breaks on a hostile message
        return bare_message(facts, f"the message could not be decoded ({type(exc).__name__})")
