"""The only path from untrusted (sender-written) text to a terminal.

Choices, made once here:

* Escape sequences are removed whole, payload included: CSI (``ESC [`` and 8-bit ``0x9b``),
  OSC/DCS/SOS/PM/APC strings up to BEL or ST (or the end of the line when unterminated,
  so a hostile unterminated OSC cannot swallow the rest of a body), and every other
  ``ESC x`` sequence.  Then every remaining C0/C1 control and DEL is removed.
* Bidi overrides, embeddings, isolates and marks, zero-width characters, invisible
  operators, interlinear annotations and Unicode tag characters are *removed*, not marked:
  removal also defeats the "invoice<RLO>fdp.exe" filename trick (it then reads
  "invoicefdp.exe", the real extension last) and keeps invisible text out of what an
  agent reads.  The price is cosmetic: emoji ZWJ sequences show as their separate emoji.
* ``\\r\\n``, lone ``\\r`` and U+2028/U+2029 become ``\\n`` (a lone CR would let a line
  overwrite itself); unpaired surrogates (undecodable bytes) become U+FFFD.
* JSON answers are text on a terminal too: :func:`escape_json` writes every character this
  module would remove as a ``\\u`` escape, so the JSON keeps its meaning and the terminal sees
  none of them raw.  The same character classes serve both, so they cannot drift apart.
"""

from __future__ import annotations

import re

_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")

# Escape sequences (ECMA-48).  Order matters: strings and CSI before the generic ESC form.
_ESCAPES = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"  # OSC DCS SOS PM APC
    r"|(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"  # CSI
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"  # any other escape, including a lone ESC
)

# Invisible or reordering characters a sender can use to hide or disguise text.
_INVISIBLE_CLASS = (
    "\u061c"  # Arabic letter mark
    "\u180e"  # Mongolian vowel separator
    "\u200b-\u200f"  # zero-width space/non-joiner/joiner, LRM, RLM
    "\u202a-\u202e"  # bidi embeddings and overrides
    "\u2060-\u206f"  # word joiner, invisible operators, bidi isolates, deprecated format chars
    "\ufeff"  # zero-width no-break space (BOM)
    "\ufff9-\ufffb"  # interlinear annotation
    "\U000e0000-\U000e007f"  # tag characters ("ASCII smuggling")
)
_CONTROL_CLASS = "\x00-\x08\x0b-\x1f\x7f-\x9f"
_REMOVE = re.compile(f"[{_CONTROL_CLASS}{_INVISIBLE_CLASS}]+")
_INVISIBLE = re.compile(f"[\x00{_INVISIBLE_CLASS}]+")
#: Each unpaired surrogate becomes U+FFFD by str.translate: the pattern "[\ud800-\udfff]" cost re about 1.8 million
#: instructions to compile at every start-up (it sets 2,048 entries one by one), and is needed only by text
#: that UTF-8 cannot encode, which is rare.
_SURROGATES = dict.fromkeys(range(0xD800, 0xE000), "\ufffd")
_UNSAFE = re.compile(f"[{_CONTROL_CLASS}{_INVISIBLE_CLASS}\ud800-\udfff\u2028\u2029]")
_LINE_BREAKS = re.compile(r"[ \t\n]*[\t\n][ \t\n]*")
_PATH_CHARS = re.compile(r"[/\\]")
_MAX_FILENAME_BYTES = 255


def _plain(s: str) -> bool:
    """Printable ASCII (space to ``~``): nothing in it for any of these functions to remove or change.

    Most header values are; the check runs in C and spares an index page its regex passes.
    """
    return s.isascii() and s.isprintable()


def scrub(s: str) -> str:
    """Remove NUL and replace unpaired surrogates: what every model string needs to be valid UTF-8 JSON."""
    if "\x00" in s:
        s = s.replace("\x00", "")
    if s.isascii():  # no surrogates
        return s
    try:
        s.encode("utf-8")  # fails on a surrogate and on nothing else
    except UnicodeEncodeError:
        return s.translate(_SURROGATES)
    return s


def strip_invisible(s: str) -> str:
    """Remove NUL, bidi and zero-width characters: for sender-written one-line fields given to agents."""
    if _plain(s):
        return s
    return _INVISIBLE.sub("", scrub(s))


def clean_text(s: str) -> str:
    """Make a body safe to print: escapes and controls removed, newlines normalised, tabs kept."""
    if _plain(s):
        return s
    s = _NEWLINES.sub("\n", scrub(s))
    s = _ESCAPES.sub("", s)
    return _REMOVE.sub("", s)


def clean_line(s: str) -> str:
    """Make a header, name, filename or folder name safe to print on one line."""
    if _plain(s):
        return s.strip(" ")
    return _LINE_BREAKS.sub(" ", clean_text(s)).strip(" ")


def clean_filename(s: str) -> str:
    """A name safe to print and to save under: no path separators, no leading dots, never empty."""
    name = _PATH_CHARS.sub("_", clean_line(s)).lstrip(". ")
    encoded = name.encode("utf-8")
    if len(encoded) > _MAX_FILENAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        keep = ext if dot and len(ext.encode("utf-8")) <= 16 else ""
        budget = _MAX_FILENAME_BYTES - len(keep.encode("utf-8")) - (1 if keep else 0)
        head = (stem if keep else name).encode("utf-8")[:budget].decode("utf-8", "ignore")
        name = f"{head}.{keep}" if keep else head
    return name or "attachment"


def escape_json(json_text: str) -> str:
    """JSON text with every character :func:`is_terminal_safe` refuses written as a ``\\u`` escape.

    Only string contents can hold such characters (JSON's own syntax is ASCII), and there an
    escape means the same character, so the decoded value is unchanged.
    """
    return _UNSAFE.sub(_json_escape, json_text)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # outside the BMP: JSON spells it as a UTF-16 surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def is_terminal_safe(s: str) -> bool:
    """True when printing ``s`` cannot move the cursor, change modes or hide and reorder text."""
    return _UNSAFE.search(s) is None


def needs_cleaning(s: str) -> bool:
    """True when a header value carries characters :func:`clean_line` must remove (flagged to agents).

    A line break or what :func:`is_terminal_safe` refuses: one pattern fewer to compile at start-up (each of
    these big character classes costs about half a millisecond).
    """
    return "\n" in s or _UNSAFE.search(s) is not None
