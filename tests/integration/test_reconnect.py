"""Long-lived sessions ride out a Dovecot restart; one-shot commands still fail fast.

These tests stop and start the session's shared Dovecot (``Stack.dovecot_stopped`` always starts
it again, on the same port, and waits for its greeting), so the tests after them find it as before.
What the test waits for is always an observable line, never a sleep: the ``reconnecting`` line
(or the retry warning on stderr) proves the session saw the outage before Dovecot comes back.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any

import pytest

from tests.conftest import REPO_ROOT, RunAgentmail
from tests.stack.procs import reap
from tests.stack.servers import Stack

pytestmark = pytest.mark.stack

RESTARTS = 3
LINE_TIMEOUT = 90.0


class Lines:
    """A process's output lines, read by a thread so a test can wait for one with a timeout."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._queue: queue.Queue[bytes] = queue.Queue()
        self.seen: list[bytes] = []
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(b"")

    def drain(self) -> list[bytes]:
        """Every remaining line, up to EOF."""
        got: list[bytes] = []
        while line := self._queue.get(timeout=LINE_TIMEOUT):
            got.append(line)
        self.seen += got
        return got

    def until(self, wanted: Callable[[bytes], bool]) -> list[bytes]:
        """Lines up to and including the first one wanted (fails on EOF or after LINE_TIMEOUT)."""
        got: list[bytes] = []
        while True:
            line = self._queue.get(timeout=LINE_TIMEOUT)
            if not line:
                raise AssertionError(f"the process ended first; it wrote: {b''.join(self.seen + got)!r}")
            got.append(line)
            if wanted(line):
                self.seen += got
                return got


@contextlib.contextmanager
def _agentmail(stack: Stack, member: str, *args: str, window: str = "120") -> Iterator[subprocess.Popen[bytes]]:
    env = stack.env(member)
    env.update(PATH=os.environ.get("PATH", "/usr/bin:/bin"), PYTHONPATH=str(REPO_ROOT), LANG="C.UTF-8")
    env.update(HOME=str(stack.layout.base), AGENTMAIL_RECONNECT_WINDOW=window)
    proc = subprocess.Popen(
        [sys.executable, "-m", "agentmail", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=REPO_ROOT,
    )
    try:
        yield proc
    finally:
        reap(proc)


def _event(line: bytes) -> dict[str, Any]:
    return json.loads(line)["event"]


def _subject(line: bytes) -> str | None:
    event = _event(line)
    return event["summary"]["content"]["subject"] if event["kind"] == "new" else None


def _message(subject: str) -> bytes:
    return f"From: a@example.test\r\nTo: b@example.test\r\nSubject: {subject}\r\n\r\nbody\r\n".encode()


def test_watch_rides_out_dovecot_restarts_and_reports_mail_delivered_meanwhile_once(
    stack: Stack, member: Callable[..., str]
) -> None:
    """Kick + restart Dovecot several times: watch says reconnecting, resumes, and reports each message
    delivered while Dovecot was down exactly once; it never ends with unavailable."""
    name = member()
    with _agentmail(stack, name, "watch", "INBOX", "--heartbeat", "3600") as proc:
        assert proc.stdout is not None and proc.stdin is not None
        out = Lines(proc.stdout)
        out.until(lambda line: _event(line)["kind"] == "ready")
        subjects = [f"while down {round_}" for round_ in range(RESTARTS)]
        for subject in subjects:
            stack.kick(name)
            with stack.dovecot_stopped():
                out.until(lambda line: _event(line)["kind"] == "reconnecting")
                stack.deliver_offline(name, _message(subject))
            out.until(lambda line, subject=subject: _subject(line) == subject)
        proc.stdin.close()  # EOF: watch ends cleanly
        assert proc.wait(timeout=60) == 0
        out.drain()
    lines = out.seen
    answers = [json.loads(line) for line in lines]
    assert all(a["ok"] for a in answers), lines
    news = [a["event"]["summary"]["content"]["subject"] for a in answers if a["event"]["kind"] == "new"]
    assert news == subjects  # each exactly once, in order
    reconnecting = [a for a in answers if a["event"]["kind"] == "reconnecting"]
    assert len(reconnecting) >= RESTARTS and all(a["token"] for a in reconnecting)


@pytest.mark.parametrize("front_end", ["batch", "mcp"])
def test_a_request_during_a_restart_waits_and_is_answered(
    stack: Stack, member: Callable[..., str], front_end: str
) -> None:
    """A batch/mcp request hitting the outage waits (a retry warning on stderr) and is answered once Dovecot is back."""
    name = member()
    stack.deliver(name, _message("before"))

    def request(ident: int) -> bytes:
        if front_end == "batch":
            return json.dumps({"id": ident, "cmd": "list", "args": {"folder": "INBOX"}}).encode() + b"\n"
        params = {"name": "list", "arguments": {"folder": "INBOX"}}
        return json.dumps({"jsonrpc": "2.0", "id": ident, "method": "tools/call", "params": params}).encode() + b"\n"

    def total(line: bytes) -> int:
        answer = json.loads(line)
        result = answer if front_end == "batch" else answer["result"]["structuredContent"]
        assert result["ok"] is True, answer
        return result["total"]

    with _agentmail(stack, name, front_end) as proc:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        out, err = Lines(proc.stdout), Lines(proc.stderr)
        proc.stdin.write(request(1))
        proc.stdin.flush()
        assert total(out.until(lambda line: True)[0]) == 1
        for round_ in range(RESTARTS):
            stack.kick(name)  # as in the report: the member's sessions kicked, then Dovecot restarted
            with stack.dovecot_stopped():
                proc.stdin.write(request(round_ + 2))
                proc.stdin.flush()
                err.until(lambda line: b"retrying in" in line)
                stack.deliver_offline(name, _message(f"while down {round_}"))
            assert total(out.until(lambda line: True)[0]) == round_ + 2


def test_one_shot_commands_still_fail_fast(
    stack: Stack, run_agentmail: RunAgentmail, member: Callable[..., str]
) -> None:
    """With Dovecot down, a one-shot command answers unavailable at once, whatever the reconnect window."""
    name = member()
    with stack.dovecot_stopped():
        result = run_agentmail(
            name, "--json", "list", "INBOX", env_extra={"AGENTMAIL_RECONNECT_WINDOW": "600"}, timeout=30
        )
    assert result.json["error"]["code"] == "unavailable"
    assert result.returncode == 69
