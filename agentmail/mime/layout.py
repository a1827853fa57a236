"""Which parts of a MIME tree a reader sees as the body, and which are listed as parts.

Both a parsed message and an IMAP BODYSTRUCTURE become the same :class:`Node` tree, so
reading a whole message and reading it structure-first choose the same text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agentmail.mime import vocab
from agentmail.mime.sanitize import clean_line

if TYPE_CHECKING:
    from agentmail.model import Part

BODY_TYPES = ("text/plain", "text/html")
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


@dataclass(slots=True)
class Shown:
    """One item of the body in reading order: a text part, or the header block of a forwarded message."""

    node: Node
    kind: str  # "plain" | "html" | "forward"


@dataclass(slots=True)
class Plan:
    """The chosen body, the listed parts, the raw HTML part and what could not be shown."""

    shown: list[Shown] = field(default_factory=list)
    listed: list[Node] = field(default_factory=list)
    html: Node | None = None
    notes: list[str] = field(default_factory=list)
    visited: int = 0
    skipped: int = 0
    too_deep: int = 0


def plan_body(root: Node, limits: Limits = DEFAULT_LIMITS) -> Plan:
    """Choose the text a good client shows and list every other leaf, within the limits."""
    plan = Plan()
    _visit(root, 0, plan, limits)
    if plan.skipped:
        plan.notes.append(f"{plan.skipped} parts not shown: more than {limits.max_parts} parts")
    if plan.too_deep:
        plan.notes.append(f"{plan.too_deep} parts not shown: nested deeper than {limits.max_depth} levels")
    return plan


def _visit(node: Node, depth: int, plan: Plan, limits: Limits) -> None:
    if depth > limits.max_depth:
        plan.too_deep += _count(node)
        return
    plan.visited += 1
    if plan.visited > limits.max_parts:
        plan.skipped += 1
        for child in node.children:
            plan.skipped += _count(child)
        return
    if node.is_message:
        plan.listed.append(node)
        plan.shown.append(Shown(node, "forward"))
        for child in node.children:
            _visit(child, depth + 1, plan, limits)
    elif node.is_container:
        _visit_multipart(node, depth, plan, limits)
    else:
        _visit_leaf(node, plan)


def _visit_multipart(node: Node, depth: int, plan: Plan, limits: Limits) -> None:
    children = node.children
    if not children:
        return
    sub = node.subtype
    if sub == "alternative":
        chosen = _pick_alternative(children)
        _visit(chosen, depth + 1, plan, limits)
        for other in children:
            if other is not chosen:
                _list_leaves(other, plan, limits, alternative=True)
    elif sub == "related":
        start = node.params.get("start", "").strip("<>")
        root = next((c for c in children if start and c.content_id == start), children[0])
        _visit(root, depth + 1, plan, limits)
        for other in children:
            if other is not root:
                _list_leaves(other, plan, limits)
    elif sub == "signed":
        _visit(children[0], depth + 1, plan, limits)
        for other in children[1:]:
            _list_leaves(other, plan, limits)
    elif sub == "encrypted":
        plan.notes.append("the message is encrypted; agentmail cannot decrypt it")
        for child in children:
            _list_leaves(child, plan, limits)
    else:  # mixed, report, digest, parallel and unknown subtypes (RFC 2046 5.1.7)
        for child in children:
            _visit(child, depth + 1, plan, limits)


def _visit_leaf(node: Node, plan: Plan) -> None:
    if node.is_broken_multipart:
        plan.notes.append(f"part {node.part_id} is a multipart with no usable MIME boundary; shown as text")
        plan.shown.append(Shown(node, "plain"))
    elif node.content_type in BODY_TYPES and node.disposition != "attachment":
        kind = "html" if node.subtype == "html" else "plain"
        plan.shown.append(Shown(node, kind))
        if kind == "html" and plan.html is None:
            plan.html = node
        if node.filename:
            plan.listed.append(node)
    else:
        plan.listed.append(node)


def _list_leaves(node: Node, plan: Plan, limits: Limits, *, alternative: bool = False) -> None:
    """List an unchosen alternative or related part (and remember the first HTML body).

    An unchosen alternative that is only the body in another form (plain or HTML text, not
    marked as an attachment, no file name) is not listed: it is no attachment, and its HTML
    is already the message's ``html``.
    """
    stack = [node]
    while stack:
        current = stack.pop(0)
        plan.visited += 1
        if plan.visited > limits.max_parts:
            plan.skipped += 1
            continue
        if current.children and not current.is_message:
            stack[:0] = current.children
            continue
        if current.content_type == "text/html" and plan.html is None:
            plan.html = current
        if alternative and _is_body_form(current):
            continue
        plan.listed.append(current)


def _is_body_form(node: Node) -> bool:
    """The body as plain text or HTML, not a file (an alternative's other form, not an attachment)."""
    return node.content_type in BODY_TYPES and node.disposition != "attachment" and not node.filename


def _flavour(node: Node) -> str:
    """Return "plain" or "html" for the first body text a node would show, "" when none."""
    stack = [node]
    seen = 0
    while stack and seen < 64:
        current = stack.pop(0)
        seen += 1
        if current.content_type in BODY_TYPES and current.disposition != "attachment":
            return current.subtype
        if current.maintype == "multipart":
            stack[:0] = current.children
    return ""


def _pick_alternative(children: list[Node]) -> Node:
    """RFC 2046 orders alternatives plainest first; we prefer plain text, then HTML, then the last."""
    flavours = [_flavour(c) for c in children]
    for wanted in ("plain", "html"):
        if wanted in flavours:
            return children[flavours.index(wanted)]
    return children[-1]


def _count(node: Node) -> int:
    total = 0
    stack = [node]
    while stack:
        current = stack.pop()
        total += 1
        stack.extend(current.children)
    return total
