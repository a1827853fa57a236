"""Body text a person reads: HTML rendered to plain text, format=flowed undone, quotes understood.

Nothing here fetches anything: HTML images and links become text and numbered references.
The pager wraps lines, so nothing here wraps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_LINK_SCHEMES = ("http:", "https:", "ftp:", "mailto:", "tel:")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>|])")
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANK_RUNS = re.compile(r"\n{3,}")
_QUOTE_PREFIX = re.compile(r"^(?:[ \t]?>)+[ \t]?")
_FLOWED_QUOTE = re.compile(r"^>+")  # RFC 3676 4.5: quote marks start in column 0, no spaces between
# Elements a browser never shows: a hidden attribute, or an inline style with display:none or visibility:hidden.
_HIDDEN_STYLE = re.compile(
    r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\s*(?:!\s*important\s*)?(?:;|$)", re.I
)
_VOID_TAGS = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr")
)
_MAX_OPEN_TAGS = 10_000
_CLOSE_SEARCH = 64
HIDDEN_NOTE = "text the HTML hides from view (display:none, visibility:hidden or hidden) was left out"


@dataclass(frozen=True, slots=True)
class Rendered:
    """HTML rendered as text: the text, its numbered link targets, and how many hidden elements were dropped."""

    text: str
    links: tuple[str, ...]
    hidden: int = 0


def _is_hidden(attrs: dict[str, str | None]) -> bool:
    return "hidden" in attrs or bool(_HIDDEN_STYLE.search(attrs.get("style") or ""))


def _clean_markdown(text: str) -> str:
    """Drop html2text's Markdown escapes and line-break padding, which are noise on a terminal."""
    text = _MD_ESCAPE.sub(r"\1", text)
    text = _TRAILING_SPACE.sub("", text)
    return _BLANK_RUNS.sub("\n\n", text).strip("\n")


def html_to_text(html: str, *, first_link: int = 1) -> tuple[str, tuple[str, ...]]:
    """Render HTML as readable text; links become ``[n]`` and their URLs are returned in order."""
    rendered = render_html(html, first_link=first_link)
    return rendered.text, rendered.links


def render_html(html: str, *, first_link: int = 1) -> Rendered:
    """Render HTML as a reader sees it: hidden elements dropped (and counted), links numbered."""
    import html2text  # lazily: the agent path must start fast and rarely renders HTML

    links: list[str] = []
    stack: list[str | None] = []
    open_tags: list[tuple[str, bool]] = []  # (tag, hidden) for open non-void elements
    counts = {"hidden": 0, "open_hidden": 0}

    def on_tag(parser: Any, tag: str, attrs: dict[str, str | None], start: bool) -> bool:
        if start and _is_hidden(attrs):
            counts["hidden"] += 1
            if tag not in _VOID_TAGS:
                open_tags.append((tag, True))
                counts["open_hidden"] += 1
                parser.quiet += 1
            return True
        if not start and tag not in _VOID_TAGS:
            if _close(parser, tag):
                return True
        elif start and tag not in _VOID_TAGS and len(open_tags) < _MAX_OPEN_TAGS:
            open_tags.append((tag, False))
        if counts["open_hidden"]:
            return tag in ("a", "img")  # nothing of a hidden link or image is shown or numbered
        if tag == "a":
            if start:
                href = (attrs.get("href") or "").strip()
                stack.append(href if href.lower().startswith(_LINK_SCHEMES) else None)
            elif stack and (href := stack.pop()):
                links.append(href)
                parser.o(f" [{first_link + len(links) - 1}]")
            return True
        if tag == "img":
            if start:
                alt = " ".join((attrs.get("alt") or "").split())
                parser.o(f"[image: {alt}]" if alt else "[image]")
            return True
        return False

    def _close(parser: Any, tag: str) -> bool:
        """Close the innermost open element named tag (and any left open inside it); True if it was hidden.

        Only the innermost few are searched, so hostile unclosed nesting stays linear.
        """
        for index in range(len(open_tags) - 1, max(-1, len(open_tags) - 1 - _CLOSE_SEARCH), -1):
            if open_tags[index][0] == tag:
                closed = open_tags[index:]
                del open_tags[index:]
                hidden_closed = sum(1 for _, h in closed if h)
                counts["open_hidden"] -= hidden_closed
                parser.quiet -= hidden_closed
                return closed[0][1]
        return False

    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_emphasis = True
    converter.unicode_snob = True
    converter.pad_tables = True
    converter.skip_internal_links = True
    converter.tag_callback = on_tag
    text = converter.handle(html)
    converter.close()
    return Rendered(_clean_markdown(text), tuple(links), counts["hidden"])


def quote_level(line: str) -> int:
    """How many ``>`` quote markers start the line (``"> > x"`` and ``">> x"`` are both 2)."""
    match = _QUOTE_PREFIX.match(line)
    return match.group(0).count(">") if match else 0


def unflow(text: str, delsp: bool = False) -> str:
    """Undo RFC 3676 format=flowed: join soft-broken lines of equal quote depth, unstuff spaces."""
    out: list[str] = []
    current: str | None = None
    depth = 0
    for raw in text.split("\n"):
        raw = raw.removesuffix("\r")
        marks = _FLOWED_QUOTE.match(raw)
        level = len(marks.group(0)) if marks else 0
        body = raw[level:].removeprefix(" ")  # undo space-stuffing (RFC 3676 4.4)
        is_signature = body == "-- "
        flowed = body.endswith(" ") and not is_signature
        if flowed and delsp:
            body = body[:-1]
        if current is not None and level == depth:
            current += body
        else:
            if current is not None:
                out.append(_with_quote(current, depth))
            current, depth = body, level
        if not flowed:
            out.append(_with_quote(current, depth))
            current = None
    if current is not None:
        out.append(_with_quote(current, depth))
    return "\n".join(out)


def _with_quote(body: str, depth: int) -> str:
    return (">" * depth + " " + body) if depth else body


def reply_text(text: str) -> str:
    """The newest part of a message: quoted blocks, attribution lines, history and the signature removed."""
    from agentmail.mime.newtext import new_text  # lazily: its patterns compile when a message is read, not at start

    return new_text(text)
