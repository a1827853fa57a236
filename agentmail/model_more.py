"""The model types a listing never builds: a message read whole, its parts and verdict, account facts, events,
folders and views (the reader's), drafts, sends and proposals.

They are plain dataclasses like the rest of :mod:`agentmail.model`, which hands them out by name (``from
agentmail.model import Message`` keeps working): creating a frozen dataclass compiles its methods, about half a
millisecond each, and ``--json list`` (the call agents make most) should not pay that for types it never uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from agentmail.model import Address, Summary, delete_expunges, is_member_name, sender_field
from agentmail.uidlist import UidList

# agentmail.model lists the names it hands out (_MORE); tests/unit/test_layers.py checks they match.


@dataclass(frozen=True, slots=True)
class Header:
    """One header line, decoded (RFC 2047) and unfolded: a message read whole lists them; an index row does not."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Part:
    """One MIME leaf a reader may want: an attachment, an inline image, an alternative body."""

    part_id: str  # IMAP section number ("2", "1.3"); the id ``attachment`` takes
    content_type: str  # a valid type/subtype token, else application/octet-stream
    size: int = 0  # decoded size where known, else the encoded size
    disposition: str = ""  # "attachment" | "inline" | ""
    content_id: str = ""  # without <>, when it is made of msg-id characters only (mime.vocab); else ""
    filename: str = sender_field("")
    declared_content_id: str = sender_field("", json="content_id")  # the Content-ID as written, cleaned
    declared_content_type: str = sender_field("", json="content_type")  # the type as declared, cleaned


@dataclass(frozen=True, slots=True)
class TrustAnchors:
    """What this host's own evidence looks like; built from Settings by the service layer."""

    authserv_id: str = ""  # our Authentication-Results authserv-id
    mta_hostname: str = ""  # the name our Postfix writes as "by <name>" in its Received line
    addr_domain: str = ""  # members are <name>@<this>
    signing_key: bytes = field(default=b"", repr=False)


@dataclass(frozen=True, slots=True)
class AuthVerdict:
    """Who this host can vouch for: its own Authentication-Results, and agentmail's own signature.

    ``level`` and ``summary`` are derived (:func:`describe_verdict`), so every front end shows the same verdict.
    """

    trusted: bool  # results from our authserv-id, standing above our MTA's topmost Received line
    local: bool = False  # agentmail's signature verified: sent by a member of this host through agentmail
    member: str = ""  # that member's (validated) name when local
    spf: str = ""
    dkim: str = ""
    dmarc: str = ""
    level: str = field(init=False, default="")  # "member" | "pass" | "fail" | "neutral" | "unverified"
    summary: str = field(init=False, default="")  # our one sentence for it; no sender text

    def __post_init__(self) -> None:
        if not (self.local and is_member_name(self.member)):  # no verdict ever names anything but a valid member
            object.__setattr__(self, "local", False)
            object.__setattr__(self, "member", "")
        level, summary = describe_verdict(self)
        object.__setattr__(self, "level", level)
        object.__setattr__(self, "summary", summary)


#: Result values (RFC 8601 section 2.7) that mean the check did not pass.
FAILING_RESULTS = frozenset({"fail", "softfail", "permerror", "temperror", "policy", "hardfail"})


def describe_verdict(auth: AuthVerdict) -> tuple[str, str]:
    """The one (level, sentence) both the TUI and the JSON answers show for a verdict."""
    if auth.local:
        return "member", f"sent by member {auth.member} of this host (agentmail signature verified)"
    found = [(name, value) for name, value in (("dkim", auth.dkim), ("spf", auth.spf), ("dmarc", auth.dmarc)) if value]
    text = " ".join(f"{name}={value}" for name, value in found) or "no results"
    if not auth.trusted:
        return "unverified", f"{text} (not recorded by this host: unverified)"
    values = [value.lower() for _, value in found]
    if any(value in FAILING_RESULTS for value in values):
        return "fail", f"{text} (this host)"
    if "pass" in values:
        return "pass", f"{text} (this host)"
    return "neutral", f"{text} (this host)"


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What the server says about a stored message besides its bytes: imap/ reads it, mime/ copies it into a Message."""

    uid: int
    folder: str
    uidvalidity: int
    flags: tuple[str | bytes, ...] = ()  # as FETCH FLAGS answered (imapclient: bytes); model.flag_names decodes
    size: int | None = None  # RFC822.SIZE; None: the length of the bytes that were read
    received: datetime | None = None  # INTERNALDATE


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
    message_id: str = ""  # a strictly valid <id@host> (mime.vocab), else ""; the sender's text is in content
    in_reply_to: str = ""
    references: tuple[str, ...] = ()  # only the strictly valid ids
    sanitized: bool = False
    notes: tuple[str, ...] = ()  # what decoding could not show, or a limit cut: our sentences only
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
    declared_message_id: str = sender_field("", json="message_id")  # the header as written, cleaned
    declared_in_reply_to: str = sender_field("", json="in_reply_to")
    declared_references: tuple[str, ...] = sender_field((), json="references")


@dataclass(frozen=True, slots=True)
class Quota:
    """Storage use of the member's quota root, in KiB as IMAP QUOTA reports it."""

    root: str
    used_kib: int
    limit_kib: int
    messages: int | None = None
    message_limit: int | None = None


#: What an event reports; ``reconnecting``: watch lost the server and waits to retry (it resumes from the token).
#: ``proposal_*``: the member decided on one of this agent's proposals (approved: sent as proposed, with its
#: Message-ID; rejected: with the member's reason under content; withdrawn: the member took it over to edit).
EventKind = Literal[
    "new",
    "expunged",
    "flags",
    "resync_required",
    "ready",
    "heartbeat",
    "reconnecting",
    "proposal_approved",
    "proposal_rejected",
    "proposal_withdrawn",
]


@dataclass(frozen=True, slots=True)
class Event:
    """One change in a folder, as ``watch`` and ``changes`` report it."""

    kind: EventKind
    folder: str = ""
    uid: int | None = None
    flags: tuple[str, ...] = ()
    summary: Summary | None = None
    token: str = ""
    uidvalidity: int | None = None  # the folder's UIDVALIDITY the uid belongs to
    # proposal_* events: the proposal's id (folder/uid: where it sat in Drafts); omitted from JSON when None
    proposal: str | None = field(default=None, metadata={"omit_none": True})
    # proposal_approved: the Message-ID that was sent; omitted from JSON when None
    message_id: str | None = field(default=None, metadata={"omit_none": True})
    # proposal_rejected: the member's reason (one cleaned line); omitted from JSON when None
    reason: str | None = field(default=None, metadata={"sender": True, "json": "reason", "omit_none": True})


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
class Folder:
    """One IMAP folder with its special-use role and counts."""

    name: str
    role: str | None = None  # "inbox" | "sent" | "drafts" | "trash" | "junk" | "archive" | None
    total: int = 0
    unseen: int = 0
    delimiter: str = "/"
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FolderRoles:
    """Which folder plays which role (inbox, sent, drafts, trash, ...), as the service resolved them."""

    by_role: tuple[tuple[str, str], ...] = ()  # (role, folder name)

    def folder_for(self, role: str) -> str | None:
        return next((name for r, name in self.by_role if r == role), None)

    def role_of(self, folder: str) -> str | None:
        return next((r for r, name in self.by_role if name == folder), None)

    def delete_expunges(self, folder: str) -> bool:
        """Whether deleting in this folder is for good (see :func:`delete_expunges`)."""
        return delete_expunges(folder, self.folder_for("trash"))


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
    # Under a `draft` key (or outside a `send` key's allow-list) nothing was sent: the exact message waits in
    # Drafts for the member's approval (message_id is the one it will carry).
    pending_approval: bool = False
    proposal: ProposalRef | None = field(default=None, metadata={"omit_none": True})


@dataclass(frozen=True, slots=True)
class ProposalRef:
    """A stored proposal: our id for it and the SHA-256 of the exact bytes that approval would send."""

    id: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """One proposal as the member (TUI approvals view) and its agent (``proposals``) see it.

    Recipients are strict addr-specs we validated; the subject is the agent's text (under content).
    """

    id: str
    fingerprint: str
    agent: str
    message_id: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    bcc_count: int
    size: int
    created: datetime
    folder: str
    uid: int | None
    uidvalidity: int | None
    state: str = "pending"
    subject: str = sender_field("")


@dataclass(frozen=True, slots=True)
class ViewPrefs:
    """How a folder is shown in the reader: its sort order and whether threaded (remembered per folder)."""

    sort: str = "arrival"
    threads: bool = False


@dataclass(frozen=True, slots=True)
class View:
    """An ordered list of a folder's uids (with thread depth): the TUI pages summaries from it.

    ``uids`` is a compact :class:`UidList` (100,000 uids are 400 KB, not 3.6 MB of int objects); any other
    sequence of ints given is turned into one, and it still compares equal to the tuple of the same uids.
    """

    folder: str
    uidvalidity: int
    uids: UidList = field(default_factory=UidList)
    depths: tuple[int, ...] = ()  # parallel to uids; empty when not threaded

    def __post_init__(self) -> None:
        if not isinstance(self.uids, UidList):
            object.__setattr__(self, "uids", UidList(self.uids))
