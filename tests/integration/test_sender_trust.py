"""Sender authentication verdicts come only from this host's Authentication-Results; local mail names the member."""

from __future__ import annotations

import json
import uuid

from tests.integration.contract import validate_answer


def raw_with(headers: str, subject: str) -> bytes:
    return (
        f"{headers}From: Pay Pal <service@paypal.example>\r\nTo: x@bbs.test\r\nSubject: {subject}\r\n"
        "Message-ID: <trust-" + uuid.uuid4().hex + "@example.org>\r\n"
        "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nPlease verify your account.\r\n"
    ).encode()


def auth_of(run_agentmail, member: str, uid: int) -> dict | None:
    answer = run_agentmail(member, ssh_command=f"read INBOX {uid} --peek").json
    validate_answer(answer)
    return answer["message"]["auth"]


def test_a_forged_verdict_from_another_authserv_id_is_ignored(stack, run_agentmail, member) -> None:
    name = member()
    forged = "Authentication-Results: mx.evil.example; dkim=pass header.d=paypal.example; spf=pass; dmarc=pass\r\n"
    uid = stack.deliver(name, raw_with(forged, "forged"))
    assert auth_of(run_agentmail, name, uid) is None


def test_a_verdict_added_by_this_host_is_reported(stack, run_agentmail, member) -> None:
    name = member()
    ours = "Authentication-Results: mail.bbs.test; dkim=pass header.d=paypal.example; spf=fail smtp.mailfrom=x\r\n"
    forged_below = "Authentication-Results: mx.evil.example; spf=pass\r\n"
    uid = stack.deliver(name, raw_with(ours + forged_below, "ours"))
    auth = auth_of(run_agentmail, name, uid)
    assert auth["trusted"] is True and auth["dkim"] == "pass" and auth["spf"] == "fail"


def test_a_forged_header_above_ours_poisons_nothing(stack, run_agentmail, member) -> None:
    name = member()
    forged_on_top = "Authentication-Results: mx.evil.example; dkim=pass\r\n"
    ours = "Authentication-Results: mail.bbs.test; dkim=fail\r\n"
    uid = stack.deliver(name, raw_with(forged_on_top + ours, "forged on top"))
    auth = auth_of(run_agentmail, name, uid)
    assert auth is None or auth["dkim"] != "pass"


def test_mail_from_another_member_is_marked_local(stack, run_agentmail, alice, member) -> None:
    name = member()
    subject = f"from a neighbour {uuid.uuid4().hex[:6]}"
    sent = run_agentmail(
        alice, "send", stdin=json.dumps({"to": [f"{name}@bbs.test"], "subject": subject, "text": "hi"})
    )
    assert sent.json["ok"]
    stored = stack.wait_for_message(name, "INBOX", subject, timeout=20)
    auth = auth_of(run_agentmail, name, stored.uid)
    assert auth is not None and auth["local"] is True and auth["member"] == "alice"
