"""The text of an attached document: text/*, HTML (rendered), PDF, DOCX and ODT; pure, no programs run.

PDF goes through pypdf (pure Python, BSD, actively maintained; no external programs,
no C extensions).  DOCX and ODT are zip files of XML: the standard library's zipfile and
ElementTree read them (python-docx would pull in lxml, a C extension, for what is a few
dozen lines here); expat >= 2.4 refuses entity-expansion bombs, ElementTree never loads
external entities, a member that declares a DOCTYPE or entities is refused before parsing, and
every zip member is read with a byte cap so a zip bomb stops early.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree

from agentmail.errors import UnsupportedError
from agentmail.mime.charset import decode_bytes
from agentmail.mime.render import HIDDEN_NOTE, render_html

#: Stop extracting after this many characters (the answer pages through them).
MAX_TEXT_CHARS = 2_000_000
#: At most this many bytes of one XML member of a DOCX/ODT are decompressed.
MAX_XML_BYTES = 64 * 1024 * 1024
MAX_PDF_PAGES = 2000
# Our own words: decode_bytes' notes quote the sender's charset label, which must not reach a note.
CHARSET_NOTE = "the part's text did not fit its declared charset; it was decoded with a fallback"

DOCX_TYPES = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",)
ODT_TYPES = ("application/vnd.oasis.opendocument.text",)
_GENERIC = ("application/octet-stream", "application/x-download", "application/force-download", "")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


@dataclass(frozen=True, slots=True)
class Extracted:
    """A document's text, what kind it was read as, and notes in our own words."""

    text: str
    kind: str  # "text" | "html" | "pdf" | "docx" | "odt"
    notes: tuple[str, ...] = ()


def kind_of(content_type: str, filename: str = "") -> str | None:
    """Which reader fits a part, by its type (or by the file name when the type says nothing)."""
    ctype = content_type.strip().lower()
    name = filename.strip().lower()
    if ctype == "text/html":
        return "html"
    if ctype.startswith("text/"):
        return "text"
    if ctype == "application/pdf" or (ctype in _GENERIC and name.endswith(".pdf")):
        return "pdf"
    if ctype in DOCX_TYPES or (ctype in _GENERIC and name.endswith(".docx")):
        return "docx"
    if ctype in ODT_TYPES or (ctype in _GENERIC and name.endswith(".odt")):
        return "odt"
    return None


def extract_text(data: bytes, content_type: str, filename: str = "", charset: str | None = None) -> Extracted:
    """The text of one decoded part; UnsupportedError for other types or a document that cannot be read."""
    kind = kind_of(content_type, filename)
    if kind is None:
        raise UnsupportedError(
            f"agentmail cannot read a {content_type.strip().lower()[:80] or 'typeless'} part as text;"
            " text, HTML, PDF, DOCX and ODT parts can be read",
            details={"content_type": content_type[:200]},
        )
    notes: list[str] = []
    if kind == "text":
        text, note = decode_bytes(data, charset)
        notes += [CHARSET_NOTE] if note else []
    elif kind == "html":
        source, note = decode_bytes(data, charset)
        notes += [CHARSET_NOTE] if note else []
        rendered = render_html(source[:MAX_TEXT_CHARS])
        text = rendered.text + _links(rendered.links)
        notes += [HIDDEN_NOTE] if rendered.hidden else []
    elif kind == "pdf":
        text = _pdf_text(data, notes)
    else:
        text = _office_text(data, kind)
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
        notes.append(f"text cut at {MAX_TEXT_CHARS:,} characters")
    return Extracted(text.replace("\r\n", "\n"), kind, tuple(notes))


def _links(links: tuple[str, ...]) -> str:
    if not links:
        return ""
    return "\n\n" + "\n".join(f"[{n}] {url}" for n, url in enumerate(links, 1))


def _pdf_text(data: bytes, notes: list[str]) -> str:
    import logging

    from pypdf import PdfReader  # lazily: only attachment --text needs it
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about damaged files are not ours to print
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UnsupportedError("the PDF is encrypted; agentmail cannot read its text")
        pages: list[str] = []
        total = 0
        for number, page in enumerate(reader.pages):
            if number >= MAX_PDF_PAGES or total > MAX_TEXT_CHARS:
                notes.append(f"only the first {number} pages were read")
                break
            text = page.extract_text() or ""
            pages.append(text)
            total += len(text)
    except UnsupportedError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError, OSError):
        raise UnsupportedError("the PDF is damaged or not a PDF; agentmail cannot read its text") from None
    except Exception as exc:  # pypdf raises many kinds on hostile files: every one is "cannot read"
        raise UnsupportedError(f"the PDF cannot be read ({type(exc).__name__})") from None
    return "\n\n".join(p.strip("\n") for p in pages)


def _office_text(data: bytes, kind: str) -> str:
    member = "word/document.xml" if kind == "docx" else "content.xml"
    label = "DOCX" if kind == "docx" else "ODT"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(member) as stream:
            xml = stream.read(MAX_XML_BYTES + 1)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, RuntimeError, NotImplementedError, ValueError):
        raise UnsupportedError(f"the {label} file is damaged; agentmail cannot read its text") from None
    if len(xml) > MAX_XML_BYTES:
        raise UnsupportedError(f"the {label} file's text is larger than {MAX_XML_BYTES // (1024 * 1024)} MiB")
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:  # never in DOCX/ODT; refusing them rules out entity tricks
        raise UnsupportedError(f"the {label} file declares XML entities; agentmail does not read such files")
    try:
        paragraphs = list(_docx_paragraphs(xml) if kind == "docx" else _odt_paragraphs(xml))
    except ElementTree.ParseError:
        raise UnsupportedError(f"the {label} file's XML is damaged; agentmail cannot read its text") from None
    return "\n".join(paragraphs)


def _docx_paragraphs(xml: bytes) -> Iterator[str]:
    """w:p paragraphs in order; w:t text, w:tab and w:br inside them."""
    pieces: list[str] = []
    for _, element in ElementTree.iterparse(io.BytesIO(xml), events=("end",)):  # noqa: S314 -- no DTD, see above
        tag = element.tag
        if tag == f"{_W}t":
            pieces.append(element.text or "")
        elif tag == f"{_W}tab":
            pieces.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            pieces.append("\n")
        elif tag == f"{_W}p":
            yield "".join(pieces)
            pieces = []
            element.clear()


def _odt_paragraphs(xml: bytes) -> Iterator[str]:
    """text:p and text:h in order, with text:s (spaces), text:tab and text:line-break."""
    root = ElementTree.fromstring(xml)  # noqa: S314 -- no DTD or entities: refused before parsing
    for element in root.iter():
        if element.tag in (f"{_TEXT_NS}p", f"{_TEXT_NS}h"):
            yield "".join(_odt_inline(element))


def _odt_inline(element: ElementTree.Element) -> Iterator[str]:
    if element.text:
        yield element.text
    for child in element:
        if child.tag == f"{_TEXT_NS}s":
            count = child.get(f"{_TEXT_NS}c") or "1"
            yield " " * (min(1000, int(count)) if count.isdigit() else 1)
        elif child.tag == f"{_TEXT_NS}tab":
            yield "\t"
        elif child.tag == f"{_TEXT_NS}line-break":
            yield "\n"
        elif child.tag not in (f"{_TEXT_NS}p", f"{_TEXT_NS}h"):  # nested paragraphs are yielded on their own
            yield from _odt_inline(child)
        if child.tail:
            yield child.tail
