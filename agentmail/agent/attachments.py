"""attachment: a part's bytes (whole, or paged by --max-bytes/--offset), or with --text its text, fenced."""

from __future__ import annotations

import base64
from typing import Any

from agentmail.agent.handlers import Context, answer_budget
from agentmail.agent.shape import fence_text, json_size, new_fence, window
from agentmail.model import to_json


def attachment(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """A part's bytes (whole, or a window with --max-bytes/--offset), or with --text its text, fenced."""
    if args["text"]:
        return _attachment_text(ctx, args)
    part, data = ctx.mailbox.attachment(args["folder"], args["uid"], args["part_id"], uidvalidity=args["uidvalidity"])
    answer: dict[str, Any] = {
        "folder": args["folder"],
        "uidvalidity": ctx.mailbox.uidvalidity_of(args["folder"]),
        "uid": args["uid"],
        "part": to_json(part),
        "data_base64": "",
    }
    if not args["max_bytes"] and not args["offset"]:
        answer["data_base64"] = base64.b64encode(data).decode("ascii")
        return answer
    room = max(3, (answer_budget(ctx, args) - json_size(answer) - 200) * 3 // 4)
    room -= room % 3  # whole base64 quanta: the pieces' decoded bytes simply concatenate
    offset = min(args["offset"], len(data))
    chunk = data[offset : offset + room]
    end = offset + len(chunk)
    answer["data_base64"] = base64.b64encode(chunk).decode("ascii")
    answer["data_window"] = {
        "offset": offset,
        "length": len(chunk),
        "total_length": len(data),
        "truncated": end < len(data),
        "next_offset": end if end < len(data) else None,
    }
    answer["truncated"] = end < len(data)
    return answer


def _attachment_text(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    part, extracted = ctx.mailbox.attachment_text(
        args["folder"], args["uid"], args["part_id"], uidvalidity=args["uidvalidity"]
    )
    uidvalidity = ctx.mailbox.uidvalidity_of(args["folder"])
    marker = new_fence()

    def build(room: int) -> dict[str, Any]:
        body, info = window(extracted.text, args["offset"], room)
        return {
            "folder": args["folder"],
            "uidvalidity": uidvalidity,
            "uid": args["uid"],
            "part": to_json(part),
            "data_base64": "",
            "fence": marker,
            "text_kind": extracted.kind,
            "notes": list(extracted.notes),
            "text_window": info,
            "truncated": info["truncated"],
            "content": {"text": fence_text(body, marker)},
        }

    budget = answer_budget(ctx, args)
    room = max(0, budget - json_size(build(0)))
    answer = build(room)
    for _ in range(12):  # JSON escaping makes the answer a little larger than its text
        over = json_size(answer) - budget
        if over <= 0 or room == 0:
            break
        room = max(0, room - over - 32)
        answer = build(room)
    return answer
