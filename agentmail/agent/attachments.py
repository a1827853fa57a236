"""attachment: a part's bytes (whole, or paged by --max-bytes/--offset), or with --text its text, fenced."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from agentmail.agent.handlers import Context, answer_budget
from agentmail.agent.shape import fence_text, json_size, new_fence, window

if TYPE_CHECKING:
    from agentmail.agent.answers import AttachmentAnswer


def attachment(ctx: Context, args: dict[str, Any]) -> AttachmentAnswer:
    """A part's bytes (whole, or a window with --max-bytes/--offset), or with --text its text, fenced."""
    from agentmail.agent.answers import AttachmentAnswer, Window  # lazily: a listing builds none of these

    if args["text"]:
        return _attachment_text(ctx, args)
    part, data = ctx.mailbox.attachment(args["folder"], args["uid"], args["part_id"], uidvalidity=args["uidvalidity"])
    answer = AttachmentAnswer(
        folder=args["folder"],
        uidvalidity=ctx.mailbox.uidvalidity_of(args["folder"]),
        uid=args["uid"],
        part=part,
        data_base64=b"",
    )
    if not args["max_bytes"] and not args["offset"]:
        return dataclasses.replace(answer, data_base64=data)
    room = max(3, (answer_budget(ctx, args) - json_size(answer) - 200) * 3 // 4)
    room -= room % 3  # whole base64 quanta: the pieces' decoded bytes simply concatenate
    offset = min(args["offset"], len(data))
    chunk = data[offset : offset + room]
    end = offset + len(chunk)
    truncated = end < len(data)
    data_window = Window(offset, len(chunk), len(data), truncated, end if truncated else None)
    return dataclasses.replace(answer, data_base64=chunk, data_window=data_window, truncated=truncated)


def _attachment_text(ctx: Context, args: dict[str, Any]) -> AttachmentAnswer:
    from agentmail.agent.answers import AttachmentAnswer, Window

    part, extracted = ctx.mailbox.attachment_text(
        args["folder"], args["uid"], args["part_id"], uidvalidity=args["uidvalidity"]
    )
    uidvalidity = ctx.mailbox.uidvalidity_of(args["folder"])
    marker = new_fence()

    def build(room: int) -> AttachmentAnswer:
        body, info = window(extracted.text, args["offset"], room)
        return AttachmentAnswer(
            folder=args["folder"],
            uidvalidity=uidvalidity,
            uid=args["uid"],
            part=part,
            data_base64=b"",
            fence=marker,
            text_kind=extracted.kind,
            notes=tuple(extracted.notes),
            text_window=Window(**info),
            truncated=info["truncated"],
            text=fence_text(body, marker),
        )

    budget = answer_budget(ctx, args)
    room = max(0, budget - json_size(build(0)))
    answer = build(room)
    for _ in range(12):  # JSON escaping makes the answer a little larger than its text
        over = json_size(answer) - budget
        if over <= 0:
            break
        room = max(0, room - over - 32)
        answer = build(room)
    return answer
