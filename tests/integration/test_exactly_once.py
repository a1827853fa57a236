"""Exactly-once sends: one idempotency key sends once, however many sessions race with it (issue 12).

Sessions are started first, then released at one moment (a barrier), so they really race.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from agentmail.config import load_settings
from agentmail.errors import UnavailableError
from agentmail.identity import member_for
from agentmail.model import Address, Draft
from agentmail.service import sending
from agentmail.service.mailbox import Mailbox
from tests.integration.contract import validate_answer
from tests.stack.servers import Stack

REPO = Path(__file__).resolve().parents[2]
RACERS = 10


def _env(stack: Stack, member: str, command: str) -> dict[str, str]:
    return {
        **stack.env(member),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO),
        "LANG": "C.UTF-8",
        "HOME": str(stack.layout.base),
        "SSH_ORIGINAL_COMMAND": command,
        "SSH_CONNECTION": "127.0.0.1 5555 127.0.0.1 22",
    }


def _start(stack: Stack, member: str, command: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "agentmail"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(stack, member, command),
        cwd=REPO,
    )


def _release_together(procs: list[subprocess.Popen[bytes]], data: bytes, *, close: bool) -> None:
    """Write `data` to every process's stdin at one moment (a barrier across threads)."""
    barrier = threading.Barrier(len(procs))

    def go(proc: subprocess.Popen[bytes]) -> None:
        barrier.wait()
        assert proc.stdin is not None
        proc.stdin.write(data)
        proc.stdin.flush()
        if close:
            proc.stdin.close()

    threads = [threading.Thread(target=go, args=(p,)) for p in procs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _finish(proc: subprocess.Popen[bytes]) -> bytes:
    """The process's whole stdout once it has exited (its stdin is already closed)."""
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    proc.stderr.read()
    proc.wait(timeout=120)
    return out


def _count(stack: Stack, member: str, folder: str, message_id: str) -> int:
    with stack.imap(member) as client:
        client.select_folder(folder, readonly=True)
        return len(client.search(["HEADER", "Message-ID", message_id]))


def _assert_once(stack: Stack, sender: str, to: str, answers: list[dict]) -> None:
    for answer in answers:
        validate_answer(answer)
    assert all(a["ok"] for a in answers), [a.get("error") for a in answers if not a["ok"]]
    assert sorted(a["duplicate"] for a in answers) == [False] + [True] * (RACERS - 1)
    assert len({a["message_id"] for a in answers}) == 1
    message_id = answers[0]["message_id"]
    stack.wait_queue_empty()
    assert _count(stack, to, "INBOX", message_id) == 1
    assert _count(stack, sender, "Sent", message_id) == 1


def _draft(to: str, subject: str, text: str = "exactly once") -> dict:
    return {"to": [f"{to}@bbs.test"], "subject": subject, "text": text}


def test_ten_concurrent_processes_with_one_key_send_once(stack, member) -> None:
    sender, to = member(), member()
    key = f"race-{uuid.uuid4().hex}"
    draft = json.dumps(_draft(to, f"race {key}")).encode()
    procs = [_start(stack, sender, f"send --idempotency-key {key}") for _ in range(RACERS)]
    _release_together(procs, draft, close=True)
    answers = [json.loads(_finish(proc)) for proc in procs]
    _assert_once(stack, sender, to, answers)


def test_ten_concurrent_batch_sessions_with_one_key_send_once(stack, member) -> None:
    sender, to = member(), member()
    key = f"batch-race-{uuid.uuid4().hex}"
    procs = [_start(stack, sender, "batch") for _ in range(RACERS)]
    try:
        for proc in procs:  # every session logged in before the race starts
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(b'{"id": 0, "cmd": "folders", "args": {}}\n')
            proc.stdin.flush()
        for proc in procs:
            assert proc.stdout is not None
            assert json.loads(proc.stdout.readline())["ok"]
        line = {"id": 1, "cmd": "send", "args": {"draft": _draft(to, f"race {key}"), "idempotency_key": key}}
        _release_together(procs, json.dumps(line).encode() + b"\n", close=True)
        answers = []
        for proc in procs:
            out = _finish(proc)
            (answer,) = [json.loads(x) for x in out.splitlines()]
            assert answer["id"] == 1
            answers.append({k: v for k, v in answer.items() if k != "id"})
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    _assert_once(stack, sender, to, answers)


def test_ten_concurrent_draft_sends_with_one_key_send_once(stack, run_agentmail, member) -> None:
    sender, to = member(), member()
    key = f"draft-race-{uuid.uuid4().hex}"
    saved = run_agentmail(sender, ssh_command="draft save", stdin=json.dumps(_draft(to, f"race {key}"))).json
    procs = [_start(stack, sender, f"draft send {saved['uid']} --idempotency-key {key}") for _ in range(RACERS)]
    _release_together(procs, b"", close=True)
    answers = [json.loads(_finish(proc)) for proc in procs]
    _assert_once(stack, sender, to, answers)
    drafts = run_agentmail(sender, ssh_command="draft list").json
    assert drafts["total"] == 0


def test_same_key_with_another_draft_is_a_conflict_and_sends_nothing(stack, run_agentmail, member) -> None:
    sender, to = member(), member()
    key = f"conflict-{uuid.uuid4().hex}"
    first = run_agentmail(sender, ssh_command=f"send --idempotency-key {key}", stdin=json.dumps(_draft(to, "one")))
    assert first.json["ok"] and not first.json["duplicate"]
    second = run_agentmail(
        sender, ssh_command=f"send --idempotency-key {key}", stdin=json.dumps(_draft(to, "two", "other text"))
    )
    validate_answer(second.json)
    assert second.returncode == 65
    assert second.json["error"]["code"] == "idempotency_conflict"
    stack.wait_queue_empty()
    with stack.imap(to) as client:
        client.select_folder("INBOX", readonly=True)
        assert len(client.search(["ALL"])) == 1
        assert client.search(["SUBJECT", "two"]) == []
    with stack.imap(sender) as client:
        client.select_folder("Sent", readonly=True)
        assert len(client.search(["ALL"])) == 1


def test_a_failed_duplicate_check_fails_the_send(stack, member, monkeypatch) -> None:
    """The key has no record (sent before records existed, or the state was restored) and looking in Sent fails:
    the send fails and nothing goes out a second time."""
    sender, to = member(), member()
    key = f"check-{uuid.uuid4().hex}"
    draft = Draft(to=(Address("", f"{to}@bbs.test"),), subject=f"check {key}", text="once")
    settings = load_settings(stack.env(sender), [])
    with Mailbox(settings, member_for(sender, settings)) as mb:
        first = sending.send(mb, draft, idempotency_key=key)
    assert not first.duplicate
    for path in (Path(settings.state_dir) / "idempotency" / sender).glob("*.json"):
        path.unlink()
    with Mailbox(settings, member_for(sender, settings)) as mb:
        real = mb.folder_for

        def folder_for(role: str) -> str:
            if role == "sent":
                raise UnavailableError("the IMAP connection was lost")
            return real(role)

        monkeypatch.setattr(mb, "folder_for", folder_for)
        with pytest.raises(UnavailableError):
            sending.send(mb, draft, idempotency_key=key)
    stack.wait_queue_empty()
    assert _count(stack, to, "INBOX", first.message_id) == 1
