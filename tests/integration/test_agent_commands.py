"""Every agent command through the entry point sshd uses (SSH_ORIGINAL_COMMAND), validated against the schema."""

from __future__ import annotations

import base64
import json
import uuid
from email.message import EmailMessage

import pytest

from tests.integration.contract import validate_answer


def make_mail(
    subject: str,
    *,
    sender: str = "carol@example.org",
    to: str = "x@bbs.test",
    body: str = "hello",
    attachment: bytes | None = None,
    msgid: str | None = None,
    in_reply_to: str | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = msgid or f"<{uuid.uuid4().hex}@example.org>"
    msg["Date"] = "Mon, 23 Nov 2026 10:00:00 +0000"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    if attachment is not None:
        msg.add_attachment(attachment, maintype="application", subtype="octet-stream", filename="data.bin")
    return msg.as_bytes()


@pytest.fixture
def fresh(stack, member):
    """A fresh member with three messages in INBOX: (name, uids)."""
    name = member()
    uids = [
        stack.deliver(name, make_mail(f"first {name}", to=f"{name}@bbs.test", body="alpha text")),
        stack.deliver(
            name,
            make_mail(f"second {name}", to=f"{name}@bbs.test", body="beta text", attachment=b"\x00\x01binary" * 10),
        ),
        stack.deliver(name, make_mail(f"third {name}", to=f"{name}@bbs.test", body="gamma text")),
    ]
    return name, uids


def ssh(run_agentmail, member: str, command: str, stdin: str | None = None):
    """Run like sshd's forced command does, and check the answer against the schema."""
    result = run_agentmail(member, ssh_command=command, stdin=stdin)
    answer = result.json
    validate_answer(answer)
    return answer, result.returncode


def test_listing_paging_and_filters(run_agentmail, fresh) -> None:
    name, uids = fresh
    page, rc = ssh(run_agentmail, name, "list INBOX --limit 2")
    assert rc == 0 and [i["uid"] for i in page["items"]] == [uids[2], uids[1]]
    assert page["total"] == 3 and page["next_cursor"]
    rest, _ = ssh(run_agentmail, name, f"list INBOX --limit 2 --cursor {page['next_cursor']}")
    assert [i["uid"] for i in rest["items"]] == [uids[0]] and rest["next_cursor"] is None
    older, _ = ssh(run_agentmail, name, f"list INBOX --before {uids[2]}")
    assert [i["uid"] for i in older["items"]] == [uids[1], uids[0]]
    assert page["items"][1]["has_attachments"] is True
    by_subject, _ = ssh(run_agentmail, name, "list INBOX --sort subject")
    assert [i["content"]["subject"].split()[0] for i in by_subject["items"]] == ["third", "second", "first"]
    ssh(run_agentmail, name, f"flag INBOX {uids[0]}")
    flagged, _ = ssh(run_agentmail, name, "list --flagged")
    assert [i["uid"] for i in flagged["items"]] == [uids[0]]
    unread, _ = ssh(run_agentmail, name, "list INBOX --unread")
    assert len(unread["items"]) == 3


def _altered(token: str, **fields: object) -> str:
    """A token an agent edited: decoded, fields changed, encoded again the way agentmail encodes."""
    data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw = json.dumps({**data, **fields}, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_tampered_and_foreign_tokens_are_usage_errors(run_agentmail, fresh) -> None:
    name, _ = fresh
    page, _ = ssh(run_agentmail, name, "list INBOX --limit 1")
    feed, _ = ssh(run_agentmail, name, "changes INBOX")
    everywhere, _ = ssh(run_agentmail, name, "changes --all-folders")
    for command in [
        f"list INBOX --limit 1 --cursor {_altered(page['next_cursor'], k='x')}",  # once an internal error
        f"list INBOX --limit 1 --cursor {_altered(page['next_cursor'], uv=-1)}",
        f"list INBOX --limit 1 --cursor {feed['token']}",
        f"changes INBOX --since {page['next_cursor']}",
        f"changes INBOX --since {_altered(feed['token'], un='1')}",
        f"changes INBOX --since {everywhere['token']}",
        f"changes --all-folders --since {feed['token']}",
        f"changes --all-folders --since {everywhere['token'][:-6]}",
    ]:
        answer, rc = ssh(run_agentmail, name, command)
        assert rc == 64 and answer["error"]["code"] == "usage", command
        assert "gave out" in answer["error"]["message"], command
    later, rc = ssh(run_agentmail, name, f"changes --all-folders --since {everywhere['token']}")
    assert rc == 0 and later["events"] == []


def test_read_attachment_and_flags(run_agentmail, fresh) -> None:
    name, uids = fresh
    answer, rc = ssh(run_agentmail, name, f"read INBOX {uids[1]} --peek")
    assert rc == 0 and "beta text" in answer["message"]["content"]["text"]
    assert answer["message"]["content"]["text"].startswith(f"<<<{answer['fence']}>>>")
    parts = answer["message"]["content"]["attachments"]
    assert parts and parts[0]["content"]["filename"] == "data.bin"
    part, _ = ssh(run_agentmail, name, f"attachment INBOX {uids[1]} {parts[0]['part_id']}")
    assert base64.b64decode(part["data_base64"]) == b"\x00\x01binary" * 10
    listing, _ = ssh(run_agentmail, name, "list INBOX")
    assert all("\\Seen" not in i["flags"] for i in listing["items"]), "peek must not mark read"
    ssh(run_agentmail, name, f"seen INBOX {uids[0]},{uids[1]}")
    listing, _ = ssh(run_agentmail, name, "list INBOX --unread")
    assert [i["uid"] for i in listing["items"]] == [uids[2]]
    ssh(run_agentmail, name, f"unseen INBOX {uids[0]}")
    ssh(run_agentmail, name, f"unflag INBOX {uids[0]}")
    missing, rc = ssh(run_agentmail, name, "read INBOX 999999")
    assert missing["error"]["code"] == "not_found" and rc == 66


def test_folders_move_copy_delete_restore(run_agentmail, fresh) -> None:
    name, uids = fresh
    created, _ = ssh(run_agentmail, name, "folder create Projects")
    assert created["folder"]["name"] == "Projects"
    moved, _ = ssh(run_agentmail, name, f"move INBOX {uids[0]} --target Projects")
    new_uid = moved["uids"][0]["new_uid"]
    assert moved["target"] == "Projects" and new_uid
    copied, _ = ssh(run_agentmail, name, f"copy Projects {new_uid} --target INBOX")
    assert copied["uids"][0]["new_uid"]
    deleted, _ = ssh(run_agentmail, name, f"delete INBOX {uids[1]}")
    assert deleted["target"] == "Trash" and not deleted["expunged"]
    trash_uid = deleted["uids"][0]["new_uid"]
    restored, _ = ssh(run_agentmail, name, f"restore {trash_uid}")
    assert restored["target"] == "INBOX"
    again, _ = ssh(run_agentmail, name, f"delete INBOX {uids[2]}")
    gone, _ = ssh(run_agentmail, name, f"delete Trash {again['uids'][0]['new_uid']}")
    assert gone["expunged"] is True
    renamed, _ = ssh(run_agentmail, name, "folder rename Projects Work")
    assert renamed["folder"]["name"] == "Work"
    refused, rc = ssh(run_agentmail, name, "folder delete Sent")
    assert refused["error"]["code"] == "forbidden" and rc == 77
    ssh(run_agentmail, name, "folder delete Work")
    folders, _ = ssh(run_agentmail, name, "folders")
    names = [f["name"] for f in folders["folders"]]
    assert "Work" not in names and names[0] == "INBOX"
    roles = {f["role"] for f in folders["folders"]}
    assert {"inbox", "sent", "drafts", "trash", "junk", "archive"} <= roles


def test_search_runs_on_the_server(run_agentmail, fresh) -> None:
    name, uids = fresh
    found, _ = ssh(run_agentmail, name, "search subject:second")
    assert found["total"] == 1 and found["results"][0]["items"][0]["uid"] == uids[1]
    found, _ = ssh(run_agentmail, name, "search gamma OR alpha")
    assert {i["uid"] for i in found["results"][0]["items"]} == {uids[0], uids[2]}
    found, _ = ssh(run_agentmail, name, "search -subject:first from:carol")
    assert {i["uid"] for i in found["results"][0]["items"]} == {uids[1], uids[2]}
    everywhere, _ = ssh(run_agentmail, name, "search has:attachment --all-folders")
    assert everywhere["total"] >= 1
    bad, rc = ssh(run_agentmail, name, "search since:notadate")
    assert bad["error"]["code"] == "usage" and rc == 64


def test_reply_reply_all_and_forward(stack, run_agentmail, member) -> None:
    me, other = member(), member()
    original_id = f"<{uuid.uuid4().hex}@example.org>"
    uid = stack.deliver(
        me,
        make_mail(
            "Plans",
            sender=f"{other}@bbs.test",
            to=f"{me}@bbs.test, dave@example.org",
            body="What do you think?",
            msgid=original_id,
        ),
    )
    answer, rc = ssh(run_agentmail, me, f"reply INBOX {uid} --all", stdin='{"text": "Sounds good."}')
    assert rc == 0, answer
    got = stack.wait_for_message(other, "INBOX", "Re: Plans", timeout=20)
    assert f"In-Reply-To: {original_id}".encode() in got.raw
    assert original_id.encode() in got.raw.split(b"References:", 1)[1][:400]
    assert b"> What do you think?" in got.raw
    dave = stack.captured(timeout=20, match="Re: Plans")
    assert dave, "reply-all reaches the other recipient"
    assert not any(f"To: {me}@bbs.test".encode() in m for m in dave)
    listing, _ = ssh(run_agentmail, me, "list INBOX")
    assert "\\Answered" in listing["items"][0]["flags"]
    fwd, _ = ssh(run_agentmail, me, f"forward INBOX {uid} --attach", stdin=json.dumps({"to": [f"{other}@bbs.test"]}))
    assert fwd["ok"]
    got = stack.wait_for_message(other, "INBOX", "Fwd: Plans", timeout=20)
    assert b"message/rfc822" in got.raw
    dry, _ = ssh(run_agentmail, me, f"reply INBOX {uid} --dry-run", stdin='{"text": "draft only"}')
    assert dry["dry_run"] and "In-Reply-To: " + original_id in dry["raw"]


def test_drafts(run_agentmail, member) -> None:
    name = member()
    saved, _ = ssh(run_agentmail, name, "draft save", stdin='{"to": ["bob@bbs.test"], "subject": "later", "text": "x"}')
    assert saved["folder"] == "Drafts" and saved["uid"]
    listed, _ = ssh(run_agentmail, name, "draft list")
    assert [i["uid"] for i in listed["items"]] == [saved["uid"]]
    sent, _ = ssh(run_agentmail, name, f"draft send {saved['uid']}")
    assert sent["ok"] and sent["sent_folder"] == "Sent"
    listed, _ = ssh(run_agentmail, name, "draft list")
    assert listed["items"] == []
    saved, _ = ssh(run_agentmail, name, "draft save", stdin='{"subject": "no one yet"}')
    gone, _ = ssh(run_agentmail, name, f"draft delete {saved['uid']}")
    assert gone["ok"]


def test_quota_whoami_help_schema(run_agentmail, alice) -> None:
    quota, _ = ssh(run_agentmail, alice, "quota")
    assert quota["quota"]["limit_kib"] > 0
    who, _ = ssh(run_agentmail, alice, "whoami")
    assert who["address"] == "alice@bbs.test" and "IDLE" in who["capabilities"]
    helped, _ = ssh(run_agentmail, alice, "help")
    assert {c["name"] for c in helped["commands"]} >= {"list", "read", "send", "batch", "watch", "changes"}
    schema, _ = ssh(run_agentmail, alice, "schema")
    assert schema["schema"]["api_version"] == 1


def test_stale_uid_after_the_folder_is_recreated(stack, run_agentmail, member) -> None:
    name = member()
    ssh(run_agentmail, name, "folder create Box")
    uid = stack.deliver(name, make_mail("in box"), folder="Box")
    page, _ = ssh(run_agentmail, name, "list Box")
    old = page["uidvalidity"]
    ssh(run_agentmail, name, "folder delete Box")
    ssh(run_agentmail, name, "folder create Box")
    stack.deliver(name, make_mail("another"), folder="Box")
    answer, rc = ssh(run_agentmail, name, f"read Box {uid} --uidvalidity {old}")
    assert answer["error"]["code"] == "stale_uid" and rc == 65
    answer, _ = ssh(run_agentmail, name, f"flag Box {uid} --uidvalidity {old}")
    assert answer["error"]["code"] == "stale_uid"


@pytest.mark.parametrize(
    ("command", "code"),
    [
        ("--member bob list", "forbidden"),
        ("list --config /etc/passwd", "forbidden"),
        ("frobnicate", "usage"),
        ("list INBOX --nope", "usage"),
        ("read INBOX notanumber", "usage"),
        ("list 'INBOX", "usage"),
        ("doctor", "forbidden"),
        ("list; sh", "usage"),
        ("list $(id)", "not_found"),
    ],
)
def test_refusals_over_ssh(run_agentmail, alice, command, code) -> None:
    answer, rc = ssh(run_agentmail, alice, command)
    assert answer["ok"] is False and answer["error"]["code"] == code
    assert rc != 0
    if code == "usage" and command == "frobnicate":
        assert "list" in answer["error"]["message"], "an unknown command lists the commands"


def test_invalid_recipient_sends_nothing(stack, run_agentmail, alice) -> None:
    subject = f"never {uuid.uuid4().hex}"
    draft = json.dumps({"to": ["bob@bbs.test", "not an address"], "subject": subject, "text": "x"})
    answer, rc = ssh(run_agentmail, alice, "send", stdin=draft)
    assert answer["error"]["code"] == "invalid_address" and rc == 65
    assert "not an address" in answer["error"]["message"]
    stack.wait_queue_empty()  # whatever Postfix accepted is delivered by now
    assert not stack.captured(timeout=0, match=subject)
    with stack.imap("bob") as client:
        client.select_folder("INBOX", readonly=True)
        assert not client.search(["SUBJECT", subject.split()[1]])
    sent, _ = ssh(run_agentmail, alice, f"search subject:{subject.split()[1]} --folder Sent")
    assert sent["total"] == 0


@pytest.mark.parametrize("field", ["subject", "name"])
def test_header_injection_is_refused(stack, run_agentmail, alice, field) -> None:
    evil = "Hello\r\nBcc: victim@example.org\r\nX-Injected: yes"
    to = {"name": evil, "email": "bob@bbs.test"} if field == "name" else "bob@bbs.test"
    draft = json.dumps({"to": [to], "subject": evil if field == "subject" else "ok", "text": "x"})
    answer, _ = ssh(run_agentmail, alice, "send", stdin=draft)
    assert answer["ok"] is False and answer["error"]["code"] == "invalid_message"
    stack.wait_queue_empty()  # whatever Postfix accepted is delivered by now
    assert not stack.captured(timeout=0, match="X-Injected")
