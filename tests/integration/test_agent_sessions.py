"""Long agent sessions: batch over one login, watch with IDLE, the change feed, idempotent sends."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.integration.contract import validate_answer
from tests.integration.test_agent_commands import make_mail

REPO = Path(__file__).resolve().parents[2]


def login_count(stack, member: str) -> int:
    log = Path(stack.layout.dovecot_log).read_text(errors="replace")
    return log.count(f"Login: user=<{member}@bbs.test>")


def test_batch_of_200_requests_uses_one_login(stack, run_agentmail, member) -> None:
    name = member()
    uids = [stack.deliver(name, make_mail(f"batch {i}", to=f"{name}@bbs.test")) for i in range(5)]
    kinds = [
        {"cmd": "list", "args": {"folder": "INBOX", "limit": 5}},
        {"cmd": "read", "args": {"folder": "INBOX", "uid": uids[1], "peek": True}},
        {"cmd": "folders", "args": {}},
        {"cmd": "flag", "args": {"folder": "INBOX", "uids": [uids[2]]}},
        {"cmd": "search", "args": {"query": "subject:batch", "limit": 3}},
        {"cmd": "unflag", "args": {"folder": "INBOX", "uids": [uids[2]]}},
        {"cmd": "read", "args": {"folder": "INBOX", "uid": 99999}},
        {"cmd": "quota", "args": {}},
    ]
    lines = [json.dumps({"id": i, **kinds[i % len(kinds)]}) for i in range(200)]
    before = login_count(stack, name)
    result = run_agentmail(name, ssh_command="batch", stdin="\n".join(lines) + "\n", timeout=120)
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["id"] for a in answers] == list(range(200))
    for answer in answers:
        validate_answer({k: v for k, v in answer.items()})
    failures = [a for a in answers if not a["ok"]]
    assert len(failures) == 25 and all(a["error"]["code"] == "not_found" for a in failures)
    assert login_count(stack, name) - before == 1


def test_batch_reports_bad_lines_and_keeps_going(run_agentmail, alice) -> None:
    stdin = 'not json\n{"id": "a", "cmd": "nope", "args": {}}\n{"id": "b", "cmd": "whoami"}\n'
    result = run_agentmail(alice, "batch", stdin=stdin)
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert answers[0]["error"]["code"] == "usage" and answers[0]["id"] is None
    assert answers[1]["id"] == "a" and answers[1]["error"]["code"] == "usage"
    assert answers[2]["id"] == "b" and answers[2]["ok"]
    assert result.returncode == 1


class Watch:
    """agentmail watch as a child process with its stdin held open."""

    def __init__(self, stack, member: str, *args: str, env_extra: dict[str, str] | None = None) -> None:
        env = {
            **os.environ,
            **stack.env(member),
            **(env_extra or {}),
            "PYTHONPATH": str(REPO),
            "SSH_ORIGINAL_COMMAND": " ".join(["watch", *args]),
            "SSH_CONNECTION": "127.0.0.1 5555 127.0.0.1 22",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "agentmail"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=REPO,
        )
        self._buffer = b""

    def next_event(self, kind: str, timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while b"\n" in self._buffer:
                line, self._buffer = self._buffer.split(b"\n", 1)
                answer = json.loads(line)
                validate_answer(answer)
                if answer.get("event", {}).get("kind") == kind:
                    return answer
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                self._buffer += chunk
        raise AssertionError(f"no {kind} event within {timeout}s; stderr: {self.proc.stderr.read1(4096)!r}")

    def close(self) -> int:
        self.proc.stdin.close()
        return self.proc.wait(timeout=20)


def test_watch_reports_mail_delivered_through_postfix(stack, run_agentmail, alice, member) -> None:
    name = member()
    watch = Watch(stack, name, "INBOX", "--heartbeat", "2")
    try:
        watch.next_event("ready")
        subject = f"watched {uuid.uuid4().hex[:8]}"
        draft = json.dumps({"to": [f"{name}@bbs.test"], "subject": subject, "text": "ping"})
        assert run_agentmail(alice, "send", stdin=draft).returncode == 0
        event = watch.next_event("new", timeout=30)
        assert event["event"]["summary"]["content"]["subject"] == subject
        assert event["token"]
        watch.next_event("heartbeat", timeout=10)
    finally:
        assert watch.close() == 0, "watch ends cleanly on stdin EOF"


def test_watch_ends_cleanly_on_sigterm(stack, member) -> None:
    import signal

    watch = Watch(stack, member(), "--heartbeat", "60")
    watch.next_event("ready")
    watch.proc.send_signal(signal.SIGTERM)
    assert watch.proc.wait(timeout=20) == 0


def test_changes_since_a_token_reports_exactly_what_happened(stack, run_agentmail, member) -> None:
    name = member()
    keep = stack.deliver(name, make_mail("keep", to=f"{name}@bbs.test"))
    doomed = stack.deliver(name, make_mail("doomed", to=f"{name}@bbs.test"))
    first = run_agentmail(name, ssh_command="changes INBOX").json
    validate_answer(first)
    assert first["events"] == []
    token = first["token"]
    # The agent is gone; meanwhile three messages arrive and one is deleted.
    new = [stack.deliver(name, make_mail(f"while away {i}", to=f"{name}@bbs.test")) for i in range(3)]
    assert run_agentmail(name, ssh_command=f"delete INBOX {doomed}").json["ok"]
    answer = run_agentmail(name, ssh_command=f"changes INBOX --since {token}").json
    validate_answer(answer)
    kinds = sorted((e["kind"], e["uid"]) for e in answer["events"])
    assert kinds == sorted([("expunged", doomed), *[("new", u) for u in new]])
    again = run_agentmail(name, ssh_command=f"changes INBOX --since {answer['token']}").json
    assert again["events"] == [], "nothing is reported twice"
    assert run_agentmail(name, ssh_command=f"flag INBOX {keep}").json["ok"]
    flagged = run_agentmail(name, ssh_command=f"changes INBOX --since {again['token']}").json
    assert [(e["kind"], e["uid"]) for e in flagged["events"]] == [("flags", keep)]
    assert "\\Flagged" in flagged["events"][0]["flags"]


def test_a_recreated_folder_is_resync_required(stack, run_agentmail, member) -> None:
    name = member()
    run_agentmail(name, ssh_command="folder create Feed")
    token = run_agentmail(name, ssh_command="changes Feed").json["token"]
    run_agentmail(name, ssh_command="folder delete Feed")
    run_agentmail(name, ssh_command="folder create Feed")
    answer = run_agentmail(name, ssh_command=f"changes Feed --since {token}").json
    validate_answer(answer)
    assert [e["kind"] for e in answer["events"]] == ["resync_required"]


def test_changes_across_all_folders(stack, run_agentmail, member) -> None:
    name = member()
    token = run_agentmail(name, ssh_command="changes --all-folders").json["token"]
    stack.deliver(name, make_mail("in junk"), folder="Junk")
    answer = run_agentmail(name, ssh_command=f"changes --all-folders --since {token}").json
    validate_answer(answer)
    assert [(e["kind"], e["folder"]) for e in answer["events"]] == [("new", "Junk")]


def test_idempotent_send_happens_once(stack, run_agentmail, alice, member) -> None:
    to = member()
    subject = f"once {uuid.uuid4().hex[:8]}"
    draft = json.dumps({"to": [f"{to}@bbs.test"], "subject": subject, "text": "only one"})
    first = run_agentmail(alice, ssh_command="send --idempotency-key job-42-" + subject[5:], stdin=draft).json
    second = run_agentmail(alice, ssh_command="send --idempotency-key job-42-" + subject[5:], stdin=draft).json
    validate_answer(first)
    validate_answer(second)
    assert first["ok"] and not first["duplicate"]
    assert second["duplicate"] and second["message_id"] == first["message_id"]
    stack.wait_for_message(to, "INBOX", subject, timeout=20)
    stack.wait_queue_empty()  # a second copy, had one been sent, is delivered by now
    inbox = run_agentmail(to, ssh_command=f"search subject:{subject.split()[1]}").json
    assert inbox["total"] == 1
    sent = run_agentmail(alice, ssh_command=f"search subject:{subject.split()[1]} --folder Sent").json
    assert sent["total"] == 1


def test_read_pages_through_a_big_body(stack, run_agentmail, member) -> None:
    name = member()
    body = "".join(f"line {i:06d} of a long report\n" for i in range(40000))  # about 1 MB
    uid = stack.deliver(name, make_mail("big", to=f"{name}@bbs.test", body=body))
    first = run_agentmail(name, ssh_command=f"read INBOX {uid} --max-bytes 2000")
    assert len(first.stdout.encode()) < 4096
    answer = first.json
    validate_answer(answer)
    assert answer["text_window"]["truncated"] is True
    fence = answer["fence"]
    pieces = []
    while True:
        text = answer["message"]["content"]["text"]
        pieces.append(text[len(f"<<<{fence}>>>\n") : -len(f"\n<<</{fence}>>>")])
        if not answer["text_window"]["truncated"]:
            break
        offset = answer["text_window"]["next_offset"]
        answer = run_agentmail(name, "read", "INBOX", str(uid), "--offset", str(offset), "--max-bytes", "400000").json
        fence = answer["fence"]
    assert "".join(pieces) == body


def test_answers_stay_within_the_budget_and_say_so(stack, run_agentmail, member) -> None:
    name = member()
    stack.seed_maildir(name, "INBOX", [make_mail(f"bulk {i:04d}", to=f"{name}@bbs.test", body="x" * 400) for i in
                                       range(300)])  # fmt: skip
    first = run_agentmail(name, ssh_command="list INBOX --limit 500")
    answer = first.json
    validate_answer(answer)
    assert len(first.stdout.encode()) <= 65536
    assert answer["capped"] is True and 1 < len(answer["items"]) < 300
    seen = [i["uid"] for i in answer["items"]]
    while answer["next_cursor"]:
        answer = run_agentmail(name, ssh_command=f"list INBOX --limit 500 --cursor {answer['next_cursor']}").json
        seen += [i["uid"] for i in answer["items"]]
    assert len(seen) == len(set(seen)) == 300, "paging after a capped page skips and repeats nothing"


def test_changes_reports_many_new_messages_in_pages(stack, run_agentmail, member) -> None:
    name = member()
    token = run_agentmail(name, ssh_command="changes").json["token"]
    stack.seed_maildir(name, "INBOX", [make_mail(f"flood {i}", to=f"{name}@bbs.test") for i in range(150)])
    seen: list[int] = []
    while True:
        answer = run_agentmail(name, ssh_command=f"changes --since {token}").json
        validate_answer(answer)
        seen += [e["uid"] for e in answer["events"] if e["kind"] == "new"]
        token = answer["token"]
        if not answer["more"]:
            break
    assert len(seen) == len(set(seen)) == 150


def test_watch_survives_the_server_dropping_the_connection(stack, run_agentmail, member) -> None:
    name = member()
    watch = Watch(stack, name, "--heartbeat", "2")
    try:
        watch.next_event("ready")
        stack.kick(name)
        uid = stack.deliver(name, make_mail("after the kick", to=f"{name}@bbs.test"))
        event = watch.next_event("new", timeout=30)
        assert event["event"]["uid"] == uid
    finally:
        assert watch.close() == 0


def test_thread_returns_the_whole_conversation(stack, run_agentmail, member) -> None:
    name = member()
    root = f"<root-{uuid.uuid4().hex}@example.org>"
    child = f"<child-{uuid.uuid4().hex}@example.org>"
    a = stack.deliver(name, make_mail("Trip", to=f"{name}@bbs.test", msgid=root))
    stack.deliver(name, make_mail("unrelated", to=f"{name}@bbs.test"))
    b = stack.deliver(name, make_mail("Re: Trip", to=f"{name}@bbs.test", msgid=child, in_reply_to=root))
    c = stack.deliver(name, make_mail("Re: Re: Trip", to=f"{name}@bbs.test", in_reply_to=child))
    answer = run_agentmail(name, ssh_command=f"thread INBOX {c}").json
    validate_answer(answer)
    assert [(i["uid"], i["depth"]) for i in answer["items"]] == [(a, 0), (b, 1), (c, 2)]
