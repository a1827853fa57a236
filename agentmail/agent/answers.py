"""One answer type per agent command: what a handler returns, and what ``agentmail schema`` publishes.

Plain frozen dataclasses, turned into JSON by ``model.to_json`` (the one path) and into JSON Schema by
agent/typeschema.py, so the two cannot drift.  The model's rule holds here too: what a message's sender
wrote is a ``sender_field`` and travels under ``content``; everything else is ours.  A field made with
``optional()`` is absent (never null) until it has something to say.  The command table names each
command's type (``Command.answer``); the page answer lives in agent/shape.py (``--json list`` builds it
without creating these) and is named here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentmail.agent.shape import PageAnswer as PageAnswer  # named by the table like the types defined here
from agentmail.agent.shape import optional
from agentmail.model import SENDER, Account, Event, Folder, Message, Page, Part, Proposal, Quota, SendResult
from agentmail.model import Transfer as Transfer  # move, copy, delete, restore, draft_delete answer the model's
from agentmail.service.scope import SCOPES


def about(text: str, **metadata: Any) -> Any:
    """A required field with a description in the schema (what its name alone does not say)."""
    return field(metadata={"description": text, **metadata})


def sender_text(description: str, *, default: str | None = "") -> Any:
    """Text the message's sender wrote (fenced): it travels under ``content``, like the model's sender fields.

    With ``default=None`` it is absent until there is some.
    """
    metadata = {**SENDER, "description": description, "omit_none": default is None}
    return field(default=default, metadata=metadata)


@dataclass(frozen=True, slots=True)
class Help:
    """help: the commands (as this key's scope shows them) and the draft's fields."""

    commands: tuple[dict[str, Any], ...]
    draft_fields: dict[str, str]


@dataclass(frozen=True, slots=True)
class SchemaAnswer:
    """schema: the JSON Schema of every request and answer."""

    schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class KeyScope:
    """What the key line lets this session do (service/scope.py)."""

    scope: str = about("what this SSH key may do (see the man page)", enum=SCOPES)
    agent: str | None = about("the key line's agent name")
    allow_to: tuple[str, ...] | None = about("the only recipients this key may send to (null: no list)")


@dataclass(frozen=True, slots=True, kw_only=True)
class Whoami(Account):
    """whoami: the account, the commands this key may use, its scope and the configured limits."""

    commands: tuple[str, ...]
    scope: KeyScope
    limits: dict[str, int]


@dataclass(frozen=True, slots=True)
class Folders:
    """folders: every folder with its role and counts."""

    folders: tuple[Folder, ...]


@dataclass(frozen=True, slots=True)
class FolderAnswer:
    """folder_create, folder_rename: the folder as it now is."""

    folder: Folder


@dataclass(frozen=True, slots=True)
class Deleted:
    """folder_delete: the folder's name; already_absent when there was nothing to delete."""

    deleted: str
    already_absent: bool = False  # the folder was gone already: nothing to delete (ok all the same)


@dataclass(frozen=True, slots=True)
class Window:
    """Where a byte-bounded piece of a longer text (or data) sits, and where the next piece starts."""

    offset: int
    length: int
    total_length: int
    truncated: bool
    next_offset: int | None


@dataclass(frozen=True, slots=True)
class TextSections:
    """Where the body's new text ends: quoted history and signature offsets (None: there is none)."""

    new_text_length: int
    history_offset: int | None
    signature_offset: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadMessage(Message):
    """The message as read shows it: text, reply_text and html fenced, headers only with --part headers."""

    reply_text: str = sender_text(
        "fenced: what the sender wrote in this message, without quoted history and signature"
        " (first page only; empty with reply_text false)"
    )
    html_truncated: bool | None = optional("with --html: the HTML was cut to --max-bytes")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadAnswer:
    """read: one message, its body windowed to the answer budget."""

    folder: str
    uidvalidity: int
    uid: int
    fence: str
    text_window: Window
    text_sections: TextSections
    message: ReadMessage = about("content.text, reply_text and html are fenced")
    html_truncated: bool | None = optional()
    raw: str | None = optional("--raw: the message source, fenced with fence")
    raw_truncated: bool | None = optional()
    trimmed: tuple[str, ...] | None = optional(
        "message lists shortened to fit --max-bytes (headers, attachments, to, ...)"
    )
    truncated: bool = about("the answer was cut to --max-bytes; text_window says how to go on")


#: What attachment --text can read (mime/doctext.py).
TEXT_KINDS = ("text", "html", "pdf", "docx", "odt")


@dataclass(frozen=True, slots=True)
class AttachmentAnswer:
    """attachment: a part's bytes (whole or a window), or with --text its text, fenced under content."""

    folder: str
    uidvalidity: int | None
    uid: int
    part: Part
    data_base64: bytes = about("empty with --text")
    data_window: Window | None = optional()
    fence: str | None = optional()
    text_kind: str | None = field(default=None, metadata={"omit_none": True, "enum": TEXT_KINDS})
    notes: tuple[str, ...] | None = optional()
    text_window: Window | None = optional()
    truncated: bool | None = optional()
    text: str | None = sender_text("fenced: the part's text, written by the sender", default=None)


@dataclass(frozen=True, slots=True)
class SearchAnswer:
    """search: the matches per folder, each a page; capped and truncated as a page's are."""

    query: str
    total: int
    results: tuple[Page, ...]
    capped: bool | None = optional()
    truncated: bool | None = optional()

    def pages(self) -> tuple[Page, ...]:
        return self.results

    def squeezed(self, pages: tuple[Page, ...]) -> SearchAnswer:
        return SearchAnswer(self.query, self.total, pages, self.capped, True)


@dataclass(frozen=True, slots=True, kw_only=True)
class Sent(SendResult):
    """send, reply, forward, draft_send: what the submission did; a dry run's built message, fenced."""

    raw: str = field(
        default="", metadata={"omit_empty": True, "description": "dry runs: the built message, fenced with fence"}
    )
    fence: str = field(default="", metadata={"omit_empty": True, "description": "dry runs: the marker around raw"})


@dataclass(frozen=True, slots=True)
class DraftSaved:
    """draft_save: where the draft now is."""

    folder: str
    uid: int | None
    uidvalidity: int | None


@dataclass(frozen=True, slots=True)
class Flags:
    """flag, unflag, seen, unseen: the uids whose flags were set."""

    folder: str
    uidvalidity: int | None
    uids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class QuotaAnswer:
    """quota: storage used and allowed (None: the server reports no quota)."""

    quota: Quota | None


@dataclass(frozen=True, slots=True)
class Changes:
    """changes: the events since the token, the next token, and whether more are waiting."""

    events: tuple[Event, ...]
    token: str
    more: bool
    truncated: bool | None = optional()


@dataclass(frozen=True, slots=True)
class EventLine:
    """watch: one line per event, with the token that resumes right after it."""

    event: Event
    token: str  # the event's own: resume right after it with changes --since

    @classmethod
    def of(cls, event: Event) -> EventLine:
        return cls(event, event.token)


@dataclass(frozen=True, slots=True)
class Proposals:
    """proposals: this agent's proposals waiting for the member, oldest first."""

    proposals: tuple[Proposal, ...]
