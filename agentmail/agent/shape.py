"""Shaping answers for a context window: fenced sender text, byte-bounded windows, capped pages.

Pure functions over JSON-ready data; the handlers call them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agentmail.model import to_json

if TYPE_CHECKING:
    from agentmail.model import Message


def new_fence() -> str:
    """A per-answer marker that sender-written text cannot predict, so it cannot fake the fence's end."""
    import secrets  # lazily: a listing needs no fence (hashlib and hmac at start-up)

    return f"untrusted-mail-{secrets.token_hex(6)}"


def fence_text(text: str, marker: str) -> str:
    return f"<<<{marker}>>>\n{text}\n<<</{marker}>>>"


def window(text: str, offset: int, max_bytes: int) -> tuple[str, dict[str, Any]]:
    """Cut text at a character offset to at most max_bytes of UTF-8; say how to continue.

    Offsets count characters (code points), as JSON strings do.
    """
    total = len(text)
    offset = min(offset, total)
    # At most max_bytes characters can fit; encode those and cut on a character boundary.
    encoded = text[offset : offset + max_bytes].encode("utf-8", "surrogatepass")[:max_bytes]
    piece = ""
    for trim in range(4):  # a UTF-8 character is at most 4 bytes: drop a cut-off tail
        try:
            piece = encoded[: len(encoded) - trim].decode("utf-8", "surrogatepass")
            break
        except UnicodeDecodeError:
            continue
    end = offset + len(piece)
    truncated = end < total
    info = {
        "offset": offset,
        "length": end - offset,
        "total_length": total,
        "truncated": truncated,
        "next_offset": end if truncated else None,
    }
    return text[offset:end], info


def within_budget(make: Callable[[int], dict[str, Any]], limit: int, budget: int) -> dict[str, Any]:
    """Fetch a page; if its JSON is over the answer budget, fetch fewer items and say so (``capped``).

    The smaller page comes from the service, so its next_cursor continues right after it.
    """
    answer = make(limit)
    size = json_size(answer)
    items = answer.get("items") or []
    if size <= budget:
        return answer
    if len(items) <= 1:
        return squeeze(answer, budget)
    while size > budget and limit > 1:
        per_item = max(1, size // max(1, len(answer.get("items") or [])))
        limit = max(1, min(limit - 1, budget // per_item - 1))
        answer = make(limit)
        size = json_size(answer)
    answer["capped"] = answer["truncated"] = True
    return squeeze(answer, budget)


def squeeze(answer: dict[str, Any], budget: int) -> dict[str, Any]:
    """Last resort when even one summary is over the cap (hostile mail with 1,500 recipients):
    halve the longest recipient list, then shorten subjects, until the answer fits; it says truncated."""
    pages = answer.get("results") if "results" in answer else [answer]
    contents = [i["content"] for p in pages or [] for i in p.get("items") or [] if isinstance(i.get("content"), dict)]
    for _ in range(64):
        if json_size(answer) <= budget or not contents:
            break
        answer["truncated"] = True
        lists = [(len(c[k]), c, k) for c in contents for k in ("to", "cc") if isinstance(c.get(k), list) and c[k]]
        if lists:
            _, content, key = max(lists, key=lambda t: t[0])
            content[key] = content[key][: len(content[key]) // 2]
            continue
        for content in contents:
            for key in ("subject", "snippet", "preview"):
                if isinstance(content.get(key), str):
                    content[key] = content[key][: len(content[key]) // 2]
    return answer


def cut_items(page: dict[str, Any], budget: int) -> dict[str, Any]:
    """Drop a page's last items until its JSON fits the budget (an answer without a cursor: thread)."""
    items = list(page.get("items") or [])
    if json_size(page) <= budget:
        return page
    while len(items) > 1 and json_size({**page, "items": items}) > budget:
        items.pop()
    return squeeze({**page, "items": items, "capped": True, "truncated": True}, budget)


#: Room for the answer's envelope (ok, api_version, command, a batch id) around a handler's fields.
ENVELOPE_BYTES = 120


def json_size(answer: dict[str, Any]) -> int:
    """Bytes of the answer as it is printed (controls escaped), plus its envelope."""
    from agentmail.agent.run import dumps  # lazily: run imports the handlers, which import this module

    return len(dumps(answer).encode("utf-8")) + ENVELOPE_BYTES


def shape_message(
    message: Message, args: dict[str, Any], max_bytes: int, load_raw: Callable[[], bytes]
) -> dict[str, Any]:
    """The read answer: facts at top level, sender content under content, body fenced and windowed.

    ``max_bytes`` caps the whole answer: the fixed fields are measured first, and what room is left
    goes to the body window, then to reply_text (at most a quarter), --html and --raw.
    """
    marker = new_fence()
    part = args.get("part") or "text"
    offset = args.get("offset") or 0
    want_html = bool(args.get("html") or part == "html")
    want_raw = bool(args.get("raw") or part == "raw")
    from agentmail.mime.newtext import split_new_text  # lazily: only reading a message splits its text

    split = split_new_text(message.text)
    # reply_text is the new text, which opens the body: it rides on the first page only, unless turned off.
    reply = split.text if args.get("reply_text", True) and offset == 0 else ""
    source = load_raw().decode("utf-8", "replace") if want_raw else ""

    def build(text_room: int, reply_room: int, html_room: int, raw_room: int) -> dict[str, Any]:
        data = to_json(shown)
        content = data["content"]
        body, info = window(message.text, offset, text_room)
        content["text"] = fence_text(body, marker)
        newest, newest_info = window(reply, 0, reply_room)
        content["reply_text"] = fence_text(newest, marker) if reply else ""
        cut = info["truncated"] or newest_info["truncated"]
        if want_html:
            html, html_info = window(message.html, 0, html_room)
            content["html"] = fence_text(html, marker) if html else ""
            data["html_truncated"] = html_info["truncated"]  # kept where it always was; also at the top level
            cut = cut or html_info["truncated"]
        else:
            content["html"] = ""
        if part != "headers":
            content["headers"] = []
        answer: dict[str, Any] = {
            "folder": message.folder,
            "uidvalidity": message.uidvalidity,
            "uid": message.uid,
            "fence": marker,
            "text_window": info,
            "text_sections": {
                "new_text_length": len(split.text),
                "history_offset": split.history_offset,
                "signature_offset": split.signature_offset,
            },
            "message": data,
        }
        if want_html:
            answer["html_truncated"] = data["html_truncated"]
        if want_raw:
            raw_text, raw_info = window(source, 0, raw_room)
            answer["raw"] = fence_text(raw_text, marker)
            answer["raw_truncated"] = raw_info["truncated"]
            cut = cut or raw_info["truncated"]
        if trimmed:
            answer["trimmed"] = sorted(set(trimmed))
        answer["truncated"] = cut or bool(trimmed)
        return answer

    shown, trimmed = message, []
    fixed = json_size(build(0, 0, 0, 0))
    while fixed > max_bytes:  # even without any text it does not fit: halve the longest list (hostile mail)
        name = max(_TRIMMABLE, key=lambda n: json_size({"x": to_json(getattr(shown, n))}))
        items = getattr(shown, name)
        if not items:
            break
        shown = dataclasses.replace(shown, **{name: items[: len(items) // 2]})
        trimmed.append(name)
        fixed = json_size(build(0, 0, 0, 0))
    room = max(0, max_bytes - fixed)
    reply_room = min(_utf8_len(reply), room // 4)
    room -= reply_room
    extras = int(want_html) + int(want_raw)
    text_room = min(_utf8_len(message.text[offset:]), room // (extras + 1)) if extras else room
    extra_room = (room - text_room) // extras if extras else 0
    answer = build(text_room, reply_room, extra_room, extra_room)
    for _ in range(12):  # JSON escaping and fences make the answer a little larger than its text
        over = json_size(answer) - max_bytes
        if over <= 0:
            break
        step = over + 32
        text_room, reply_room, extra_room = _shrink(step, text_room, reply_room, extra_room, extras)
        answer = build(text_room, reply_room, extra_room, extra_room)
    return answer


#: Lists of a message that may be shortened when even the answer without any body text is over the cap.
_TRIMMABLE = ("headers", "attachments", "links", "to", "cc", "reply_to", "references", "notes")


def _shrink(step: int, text: int, reply: int, extra: int, extras: int) -> tuple[int, int, int]:
    """Take ``step`` bytes of room away, from the extras and reply_text first, then from the body."""
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
    return text, reply, extra


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))
