"""Palettes for 256 colours, 16 colours and monochrome, chosen from TERM.

Each entry carries all three renderings (urwid picks by ``screen.colors``), so
the attribute names are the only thing screens know.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

# name, 16-colour fg, 16-colour bg, mono, 256-colour fg, 256-colour bg
PALETTE: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("body", "default", "default", "", "default", "default"),
    ("status", "white", "dark blue", "standout", "#fff", "#008"),
    ("hint", "black", "light gray", "standout", "#000", "#aaa"),
    ("message", "default", "default", "", "default", "default"),
    ("error", "light red", "default", "bold", "#f66", "default"),
    ("row", "default", "default", "", "default", "default"),
    ("row focus", "black", "light cyan", "standout", "#000", "#8cf"),
    ("unread", "default,bold", "default", "bold", "default,bold", "default"),
    ("unread focus", "black,bold", "light cyan", "standout,bold", "#000,bold", "#8cf"),
    ("flagged", "light red", "default", "bold", "#f80", "default"),
    ("flagged focus", "black", "light cyan", "standout", "#000", "#8cf"),
    ("placeholder", "dark gray", "default", "", "#666", "default"),
    ("tree", "dark cyan", "default", "", "#088", "default"),
    ("header name", "dark cyan", "default", "bold", "#0aa", "default"),
    ("header value", "default", "default", "", "default", "default"),
    ("subject", "default,bold", "default", "bold", "default,bold", "default"),
    ("quote1", "dark green", "default", "", "#0a0", "default"),
    ("quote2", "dark cyan", "default", "", "#08a", "default"),
    ("quote3", "brown", "default", "", "#a80", "default"),
    ("link", "light blue", "default", "underline", "#58f", "default"),
    ("attachment", "dark magenta", "default", "", "#a6a", "default"),
    ("match", "black", "yellow", "standout", "#000", "#ff0"),
    ("note", "dark gray", "default", "", "#888", "default"),
    ("field", "dark cyan", "default", "bold", "#0aa", "default"),
    ("field error", "light red", "default", "bold", "#f66", "default"),
    ("folder", "default", "default", "", "default", "default"),
    ("folder unread", "default,bold", "default", "bold", "default,bold", "default"),
    ("folder current", "black", "light gray", "standout", "#000", "#ccc"),
    ("folder current unread", "black,bold", "light gray", "standout,bold", "#000,bold", "#ccc"),
    ("pane title", "dark cyan", "default", "underline", "#0aa", "default"),
    ("auth good", "dark green", "default", "bold", "#0a0", "default"),
    ("auth bad", "light red", "default", "bold", "#f66", "default"),
    ("help key", "yellow", "default", "bold", "#ff0", "default"),
    ("help title", "default,bold", "default", "bold,underline", "default,bold", "default"),
)

#: Focus attributes for index rows and list entries (urwid AttrMap focus_map).
FOCUS_MAP: Mapping[str | None, str] = {
    None: "row focus",
    "row": "row focus",
    "unread": "unread focus",
    "flagged": "flagged focus",
    "placeholder": "row focus",
    "tree": "row focus",
    "folder": "row focus",
    "folder unread": "unread focus",
}

_MONO_TERMS = ("vt100", "vt102", "vt220", "dumb", "ansi-mono", "xterm-mono")


def colors_for(term: str, colorterm: str = "") -> Literal[1, 16, 256]:
    """How many colours to use: 256 for *-256color or truecolor terminals, 1 for vt100-likes, else 16."""
    term = (term or "").lower()
    if not term or term in _MONO_TERMS or term.endswith("-m") or "mono" in term:
        return 1
    if "256" in term or colorterm.lower() in ("truecolor", "24bit"):
        return 256
    return 16


def quote_attr(level: int) -> str:
    """The attribute for a body line quoted ``level`` times (levels past 3 reuse the colours)."""
    return "body" if level <= 0 else f"quote{(level - 1) % 3 + 1}"
