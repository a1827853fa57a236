"""Shaping answers for a context window: fenced sender text, byte-bounded windows, capped pages.

Pure functions over JSON-ready data; the handlers call them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from agentmail.model import Message, to_json


def new_fence() -> str:
    """A per-answer marker that sender-written text cannot predict, so it cannot fake the fence's end."""
    import secrets  # lazily, like reply_text below: a listing needs neither (hashlib and MIME code at start-up)

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
    if size <= budget or len(items) <= 1:
        return answer
    per_item = max(1, size // len(items))
    while size > budget and limit > 1:
        limit = max(1, min(limit - 1, budget // per_item - 1))
        answer = make(limit)
        size = json_size(answer)
    answer["capped"] = True
    return answer


def json_size(answer: dict[str, Any]) -> int:
    return len(json.dumps(answer, ensure_ascii=False).encode("utf-8"))


def shape_message(
    message: Message, args: dict[str, Any], max_bytes: int, load_raw: Callable[[], bytes]
) -> dict[str, Any]:
    """The read answer: facts at top level, sender content under content, body fenced and windowed."""
    from agentmail.mime.render import reply_text

    marker = new_fence()
    data = to_json(message)
    content = data["content"]
    part = args.get("part") or "text"
    body, info = window(message.text, args.get("offset") or 0, max_bytes)
    content["text"] = fence_text(body, marker)
    newest, _ = window(reply_text(message.text), 0, max(256, max_bytes // 4))
    content["reply_text"] = fence_text(newest, marker)
    if not (args.get("html") or part == "html"):
        content["html"] = ""
    else:
        html, html_info = window(message.html, 0, max_bytes)
        content["html"] = fence_text(html, marker) if html else ""
        data["html_truncated"] = html_info["truncated"]
    if part != "headers":
        content["headers"] = []
    answer: dict[str, Any] = {
        "folder": message.folder,
        "uidvalidity": message.uidvalidity,
        "uid": message.uid,
        "fence": marker,
        "text_window": info,
        "message": data,
    }
    if args.get("raw") or part == "raw":
        source = load_raw()
        raw_text, raw_info = window(source.decode("utf-8", "replace"), 0, max_bytes)
        answer["raw"] = fence_text(raw_text, marker)
        answer["raw_truncated"] = raw_info["truncated"]
    return answer
