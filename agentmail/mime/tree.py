"""The MIME tree both a parsed message and an IMAP BODYSTRUCTURE become, and the bounds on walking it.

Apart from mime/layout.py (which text a reader sees) so that a listing, which builds the tree from
BODYSTRUCTURE only for its paperclip, loads none of the reading code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agentmail.mime import vocab
from agentmail.mime.sanitize import clean_line

if TYPE_CHECKING:
    from agentmail.model import Part

SIGNATURE_TYPES = ("application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature")


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on work per message; hitting one adds a note instead of failing."""

    max_depth: int = 20
    max_parts: int = 500
    max_header_bytes: int = 256 * 1024
    max_text_chars: int = 2_000_000


DEFAULT_LIMITS = Limits()


@dataclass(slots=True)
class Node:
    """One MIME entity with its IMAP section number; multiparts and messages have children."""

    part_id: str
    content_type: str
    params: dict[str, str] = field(default_factory=dict)
    disposition: str = ""
    filename: str = ""
    content_id: str = ""
    encoding: str = ""
    size: int = 0
    children: list[Node] = field(default_factory=list)
    forward_headers: tuple[tuple[str, str], ...] = ()  # message/rfc822: what the separator shows

    @property
    def maintype(self) -> str:
        return self.content_type.partition("/")[0]

    @property
    def subtype(self) -> str:
        return self.content_type.partition("/")[2]

    @property
    def is_message(self) -> bool:
        return self.content_type in ("message/rfc822", "message/global")

    @property
    def is_container(self) -> bool:
        return bool(self.children) or (self.maintype == "multipart" and not self.is_broken_multipart)

    @property
    def is_broken_multipart(self) -> bool:
        """A multipart whose boundary was missing: the parser kept its body as one text blob."""
        return self.maintype == "multipart" and not self.children and self.size > 0

    def to_part(self) -> Part:
        """The part as answers show it: its type and Content-ID reduced to tokens we own (mime.vocab)."""
        return make_part(self.part_id, self.content_type, self.size, self.disposition, self.content_id, self.filename)


def make_part(part_id: str, content_type: str, size: int, disposition: str, content_id: str, filename: str) -> Part:
    """A Part whose own fields hold only our vocabulary; the type and Content-ID as written go under content."""
    from agentmail.model_more import Part

    return Part(
        part_id=part_id,
        content_type=vocab.media_type(content_type),
        size=size,
        disposition=disposition if disposition in ("attachment", "inline") else "",
        content_id=vocab.content_id(content_id) or "",
        filename=filename,
        declared_content_id=clean_line(content_id)[:998],
        declared_content_type=clean_line(content_type)[:998],
    )


def child_id(prefix: str, index: int) -> str:
    """IMAP section numbering: children of the top level are 1, 2, ...; nested ones 1.1, 1.2, ..."""
    return f"{prefix}.{index}" if prefix else str(index)
