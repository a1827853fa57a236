"""Scopes on the real Dovecot and Postfix, through the forced-command entry point: one-shot, batch and MCP.

The key line's AGENTMAIL_SCOPE / AGENTMAIL_AGENT / AGENTMAIL_ALLOW_TO arrive in the environment as sshd sets them;
tests/e2e/test_scopes_sshd.py proves the same through the real sshd, and that a client cannot set them.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import anyio
import pytest
from mcp.client import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.conftest import REPO_ROOT
from tests.integration.contract import validate_answer
from tests.stack.servers import Stack


def _mail(subject: str, to: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Carol <carol@example.org>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
    msg["Date"] = "Mon, 23 Nov 2026 10:00:00 +0000"
    msg.set_content("hello\n")
    return msg.as_bytes()


@dataclass
class Box:
    """A fresh member with one message in INBOX, one in Trash, one draft and an empty folder Work."""

    name: str
    inbox: int
    trash: int
    draft: int


@pytest.fixture
def box(stack: Stack, member: Callable[..., str]) -> Box:
    name = member()
    address = stack.address(name)
    inbox = stack.deliver(name, _mail(f"inbox {name}", address))
    trash = stack.deliver(name, _mail(f"trash {name}", address), folder="Trash")
    draft = stack.deliver(name, _mail(f"draft {name}", "bob@bbs.test"), folder="Drafts", flags=["\\Draft", "\\Seen"])
    with stack.imap(name) as client:
        client.create_folder("Work")
    return Box(name, inbox, trash, draft)


def _state(stack: Stack, name: str) -> dict[str, Any]:
    """What the server holds: per folder, each message's flags (the thing a refused command must not touch)."""
    out: dict[str, Any] = {}
    with stack.imap(name) as client:
        for _, _, folder in client.list_folders():
            client.select_folder(folder, readonly=True)
            fetched = client.fetch(client.search(["ALL"]), ["FLAGS"]) if client.search(["ALL"]) else {}
            out[folder] = {uid: sorted(str(f) for f in data[b"FLAGS"]) for uid, data in fetched.items()}
    return out


def _draft(to: str, subject: str) -> str:
    return json.dumps({"to": [to], "subject": subject, "text": "scoped\n"})


def _changing(b: Box) -> list[tuple[str, str | None]]:
    """Every changing command as a forced command's words (and its stdin)."""
    to = "bob@bbs.test"
    return [
        ("send", _draft(to, "refused")),
        (f"reply INBOX {b.inbox}", '{"text": "no"}'),
        (f"forward INBOX {b.inbox}", json.dumps({"to": [to]})),
        (f"move INBOX {b.inbox} --target Work", None),
        (f"copy INBOX {b.inbox} --target Work", None),
        (f"flag INBOX {b.inbox}", None),
        (f"unflag INBOX {b.inbox}", None),
        (f"seen INBOX {b.inbox}", None),
        (f"unseen INBOX {b.inbox}", None),
        (f"delete INBOX {b.inbox}", None),
        (f"restore {b.trash}", None),
        ("folder create New", None),
        ("folder rename Work Other", None),
        ("folder delete Work", None),
        ("draft save", _draft(to, "draft")),
        (f"draft send {b.draft}", None),
        (f"draft delete {b.draft}", None),
    ]


#: The same commands as batch requests / MCP tool calls (name, args).
def _changing_requests(b: Box) -> list[tuple[str, dict[str, Any]]]:
    draft = {"to": ["bob@bbs.test"], "subject": "refused", "text": "x\n"}
    return [
        ("send", {"draft": draft}),
        ("reply", {"folder": "INBOX", "uid": b.inbox, "draft": {"text": "no"}}),
        ("forward", {"folder": "INBOX", "uid": b.inbox, "draft": {"to": ["bob@bbs.test"]}}),
        ("move", {"folder": "INBOX", "uids": [b.inbox], "target": "Work"}),
        ("copy", {"folder": "INBOX", "uids": [b.inbox], "target": "Work"}),
        ("flag", {"folder": "INBOX", "uids": [b.inbox]}),
        ("seen", {"folder": "INBOX", "uids": [b.inbox]}),
        ("unseen", {"folder": "INBOX", "uids": [b.inbox]}),
        ("delete", {"folder": "INBOX", "uids": [b.inbox]}),
        ("restore", {"uids": [b.trash]}),
        ("folder_create", {"name": "New"}),
        ("folder_delete", {"name": "Work"}),
        ("draft_save", {"draft": draft}),
        ("draft_send", {"uid": b.draft}),
        ("draft_delete", {"uids": [b.draft]}),
    ]


def _scoped(run_agentmail, name: str, command: str, scope: dict[str, str], stdin: str | None = None):
    result = run_agentmail(name, ssh_command=command, stdin=stdin, env_extra=scope)
    validate_answer(result.json)
    return result


READ = {"AGENTMAIL_SCOPE": "read", "AGENTMAIL_AGENT": "reader-bot"}


# -- a read key ----------------------------------------------------------------------------------------------------


def test_read_key_refuses_every_changing_command_one_shot(stack: Stack, box: Box, run_agentmail) -> None:
    before = _state(stack, box.name)
    for command, stdin in _changing(box):
        result = _scoped(run_agentmail, box.name, command, READ, stdin)
        assert result.returncode == 77, (command, result)
        error = result.json["error"]
        assert error["code"] == "forbidden", (command, error)
        assert "scope is 'read'" in error["message"], (command, error)
    assert _state(stack, box.name) == before


def test_read_key_refuses_every_changing_command_in_batch(stack: Stack, box: Box, run_agentmail) -> None:
    before = _state(stack, box.name)
    requests = _changing_requests(box)
    lines = "".join(json.dumps({"id": i, "cmd": n, "args": a}) + "\n" for i, (n, a) in enumerate(requests))
    result = run_agentmail(box.name, ssh_command="batch", stdin=lines, env_extra=READ)
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["id"] for a in answers] == list(range(len(requests)))
    for (name, _), answer in zip(requests, answers, strict=True):
        assert answer["ok"] is False and answer["error"]["code"] == "forbidden", (name, answer)
        assert "'read'" in answer["error"]["message"]
    assert _state(stack, box.name) == before


def _mcp_params(stack: Stack, name: str, scope: dict[str, str]) -> StdioServerParameters:
    env = stack.env(name)
    env.update(PATH=os.environ.get("PATH", "/usr/bin:/bin"), PYTHONPATH=str(REPO_ROOT), LANG="C.UTF-8")
    env.update(HOME=str(stack.layout.base), SSH_ORIGINAL_COMMAND="mcp", SSH_CONNECTION="127.0.0.1 5555 127.0.0.1 22")
    env.update(scope)
    return StdioServerParameters(command=sys.executable, args=["-m", "agentmail"], env=env, cwd=REPO_ROOT)


def test_read_key_over_mcp_lists_only_read_only_tools_and_refuses_changes(stack: Stack, box: Box) -> None:
    before = _state(stack, box.name)

    async def main() -> None:
        async with stdio_client(_mcp_params(stack, box.name, READ)) as (r, w), ClientSession(r, w) as session:
            await session.initialize()
            tools = (await session.list_tools()).tools
            assert {"list", "read", "search", "thread", "attachment", "changes", "quota", "folders"} <= {
                t.name for t in tools
            }
            for t in tools:
                assert t.annotations is not None and t.annotations.read_only_hint is True, t.name
            for name, args in _changing_requests(box):
                result = await session.call_tool(name, args)
                assert result.is_error, name
                assert result.structured_content["error"]["code"] == "forbidden", (name, result.structured_content)
            read = await session.call_tool("read", {"folder": "INBOX", "uid": box.inbox})
            assert not read.is_error and "\\Seen" not in read.structured_content["message"]["flags"]

    anyio.run(main)
    assert _state(stack, box.name) == before


def test_read_key_never_sets_seen(stack: Stack, box: Box, run_agentmail) -> None:
    before = _state(stack, box.name)
    read = _scoped(run_agentmail, box.name, f"read INBOX {box.inbox}", READ)
    assert read.returncode == 0 and "\\Seen" not in read.json["message"]["flags"]
    who = _scoped(run_agentmail, box.name, "whoami", READ).json
    assert who["read_only"] is True
    assert who["scope"] == {"scope": "read", "agent": "reader-bot", "allow_to": None}
    assert "send" not in who["commands"] and "move" not in who["commands"]
    assert _state(stack, box.name) == before
    assert "\\Seen" not in before["INBOX"][box.inbox]


# -- organize, draft and send keys -----------------------------------------------------------------------------------


def test_organize_key_moves_but_never_sends_or_expunges(stack: Stack, box: Box, run_agentmail) -> None:
    scope = {"AGENTMAIL_SCOPE": "organize"}
    moved = _scoped(run_agentmail, box.name, f"move INBOX {box.inbox} --target Work", scope)
    assert moved.returncode == 0, moved
    assert _state(stack, box.name)["INBOX"] == {}
    refusals = [
        ("send", _draft("bob@bbs.test", "nope")),
        (f"delete Trash {box.trash}", None),  # in Trash, delete is for good
        ("folder delete Work", None),
        ("draft save", _draft("bob@bbs.test", "nope")),
    ]
    for command, stdin in refusals:
        result = _scoped(run_agentmail, box.name, command, scope, stdin)
        assert result.returncode == 77 and result.json["error"]["code"] == "forbidden", (command, result)
        assert "'organize'" in result.json["error"]["message"]
    state = _state(stack, box.name)
    assert box.trash in state["Trash"] and "Work" in state and state["Sent"] == {}
    created = _scoped(run_agentmail, box.name, "folder create Sorted", scope)
    assert created.returncode == 0
    work_uid = next(iter(state["Work"]))
    trashed = _scoped(run_agentmail, box.name, f"delete Work {work_uid}", scope)
    assert trashed.returncode == 0 and trashed.json["expunged"] is False and trashed.json["target"] == "Trash"


def test_draft_key_saves_drafts_and_its_sends_become_proposals(stack: Stack, box: Box, run_agentmail) -> None:
    scope = {"AGENTMAIL_SCOPE": "draft", "AGENTMAIL_AGENT": "triage-bot"}
    saved = _scoped(run_agentmail, box.name, "draft save", scope, _draft("bob@bbs.test", "kept as a draft"))
    assert saved.returncode == 0 and saved.json["folder"] == "Drafts"
    preview = _scoped(run_agentmail, box.name, "send --dry-run", scope, _draft("bob@bbs.test", "preview"))
    assert preview.returncode == 0 and preview.json["dry_run"] is True
    for command, stdin in [
        ("send", _draft("bob@bbs.test", "needs approval")),
        (f"draft send {box.draft}", None),
        (f"reply INBOX {box.inbox}", '{"text": "ok"}'),
        (f"forward INBOX {box.inbox}", json.dumps({"to": ["bob@bbs.test"]})),
    ]:
        result = _scoped(run_agentmail, box.name, command, scope, stdin)
        assert result.returncode == 0 and result.json["pending_approval"] is True, (command, result)
        assert len(result.json["proposal"]["fingerprint"]) == 64
    state = _state(stack, box.name)
    assert state["Sent"] == {} and box.draft not in state["Drafts"]  # draft send turned the draft into a proposal
    marked = [uid for uid, flags in state["Drafts"].items() if any("$AgentmailProposal" in f for f in flags)]
    assert len(marked) == 4
    listed = _scoped(run_agentmail, box.name, "proposals", scope)
    assert len(listed.json["proposals"]) == 4


def test_send_key_sends_inside_its_allow_list_and_proposes_outside_it(
    stack: Stack, box: Box, bob: str, run_agentmail
) -> None:
    scope = {
        "AGENTMAIL_SCOPE": "send",
        "AGENTMAIL_AGENT": "mailer",
        "AGENTMAIL_ALLOW_TO": "*@bbs.test,boss@example.org",
    }
    inside = f"inside the list {uuid.uuid4().hex[:8]}"
    sent = _scoped(run_agentmail, box.name, "send", scope, _draft(stack.address(bob), inside))
    assert sent.returncode == 0, sent
    stack.wait_for_message(bob, "INBOX", inside, timeout=20)
    for outside in (["carol@example.org"], ["other@example.org"], ["carol%example.org@bbs.test"]):
        for to in (outside, [stack.address(bob), *outside]):
            draft = json.dumps({"to": to, "subject": "outside the list", "text": "x\n"})
            proposed = _scoped(run_agentmail, box.name, "send", scope, draft)
            assert proposed.returncode == 0 and proposed.json["pending_approval"] is True, proposed
    state = _state(stack, box.name)
    assert len(state["Sent"]) == 1  # only the message inside the list went out
    waiting = [f for f in state["Drafts"].values() if any("$AgentmailProposal" in x for x in f)]
    assert len(waiting) == 6  # the others wait for the member's approval


# -- the key line's values are checked before any network I/O ------------------------------------------------------


@pytest.mark.parametrize(
    "env",
    [
        {"AGENTMAIL_SCOPE": "admin"},
        {"AGENTMAIL_SCOPE": ""},
        {"AGENTMAIL_AGENT": "bot;rm"},
        {"AGENTMAIL_ALLOW_TO": "anyone"},
    ],
)
def test_bad_scope_values_refuse_to_start_before_any_connection(stack: Stack, alice: str, run_agentmail, env) -> None:
    closed = {"AGENTBBS_MAIL_IMAP_ADDR": "127.0.0.1:9", "AGENTBBS_MAIL_SMTP_ADDR": "127.0.0.1:9"}
    result = run_agentmail(alice, ssh_command="list", env_extra={**closed, **env})
    assert result.returncode == 78
    assert result.json["error"]["code"] == "config"
    assert "AGENTMAIL_" in result.json["error"]["message"]
    assert "Traceback" not in result.stderr


# -- audit -----------------------------------------------------------------------------------------------------------


@pytest.mark.skipif(os.path.exists("/dev/log"), reason="audit records go to syslog where /dev/log exists")
def test_the_agent_name_is_in_the_audit_line_of_its_changes_and_sends(
    stack: Stack, box: Box, bob: str, run_agentmail
) -> None:
    scope = {"AGENTMAIL_SCOPE": "send", "AGENTMAIL_AGENT": "triage-bot"}
    moved = _scoped(run_agentmail, box.name, f"move INBOX {box.inbox} --target Work", scope)
    lines = [line for line in moved.stderr.splitlines() if "change member=" in line]
    assert len(lines) == 1 and "agent=triage-bot" in lines[0] and "action=move" in lines[0], moved.stderr
    sent = _scoped(run_agentmail, box.name, "send", scope, _draft(stack.address(bob), "audited agent send"))
    lines = [line for line in sent.stderr.splitlines() if "send member=" in line]
    assert len(lines) == 1 and "agent=triage-bot" in lines[0] and "result=sent" in lines[0], sent.stderr
    human = run_agentmail(box.name, ssh_command=f"flag Work {moved.json['uids'][0]['new_uid']}")
    assert human.returncode == 0 and "change member=" not in human.stderr
