"""Text escaped for roff, the man page's language: the one escape docs.py and the key table's KEYS section use."""

from __future__ import annotations


def roff_escape(text: str) -> str:
    """Backslashes and hyphens made literal, and a leading dot or quote kept from being read as a request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text.startswith((".", "'")) else text
