"""Plain data shared by every layer, and the one path from data to JSON.

Fields the *sender* wrote (names, subject, body, filenames) carry the metadata
``sender=True``; :func:`to_json` groups them under ``"content"`` so an agent can
always tell mail content apart from agentmail's own facts (uid, flags, sizes).
"""

from __future__ import annotations

import base64
import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

#: Version of the JSON contract; a rename or removal of a field or command bumps it.
API_VERSION = 1

SENDER = {"sender": True}

# A member name: lower-case letters, digits, '.', '_' and '-'; starts and ends with a letter or digit; no '..'
# (not a valid dot-atom); at most 64 characters (RFC 5321 local-part limit).  identity.py validates with it.
_MEMBER_NAME = re.compile(r"[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?")


def is_member_name(raw: object) -> bool:
    """Whether raw is an acceptable member name (it is spliced into the Dovecot master login)."""
    return isinstance(raw, str) and raw.isascii() and bool(_MEMBER_NAME.fullmatch(raw)) and ".." not in raw


def sender_field(
    default: Any = dataclasses.MISSING, *, default_factory: Any = dataclasses.MISSING, json: str = ""
) -> Any:
    """A dataclass field whose value was written by the message's sender (``json``: its name under content)."""
    metadata = {**SENDER, "json": json} if json else SENDER
    if default_factory is not dataclasses.MISSING:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def json_name(f: dataclasses.Field) -> str:
    """The name a dataclass field has in JSON answers."""
    return f.metadata.get("json") or ("from" if f.name == "sender" else f.name)


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox: display name (may be empty) and addr-spec."""

    name: str
    email: str

    def formatted(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


def delete_expunges(folder: str, trash: str | None) -> bool:
    """The delete rule: in Trash, or in a mailbox with no Trash, a delete is for good; elsewhere it moves to Trash."""
    return trash is None or folder == trash


def flag_names(flags: Iterable[object]) -> tuple[str, ...]:
    """IMAP flags and keywords as text, the one decoding for every layer (imapclient hands them over as bytes)."""
    return tuple(f.decode("utf-8", "replace") if isinstance(f, bytes) else str(f) for f in flags)


@dataclass(frozen=True, slots=True)
class Summary:
    """One index row: what the list view and ``list`` show."""

    uid: int
    flags: tuple[str, ...] = ()
    size: int = 0
    date: datetime | None = None  # the Date header, parsed
    received: datetime | None = None  # INTERNALDATE: when our server stored it
    has_attachments: bool = False
    message_id: str = ""  # a strictly valid <id@host> (mime.vocab), else ""; the sender's text is in content
    in_reply_to: str = ""
    depth: int = 0  # thread depth in a threaded listing
    sanitized: bool = False  # a header carried control/bidi characters that were removed
    sender: Address | None = sender_field(None)
    to: tuple[Address, ...] = sender_field(())
    cc: tuple[Address, ...] = sender_field(())
    subject: str = sender_field("")
    snippet: str = sender_field("")
    declared_message_id: str = sender_field("", json="message_id")  # the header as written, cleaned
    declared_in_reply_to: str = sender_field("", json="in_reply_to")
    preview: str = sender_field("")  # with --preview N: up to N characters of the new text ("" otherwise)

    @property
    def is_unread(self) -> bool:
        return "\\Seen" not in self.flags


@dataclass(frozen=True, slots=True)
class Page:
    """A window of a folder listing, newest first."""

    folder: str
    uidvalidity: int
    total: int
    items: tuple[Summary, ...] = ()
    next_cursor: str | None = None  # pass to ``list --cursor`` for the next (older) window


if TYPE_CHECKING:  # what __getattr__ below hands out, as type checkers should see it (explicit re-exports)
    from agentmail.model_more import FAILING_RESULTS as FAILING_RESULTS
    from agentmail.model_more import Account as Account
    from agentmail.model_more import Attachment as Attachment
    from agentmail.model_more import AuthVerdict as AuthVerdict
    from agentmail.model_more import Draft as Draft
    from agentmail.model_more import Event as Event
    from agentmail.model_more import EventKind as EventKind
    from agentmail.model_more import Folder as Folder
    from agentmail.model_more import FolderRoles as FolderRoles
    from agentmail.model_more import Header as Header
    from agentmail.model_more import Message as Message
    from agentmail.model_more import MessageFacts as MessageFacts
    from agentmail.model_more import Part as Part
    from agentmail.model_more import Proposal as Proposal
    from agentmail.model_more import ProposalRef as ProposalRef
    from agentmail.model_more import Quota as Quota
    from agentmail.model_more import SendResult as SendResult
    from agentmail.model_more import Transfer as Transfer
    from agentmail.model_more import TrustAnchors as TrustAnchors
    from agentmail.model_more import UidPair as UidPair
    from agentmail.model_more import View as View
    from agentmail.model_more import ViewPrefs as ViewPrefs
    from agentmail.model_more import describe_verdict as describe_verdict

#: Names :mod:`agentmail.model_more` defines; they are loaded on first use (see :func:`__getattr__`).
_MORE = frozenset(
    {
        "FAILING_RESULTS",
        "Account",
        "Attachment",
        "Draft",
        "Folder",
        "FolderRoles",
        "Header",
        "Proposal",
        "ProposalRef",
        "SendResult",
        "View",
        "ViewPrefs",
        "AuthVerdict",
        "Event",
        "EventKind",
        "Message",
        "MessageFacts",
        "Part",
        "Quota",
        "Transfer",
        "TrustAnchors",
        "UidPair",
        "describe_verdict",
    }
)


def __getattr__(name: str) -> Any:
    """The types a listing never builds live in model_more, created only when first asked for."""
    if name in _MORE:
        from agentmail import model_more

        return getattr(model_more, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def to_json(value: Any) -> Any:
    """Turn model values into JSON-ready data (the only such path).

    Dataclasses become objects with sender-written fields under ``"content"``;
    tuples and frozensets become lists; datetimes ISO 8601 with offset; bytes base64.
    """
    if value is None or type(value) in _PLAIN:  # most values of an answer: returned as they are, checked first
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        own: dict[str, Any] = {}
        content: dict[str, Any] = {}
        for name, out_name, sender, omit_none, omit_empty in _json_fields(type(value)):
            field_value = getattr(value, name)
            if (omit_none and field_value is None) or (omit_empty and field_value == ""):
                continue  # a field that says nothing is left out, not null (the schema says so too)
            (content if sender else own)[out_name] = to_json(field_value)
        if content:
            own["content"] = content
        return own
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (tuple, list)):
        return [to_json(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(to_json(v) for v in value)
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


_PLAIN = frozenset({str, int, float, bool})
_JSON_FIELDS: dict[type, tuple[tuple[str, str, bool, bool, bool], ...]] = {}


def _json_fields(cls: type) -> tuple[tuple[str, str, bool, bool, bool], ...]:
    """Per dataclass, once: each field's name, JSON name, whether the sender wrote it, whether None or "" is left out
    (a listing turns 50 summaries of 18 fields; asking ``dataclasses.fields`` each time cost a millisecond)."""
    found = _JSON_FIELDS.get(cls)
    if found is None:
        found = tuple(
            (
                f.name,
                json_name(f),
                bool(f.metadata.get("sender")),
                bool(f.metadata.get("omit_none")),
                bool(f.metadata.get("omit_empty")),
            )
            for f in dataclasses.fields(cls)
        )
        _JSON_FIELDS[cls] = found
    return found
