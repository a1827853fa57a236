"""Sending: send, reply and forward (respond), and drafts, with the guarantees members rely on.

- The From and the SMTP envelope sender are always the member's address; the display name is the member name
  (server-given like the address: a member cannot present as someone else).
- What is really sent carries agentmail's signature (mime/signature.py), the only evidence
  a reader accepts that a member of this host sent it; a dry run shows the message unsigned.
- Every recipient is validated (no DNS) before anything is sent: no partial sends.
- A failed submission keeps the message in Drafts and says where.
- With an idempotency key the Message-ID is derived from member + key, and the
  key sends at most once, even from concurrent sessions: one lock per member and
  key is held from the duplicate check through submission and the Sent append,
  and the key's record is written before submission (``idempotency.py``).  The
  same key with a different draft is ``idempotency_conflict``; a duplicate check
  that cannot be made (an IMAP error) fails the send.
- Exactly one copy lands in Sent, marked \\Seen.

Order: submit, then append to Sent.  A crash between the two leaves a sent
message without its Sent copy (its record says ``submitted``, so a retry answers
``duplicate``); the other order could leave a Sent copy of a message that never
went out, which is worse.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import email.policy
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from typing import Any

from agentmail import smtp
from agentmail.errors import AgentmailError, ForbiddenError, InvalidMessageError, LimitError, NotFoundError
from agentmail.imap import listing
from agentmail.imap import mutations as imap_mutations
from agentmail.mime import compose, signature
from agentmail.mime.drafts import draft_from_bytes
from agentmail.model import Address, Draft, SendResult
from agentmail.service import audit, idempotency, policy, proposals
from agentmail.service.mailbox import Mailbox
from agentmail.service.state import StateDir


def send(mailbox: Mailbox, draft: Draft, *, idempotency_key: str | None = None, dry_run: bool = False) -> SendResult:
    """Validate, build and submit a draft; append the Sent copy (at most once per idempotency key)."""
    _check_may_send(mailbox, dry_run)
    with _claimed(mailbox, idempotency_key, dry_run) as claim:
        return _send(mailbox, draft, idempotency_key, claim, dry_run=dry_run)


@contextlib.contextmanager
def _claimed(mailbox: Mailbox, key: str | None, dry_run: bool) -> Iterator[idempotency.Claim | None]:
    """The member's lock for this key, held for the block (nothing to hold without a key or on a dry run)."""
    if not key or dry_run:
        yield None
        return
    _check_writable(mailbox)
    with idempotency.claim(StateDir(mailbox.settings), mailbox.member.name, key) as claim:
        yield claim


def _send(
    mailbox: Mailbox,
    draft: Draft,
    idempotency_key: str | None,
    claim: idempotency.Claim | None,
    *,
    dry_run: bool = False,
    source: str = "",
) -> SendResult:
    _check_writable(mailbox)
    recipients = _checked_recipients(mailbox, draft)
    member = mailbox.member
    message_id = compose.make_message_id(member.address, mailbox.settings.addr_domain, idempotency_key)
    decision = mailbox.grant.send_decision(a.email for a in recipients)
    digest = idempotency.digest_draft(draft)
    if claim is not None:
        earlier = _earlier_send(mailbox, claim, digest, message_id, len(recipients))
        if earlier is not None:
            return dataclasses.replace(earlier, **addressed(draft))
    message, raw = _built(mailbox, draft, message_id, signed=not dry_run)
    if dry_run:
        return SendResult(
            message_id, len(recipients), len(raw), dry_run=True, raw=raw.decode("utf-8", "replace"), **addressed(draft)
        )
    if not decision.allowed:  # the exact message waits for the member's approval
        final = addressed(draft)
        return proposals.propose(
            mailbox,
            raw,
            message_id=message_id,
            to=final["to"],
            cc=final["cc"],
            bcc=tuple(a.email for a in draft.bcc),
            envelope=tuple(a.email for a in recipients),
            subject=draft.subject,
            reason=decision.reason,
        )
    _submit(mailbox, draft, raw, message_id, claim, digest, source)
    sent_folder, sent_uid, sent_uidvalidity = _append_sent(mailbox, message, draft.bcc)
    if claim is not None:
        claim.advance(idempotency.SENT, sent_folder, sent_uid, sent_uidvalidity)
    return SendResult(
        message_id, len(recipients), len(raw), sent_folder, sent_uid, sent_uidvalidity, **addressed(draft)
    )


def _checked_recipients(mailbox: Mailbox, draft: Draft) -> tuple[Address, ...]:
    """Every recipient, checked before anything is sent: some, not too many, each a valid (and, here, real) address."""
    recipients = draft.recipients
    limit = mailbox.settings.max_recipients
    if not recipients:
        raise InvalidMessageError("the message has no recipients (to, cc or bcc)")
    if len(recipients) > limit:
        raise LimitError(
            f"the message has {len(recipients)} recipients; the limit is {limit}",
            details={"recipients": len(recipients), "limit": limit},
        )
    compose.validate_addresses(recipients, local_domains=mailbox.local_domains)
    return recipients


def _built(mailbox: Mailbox, draft: Draft, message_id: str, *, signed: bool) -> tuple[EmailMessage, bytes]:
    """The message from the member, and its bytes (CRLF), within the size limit."""
    member, limit = mailbox.member, mailbox.settings.max_message_bytes
    message = compose.build_message(
        draft, sender=Address(member.name, member.address), message_id=message_id, date=datetime.now(UTC)
    )
    if signed:  # only what is really sent carries the signature that says "a member of this host"
        signature.sign(message, mailbox.signing_key, member.name, member.domain)
    raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    if len(raw) > limit:
        raise LimitError(
            f"the message is {len(raw)} bytes; the limit is {limit}", details={"size": len(raw), "limit": limit}
        )
    return message, raw


def _submit(
    mailbox: Mailbox,
    draft: Draft,
    raw: bytes,
    message_id: str,
    claim: idempotency.Claim | None,
    digest: str,
    source: str,
) -> None:
    """Hand the message to the relay under the send limit, the key's record written first.

    A relay that cannot have taken it frees the limit's place and the key, and the message is kept in Drafts.
    """
    settings, member, agent = mailbox.settings, mailbox.member, mailbox.grant.agent
    recipients = draft.recipients
    limiter = policy.SendLimiter(settings, member.name)
    try:
        reservation = limiter.reserve()
    except AgentmailError as exc:
        audit.record_send(member.address, message_id, len(recipients), len(raw), f"refused:{exc.code}", agent=agent)
        raise
    if claim is not None:
        try:
            claim.begin(digest, message_id, len(recipients), source)
        except AgentmailError:
            limiter.release(reservation)
            raise
    try:
        smtp.submit(settings, member.address, [a.email for a in recipients], raw)
    except AgentmailError as exc:
        limiter.release(reservation)
        if claim is not None and exc.details.get("outcome") != "unknown":
            claim.abandon()  # the relay cannot have taken it: a retry with this key may send
        audit.record_send(member.address, message_id, len(recipients), len(raw), f"failed:{exc.code}", agent=agent)
        kept = _keep_draft(mailbox, draft)
        if kept is None:
            raise
        details = {**exc.details, "draft_folder": kept[0], "draft_uid": kept[1]}
        raise type(exc)(f"{exc}; the message was kept in {kept[0]}", code=exc.code, details=details) from None
    audit.record_send(member.address, message_id, len(recipients), len(raw), "sent", agent=agent)
    if claim is not None:
        claim.advance(idempotency.SUBMITTED)


def addressed(draft: Draft) -> dict[str, Any]:
    """The final To and Cc as strict addr-specs (never display names, which a sender may have written)."""
    return {
        "to": tuple(a for a in (compose.addr_spec(x) for x in draft.to) if a),
        "cc": tuple(a for a in (compose.addr_spec(x) for x in draft.cc) if a),
        "bcc_count": len(draft.bcc),
    }


def _earlier_send(
    mailbox: Mailbox, claim: idempotency.Claim, digest: str, message_id: str, recipients: int
) -> SendResult | None:
    """The answer for a key that already sent (duplicate), or None when this send may go ahead.

    Under the key's lock: a different draft is a conflict; a record that got as far as the relay is a
    duplicate; an unfinished record is a duplicate only when its copy is in Sent, else a conflict.  Without a
    record (a key used before records existed, or lost state), the Sent folder decides; if it cannot be
    searched, the send fails rather than risk a second delivery.
    """
    claim.check(digest)
    record = claim.record
    if record is not None and record.state in (idempotency.SENT, idempotency.SUBMITTED):
        return record.result()
    earlier = find_sent(mailbox, message_id)
    if earlier is not None:
        folder, uid, uidvalidity = earlier
        if record is not None:
            claim.advance(idempotency.SENT, folder, uid, uidvalidity)
        return SendResult(message_id, recipients, 0, folder, uid, uidvalidity, duplicate=True)
    if record is not None:
        raise claim.unfinished()
    return None


def respond(
    mailbox: Mailbox,
    folder: str,
    uid: int,
    extra: Draft,
    *,
    forward: bool = False,
    as_attachment: bool = False,
    reply_all: bool = False,
    uidvalidity: int | None = None,
    idempotency_key: str | None = None,
    dry_run: bool = False,
) -> SendResult:
    """Reply to a message, or forward it; once sent, the original is flagged \\Answered or $Forwarded.

    A reply (or reply-all, never to oneself) carries threading headers and quotes the original; a forward
    quotes it inline with its attachments, or (``as_attachment``) attaches it as message/rfc822.
    """
    _check_may_send(mailbox, dry_run)
    original = mailbox.read(folder, uid, peek=True, uidvalidity=uidvalidity)
    if forward:
        raw = mailbox.raw(folder, uid, uidvalidity=original.uidvalidity)  # inline forwards carry its attachments
        base = compose.forward_draft(original, raw, as_attachment=as_attachment, text=extra.text)
    else:
        member = mailbox.member.address
        base = compose.reply_draft(original, member_address=member, reply_all=reply_all, text=extra.text)
    result = send(mailbox, _merge(base, extra), idempotency_key=idempotency_key, dry_run=dry_run)
    if not dry_run and not result.duplicate and not result.pending_approval:
        flag = "$Forwarded" if forward else "\\Answered"
        mailbox.set_flags(folder, [uid], add=[flag], uidvalidity=original.uidvalidity)
    return result


def save_draft(mailbox: Mailbox, draft: Draft, *, replace_uid: int | None = None) -> tuple[str, int | None]:
    """Store a draft in Drafts (Bcc kept, so it can be sent later); replace an older version."""
    folder, uid, _ = store_draft(mailbox, draft, replace_uid=replace_uid)
    return folder, uid


def store_draft(
    mailbox: Mailbox, draft: Draft, *, replace_uid: int | None = None
) -> tuple[str, int | None, int | None]:
    """save_draft, also answering the Drafts UIDVALIDITY the new uid belongs to (APPENDUID)."""
    mailbox.grant.require("draft")
    _check_writable(mailbox)
    folder = mailbox.folder_for("drafts")
    message_id = compose.make_message_id(mailbox.member.address, mailbox.settings.addr_domain)
    message = compose.build_message(
        draft,
        sender=Address(mailbox.member.name, mailbox.member.address),
        message_id=message_id,
        date=datetime.now(UTC),
    )
    if draft.bcc:
        message["Bcc"] = _header_addresses(draft.bcc)
    raw = message.as_bytes(policy=email.policy.SMTP)
    uidvalidity, uid = imap_mutations.append_message(mailbox.session, folder, raw, flags=["\\Draft", "\\Seen"])
    if replace_uid is not None:
        mailbox.delete(folder, [replace_uid])
    return folder, uid, uidvalidity


def send_draft(
    mailbox: Mailbox,
    uid: int,
    *,
    uidvalidity: int | None = None,
    idempotency_key: str | None = None,
    dry_run: bool = False,
) -> SendResult:
    """Send a stored draft, then remove it from Drafts."""
    _check_may_send(mailbox, dry_run)
    folder = mailbox.folder_for("drafts")
    with _claimed(mailbox, idempotency_key, dry_run) as claim:
        try:
            raw = mailbox.raw(folder, uid, uidvalidity=uidvalidity)
        except NotFoundError:
            # A concurrent send with this key sent the draft and removed it while we waited for the lock.
            held = mailbox.session.selected
            record = claim.record if claim is not None else None
            here = f"{folder}/{held.uidvalidity if held else uidvalidity}/{uid}"
            if record is not None and record.source == here and record.state != idempotency.PENDING:
                return record.result()
            raise
        held = mailbox.session.selected  # the Drafts uidvalidity the uid belongs to
        held_validity = held.uidvalidity if held else uidvalidity
        draft = draft_from_bytes(raw)
        source = f"{folder}/{held_validity}/{uid}"
        result = _send(mailbox, draft, idempotency_key, claim, dry_run=dry_run, source=source)
        if not dry_run:
            mailbox.discard_sent_draft(folder, uid, uidvalidity=held_validity)
    return result


def find_sent(mailbox: Mailbox, message_id: str) -> tuple[str, int, int] | None:
    """Where a message with this Message-ID already sits in Sent; any failure to look is raised, never 'no'."""
    folder = mailbox.folder_for("sent")
    state = mailbox.select(folder)
    if state.exists == 0:
        return None
    uids = listing.search_uids(mailbox.session, ["HEADER", "Message-ID", message_id])
    return (folder, uids[0], state.uidvalidity) if uids else None


def _append_sent(mailbox: Mailbox, message: EmailMessage, bcc: Sequence[Address]) -> tuple[str, int | None, int | None]:
    """The Sent copy keeps the Bcc list (as mutt's does), which the sent message never shows."""
    folder = mailbox.folder_for("sent")
    stored = message
    if bcc:
        stored = copy.deepcopy(message)
        stored["Bcc"] = _header_addresses(bcc)
    raw = stored.as_bytes(policy=email.policy.SMTP)
    uidvalidity, uid = imap_mutations.append_message(mailbox.session, folder, raw, flags=["\\Seen"])
    return folder, uid, uidvalidity


def _header_addresses(addresses: Sequence[Address]) -> tuple[HeaderAddress, ...]:
    """Structured addresses, so a name with a comma or quote cannot split or inject."""
    return tuple(HeaderAddress(display_name=a.name, addr_spec=a.email) for a in addresses)


def _keep_draft(mailbox: Mailbox, draft: Draft) -> tuple[str, int | None] | None:
    """Best effort: a failed send must not lose what was typed."""
    try:
        return save_draft(mailbox, draft)
    except AgentmailError:
        return None


def _merge(base: Draft, extra: Draft) -> Draft:
    """The caller's fields win where given; recipients are added to the computed ones."""
    return dataclasses.replace(
        base,
        to=extra.to or base.to,
        cc=_unique(base.cc + extra.cc) if extra.cc else base.cc,
        bcc=extra.bcc or base.bcc,
        subject=extra.subject or base.subject,
        html=extra.html or base.html,
        attachments=base.attachments + extra.attachments,
    )


def _unique(addresses: tuple[Address, ...]) -> tuple[Address, ...]:
    seen: set[str] = set()
    out = []
    for a in addresses:
        if a.email.lower() not in seen:
            seen.add(a.email.lower())
            out.append(a)
    return tuple(out)


def _check_may_send(mailbox: Mailbox, dry_run: bool) -> None:
    """Refuse at once, before anything is read, a key whose scope cannot even compose (read, organize)."""
    grant = mailbox.grant
    if not grant.allows("draft"):
        grant.require("draft" if dry_run else "send")


def _check_writable(mailbox: Mailbox) -> None:
    if mailbox.read_only:
        raise ForbiddenError("this session is read-only; nothing can be sent or saved")
