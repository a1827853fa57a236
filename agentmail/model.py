"""Plain data shared by every layer, and the one path from data to JSON.

Fields the *sender* wrote (names, subject, body, filenames) carry the metadata
``sender=True``; :func:`to_json` groups them under ``"content"`` so an agent can
always tell mail content apart from agentmail's own facts (uid, flags, sizes).
"""

from __future__ import annotations

import base64
import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Version of the JSON contract; a rename or removal of a field or command bumps it.
API_VERSION = 1

SENDER = {"sender": True}


def sender_field(default: Any = dataclasses.MISSING, *, default_factory: Any = dataclasses.MISSING) -> Any:
    """A dataclass field whose value was written by the message's sender."""
    if default_factory is not dataclasses.MISSING:
        return field(default_factory=default_factory, metadata=SENDER)
    return field(default=default, metadata=SENDER)


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox: display name (may be empty) and addr-spec."""

    name: str
    email: str

    def formatted(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass(frozen=True, slots=True)
class Folder:
    """One IMAP folder with its special-use role and counts."""

    name: str
    role: str | None = None  # "inbox" | "sent" | "drafts" | "trash" | "junk" | "archive" | None
    total: int = 0
    unseen: int = 0
    delimiter: str = "/"
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Summary:
    """One index row: what the list view and ``list`` show."""

    uid: int
    flags: tuple[str, ...] = ()
    size: int = 0
    date: datetime | None = None  # the Date header, parsed
    received: datetime | None = None  # INTERNALDATE: when our server stored it
    has_attachments: bool = False
    message_id: str = ""
    in_reply_to: str = ""
    depth: int = 0  # thread depth in a threaded listing
    sanitized: bool = False  # a header carried control/bidi characters that were removed
    sender: Address | None = sender_field(None)
    to: tuple[Address, ...] = sender_field(())
    cc: tuple[Address, ...] = sender_field(())
    subject: str = sender_field("")
    snippet: str = sender_field("")
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


@dataclass(frozen=True, slots=True)
class Part:
    """One MIME leaf a reader may want: an attachment, an inline image, an alternative body."""

    part_id: str  # IMAP section number ("2", "1.3"); the id ``attachment`` takes
    content_type: str
    size: int = 0  # decoded size where known, else the encoded size
    disposition: str = ""  # "attachment" | "inline" | ""
    content_id: str = ""
    filename: str = sender_field("")


@dataclass(frozen=True, slots=True)
class Header:
    """One header line, decoded (RFC 2047) and unfolded."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class AuthVerdict:
    """Sender authentication as recorded by *this* host's Authentication-Results header."""

    trusted: bool  # the header was added by our authserv-id
    local: bool = False  # submitted by a member through the local relay
    member: str = ""  # that member's name when local
    spf: str = ""
    dkim: str = ""
    dmarc: str = ""


@dataclass(frozen=True, slots=True)
class Message:
    """One decoded message: headers, chosen body text and the parts list."""

    uid: int
    folder: str
    uidvalidity: int
    flags: tuple[str, ...] = ()
    size: int = 0
    date: datetime | None = None
    received: datetime | None = None
    message_id: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    sanitized: bool = False
    notes: tuple[str, ...] = ()  # what decoding could not show, or a limit cut
    auth: AuthVerdict | None = None
    sender: Address | None = sender_field(None)
    to: tuple[Address, ...] = sender_field(())
    cc: tuple[Address, ...] = sender_field(())
    reply_to: tuple[Address, ...] = sender_field(())
    subject: str = sender_field("")
    text: str = sender_field("")  # the body as text (HTML rendered when there is no plain part)
    html: str = sender_field("")  # the raw HTML part, when there is one
    links: tuple[str, ...] = sender_field(())  # numbered references from HTML rendering
    attachments: tuple[Part, ...] = sender_field(())
    headers: tuple[Header, ...] = sender_field(())  # every header, decoded, in order


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to attach to an outgoing draft."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Draft:
    """An outgoing message before it is built; the From is always the member."""

    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    bcc: tuple[Address, ...] = ()
    subject: str = ""
    text: str = ""
    html: str = ""
    attachments: tuple[Attachment, ...] = ()
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    forward: bytes = b""  # a message attached whole as message/rfc822

    @property
    def recipients(self) -> tuple[Address, ...]:
        return self.to + self.cc + self.bcc


@dataclass(frozen=True, slots=True)
class SendResult:
    """What a submission did: the ids an agent needs to find the message again."""

    message_id: str
    recipients: int
    size: int
    sent_folder: str = ""
    sent_uid: int | None = None
    sent_uidvalidity: int | None = None
    duplicate: bool = False  # an earlier send with the same idempotency key already went out
    dry_run: bool = False
    raw: str = ""  # the built message, for --dry-run only
    # The final recipients as bare addr-specs (validated dot-atom@domain, no display names): who it went to.
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc_count: int = 0


@dataclass(frozen=True, slots=True)
class Quota:
    """Storage use of the member's quota root, in KiB as IMAP QUOTA reports it."""

    root: str
    used_kib: int
    limit_kib: int
    messages: int | None = None
    message_limit: int | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One change in a folder, as ``watch`` and ``changes`` report it."""

    kind: str  # "new" | "expunged" | "flags" | "resync_required" | "heartbeat"
    folder: str = ""
    uid: int | None = None
    flags: tuple[str, ...] = ()
    summary: Summary | None = None
    token: str = ""
    uidvalidity: int | None = None  # the folder's UIDVALIDITY the uid belongs to


@dataclass(frozen=True, slots=True)
class Account:
    """Who this session is and what the server offers: ``whoami``."""

    member: str
    address: str
    webmail_url: str
    read_only: bool = False
    capabilities: tuple[str, ...] = ()  # server extensions agentmail uses


@dataclass(frozen=True, slots=True)
class UidPair:
    """A message's uid before and after a move or copy (COPYUID, RFC 4315)."""

    uid: int
    new_uid: int | None


@dataclass(frozen=True, slots=True)
class Transfer:
    """What a move, copy, delete or restore did."""

    folder: str
    target: str  # "" when messages were expunged for good
    uids: tuple[UidPair, ...] = ()
    expunged: bool = False
    uidvalidity: int = 0  # of folder
    target_uidvalidity: int | None = None  # of target, from COPYUID; new_uid values belong to it


@dataclass(frozen=True, slots=True)
class View:
    """An ordered list of a folder's uids (with thread depth): the TUI pages summaries from it."""

    folder: str
    uidvalidity: int
    uids: tuple[int, ...] = ()
    depths: tuple[int, ...] = ()  # parallel to uids; empty when not threaded


def to_json(value: Any) -> Any:
    """Turn model values into JSON-ready data (the only such path).

    Dataclasses become objects with sender-written fields under ``"content"``;
    tuples and frozensets become lists; datetimes ISO 8601 with offset; bytes base64.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        own: dict[str, Any] = {}
        content: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            out_name = "from" if f.name == "sender" else f.name
            target = content if f.metadata.get("sender") else own
            target[out_name] = to_json(getattr(value, f.name))
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
