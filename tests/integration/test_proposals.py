"""Proposals and approvals on the real Dovecot and Postfix (issue 13).

A `draft` key's send stores the exact signed message in Drafts and answers pending_approval; only the member's
own session approves (those bytes, or nothing) or rejects; the agent learns the outcome through `changes`.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import json
import threading
import uuid
from collections.abc import Callable

import pytest

from agentmail.config import load_settings
from agentmail.errors import ForbiddenError, ProposalChangedError, ProposalDecidedError
from agentmail.identity import member_for
from agentmail.service import proposals
from agentmail.service.mailbox import Mailbox
from agentmail.service.scope import Grant
from tests.integration.contract import validate_answer
from tests.integration.test_agent_sessions import Watch
from tests.stack.servers import Stack

BOT = {"AGENTMAIL_SCOPE": "draft", "AGENTMAIL_AGENT": "triage-bot"}
ATTACHMENT = bytes(range(256)) * 40  # binary, so a re-encoding would show


def _mailbox(stack: Stack, name: str, grant: Grant | None = None) -> Mailbox:
    settings = load_settings(stack.env(name), [])
    return Mailbox(settings, member_for(name, settings), **({"grant": grant} if grant else {}))


def _bot(run_agentmail, name: str, command: str, stdin: str | None = None, env: dict[str, str] | None = None):
    result = run_agentmail(name, ssh_command=command, stdin=stdin, env_extra=env or BOT)
    validate_answer(result.json)
    return result


def _draft(to: str, subject: str) -> str:
    attachment = {"filename": "data.bin", "content_type": "application/octet-stream"}
    attachment["data_base64"] = base64.b64encode(ATTACHMENT).decode()
    return json.dumps({"to": [to], "subject": subject, "text": "proposed text\n", "attachments": [attachment]})


def _drafts(stack: Stack, name: str) -> dict[int, tuple[tuple[str, ...], bytes]]:
    with stack.imap(name) as client:
        client.select_folder("Drafts", readonly=True)
        uids = client.search(["ALL"])
        fetched = client.fetch(uids, ["FLAGS", "BODY.PEEK[]"]) if uids else {}
    return {u: (tuple(str(f, "ascii") for f in d[b"FLAGS"]), d[b"BODY[]"]) for u, d in fetched.items()}


def _sent_with(stack: Stack, name: str, message_id: str) -> list[int]:
    with stack.imap(name) as client:
        client.select_folder("Sent", readonly=True)
        return client.search(["HEADER", "Message-ID", message_id])


def _propose(stack: Stack, run_agentmail, name: str, to: str, subject: str) -> dict:
    answer = _bot(run_agentmail, name, "send", _draft(to, subject))
    assert answer.returncode == 0, answer
    assert answer.json["pending_approval"] is True
    return answer.json


def test_draft_key_send_becomes_a_proposal_and_approval_sends_those_exact_bytes(
    stack: Stack, member: Callable[..., str], bob: str, run_agentmail
) -> None:
    name = member()
    subject = f"proposed {uuid.uuid4().hex[:8]}"
    token = _bot(run_agentmail, name, "changes").json["token"]
    answer = _propose(stack, run_agentmail, name, stack.address(bob), subject)
    proposal = answer["proposal"]
    # Stored in Drafts, marked with our keyword; the fingerprint is the SHA-256 of exactly those bytes.
    [(flags, stored)] = _drafts(stack, name).values()
    assert proposals.KEYWORD in flags
    assert hashlib.sha256(stored).hexdigest() == proposal["fingerprint"]
    assert _sent_with(stack, name, answer["message_id"]) == []
    listed = _bot(run_agentmail, name, "proposals").json["proposals"]
    assert [p["id"] for p in listed] == [proposal["id"]] and listed[0]["content"]["subject"] == subject
    other = {**BOT, "AGENTMAIL_AGENT": "other-bot"}
    assert _bot(run_agentmail, name, "proposals", env=other).json["proposals"] == []

    # An agent's key never approves, not even its own proposal.
    for grant in (Grant("draft", "triage-bot"), Grant("full", "triage-bot"), Grant("send")):
        with _mailbox(stack, name, grant) as mb, pytest.raises(ForbiddenError):
            proposals.approve(mb, proposal["id"])

    with _mailbox(stack, name) as mb:
        [pending] = proposals.pending(mb, every_agent=True)
        assert pending.agent == "triage-bot" and pending.to == (stack.address(bob),)
        result = proposals.approve(mb, proposal["id"])
        assert result.message_id == answer["message_id"]
        with pytest.raises(ProposalDecidedError):
            proposals.approve(mb, proposal["id"])

    delivered = stack.wait_for_message(bob, "INBOX", subject, timeout=20).raw
    assert delivered.endswith(stored.split(b"\r\n\r\n", 1)[1])  # the body, byte for byte
    received = email.message_from_bytes(delivered, policy=email.policy.default)
    [part] = list(received.iter_attachments())
    assert part.get_content() == ATTACHMENT
    assert len(_sent_with(stack, name, answer["message_id"])) == 1
    assert _drafts(stack, name) == {}
    assert _bot(run_agentmail, name, "proposals").json["proposals"] == []

    changes = _bot(run_agentmail, name, f"changes --since {token}").json
    approved = [e for e in changes["events"] if e["kind"] == "proposal_approved"]
    assert len(approved) == 1, changes
    assert approved[0]["message_id"] == answer["message_id"] and approved[0]["proposal"] == proposal["id"]
    assert approved[0]["uidvalidity"] and approved[0]["folder"] == "Drafts"
    again = _bot(run_agentmail, name, f"changes --since {changes['token']}").json
    assert not [e for e in again["events"] if e["kind"].startswith("proposal_")]


def test_a_rejection_reaches_the_agent_with_its_reason(stack: Stack, member: Callable[..., str], run_agentmail):
    name = member()
    token = _bot(run_agentmail, name, "changes --all-folders").json["token"]
    answer = _propose(stack, run_agentmail, name, "bob@bbs.test", "to be rejected")
    with _mailbox(stack, name) as mb:
        proposals.reject(mb, answer["proposal"]["id"], "not \x1b[31mthis week\r\nBcc: evil@example.org")
    assert _drafts(stack, name) == {}
    changes = _bot(run_agentmail, name, f"changes --all-folders --since {token}").json
    [rejected] = [e for e in changes["events"] if e["kind"] == "proposal_rejected"]
    assert rejected["proposal"] == answer["proposal"]["id"]
    reason = rejected["content"]["reason"]
    assert "this week" in reason and "\x1b" not in reason and "\n" not in reason and "\r" not in reason
    assert "message_id" not in rejected
    assert _bot(run_agentmail, name, "proposals").json["proposals"] == []


def test_watch_reports_a_decision_to_the_agent(stack: Stack, member: Callable[..., str], run_agentmail) -> None:
    name = member()
    answer = _propose(stack, run_agentmail, name, "bob@bbs.test", "watched proposal")
    watch = Watch(stack, name, "INBOX", "--heartbeat", "600", env_extra=BOT)
    try:
        watch.next_event("ready")
        with _mailbox(stack, name) as mb:
            proposals.reject(mb, answer["proposal"]["id"], "too terse")
        event = watch.next_event("proposal_rejected", timeout=20)["event"]
        assert event["proposal"] == answer["proposal"]["id"] and event["content"]["reason"] == "too terse"
    finally:
        assert watch.close() == 0


def test_a_proposal_replaced_in_drafts_is_refused_at_approval(
    stack: Stack, member: Callable[..., str], run_agentmail
) -> None:
    name = member()
    answer = _propose(stack, run_agentmail, name, "bob@bbs.test", "will be swapped")
    [(uid, (_flags, stored))] = _drafts(stack, name).items()
    forged = stored.replace(b"proposed text", b"wire money now")
    assert forged != stored
    with stack.imap(name) as client:  # same Message-ID and keyword, different bytes
        client.select_folder("Drafts")
        client.delete_messages([uid])
        client.expunge()
        client.append("Drafts", forged, flags=[proposals.KEYWORD, "\\Seen"])
    with _mailbox(stack, name) as mb, pytest.raises(ProposalChangedError) as info:
        proposals.approve(mb, answer["proposal"]["id"])
    assert info.value.code == "proposal_changed" and "nothing was sent" in str(info.value)
    assert _sent_with(stack, name, answer["message_id"]) == []


def test_two_sessions_approving_at_the_same_moment_send_once(
    stack: Stack, member: Callable[..., str], bob: str, run_agentmail
) -> None:
    name = member()
    subject = f"approved twice {uuid.uuid4().hex[:8]}"
    answer = _propose(stack, run_agentmail, name, stack.address(bob), subject)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve() -> None:
        with _mailbox(stack, name) as mb:
            barrier.wait()
            try:
                proposals.approve(mb, answer["proposal"]["id"])
                outcomes.append("sent")
            except ProposalDecidedError:
                outcomes.append("decided")

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["decided", "sent"]
    assert len(_sent_with(stack, name, answer["message_id"])) == 1


def test_a_draft_key_reply_is_proposed_and_leaves_the_original_unanswered(
    stack: Stack, member: Callable[..., str], run_agentmail
) -> None:
    name = member()
    original = stack.deliver(name, b"From: Carol <carol@example.org>\r\nSubject: question\r\n\r\nok?\r\n")
    answer = _bot(run_agentmail, name, f"reply INBOX {original}", '{"text": "yes"}')
    assert answer.returncode == 0 and answer.json["pending_approval"] is True, answer
    with stack.imap(name) as client:
        client.select_folder("INBOX", readonly=True)
        flags = client.get_flags([original])[original]
    assert b"\\Answered" not in flags
