"""Bounded sessions: line cap, idle timeout, nesting depth, ASCII digits, folder names, search quoting, session cap.

Each test drives the real program against the real stack and fails on the code before issue 12.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import REPO_ROOT, RunAgentmail
from tests.stack.procs import reap
from tests.stack.servers import Stack

pytestmark = pytest.mark.stack


def _env(stack: Stack, member: str, **extra: str) -> dict[str, str]:
    env = stack.env(member)
    env.update(PATH=os.environ.get("PATH", "/usr/bin:/bin"), PYTHONPATH=str(REPO_ROOT), LANG="C.UTF-8")
    env["HOME"] = str(stack.layout.base)
    env.update(extra)
    return env


def _spawn(stack: Stack, member: str, *args: str, **extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "agentmail", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(stack, member, **extra),
        cwd=REPO_ROOT,
    )


def _batch(run_agentmail: RunAgentmail, member: str, lines: list[str | bytes], **extra: str) -> list[dict[str, Any]]:
    data = b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines)
    result = run_agentmail(member, "batch", stdin=data, env_extra=extra or None)
    return [json.loads(line) for line in result.stdout.splitlines()]


# -- the line cap --------------------------------------------------------------------------------------------------
#: Runs agentmail as its child and prints the child's peak RSS (KiB) on stderr's last line.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "p = subprocess.run([sys.executable, '-m', 'agentmail', *sys.argv[1:]])\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(p.returncode)\n"
)


def test_batch_line_over_the_cap_is_refused_in_bounded_memory(stack: Stack, member: Callable[..., str]) -> None:
    """A 100 MB line is answered line_too_long without being held (peak RSS far below it); the next line runs."""
    name = member()
    huge = b'{"id": 1, "cmd": "help", "args": {"x": "' + b"a" * (100 * 1024 * 1024) + b'"}}\n'
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, "batch"],
        input=huge + b'{"id": 2, "cmd": "help"}\n',
        capture_output=True,
        env=_env(stack, name, AGENTMAIL_MAX_LINE_BYTES=str(1024 * 1024)),
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    answers = [json.loads(line) for line in proc.stdout.splitlines()]
    assert answers[0]["error"]["code"] == "line_too_long"
    assert answers[0]["error"]["details"] == {"max_line_bytes": 1024 * 1024}
    assert answers[1]["id"] == 2 and answers[1]["ok"] is True
    peak_kib = int(proc.stderr.decode().split()[-1])
    assert peak_kib < 80 * 1024, f"peak RSS {peak_kib} KiB for a 100 MB line"


def test_mcp_line_over_the_cap_is_a_json_rpc_error(run_agentmail: RunAgentmail, member: Callable[..., str]) -> None:
    """mcp answers an oversized line with a JSON-RPC parse error naming line_too_long, then goes on."""
    name = member()
    ping = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"})
    data = b"[" + b"1," * (1024 * 1024) + b"1]\n" + ping.encode() + b"\n"
    result = run_agentmail(name, "mcp", stdin=data, env_extra={"AGENTMAIL_MAX_LINE_BYTES": "1048576"})
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["jsonrpc"] == "2.0" and first["error"]["code"] == -32700
    assert first["error"]["data"]["code"] == "line_too_long"
    assert second == {"jsonrpc": "2.0", "id": 1, "result": {}}


# -- the idle timeout ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("front_end", ["batch", "mcp"])
def test_an_idle_session_ends_with_a_final_json_line(stack: Stack, member: Callable[..., str], front_end: str) -> None:
    """With stdin left open and silent, the session ends by itself after the idle timeout, saying why."""
    proc = _spawn(stack, member(), front_end, AGENTMAIL_IDLE_TIMEOUT="1")
    assert proc.stdin is not None and proc.stdout is not None
    guard = threading.Timer(60, proc.kill)  # a hang fails the test instead of blocking the run
    guard.start()
    try:
        out = proc.stdout.read()  # stdin stays open and silent: only the idle timeout can end the session
        proc.wait()
    finally:
        guard.cancel()
        proc.kill()
        proc.stdin.close()
        proc.stdout.close()
        assert proc.stderr is not None
        proc.stderr.close()
    (line,) = out.decode().splitlines()
    answer = json.loads(line)
    if front_end == "batch":
        assert answer["ok"] is False and answer["error"]["code"] == "idle_timeout"
    else:
        assert answer["jsonrpc"] == "2.0" and answer["id"] is None
        assert answer["error"]["data"]["code"] == "idle_timeout"
    assert proc.returncode == 75


def test_idle_time_counts_only_while_waiting(stack: Stack, member: Callable[..., str]) -> None:
    """Requests keep a session alive: each is answered, and the timeout ends the session only after the last."""
    proc = _spawn(stack, member(), "batch", AGENTMAIL_IDLE_TIMEOUT="2")
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    guard = threading.Timer(60, proc.kill)  # a session that never times out fails the test instead of hanging it
    guard.start()
    try:
        for ident in range(3):
            proc.stdin.write(json.dumps({"id": ident, "cmd": "help"}).encode() + b"\n")
            proc.stdin.flush()
            assert json.loads(proc.stdout.readline())["id"] == ident
        final = proc.stdout.readline()
        assert final, "the session did not end with a final line"
        assert json.loads(final)["error"]["code"] == "idle_timeout"
        proc.wait(timeout=30)
    finally:
        guard.cancel()
        proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()


# -- nesting, digits, folder names ----------------------------------------------------------------------------------
def test_deep_nesting_is_a_usage_error_in_batch(run_agentmail: RunAgentmail, member: Callable[..., str]) -> None:
    """JSON nested 100,000 deep is a usage error (no RecursionError); the session answers the next line."""
    name = member()
    deep = "[" * 100_000 + "]" * 100_000
    in_args = '{"id": 1, "cmd": "help", "args": {"command": ' + deep + "}}"
    answers = _batch(run_agentmail, name, [deep, in_args, '{"id": 2, "cmd": "help"}'])
    assert [a["ok"] for a in answers] == [False, False, True]
    assert answers[0]["error"]["code"] == "usage" and answers[1]["error"]["code"] == "usage"
    assert "deep" in answers[0]["error"]["message"]


def test_deep_nesting_is_valid_json_rpc_in_mcp(run_agentmail: RunAgentmail, member: Callable[..., str]) -> None:
    """mcp answers a 100,000-deep message with a JSON-RPC error line, then the next request."""
    deep = "[" * 100_000 + "]" * 100_000
    ping = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "ping"})
    result = run_agentmail(member(), "mcp", stdin=f"{deep}\n{ping}\n")
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["jsonrpc"] == "2.0" and first["error"]["code"] == -32600
    assert second["id"] == 7 and second["result"] == {}


@pytest.mark.parametrize("uid", ["²", "١", "𝟙"])
def test_only_ascii_digits_are_numbers(run_agentmail: RunAgentmail, member: Callable[..., str], uid: str) -> None:
    """`read INBOX ²` is a usage error (str.isdigit accepts it, int() does not), on the command line and in batch."""
    name = member()
    one_shot = run_agentmail(name, "--json", "read", "INBOX", uid)
    assert one_shot.json["error"]["code"] == "usage", one_shot.stdout
    (answer,) = _batch(run_agentmail, name, [json.dumps({"cmd": "read", "args": {"folder": "INBOX", "uid": uid}})])
    assert answer["error"]["code"] == "usage"


@pytest.mark.parametrize("folder", ["INBOX\r\nA1 LOGOUT", "INBOX\n", "Sent\tx", "a\x1b[31m", "x\x85y"])
def test_control_characters_in_a_folder_are_refused(
    run_agentmail: RunAgentmail, member: Callable[..., str], folder: str
) -> None:
    """A folder argument with a control character is a usage error naming the argument (not echoing the value)."""
    name = member()
    for args in (("read", folder, "1"), ("list", folder), ("move", "INBOX", "1", "--target", folder)):
        result = run_agentmail(name, "--json", *args)
        error = result.json["error"]
        assert error["code"] == "usage", (args, result.stdout)
        assert "folder" in error["message"] or "--target" in error["message"]
        assert folder not in error["message"] and "\\r" not in error["message"]
    nul = json.dumps({"cmd": "list", "args": {"folder": "INBOX\u0000\r\nA1 LOGOUT"}})
    (answer,) = _batch(run_agentmail, name, [nul])
    assert answer["error"]["code"] == "usage" and "folder" in answer["error"]["message"]


# -- search values ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("subject", "query"),
    [
        ('He said "hi"', 'subject:"\\""'),
        ("back\\slash", 'subject:"\\\\"'),
        ("f(x) = 1", "subject:f(x)"),
        ("glob *.txt", "subject:*.txt"),
    ],
)
def test_search_values_are_quoted(
    stack: Stack, run_agentmail: RunAgentmail, member: Callable[..., str], subject: str, query: str
) -> None:
    """Quotes, backslashes and atom-specials in a value are searched for, on the ESEARCH fast path too."""
    name = member()
    stack.deliver(name, f"From: a@example.test\r\nSubject: {subject}\r\n\r\nbody\r\n".encode())
    stack.deliver(name, b"From: a@example.test\r\nSubject: plain\r\n\r\nbody\r\n")
    result = run_agentmail(name, "--json", "search", query)
    answer = result.json
    assert answer["ok"] is True, result.stdout
    subjects = [item["content"]["subject"] for page in answer["results"] for item in page["items"]]
    assert subjects == [subject]


# -- the per-member session cap ----------------------------------------------------------------------------------
def test_session_cap_holds_when_sessions_start_at_the_same_moment(stack: Stack, member: Callable[..., str]) -> None:
    """8 batch sessions started at once with a cap of 3: exactly 3 run, 5 are refused too_many_sessions;
    a slot held by a killed session is free again at once."""
    name = member()
    cap = {"AGENTMAIL_MAX_SESSIONS": "3"}
    barrier = threading.Barrier(8)
    procs: list[subprocess.Popen[bytes]] = []
    lock = threading.Lock()

    def start() -> None:
        barrier.wait()
        proc = _spawn(stack, name, "batch", **cap)
        with lock:
            procs.append(proc)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        first_lines = {}
        for proc in procs:
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(b'{"id": "hello", "cmd": "help"}\n')
                proc.stdin.flush()
            except BrokenPipeError:
                pass  # refused sessions have already exited
            first_lines[proc.pid] = json.loads(proc.stdout.readline())
        running = [p for p in procs if first_lines[p.pid]["ok"]]
        refused = [p for p in procs if not first_lines[p.pid]["ok"]]
        assert len(running) == 3
        assert {first_lines[p.pid]["error"]["code"] for p in refused} == {"too_many_sessions"}
        assert all(p.wait(timeout=30) == 75 for p in refused)

        victim = running[0]
        os.kill(victim.pid, signal.SIGKILL)  # a crash: no cleanup code runs
        victim.wait(timeout=30)
        late = _spawn(stack, name, "batch", **cap)
        procs.append(late)
        out, _ = late.communicate(b'{"id": 1, "cmd": "help"}\n', timeout=60)
        assert json.loads(out.splitlines()[0])["ok"] is True
    finally:
        for proc in procs:
            reap(proc)


def test_session_cap_covers_one_shot_commands(
    stack: Stack, run_agentmail: RunAgentmail, member: Callable[..., str]
) -> None:
    """A member at the cap (a batch session holds the only slot) gets too_many_sessions from a one-shot command."""
    name = member()
    holder = _spawn(stack, name, "batch", AGENTMAIL_MAX_SESSIONS="1")
    try:
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.write(b'{"id": 1, "cmd": "help"}\n')
        holder.stdin.flush()
        assert json.loads(holder.stdout.readline())["ok"] is True  # it holds the slot now
        result = run_agentmail(name, "--json", "whoami", env_extra={"AGENTMAIL_MAX_SESSIONS": "1"})
        assert result.json["error"]["code"] == "too_many_sessions"
        assert result.returncode == 75
    finally:
        holder.kill()
        holder.communicate(timeout=30)
