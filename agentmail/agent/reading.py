"""read's answer: facts at top level, sender content under content, the body fenced and windowed to the budget.

``max_bytes`` caps the whole answer: the fixed fields are measured first (a hostile message's lists halved
until they fit), and what room is left goes to the body window, then to reply_text (at most a quarter),
--html and --raw.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agentmail.agent.answers import ReadAnswer, ReadMessage, TextSections, Window
from agentmail.agent.shape import extend, fence_text, json_size, new_fence, window
from agentmail.model import Message, to_json

#: Lists of a message that may be shortened when even the answer without any body text is over the cap.
_TRIMMABLE = ("headers", "attachments", "links", "to", "cc", "reply_to", "references", "notes")


@dataclass(frozen=True)
class _Request:
    """What read was asked for, and the texts it may show."""

    message: Message
    marker: str
    part: str
    offset: int
    want_html: bool
    want_raw: bool
    reply: str  # the new text (reply_text), "" when not shown
    sections: TextSections
    source: str  # the message source, "" without --raw


@dataclass(frozen=True)
class _Room:
    """Bytes each text may take in the answer."""

    text: int = 0
    reply: int = 0
    extra: int = 0  # each of --html and --raw


def shape_message(
    message: Message,
    args: dict[str, Any],
    max_bytes: int,
    load_raw: Callable[[], bytes],
    size: Callable[[Any], int] = json_size,
) -> ReadAnswer:
    """The read answer, at most ``max_bytes`` of JSON (measured with ``size``: the session's Sizer keeps it)."""
    req = _request(message, args, load_raw)
    shown, trimmed, fixed = _fit_fixed(req, max_bytes)
    room = max(0, max_bytes - fixed)
    reply_room = min(_utf8_len(req.reply), room // 4)
    room -= reply_room
    extras = int(req.want_html) + int(req.want_raw)
    text_room = min(_utf8_len(message.text[req.offset :]), room // (extras + 1)) if extras else room
    rooms = _Room(text_room, reply_room, (room - text_room) // extras if extras else 0)
    answer = _build(req, shown, trimmed, rooms)
    for _ in range(12):  # JSON escaping and fences make the answer a little larger than its text
        over = size(answer) - max_bytes
        if over <= 0:
            break
        rooms = _shrink(over + 32, rooms, extras)
        answer = _build(req, shown, trimmed, rooms)
    return answer


def _request(message: Message, args: dict[str, Any], load_raw: Callable[[], bytes]) -> _Request:
    from agentmail.mime.newtext import split_new_text  # lazily: only reading a message splits its text

    part = args.get("part") or "text"
    offset = args.get("offset") or 0
    want_raw = bool(args.get("raw") or part == "raw")
    split = split_new_text(message.text)
    sections = TextSections(len(split.text), split.history_offset, split.signature_offset)
    return _Request(
        message=message,
        marker=new_fence(),
        part=part,
        offset=offset,
        want_html=bool(args.get("html") or part == "html"),
        want_raw=want_raw,
        # reply_text is the new text, which opens the body: it rides on the first page only, unless turned off.
        reply=split.text if args.get("reply_text", True) and offset == 0 else "",
        sections=sections,
        source=load_raw().decode("utf-8", "replace") if want_raw else "",
    )


def _fit_fixed(req: _Request, max_bytes: int) -> tuple[Message, list[str], int]:
    """Even without any text it may not fit: halve the longest list (hostile mail) until it does.

    Returns the message as shown, the lists cut, and the size of the answer without any text.
    """
    shown, trimmed = req.message, list[str]()
    fixed = json_size(_build(req, shown, trimmed, _Room()))
    while fixed > max_bytes:
        name = max(_TRIMMABLE, key=lambda n: json_size({"x": to_json(getattr(shown, n))}))
        items = getattr(shown, name)
        if not items:
            break
        shown = dataclasses.replace(shown, **{name: items[: len(items) // 2]})
        trimmed.append(name)
        fixed = json_size(_build(req, shown, trimmed, _Room()))
    return shown, trimmed, fixed


def _build(req: _Request, shown: Message, trimmed: list[str], room: _Room) -> ReadAnswer:
    marker = req.marker
    body, info = window(req.message.text, req.offset, room.text)
    newest, newest_info = window(req.reply, 0, room.reply)
    cut = info["truncated"] or newest_info["truncated"]
    html, html_truncated = "", None
    if req.want_html:
        html_text, html_info = window(req.message.html, 0, room.extra)
        html, html_truncated = (fence_text(html_text, marker) if html_text else ""), html_info["truncated"]
        cut = cut or html_info["truncated"]
    raw, raw_truncated = None, None
    if req.want_raw:
        raw_text, raw_info = window(req.source, 0, room.extra)
        raw, raw_truncated = fence_text(raw_text, marker), raw_info["truncated"]
        cut = cut or raw_info["truncated"]
    message = extend(
        ReadMessage,
        shown,
        text=fence_text(body, marker),
        reply_text=fence_text(newest, marker) if req.reply else "",
        html=html,
        headers=shown.headers if req.part == "headers" else (),
        html_truncated=html_truncated,  # kept where it always was; also at the top level
    )
    return ReadAnswer(
        folder=req.message.folder,
        uidvalidity=req.message.uidvalidity,
        uid=req.message.uid,
        fence=marker,
        text_window=Window(**info),
        text_sections=req.sections,
        message=message,
        html_truncated=html_truncated,
        raw=raw,
        raw_truncated=raw_truncated,
        trimmed=tuple(sorted(set(trimmed))) or None,
        truncated=cut or bool(trimmed),
    )


def _shrink(step: int, room: _Room, extras: int) -> _Room:
    """Take ``step`` bytes of room away, from the extras and reply_text first, then from the body."""
    text, reply, extra = room.text, room.reply, room.extra
    for _ in range(3):
        if extras and extra > 0:
            take = min(extra, -(-step // extras))
            extra -= take
            step -= take * extras
        elif reply > 0:
            take = min(reply, step)
            reply -= take
            step -= take
        else:
            text = max(0, text - step)
            step = 0
        if step <= 0:
            break
    return _Room(text, reply, extra)


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))
