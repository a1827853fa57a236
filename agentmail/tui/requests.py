"""Everything a screen can ask of the mailbox, as typed requests (aerc's ``worker/types/messages.go``).

Each request is a frozen dataclass naming its answer type (``Request[T]``); the
worker maps each one to the service in one place (``tui/serving.py``) and answers
it with exactly one reply.  Screens build these and post them through their
Host; they never see the worker or the service, so this module imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from agentmail.model import (
    Draft,
    Folder,
    FolderRoles,
    Message,
    Page,
    Part,
    Proposal,
    Quota,
    SendResult,
    Summary,
    Transfer,
    View,
    ViewPrefs,
)

T = TypeVar("T")


class Request(Generic[T]):
    """A unit of work for the worker whose one reply carries a ``T``."""

    #: Safe to run again after the connection was re-established (reads; never a send or a move).
    retry_safe: ClassVar[bool] = True


class Changes:
    """Marks a request that changes mail (a send, a move, a folder): never run again blindly after a reconnect.

    Named first among a request's bases, so its ``retry_safe`` is the one that counts.
    """

    retry_safe: ClassVar[bool] = False


# -- folders --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """Folders with counts, which folder plays which role (as the service decides), and the quota."""

    folders: tuple[Folder, ...] = ()
    roles: FolderRoles = field(default_factory=FolderRoles)
    quota: Quota | None = None
    pending_proposals: int = 0  # agents' proposals waiting for the member (0 for a scoped key)


@dataclass(frozen=True)
class GetOverview(Request[Overview]):
    """Counts and roles for the status line, the pane and the delete rule."""


@dataclass(frozen=True)
class ListFolders(Request[list[Folder]]):
    """The folder list for the full-window folder screen."""


@dataclass(frozen=True)
class DeleteFolder(Changes, Request[None]):
    """Delete a folder and everything in it."""

    name: str


@dataclass(frozen=True)
class CreateFolder(Changes, Request[Folder]):
    """Create (and subscribe) a folder."""

    name: str


@dataclass(frozen=True)
class RenameFolder(Changes, Request[Folder]):
    """Rename a folder (its messages go with it)."""

    old: str
    new: str


@dataclass(frozen=True)
class EmptyTrash(Changes, Request[int]):
    """Expunge every message in the Trash folder; answers how many went."""

    folder: str


# -- listing and reading --------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenView(Request[View]):
    """A folder's uids in display order (optionally threaded, optionally only matches of criteria)."""

    folder: str
    sort: str = "arrival"
    threads: bool = False
    criteria: tuple[Any, ...] = ("ALL",)


@dataclass(frozen=True)
class _OneMessage(Request[T]):
    """A request about one message, named as every reader names it: folder, uid, and the uidvalidity it was seen in."""

    folder: str
    uid: int
    uidvalidity: int


@dataclass(frozen=True)
class _SomeMessages(Request[T]):
    """A request about several messages of one folder, seen in one uidvalidity."""

    folder: str
    uids: tuple[int, ...]
    uidvalidity: int


@dataclass(frozen=True)
class FetchSummaries(_SomeMessages[list[Summary]]):
    """The index rows for exactly these uids (one window of the screen)."""


@dataclass(frozen=True)
class Read(_OneMessage[Message]):
    """One message, parsed; without peek this marks it read."""

    peek: bool = False


@dataclass(frozen=True)
class FetchRaw(_OneMessage[bytes]):
    """A message's exact source."""


@dataclass(frozen=True)
class Original:
    """A message to forward: parsed, and its source for forwarding whole."""

    message: Message
    raw: bytes


@dataclass(frozen=True)
class FetchOriginal(_OneMessage[Original]):
    """A message and its source, without marking it read."""


@dataclass(frozen=True)
class PartData:
    """One body part's bytes, decoded from their transfer encoding, and the charset the part declares ("": none)."""

    part: Part
    data: bytes
    charset: str = ""


@dataclass(frozen=True)
class FetchPart(_OneMessage[PartData]):
    """One body part's decoded bytes (capped), with its declared charset for showing it as text."""

    part_id: str
    max_bytes: int


@dataclass(frozen=True)
class SearchAll(Request[list[Page]]):
    """A query in every searchable folder, newest ``limit`` matches per folder."""

    criteria: tuple[Any, ...]
    limit: int


@dataclass(frozen=True)
class GetViewPrefs(Request[ViewPrefs]):
    """How the member last had this folder shown (sort order, threads), from an earlier session."""

    folder: str


@dataclass(frozen=True)
class SaveViewPrefs(Request[bool]):
    """Remember how this folder is shown, for the next folder switch and the next session."""

    folder: str
    prefs: ViewPrefs


# -- changing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetFlags(_SomeMessages[list[int]]):
    """Add and remove flags on messages."""

    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Transfer(Changes, Request[Transfer]):
    """Messages from one folder to another: what Move and Copy both carry."""

    folder: str
    uids: tuple[int, ...]
    target: str
    uidvalidity: int | None


@dataclass(frozen=True)
class Move(_Transfer):
    """Move messages to another folder (undo moves them back by their new uids)."""


@dataclass(frozen=True)
class Copy(_Transfer):
    """Copy messages to another folder."""


@dataclass(frozen=True)
class Delete(Changes, _SomeMessages[Transfer]):
    """The service's delete: to Trash, or for good in Trash (or with no Trash)."""


# -- writing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Send(Changes, Request[SendResult]):
    """Send a draft; then mark the original (folder, uid, uidvalidity) with flag and drop the drafts it came from."""

    draft: Draft
    answered: tuple[str, int, int] | None = None
    flag: str = "\\Answered"
    drop_drafts: tuple[int, ...] = ()


@dataclass(frozen=True)
class SaveDraft(Changes, Request[tuple[str, int | None]]):
    """Postpone: store the draft in Drafts, replacing the stored versions it came from."""

    draft: Draft
    replace_uids: tuple[int, ...] = ()


# -- agents' proposals (the member decides) -------------------------------------------------------


@dataclass(frozen=True)
class ListProposals(Request[list[Proposal]]):
    """Every agent's pending proposals, oldest first (the approvals view)."""


@dataclass(frozen=True)
class ProposalDetail:
    """A proposal and its stored message decoded (checked against the fingerprint), with its Bcc recipients."""

    proposal: Proposal
    message: Message
    bcc: tuple[str, ...] = ()


@dataclass(frozen=True)
class _OneProposal(Request[T]):
    """A request about one agent's proposal, by its id."""

    proposal_id: str


@dataclass(frozen=True)
class ShowProposal(_OneProposal[ProposalDetail]):
    """Exactly what approving would send."""


@dataclass(frozen=True)
class ApproveProposal(Changes, _OneProposal[SendResult]):
    """Send the stored bytes exactly (or nothing, if they no longer match the fingerprint)."""


@dataclass(frozen=True)
class RejectProposal(Changes, _OneProposal[Proposal]):
    """Remove the proposal; its agent learns the reason."""

    reason: str = ""


@dataclass(frozen=True)
class WithdrawProposal(Changes, _OneProposal[Draft]):
    """Take the proposal over to edit: it leaves Drafts and comes back as the member's own draft."""


# -- what the worker says unasked (reply id 0) ---------------------------------------------------


@dataclass(frozen=True)
class Reconnecting:
    """The connection is down; the worker tries again in ``retry_in`` seconds."""

    retry_in: int
    reason: str = ""


@dataclass(frozen=True)
class Reconnected:
    """The connection is back (the watched folder's changes follow as events)."""


@dataclass(frozen=True)
class FoldersChanged:
    """Other folders changed (NOTIFY while idling): (folder, total, unseen) as the server gave them (None: not given).

    Applied without asking the server again: a request then could take the news of the open folder with it.
    """

    counts: tuple[tuple[str, int | None, int | None], ...] = ()
