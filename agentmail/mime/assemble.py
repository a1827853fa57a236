"""Turn an envelope, a MIME plan and the bytes of the shown parts into one model.Message."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agentmail.mime.charset import decode_bytes
from agentmail.mime.headers import MESSAGE_FIELDS, Envelope
from agentmail.mime.layout import Plan
from agentmail.mime.sanitize import clean_line, clean_text, scrub
from agentmail.mime.tree import Limits, Node
from agentmail.model import flag_names

if TYPE_CHECKING:
    from agentmail.model import Message, MessageFacts, TrustAnchors

FORWARD_SEPARATOR = "---------- Forwarded message ----------"

#: Returns a part's content with its transfer encoding undone, or None when it was not fetched.
Fetch = Callable[[Node], "bytes | None"]


@dataclass(slots=True)
class Body:
    """The text pieces gathered while walking the plan."""

    pieces: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    html: str = ""


def _decode_text(node: Node, data: bytes, body: Body) -> str:
    text, note = decode_bytes(data, node.params.get("charset"))
    text = text.replace("\r\n", "\n")
    if note:
        body.notes.append(f"part {node.part_id}: {note}")
    return text


def _render(item_kind: str, node: Node, data: bytes, body: Body, limits: Limits) -> str:
    from agentmail.mime.render import HIDDEN_NOTE, render_html, unflow  # lazily: a listing never renders

    text = _decode_text(node, data, body)
    if item_kind == "html":
        if not body.html:
            body.html = text
        if len(text) > limits.max_text_chars:
            body.notes.append(f"part {node.part_id}: HTML cut at {limits.max_text_chars:,} characters before rendering")
            text = text[: limits.max_text_chars]
        rendered = render_html(text, first_link=len(body.links) + 1)
        body.links.extend(rendered.links)
        if rendered.hidden:
            body.notes.append(f"part {node.part_id}: {HIDDEN_NOTE}")
        return rendered.text
    if node.params.get("format", "").lower() == "flowed":
        return unflow(text, node.params.get("delsp", "").lower() == "yes")
    return text


def _forward_block(node: Node) -> str:
    lines = [FORWARD_SEPARATOR] + [f"{name}: {value}" for name, value in node.forward_headers if value]
    return "\n" + "\n".join(lines) + "\n\n"


def gather_body(plan: Plan, fetch: Fetch, limits: Limits) -> Body:
    """Decode and render the shown parts in reading order; missing or broken parts become notes."""
    body = Body(notes=list(plan.notes))
    for item in plan.shown:
        if item.kind == "forward":
            body.pieces.append(_forward_block(item.node))
            continue
        data = fetch(item.node)
        if data is None:
            body.notes.append(f"part {item.node.part_id} was not fetched")
            continue
        body.pieces.append(_render(item.kind, item.node, data, body, limits))
    if plan.html is not None and not body.html:
        data = fetch(plan.html)
        if data is not None:
            body.html = _decode_text(plan.html, data, body)
    return body


def join_pieces(pieces: Sequence[str]) -> str:
    """Concatenate body pieces so each starts on its own line; a single piece is kept exactly."""
    if len(pieces) == 1:
        return pieces[0]
    return "".join(p if p.endswith("\n") or i == len(pieces) - 1 else p + "\n" for i, p in enumerate(pieces))


def assemble_message(
    envelope: Envelope,
    plan: Plan,
    fetch: Fetch,
    facts: MessageFacts,
    *,
    limits: Limits,
    trust: TrustAnchors | None = None,
    signed_body: bytes | None = None,
    extra_notes: Sequence[str] = (),
) -> Message:
    """Build the Message; every sender-written string is scrubbed so the JSON encoder can write it."""
    from agentmail.mime.authres import verdict  # lazily, like the renderer: only reading a message needs them
    from agentmail.model_more import Message

    body = gather_body(plan, fetch, limits)
    text, html, notes = _within_limits(body, [*envelope.notes, *extra_notes, *body.notes], limits)
    return Message(
        uid=facts.uid,
        folder=facts.folder,
        uidvalidity=facts.uidvalidity,
        flags=flag_names(facts.flags),
        size=facts.size if facts.size is not None else 0,
        received=facts.received,
        notes=tuple(dict.fromkeys(scrub(n) for n in notes)),
        auth=verdict(envelope.headers, trust, signed_body),
        text=clean_text(text),
        html=scrub(html),
        links=tuple(clean_line(link) for link in body.links),
        attachments=tuple(node.to_part() for node in plan.listed),
        **envelope.model_fields(MESSAGE_FIELDS),
    )


def _within_limits(body: Body, notes: list[str], limits: Limits) -> tuple[str, str, list[str]]:
    """The body text and HTML cut to the limit (a cut text gets a note; the raw HTML is cut silently)."""
    text = join_pieces(body.pieces)
    if len(text) > limits.max_text_chars:
        text = text[: limits.max_text_chars]
        notes.append(f"text cut at {limits.max_text_chars:,} characters")
    return text, body.html[: limits.max_text_chars], notes


def bare_message(facts: MessageFacts, reason: str) -> Message:
    """The last resort when a message cannot be assembled at all: where it is, and why nothing else is shown."""
    from agentmail.model_more import Message

    return Message(uid=facts.uid, folder=facts.folder, uidvalidity=facts.uidvalidity, notes=(reason,))


def message_facts(facts: MessageFacts | None, fields: dict[str, Any]) -> MessageFacts:
    """The facts a caller passed, or built from its keywords (``uid=``, ``folder=``, ``uidvalidity=``, ...)."""
    if facts is None:
        from agentmail.model_more import MessageFacts

        return MessageFacts(**fields)
    if fields:
        raise TypeError(f"facts given twice: as MessageFacts and as {', '.join(sorted(fields))}")
    return facts
