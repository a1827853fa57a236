"""The whole path against the real Dovecot and Postfix: send, deliver, list, read, Sent copy, outside mail."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.contract import validate_answer


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:10]}"


def test_alice_sends_to_bob_and_bob_reads_it(stack, alice, bob, run_agentmail) -> None:
    subject = unique("Lunch on Thursday?")
    draft = f'{{"to": ["Bob <bob@bbs.test>"], "subject": "{subject}", "text": "Shall we try the new place?\\n-- A"}}'
    sent = run_agentmail(alice, "--json", "send", stdin=draft)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    answer = sent.json
    validate_answer(answer)
    assert answer["ok"] and answer["message_id"].endswith("@bbs.test>")
    assert answer["sent_folder"] == "Sent" and answer["sent_uid"]

    stack.wait_for_message(bob, "INBOX", subject, timeout=20)
    listing = run_agentmail(bob, "--json", "list", "INBOX", "--limit", "10").json
    validate_answer(listing)
    row = next(item for item in listing["items"] if item["content"]["subject"] == subject)
    assert row["content"]["from"] == {"name": "alice", "email": "alice@bbs.test"}  # the member name is the display name
    assert "\\Seen" not in row["flags"]

    read = run_agentmail(bob, "--json", "read", "INBOX", str(row["uid"])).json
    validate_answer(read)
    text = read["message"]["content"]["text"]
    assert "Shall we try the new place?" in text
    assert read["message"]["message_id"] == answer["message_id"]
    again = run_agentmail(bob, "--json", "list", "INBOX", "--limit", "10").json
    assert "\\Seen" in next(i for i in again["items"] if i["uid"] == row["uid"])["flags"]

    sent_folder = run_agentmail(alice, "--json", "list", "Sent", "--limit", "20").json
    copies = [i for i in sent_folder["items"] if i["content"]["subject"] == subject]
    assert len(copies) == 1 and "\\Seen" in copies[0]["flags"]


def test_mail_to_an_outside_domain_lands_in_the_capture_sink(stack, alice, run_agentmail) -> None:
    subject = unique("Outside world")
    draft = f'{{"to": ["someone@example.org"], "subject": "{subject}", "text": "Nothing leaves the machine."}}'
    result = run_agentmail(alice, "--json", "send", stdin=draft)
    assert result.returncode == 0, result.stdout
    captured = stack.captured(timeout=20, match=subject)
    assert captured, "the outside message did not reach the capture sink"
    assert b"From: alice <alice@bbs.test>" in captured[0]  # the member name is the display name (issue 15, 9)


@pytest.mark.parametrize(
    "name", ["bob*gateway", "bob@bbs.test", "bo b", "bob\nx", "Bob", "BOB", "b\u0131b", "", "../bob"]
)
def test_bad_member_names_are_refused_before_any_connection(stack, run_agentmail, name) -> None:
    # Point IMAP and SMTP at a closed port: the answer must be about the name, not the network.
    env = {"AGENTMAIL_MEMBER": name, "AGENTBBS_MAIL_IMAP_ADDR": "127.0.0.1:9", "AGENTBBS_MAIL_SMTP_ADDR": "127.0.0.1:9"}
    result = run_agentmail(None, "--json", "list", env_extra=env)
    assert result.returncode == 77
    assert result.json["error"]["code"] == "invalid_member"
    assert "Traceback" not in result.stderr


def test_wrong_master_password_is_one_sentence(stack, alice, run_agentmail) -> None:
    result = run_agentmail(alice, "--json", "folders", env_extra={"AGENTBBS_MAIL_MASTER_PASS": "wrong-password"})
    validate_answer(result.json)
    assert result.json["error"]["code"] == "auth_failed"
    assert result.returncode == 77
    assert "wrong-password" not in result.stdout + result.stderr
    assert stack.master_password not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_imap_server(stack, alice, run_agentmail) -> None:
    result = run_agentmail(alice, "--json", "folders", env_extra={"AGENTBBS_MAIL_IMAP_ADDR": "127.0.0.1:9"})
    assert result.json["error"]["code"] == "unavailable"
    assert result.returncode == 69
    assert "Traceback" not in result.stderr


def test_unreachable_smtp_keeps_the_draft(stack, alice, run_agentmail) -> None:
    subject = unique("Relay down")
    draft = f'{{"to": ["bob@bbs.test"], "subject": "{subject}", "text": "keep me"}}'
    result = run_agentmail(alice, "--json", "send", stdin=draft, env_extra={"AGENTBBS_MAIL_SMTP_ADDR": "127.0.0.1:9"})
    validate_answer(result.json)
    error = result.json["error"]
    assert error["code"] == "smtp_unavailable"
    assert result.returncode == 69
    assert error["details"]["draft_folder"] == "Drafts"
    drafts = run_agentmail(alice, "--json", "list", "Drafts", "--limit", "50").json
    assert any(i["content"]["subject"] == subject for i in drafts["items"])
    assert "Traceback" not in result.stderr


def test_missing_address_domain_is_a_config_error(stack, alice, run_agentmail) -> None:
    result = run_agentmail(alice, "--json", "folders", env_extra={"AGENTBBS_MAIL_ADDR_DOMAIN": ""})
    assert result.returncode == 78
    assert "AGENTBBS_MAIL_ADDR_DOMAIN" in result.json["error"]["message"]


def test_member_without_a_mailbox_is_told_so(stack, run_agentmail) -> None:
    result = run_agentmail("nobody-here", "--json", "folders")
    assert result.json["error"]["code"] == "no_mailbox"
    assert result.returncode == 67


def test_version_and_help(run_agentmail) -> None:
    assert run_agentmail(None, "--version").stdout.startswith("agentmail ")
    assert "usage: agentmail" in run_agentmail(None, "--help").stdout
