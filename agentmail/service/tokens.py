"""Opaque tokens handed to agents (list cursors, change tokens): one base64url-JSON codec for all of them.

A token is not a secret (an agent may decode it), but it is ours: one that was cut, altered, grew too long
or is of another kind (a list cursor given to ``changes --since``) is refused with a usage error before any
of its values is used.  The wire format is unchanged from the tokens agents already hold: compact JSON,
base64url without padding, behind a kind's prefix (``all.`` for an ``--all-folders`` change token).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from agentmail.errors import UsageError

#: Longer than any token agentmail gives out (an --all-folders token of a few hundred folders).
MAX_TOKEN = 64 * 1024
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_MAX_NUMBER = 2**63 - 1  # uids, UIDVALIDITY, modseqs and offsets are unsigned 32/63-bit numbers

#: The JSON types a field may hold: a token's numbers are whole and never negative (bool is not a number here).
Types = tuple[type, ...]


class Kind:
    """One kind of token: its prefix, the fields it must and may carry, and the sentence that refuses it."""

    __slots__ = ("check", "optional", "prefix", "refusal", "required", "sort_keys", "version")

    def __init__(
        self,
        refusal: str,
        required: Mapping[str, Types],
        optional: Mapping[str, Types] | None = None,
        *,
        prefix: str = "",
        version: int | None = None,
        sort_keys: bool = True,
        check: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        self.refusal = refusal
        self.required = dict(required)
        self.optional = dict(optional or {})
        self.prefix = prefix
        self.version = version  # when set, the token's "v" must be exactly this
        self.sort_keys = sort_keys
        self.check = check  # a last look at the decoded fields (nested values)


def encode(kind: Kind, fields: Mapping[str, Any]) -> str:
    """The token for these fields: prefix + base64url(compact JSON), padding stripped."""
    raw = json.dumps(fields, separators=(",", ":"), sort_keys=kind.sort_keys).encode()
    return kind.prefix + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(kind: Kind, token: object) -> dict[str, Any]:
    """The fields of a token of this kind; a UsageError with the kind's sentence for anything else."""
    fields = _fields(kind, token)
    if fields is None or not _valid(kind, fields):
        raise UsageError(kind.refusal)
    return fields


def _fields(kind: Kind, token: object) -> dict[str, Any] | None:
    if not isinstance(token, str) or len(token) > MAX_TOKEN or not token.startswith(kind.prefix):
        return None
    body = token[len(kind.prefix) :]
    if not _BASE64URL.fullmatch(body):  # b64decode would silently skip foreign characters
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, binascii.Error):  # bad padding, not UTF-8, not JSON
        return None
    return data if isinstance(data, dict) else None


def _valid(kind: Kind, fields: dict[str, Any]) -> bool:
    if kind.version is not None and not (type(fields.get("v")) is int and fields["v"] == kind.version):
        return False
    if any(name not in fields for name in kind.required):
        return False
    for name, types in (*kind.required.items(), *kind.optional.items()):
        if name in fields and not _holds(fields[name], types):
            return False
    return kind.check is None or kind.check(fields)


def _holds(value: Any, types: Types) -> bool:
    if type(value) not in types:  # exact: True is not a uid
        return False
    return not isinstance(value, int) or 0 <= value <= _MAX_NUMBER


_NUMBER: Types = (int,)
_TEXT: Types = (str,)


def _folder_tokens(fields: dict[str, Any]) -> bool:
    folders = fields["folders"]
    return all(isinstance(name, str) and isinstance(token, str) for name, token in folders.items())


#: ``list``/``search`` ``next_cursor``: the listing's shape and where the next page starts (k: below uid, o: offset).
CURSOR = Kind(
    "the cursor is not one agentmail gave out",
    {"uv": _NUMBER, "shape": _TEXT},
    {"fb": (int, type(None)), "k": _NUMBER, "o": _NUMBER},
)
#: ``changes``/``watch`` token of one folder: UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ and the decision log's length.
CHANGES = Kind(
    "the token is not one agentmail gave out",
    {"f": _TEXT, "uv": _NUMBER, "un": _NUMBER, "ms": _NUMBER},
    {"pq": _NUMBER},
    version=1,
    sort_keys=False,
)
#: ``changes --all-folders`` token: one CHANGES token per folder.
ALL_FOLDERS = Kind(
    "the token is not an --all-folders token agentmail gave out",
    {"folders": (dict,)},
    prefix="all.",
    version=1,
    check=_folder_tokens,
)
