"""The start of a message's new text for a listing, from a partial fetch of its first text part.

Pure: given a BODYSTRUCTURE, say which section to fetch and how much; given those bytes,
give up to N characters of what the sender wrote (quoted history and signature left out),
on one line.  A forward with no text of its own previews the forwarded text instead.
"""

from __future__ import annotations

from typing import Any

from agentmail.mime.bodystructure import structure_tree
from agentmail.mime.layout import plan_body
from agentmail.mime.newtext import new_text
from agentmail.mime.sanitize import clean_line
from agentmail.mime.structure import message_from_parts

#: Longest preview an answer carries, in characters.
MAX_PREVIEW_CHARS = 2000
#: Bytes fetched per character wanted: quoting, markup and encodings take room (HTML most of all).
_BYTES_PER_CHAR = {"plain": 6, "html": 24}
_MIN_FETCH = 2048
_MAX_FETCH = 64 * 1024


def preview_section(bodystructure: Any, chars: int) -> tuple[str, int] | None:
    """The first shown text part's section id and how many of its bytes to fetch (None: no text part)."""
    try:
        plan = plan_body(structure_tree(bodystructure))
    except Exception:  # a hostile structure gives no preview, never an error
        return None
    for item in plan.shown:
        if item.kind in ("plain", "html"):
            want = max(_MIN_FETCH, chars * _BYTES_PER_CHAR[item.kind])
            return item.node.part_id, min(_MAX_FETCH, want, max(item.node.size, 1))
    return None


def preview_text(bodystructure: Any, section: str, data: bytes, chars: int) -> str:
    """Up to ``chars`` characters of new text from the fetched start of one part, whitespace collapsed."""
    message = message_from_parts(b"", {section: data}, bodystructure, uid=0, folder="", uidvalidity=0)
    full = message.text
    text = new_text(full) or full
    return flatten(text, chars)


def flatten(text: str, chars: int) -> str:
    """One line of at most ``chars`` characters, controls removed."""
    return " ".join(clean_line(text[: chars * 4]).split())[:chars]
