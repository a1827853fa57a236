"""One index row (model.Summary) from what a listing fetches: header fields, BODYSTRUCTURE and server PREVIEW.

Apart from mime/parse.py (whole messages, the email package's MIME tree) so that a listing loads no reading code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agentmail.mime.bodystructure import has_attachments
from agentmail.mime.charset import decode_bytes
from agentmail.mime.headers import SUMMARY_FIELDS, envelope_from_bytes
from agentmail.mime.sanitize import clean_line
from agentmail.model import Summary, flag_names

if TYPE_CHECKING:
    from datetime import datetime

SNIPPET_CHARS = 200


def parse_summary(
    uid: int,
    *,
    flags: Sequence[str | bytes] = (),
    size: int | None = 0,
    received: datetime | None = None,
    header_bytes: bytes = b"",
    bodystructure: Any = None,
    preview: str | bytes = "",
) -> Summary:
    """One index row from the fetched header fields, BODYSTRUCTURE and server PREVIEW; never raises."""
    envelope = envelope_from_bytes(header_bytes or b"", headers=False)  # a row shows no header list
    if bodystructure is not None:
        attached = has_attachments(bodystructure)
    else:
        attached = envelope.content_type.startswith("multipart/mixed")
    if isinstance(preview, bytes):
        preview = decode_bytes(preview, "utf-8")[0]
    snippet = " ".join(clean_line(str(preview or "")).split())[:SNIPPET_CHARS]
    return Summary(
        uid=uid,
        flags=flag_names(flags),
        size=int(size or 0),
        received=received,
        has_attachments=attached,
        snippet=snippet,
        **envelope.model_fields(SUMMARY_FIELDS),
    )
