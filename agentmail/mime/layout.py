"""Which parts of a MIME tree a reader sees as the body, and which are listed as parts.

The tree itself (:class:`~agentmail.mime.tree.Node`) is in mime/tree.py: a listing builds it from
BODYSTRUCTURE for the paperclip alone and needs nothing of this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agentmail.mime.tree import DEFAULT_LIMITS, Limits, Node

BODY_TYPES = ("text/plain", "text/html")


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
