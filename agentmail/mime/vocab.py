"""Sender text reduced to tokens we own: strict message ids, content ids and media types.

What a sender wrote in these headers is kept (cleaned) under ``content``; the fields
outside ``content`` carry only a value that passes one of these checks, or nothing.
"""

from __future__ import annotations

import re

# RFC 5322 3.6.4 msg-id without the obsolete forms: "<" dot-atom-text "@" (dot-atom-text / no-fold-literal) ">".
_ATEXT = r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]"
_DOT_ATOM = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
_NO_FOLD_LITERAL = r"\[[!-Z^-~]*\]"
_MSG_ID = re.compile(rf"<{_DOT_ATOM}@(?:{_DOT_ATOM}|{_NO_FOLD_LITERAL})>", re.ASCII)
# A Content-ID is a msg-id too, but common mailers (Gmail's "ii_...") leave out the "@host": that form
# is still only atext and dots, so it is accepted here.  This and _MEDIA_TYPE are compiled (and cached by re)
# on first use: only a message's parts need them, and a listing (which checks msg-ids) builds none.
_CONTENT_ID = rf"{_DOT_ATOM}(?:@(?:{_DOT_ATOM}|{_NO_FOLD_LITERAL}))?"
#: Longer ids are not ours to repeat: real ones are well under this.
MAX_MSG_ID_CHARS = 250

# RFC 6838 4.2 restricted-name, both halves: a letter or digit first, at most 127 characters.
_NAME = r"[a-z0-9][a-z0-9!#$&^_.+\-]{0,126}"
_MEDIA_TYPE = rf"{_NAME}/{_NAME}"
OCTET_STREAM = "application/octet-stream"


def msg_id(value: str | None) -> str | None:
    """``value`` when it is a strictly valid ``<id@host>`` of bounded length, else None."""
    if value and len(value) <= MAX_MSG_ID_CHARS and _MSG_ID.fullmatch(value):
        return value
    return None


def msg_ids(values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The strictly valid ids of a list, in order; the others are dropped."""
    return tuple(v for v in values if msg_id(v))


def content_id(value: str | None) -> str | None:
    """A Content-ID (stored without its angle brackets) made only of msg-id characters, else None."""
    if value and len(value) <= MAX_MSG_ID_CHARS - 2 and re.fullmatch(_CONTENT_ID, value, re.ASCII):
        return value
    return None


def media_type(value: str | None) -> str:
    """A valid lower-case ``type/subtype`` token, or ``application/octet-stream``."""
    text = (value or "").strip().lower()
    return text if re.fullmatch(_MEDIA_TYPE, text, re.ASCII) else OCTET_STREAM
