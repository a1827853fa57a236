"""Proposals: what a `draft` key (or a `send` key outside its allow-list) sends waits for the member's approval.

The exact bytes that approval will submit (signed like any send) are stored in Drafts, marked with our keyword
``$AgentmailProposal``.  What a sender could forge is never trusted: the agent, the fingerprint (SHA-256 of
those bytes), the recipients (Bcc included, which the bytes never show) and where the message sits live in a
record in the state directory, keyed by the proposal id; the keyword only marks the message for people.
Approving sends the stored bytes only if they still hash to the fingerprint, or nothing at all.

Every decision is appended to the member's outcome log, which ``changes`` and ``watch`` read for the agent
(``proposal_approved`` with the Message-ID sent, ``proposal_rejected`` with the member's reason).
Only the member's own full-scope session (no agent name) may decide; every read-modify-write holds the
proposal's lock, so two sessions approving at the same moment send once.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from agentmail import smtp
from agentmail.errors import (
    AgentmailError,
    ForbiddenError,
    LimitError,
    NotFoundError,
    ProposalChangedError,
    ProposalDecidedError,
)
from agentmail.imap import mutations as imap_mutations
from agentmail.mime.sanitize import clean_line
from agentmail.model import Proposal, ProposalRef, SendResult
from agentmail.service import audit, decisions, policy
from agentmail.service.mailbox import Mailbox
from agentmail.service.state import StateDir

KEYWORD = "$AgentmailProposal"
PENDING, SENDING, APPROVED, REJECTED, WITHDRAWN = "pending", "sending", "approved", "rejected", "withdrawn"
MAX_PENDING = 100  # per member: an agent cannot fill Drafts (and the member's attention) without bound
MAX_REASON = 200  # characters of a rejection reason


@dataclass
class Record:
    """What the state directory holds for one proposal (the authority; the Drafts copy is only checked)."""

    id: str
    member: str
    agent: str
    fingerprint: str
    message_id: str
    recipients: list[str]  # every envelope recipient, Bcc included
    to: list[str]
    cc: list[str]
    bcc: list[str]
    subject: str
    size: int
    folder: str
    uid: int | None
    uidvalidity: int | None
    created: float
    state: str = PENDING
    decided: float | None = None
    reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def view(self) -> Proposal:
        return Proposal(
            self.id,
            self.fingerprint,
            self.agent,
            self.message_id,
            tuple(self.to),
            tuple(self.cc),
            len(self.bcc),
            self.size,
            datetime.fromtimestamp(self.created, UTC),
            self.folder,
            self.uid,
            self.uidvalidity,
            self.state,
            subject=clean_line(self.subject),
        )


def fingerprint(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def proposal_id(member: str, message_id: str) -> str:
    """Derived from the Message-ID, so a retry with the same idempotency key finds the same proposal."""
    return "p" + hashlib.sha256(f"{member}\0{message_id}".encode()).hexdigest()[:24]


# -- making one (called from sending._send at the decision point) -----------------------------------------------------


def propose(
    mailbox: Mailbox,
    raw: bytes,
    *,
    message_id: str,
    to: tuple[str, ...],
    cc: tuple[str, ...],
    bcc: tuple[str, ...],
    envelope: tuple[str, ...],
    subject: str,
    reason: str,
) -> SendResult:
    """Store the exact bytes in Drafts with their record; nothing reaches SMTP."""
    member, agent = mailbox.member, mailbox.grant.agent
    state = StateDir(mailbox.settings)
    pid = proposal_id(member.name, message_id)
    recipients = list(envelope)
    with state.locked(*_lock(member.name, pid)):
        existing = _load(state, member.name, pid)
        if existing is not None:  # the same idempotency key: the proposal already made
            return _answer(existing)
        if sum(1 for r in _records(state, member.name) if r.state == PENDING) >= MAX_PENDING:
            raise LimitError(
                f"{MAX_PENDING} proposals already wait for the member's approval; nothing more was proposed",
                details={"limit": MAX_PENDING},
            )
        folder = mailbox.folder_for("drafts")
        uidvalidity, uid = imap_mutations.append_message(mailbox.session, folder, raw, flags=["\\Seen", KEYWORD])
        record = Record(
            pid,
            member.name,
            agent,
            fingerprint(raw),
            message_id,
            recipients,
            list(to),
            list(cc),
            list(bcc),
            subject,
            len(raw),
            folder,
            uid,
            uidvalidity,
            time.time(),
        )
        _save(state, record)
    _audit_send(member.address, record, len(raw), "proposed")
    return _answer(record)


def _answer(record: Record) -> SendResult:
    return SendResult(
        record.message_id,
        len(record.recipients),
        record.size,
        to=tuple(record.to),
        cc=tuple(record.cc),
        bcc_count=len(record.bcc),
        pending_approval=True,
        proposal=ProposalRef(record.id, record.fingerprint),
    )


# -- listing ----------------------------------------------------------------------------------------------------------


def pending(mailbox: Mailbox, *, every_agent: bool = False) -> list[Proposal]:
    """Pending proposals, oldest first: the calling agent's own, or (the member) every agent's."""
    if every_agent:
        require_member(mailbox)
    state = StateDir(mailbox.settings)
    agent = mailbox.grant.agent
    found = [
        r for r in _records(state, mailbox.member.name) if r.state == PENDING and (every_agent or r.agent == agent)
    ]
    return [r.view() for r in sorted(found, key=lambda r: r.created)]


def stored_message(mailbox: Mailbox, pid: str) -> tuple[Proposal, bytes]:
    """A pending proposal and its exact bytes, checked against the fingerprint (for the member to look at)."""
    require_member(mailbox)
    state = StateDir(mailbox.settings)
    record = _pending(state, mailbox.member.name, pid)
    return record.view(), _verified_bytes(mailbox, record)


def bcc_of(mailbox: Mailbox, pid: str) -> tuple[str, ...]:
    """A pending proposal's Bcc recipients (the bytes never show them; the record keeps them)."""
    require_member(mailbox)
    return tuple(_pending(StateDir(mailbox.settings), mailbox.member.name, pid).bcc)


# -- deciding (the member only) ---------------------------------------------------------------------------------------


def require_member(mailbox: Mailbox) -> None:
    """Only the member's own session decides: full scope and no agent name; never an agent's key."""
    grant = mailbox.grant
    if grant.scope != "full" or grant.agent:
        who = f"agent {grant.agent!r}, scope {grant.scope!r}" if grant.agent else f"scope {grant.scope!r}"
        raise ForbiddenError(
            f"only the member's own session can approve or reject proposals; this key ({who}) cannot",
            details={"scope": grant.scope},
        )
    if mailbox.read_only:
        raise ForbiddenError("this session is read-only; proposals cannot be approved or rejected")


def approve(mailbox: Mailbox, pid: str) -> SendResult:
    """Send the stored bytes exactly (if they still match the fingerprint), one Sent copy, out of Drafts."""
    require_member(mailbox)
    member = mailbox.member
    state = StateDir(mailbox.settings)
    with state.locked(*_lock(member.name, pid)):
        record = _pending(state, member.name, pid)
        try:
            raw = _verified_bytes(mailbox, record)
        except ProposalChangedError:
            _audit_send(member.address, record, 0, "refused:proposal_changed")
            raise
        _submit(mailbox, state, record, raw)
        decided = replace(record, state=APPROVED, decided=time.time())
        _save(state, decided)
        sent_folder, sent_uid, sent_uidvalidity = _append_sent(mailbox, raw, record.bcc)
        _remove_from_drafts(mailbox, record)
        decisions.log(state, decided, "proposal_approved")
    return SendResult(
        record.message_id,
        len(record.recipients),
        len(raw),
        sent_folder,
        sent_uid,
        sent_uidvalidity,
        to=tuple(record.to),
        cc=tuple(record.cc),
        bcc_count=len(record.bcc),
    )


def _submit(mailbox: Mailbox, state: StateDir, record: Record, raw: bytes) -> None:
    """Hand the stored bytes to the relay under the send limit, the record marked sending first.

    Marked first, a crash from here on never sends twice; a relay that cannot have taken it leaves it pending.
    """
    settings, address = mailbox.settings, mailbox.member.address
    limiter = policy.SendLimiter(settings, mailbox.member.name)
    reservation = limiter.reserve()
    _save(state, replace(record, state=SENDING))
    try:
        smtp.submit(settings, address, record.recipients, raw)
    except AgentmailError as exc:
        limiter.release(reservation)
        if exc.details.get("outcome") != "unknown":
            _save(state, record)  # the relay cannot have taken it: still pending
        _audit_send(address, record, len(raw), f"failed:{exc.code}")
        raise
    _audit_send(address, record, len(raw), "sent:approved")


def _audit_send(address: str, record: Record, size: int, outcome: str) -> None:
    """The audit line of an approved proposal's send, under the agent that proposed it."""
    audit.record_send(address, record.message_id, len(record.recipients), size, outcome, agent=record.agent)


def reject(mailbox: Mailbox, pid: str, reason: str = "") -> Proposal:
    """Remove the proposal from Drafts and tell its agent why (the member's own words, one cleaned line)."""
    require_member(mailbox)
    state = StateDir(mailbox.settings)
    reason = clean_line(reason)[:MAX_REASON]
    with state.locked(*_lock(mailbox.member.name, pid)):
        record = _pending(state, mailbox.member.name, pid)
        decided = replace(record, state=REJECTED, decided=time.time(), reason=reason)
        _save(state, decided)
        _remove_from_drafts(mailbox, record)
        decisions.log(state, decided, "proposal_rejected")
    return decided.view()


def withdraw(mailbox: Mailbox, pid: str) -> tuple[bytes, tuple[str, ...]]:
    """The member takes the proposal over to edit: its bytes (checked) and Bcc become the member's own draft."""
    require_member(mailbox)
    state = StateDir(mailbox.settings)
    with state.locked(*_lock(mailbox.member.name, pid)):
        record = _pending(state, mailbox.member.name, pid)
        raw = _verified_bytes(mailbox, record)
        decided = replace(record, state=WITHDRAWN, decided=time.time())
        _save(state, decided)
        _remove_from_drafts(mailbox, record)
        decisions.log(state, decided, "proposal_withdrawn")
    return raw, tuple(record.bcc)


# -- internals --------------------------------------------------------------------------------------------------------


def _lock(member: str, pid: str) -> tuple[str, str, str]:
    _check_id(pid)
    return ("proposals", member, f"{pid}.lock")


def _check_id(pid: str) -> None:
    if not (len(pid) == 25 and pid[0] == "p" and all(c in "0123456789abcdef" for c in pid[1:])):
        raise NotFoundError("there is no proposal with that id")


def _load(state: StateDir, member: str, pid: str) -> Record | None:
    _check_id(pid)
    raw = state.read("proposals", member, f"{pid}.json")
    return None if raw is None else Record(**json.loads(raw))


def _pending(state: StateDir, member: str, pid: str) -> Record:
    record = _load(state, member, pid)
    if record is None:
        raise NotFoundError("there is no proposal with that id")
    if record.state != PENDING:
        raise ProposalDecidedError(
            f"this proposal was already {record.state if record.state != SENDING else 'approved'}; nothing was done",
            details={"state": record.state},
        )
    return record


def _save(state: StateDir, record: Record) -> None:
    state.write_atomic("proposals", record.member, f"{record.id}.json", data=json.dumps(asdict(record)).encode())


def _records(state: StateDir, member: str) -> list[Record]:
    folder = state.path("proposals", member)
    out = []
    try:
        names = sorted(p.name for p in folder.iterdir() if p.suffix == ".json")
    except FileNotFoundError:
        return []
    for name in names:
        raw = state.read("proposals", member, name)
        if raw is not None:
            out.append(Record(**json.loads(raw)))
    return out


def _verified_bytes(mailbox: Mailbox, record: Record) -> bytes:
    """The stored message, only if it still hashes to the fingerprint; else proposal_changed."""
    raw: bytes | None
    try:
        raw = mailbox.raw(record.folder, record.uid, uidvalidity=record.uidvalidity) if record.uid else None
    except AgentmailError:
        raw = None
    if raw is None:
        raise ProposalChangedError(
            "the proposal's stored message is no longer in Drafts as it was proposed (replaced or removed); "
            "nothing was sent",
            details={"proposal": record.id},
        )
    if fingerprint(raw) != record.fingerprint:
        raise ProposalChangedError(
            "the proposal's stored message no longer matches its fingerprint (it was changed); nothing was sent",
            details={"proposal": record.id},
        )
    return raw


def _remove_from_drafts(mailbox: Mailbox, record: Record) -> None:
    """The proposal leaves Drafts; already gone (removed by hand) is fine."""
    if record.uid is None:
        return
    try:
        mailbox.discard_sent_draft(record.folder, record.uid, uidvalidity=record.uidvalidity)
    except (NotFoundError, AgentmailError) as exc:
        if not isinstance(exc, NotFoundError) and exc.code != "stale_uid":
            raise


def _append_sent(mailbox: Mailbox, raw: bytes, bcc: list[str]) -> tuple[str, int | None, int | None]:
    """One Sent copy: the bytes sent, with the Bcc list in front (as every Sent copy keeps it)."""
    folder = mailbox.folder_for("sent")
    shown = [a for a in bcc if "\r" not in a and "\n" not in a]  # validated addresses; never a header break
    stored = (b"Bcc: " + ", ".join(shown).encode("utf-8") + b"\r\n" + raw) if shown else raw
    uidvalidity, uid = imap_mutations.append_message(mailbox.session, folder, stored, flags=["\\Seen"])
    return folder, uid, uidvalidity
