"""The member approves, rejects or takes over an agent's proposal in the reader (issue 13), in a pseudo-terminal."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import uuid

from tests.e2e.test_tui import tui  # noqa: F401  (the fixture)
from tests.stack.servers import Stack

BOT = {"AGENTMAIL_SCOPE": "draft", "AGENTMAIL_AGENT": "triage-bot"}
ATTACHMENT = bytes(range(256)) * 20


def _propose(run_agentmail, who: str, to: str, subject: str) -> dict:
    attachment = {"filename": "report.bin", "data_base64": base64.b64encode(ATTACHMENT).decode()}
    draft = {"to": [to], "subject": subject, "text": "Proposed by the bot.\n", "attachments": [attachment]}
    answer = run_agentmail(who, ssh_command="send", stdin=json.dumps(draft), env_extra=BOT)
    assert answer.returncode == 0 and answer.json["pending_approval"] is True, answer
    return answer.json


def _drafts_bytes(stack: Stack, who: str) -> list[bytes]:
    with stack.imap(who) as client:
        client.select_folder("Drafts", readonly=True)
        uids = client.search(["ALL"])
        return [d[b"BODY[]"] for d in client.fetch(uids, ["BODY.PEEK[]"]).values()] if uids else []


def test_the_member_approves_a_proposal_in_the_reader_and_bob_gets_exactly_it(
    stack: Stack,
    member,
    bob: str,
    run_agentmail,
    tui,  # noqa: F811
) -> None:
    who = member()
    subject = f"Weekly digest {uuid.uuid4().hex[:8]}"
    token = run_agentmail(who, ssh_command="changes", env_extra=BOT).json["token"]
    answer = _propose(run_agentmail, who, stack.address(bob), subject)
    [stored] = _drafts_bytes(stack, who)
    t = tui(who)
    t.wait_for("1 pending")
    t.press("A")
    t.wait_for("triage-bot")
    t.wait_for(subject)
    t.press("\r")
    t.wait_for("Attachments (1)")
    screen = t.wait_for("report.bin")
    assert "Proposed by the bot." in screen and stack.address(bob) in screen
    t.press("y")
    t.wait_for("exactly as proposed?")
    t.press("y")
    t.wait_for("Sent as proposed")
    delivered = stack.wait_for_message(bob, "INBOX", subject, timeout=20).raw
    assert delivered.endswith(stored.split(b"\r\n\r\n", 1)[1])
    [part] = list(email.message_from_bytes(delivered, policy=email.policy.default).iter_attachments())
    assert part.get_content() == ATTACHMENT
    with stack.imap(who) as client:
        client.select_folder("Sent", readonly=True)
        assert len(client.search(["HEADER", "Message-ID", answer["message_id"]])) == 1
    assert _drafts_bytes(stack, who) == []
    events = run_agentmail(who, ssh_command=f"changes --since {token}", env_extra=BOT).json["events"]
    approved = [e for e in events if e["kind"] == "proposal_approved"]
    assert [e["message_id"] for e in approved] == [answer["message_id"]]


def test_the_member_rejects_with_a_reason_and_takes_another_over(
    stack: Stack,
    member,
    run_agentmail,
    tui,  # noqa: F811
) -> None:
    who = member()
    token = run_agentmail(who, ssh_command="changes", env_extra=BOT).json["token"]
    _propose(run_agentmail, who, "bob@bbs.test", "First proposal")
    _propose(run_agentmail, who, "bob@bbs.test", "Second proposal")
    t = tui(who)
    t.wait_for("2 pending")
    t.press("A")
    t.wait_for("First proposal")
    t.press("n")
    t.wait_for("reason for the agent")
    t.press("not this week\r")
    t.wait_for("Rejected")
    t.wait_for("1 pending")
    t.press("e")  # the second one, now the only row: into the composer as the member's own draft
    t.wait_for("Second proposal")
    t.wait_for("Proposed by the bot.")
    events = run_agentmail(who, ssh_command=f"changes --since {token}", env_extra=BOT).json["events"]
    kinds = {e["kind"]: e for e in events if e["kind"].startswith("proposal_")}
    assert kinds["proposal_rejected"]["content"]["reason"] == "not this week"
    assert "proposal_withdrawn" in kinds
    assert run_agentmail(who, ssh_command="proposals", env_extra=BOT).json["proposals"] == []
