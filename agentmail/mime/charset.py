"""Bytes to text with the fallbacks real mail needs; never raises, never loses the rest of a message.

Order: the declared charset (aliased the way browsers do: latin-1 and ascii labels mean
windows-1252), then UTF-8, then windows-1252, then the declared charset with replacement
characters, then latin-1 (which cannot fail).
"""

from __future__ import annotations

import binascii
import codecs
import quopri
import re

# Labels mail software writes that Python does not know, or knows as a narrower charset.
_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "windows-1252": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "tis-620": "cp874",
    "utf8": "utf-8",
}
_UNKNOWN = {"", "unknown", "unknown-8bit", "x-unknown", "default", "charset", "8bit", "x-user-defined"}
# Codecs that are text codecs to Python but turn escapes into controls or always fail.
_REFUSED = {"unicode_escape", "raw_unicode_escape", "undefined", "idna", "punycode", "utf_7"}
_WINDOWS_1252 = "cp1252"


def codec_for(label: str | None) -> str | None:
    """The Python codec name for a MIME charset label, or None when it is unknown or refused."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _UNKNOWN or len(name) > 64:
        return None
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED:
        return None
    return info.name


def decode_bytes(data: bytes, label: str | None) -> tuple[str, str | None]:
    """Decode ``data`` declared as ``label``; the second item says what fallback was needed, if any."""
    codec = codec_for(label)
    if codec == "utf-8":
        return _utf8_with_fallback(data)
    if codec:
        try:
            return data.decode(codec), None
        except (UnicodeDecodeError, LookupError):
            pass
    # Notes are our sentences: the label is the sender's text, so only our codec names appear in them.
    declared = "its declared charset" if label else "no declared charset"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return text, (f"the text does not fit its declared charset ({codec}); decoded as UTF-8" if codec else None)
    if codec is None:
        mixed = _mixed_utf8(data)
        if mixed is not None:
            return mixed, None
    if codec is None or codec == _WINDOWS_1252:
        try:
            text = data.decode(_WINDOWS_1252)
        except UnicodeDecodeError:
            pass
        else:
            return text, ("its declared charset is unknown; decoded as windows-1252" if label else None)
    if codec:
        return data.decode(codec, "replace"), f"the text is not valid {codec}; some characters were replaced"
    unknown = f"{declared} is unknown" if label else declared
    return data.decode("latin-1"), f"{unknown}; decoded as latin-1"


def _mixed_utf8(data: bytes, max_errors: int = 16) -> str | None:
    """Undeclared text that is UTF-8 except for a few stray windows-1252 bytes (pasted from elsewhere)."""
    out: list[str] = []
    pos = 0
    for _ in range(max_errors + 1):
        try:
            out.append(data[pos:].decode("utf-8"))
            return "".join(out)
        except UnicodeDecodeError as exc:
            out.append(data[pos : pos + exc.start].decode("utf-8"))
            bad = data[pos + exc.start : pos + exc.end]
            out.append(bad.decode(_WINDOWS_1252, "replace"))
            pos += exc.end
    return None


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """A codecs error handler: the bad UTF-8 sequence read as windows-1252 (undefined bytes become U+FFFD)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode(_WINDOWS_1252, "replace"), exc.end


_FALLBACK_HANDLER = "agentmail-cp1252"
codecs.register_error(_FALLBACK_HANDLER, _cp1252_fallback)  # a pure function: registering it twice is harmless


def _utf8_with_fallback(data: bytes) -> tuple[str, str | None]:
    """Text labelled UTF-8: each invalid byte sequence is read as windows-1252, as real mail usually means."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", _FALLBACK_HANDLER)
    return text, "the text is labelled UTF-8 but holds bytes that are not UTF-8; they were read as windows-1252"


def decode_transfer(data: bytes, encoding: str | None) -> tuple[bytes, str | None]:
    """Undo a Content-Transfer-Encoding; a damaged payload decodes as far as it can, with a note."""
    cte = (encoding or "").strip().lower()
    if cte == "base64":
        cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
        note = None
        if len(cleaned) % 4 == 1:  # one stray character cannot encode a byte: the part was cut
            cleaned = cleaned[:-1]
            note = "a base64 part was damaged or truncated; decoded what could be"
        cleaned += b"=" * (-len(cleaned) % 4)
        try:
            return binascii.a2b_base64(cleaned), note
        except binascii.Error:
            return b"", "a base64 part could not be decoded"
    if cte == "quoted-printable":
        return quopri.decodestring(data), None
    return data, None
