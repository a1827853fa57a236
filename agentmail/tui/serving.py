"""The one map from a TUI request to the service, grouped by job; the worker thread runs it (``tui/worker.py``).

Every request a screen posts (``tui/requests.py``) reaches the service through :func:`serve`
and nowhere else.  Each job (folders, reading, changing, writing, agents' proposals) is one
``match`` over its own request types; a request of another job falls through to the next.
Only this module and the worker import ``agentmail.service``; screens import neither.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agentmail.errors import AgentmailError, InternalError
from agentmail.model import Address, SendResult
from agentmail.tui import requests as rq

if TYPE_CHECKING:
    from agentmail.service.mailbox import Mailbox

log = logging.getLogger(__name__)

_ELSEWHERE = object()  # a job's answer to a request another job serves


def serve(mb: Mailbox, request: rq.Request[Any]) -> Any:
    """Run one request against the Mailbox: the job that knows its type answers it."""
    for job in JOBS:
        answer = job(mb, request)
        if answer is not _ELSEWHERE:
            return answer
    raise InternalError(f"the worker has no handler for {type(request).__name__}")


def _reading(mb: Mailbox, request: rq.Request[Any]) -> Any:
    """Listing, searching and reading messages, and how a folder is shown."""
    match request:
        case rq.OpenView():
            return mb.view(request.folder, sort=request.sort, threads=request.threads, criteria=request.criteria)
        case rq.FetchSummaries():
            return mb.summaries(request.folder, request.uids, request.uidvalidity)
        case rq.Read():
            return mb.read(request.folder, request.uid, peek=request.peek, uidvalidity=request.uidvalidity)
        case rq.FetchRaw():
            return mb.raw(request.folder, request.uid, uidvalidity=request.uidvalidity)
        case rq.FetchOriginal():
            message = mb.read(request.folder, request.uid, peek=True, uidvalidity=request.uidvalidity)
            return rq.Original(message, mb.raw(request.folder, request.uid, uidvalidity=request.uidvalidity))
        case rq.FetchPart():
            found = mb.attachment_declared(request.folder, request.uid, request.part_id, max_bytes=request.max_bytes,
                                           uidvalidity=request.uidvalidity)  # fmt: skip
            return rq.PartData(*found)
        case rq.SearchAll():
            return mb.search(request.criteria, folders=mb.searchable_folders(), limit=request.limit)
        case rq.GetViewPrefs():
            return mb.view_prefs(request.folder)
        case rq.SaveViewPrefs():
            return mb.remember_view(request.folder, request.prefs)
    return _ELSEWHERE


def _changing(mb: Mailbox, request: rq.Request[Any]) -> Any:
    """Flags, moves, copies and deletes of messages."""
    match request:
        case rq.SetFlags():
            return mb.set_flags(request.folder, request.uids, add=request.add, remove=request.remove,
                                uidvalidity=request.uidvalidity)  # fmt: skip
        case rq.Move():
            return mb.move(request.folder, request.uids, request.target, uidvalidity=request.uidvalidity)
        case rq.Copy():
            return mb.copy(request.folder, request.uids, request.target, uidvalidity=request.uidvalidity)
        case rq.Delete():
            return mb.delete(request.folder, request.uids, uidvalidity=request.uidvalidity)
    return _ELSEWHERE


def _folders(mb: Mailbox, request: rq.Request[Any]) -> Any:
    """The folder list, its counts and roles, and changes to folders themselves."""
    match request:
        case rq.GetOverview():
            return _overview(mb)
        case rq.ListFolders():
            return mb.folders()
        case rq.EmptyTrash():
            uids = list(mb.view(request.folder).uids)
            if uids:
                mb.delete(request.folder, uids)  # in Trash the service's delete expunges
            return len(uids)
        case rq.DeleteFolder():
            return mb.delete_folder(request.name)
        case rq.CreateFolder():
            return mb.create_folder(request.name)
        case rq.RenameFolder():
            return mb.rename_folder(request.old, request.new)
    return _ELSEWHERE


def _overview(mb: Mailbox) -> rq.Overview:
    folders = mb.folders()
    try:
        quota = mb.quota()
    except AgentmailError:
        quota = None
    return rq.Overview(tuple(folders), mb.roles(), quota, _pending_count(mb))


def _pending_count(mb: Mailbox) -> int:
    """How many proposals wait for the member; a scoped key (which cannot decide) sees none."""
    if mb.grant.scope != "full" or mb.grant.agent or mb.read_only:
        return 0
    return len(_proposals().pending(mb, every_agent=True))


def _writing(mb: Mailbox, request: rq.Request[Any]) -> Any:
    """Sending the member's mail and keeping drafts."""
    match request:
        case rq.Send():
            return _send(mb, request)
        case rq.SaveDraft():
            return _save_draft(mb, request)
    return _ELSEWHERE


def _send(mb: Mailbox, request: rq.Send) -> SendResult:
    """Send; then remove the drafts it was resumed from and flag the original (answered or forwarded)."""
    from agentmail.service import sending  # lazily: SMTP and composing are not needed to start reading

    result = sending.send(mb, request.draft)
    if request.drop_drafts:
        try:
            mb.delete(mb.folder_for("drafts"), request.drop_drafts)
        except AgentmailError:
            log.warning("sent, but could not remove the old draft")
    if request.answered is not None:
        folder, uid, uidvalidity = request.answered
        try:
            mb.set_flags(folder, [uid], add=[request.flag], uidvalidity=uidvalidity)
        except AgentmailError:
            log.warning("sent, but could not flag the original message")
    return result


def _save_draft(mb: Mailbox, request: rq.SaveDraft) -> tuple[str, int | None]:
    """Store the draft, replacing the first stored version in place and removing the others."""
    from agentmail.service import sending

    first, rest = (request.replace_uids[0], request.replace_uids[1:]) if request.replace_uids else (None, ())
    where = sending.save_draft(mb, request.draft, replace_uid=first)
    if rest:
        mb.delete(where[0], rest)
    return where


def _deciding(mb: Mailbox, request: rq.Request[Any]) -> Any:
    """Agents' proposals, which the member approves, rejects or takes over."""
    match request:
        case rq.ListProposals():
            return _proposals().pending(mb, every_agent=True)
        case rq.ShowProposal():
            return _show_proposal(mb, request.proposal_id)
        case rq.ApproveProposal():
            return _proposals().approve(mb, request.proposal_id)
        case rq.RejectProposal():
            return _proposals().reject(mb, request.proposal_id, request.reason)
        case rq.WithdrawProposal():
            return _withdraw_proposal(mb, request.proposal_id)
    return _ELSEWHERE


def _proposals() -> Any:
    from agentmail.service import proposals  # lazily: a state-file read, and only the approvals view decides

    return proposals


def _show_proposal(mb: Mailbox, proposal_id: str) -> rq.ProposalDetail:
    """The stored bytes (checked against the fingerprint), decoded like any message for the member to read."""
    from agentmail.mime.parse import parse_message

    proposals = _proposals()
    proposal, raw = proposals.stored_message(mb, proposal_id)
    message = parse_message(raw, uid=proposal.uid or 0, folder=proposal.folder,
                            uidvalidity=proposal.uidvalidity or 0, size=len(raw))  # fmt: skip
    return rq.ProposalDetail(proposal, message, proposals.bcc_of(mb, proposal_id))


def _withdraw_proposal(mb: Mailbox, proposal_id: str) -> Any:
    """The proposal becomes the member's own draft (its Bcc from the record; the bytes never carry it)."""
    from agentmail.mime.drafts import draft_from_bytes

    raw, bcc = _proposals().withdraw(mb, proposal_id)
    return dataclasses.replace(draft_from_bytes(raw), bcc=tuple(Address("", a) for a in bcc))


JOBS: tuple[Callable[[Mailbox, rq.Request[Any]], Any], ...] = (_reading, _changing, _folders, _writing, _deciding)
