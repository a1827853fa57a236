"""Body text a person reads: HTML rendered to plain text, format=flowed undone, quotes understood.

Nothing here fetches anything: HTML images and links become text and numbered references.
The pager wraps lines, so nothing here wraps.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

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
    # html2text's table padding fails on some hostile markup (``</table><table>``); a sender's HTML must never
    # stop a message from being read, so fall back to unpadded tables, then to the bare text nodes.
    for pad_tables in (True, False):
        try:
            return _convert(html, first_link, pad_tables=pad_tables)
        except Exception as exc:  # html2text raises IndexError/AssertionError from its internals
            log.debug("html2text failed (%s); trying a simpler rendering", type(exc).__name__)
    return Rendered(_clean_markdown(_bare_text(html)), ())


def _convert(html: str, first_link: int, *, pad_tables: bool) -> Rendered:
    import html2text  # lazily: the agent path must start fast and rarely renders HTML

    tags = _TagFilter(first_link)
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_emphasis = True
    converter.unicode_snob = True
    converter.pad_tables = pad_tables
    converter.skip_internal_links = True
    converter.tag_callback = tags.on_tag  # type: ignore[assignment]  # html2text declares it None
    text = converter.handle(html)
    converter.close()
    return Rendered(_clean_markdown(text), tuple(tags.links), tags.hidden)


def _bare_text(html: str) -> str:
    """The last resort when html2text itself fails: the document's text nodes, script and style left out."""
    from html.parser import HTMLParser

    chunks: list[str] = []
    skipping: list[str] = []

    class _Text(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in ("script", "style"):
                skipping.append(tag)
            elif tag in ("br", "p", "div", "tr", "li"):
                chunks.append("\n")

        def handle_endtag(self, tag: str) -> None:
            if skipping and skipping[-1] == tag:
                skipping.pop()

        def handle_data(self, data: str) -> None:
            if not skipping:
                chunks.append(data)

    parser = _Text(convert_charrefs=True)
    try:
        parser.feed(html)
        parser.close()
    except Exception as exc:  # the stdlib parser is lenient, but what it raises must not reach the reader
        log.debug("html.parser failed (%s)", type(exc).__name__)
    return "".join(chunks)


class _TagFilter:
    """html2text's tag callback: drops what a browser hides, numbers links, writes images as their alt text."""

    def __init__(self, first_link: int) -> None:
        self.first_link = first_link
        self.links: list[str] = []
        self.hrefs: list[str | None] = []  # one per open <a>: its target, or None when it is not a link we show
        self.open_tags: list[tuple[str, bool]] = []  # (tag, hidden) for open non-void elements
        self.hidden = 0  # hidden elements seen
        self.open_hidden = 0  # hidden elements still open: everything inside them is quiet

    def on_tag(self, parser: Any, tag: str, attrs: dict[str, str | None], start: bool) -> bool:
        """True when the tag was handled here (html2text then skips it)."""
        if start and _is_hidden(attrs):
            self._open_hidden(parser, tag)
            return True
        if not start and tag not in _VOID_TAGS:
            if self._close(parser, tag):
                return True
        elif start and tag not in _VOID_TAGS and len(self.open_tags) < _MAX_OPEN_TAGS:
            self.open_tags.append((tag, False))
        if self.open_hidden:
            return tag in ("a", "img")  # nothing of a hidden link or image is shown or numbered
        if tag == "a":
            self._link(parser, attrs, start)
            return True
        if tag == "img":
            if start:
                alt = " ".join((attrs.get("alt") or "").split())
                parser.o(f"[image: {alt}]" if alt else "[image]")
            return True
        return False

    def _open_hidden(self, parser: Any, tag: str) -> None:
        self.hidden += 1
        if tag not in _VOID_TAGS:
            self.open_tags.append((tag, True))
            self.open_hidden += 1
            parser.quiet += 1

    def _link(self, parser: Any, attrs: dict[str, str | None], start: bool) -> None:
        """An <a> opens (remember its target) or closes (number it after the link text)."""
        if start:
            href = (attrs.get("href") or "").strip()
            self.hrefs.append(href if href.lower().startswith(_LINK_SCHEMES) else None)
        elif self.hrefs and (target := self.hrefs.pop()):
            self.links.append(target)
            parser.o(f" [{self.first_link + len(self.links) - 1}]")

    def _close(self, parser: Any, tag: str) -> bool:
        """Close the innermost open element named tag (and any left open inside it); True if it was hidden.

        Only the innermost few are searched, so hostile unclosed nesting stays linear.
        """
        open_tags = self.open_tags
        for index in range(len(open_tags) - 1, max(-1, len(open_tags) - 1 - _CLOSE_SEARCH), -1):
            if open_tags[index][0] == tag:
                closed = open_tags[index:]
                del open_tags[index:]
                hidden_closed = sum(1 for _, h in closed if h)
                self.open_hidden -= hidden_closed
                parser.quiet -= hidden_closed
                return closed[0][1]
        return False


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
