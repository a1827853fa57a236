"""Running agent commands: one command, or a batch of JSON lines over one login.

Every answer is one JSON object on stdout (``{"ok": true, "api_version": 1, ...}``
or ``{"ok": false, "error": {"code", "message"}}``); logs go to stderr.  Only
``AgentmailError`` becomes an answer; anything else is logged with its traceback
on stderr and answered as ``internal`` -- never a traceback on stdout.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Sequence
from typing import IO, Any

from agentmail.agent import commands
from agentmail.agent.args import check_values, parse_words
from agentmail.agent.shape import dumps as dumps  # answers are printed as json_size measures them
from agentmail.agent.table import Context
from agentmail.errors import AgentmailError, IdleTimeoutError, InternalError, UsageError
from agentmail.model import API_VERSION

log = logging.getLogger(__name__)

MAX_STDIN_BYTES = 64 * 1024 * 1024
#: batch's exit status when any request failed (each failure is its own answer line with an error code).
BATCH_FAILED_STATUS = 1


def ok(command: str, result: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "api_version": API_VERSION, "command": command, **result}


def failure(command: str | None, exc: AgentmailError) -> dict[str, Any]:
    error: dict[str, Any] = {"code": exc.code, "message": str(exc)}
    if exc.details:
        error["details"] = exc.details
    return {"ok": False, "api_version": API_VERSION, "command": command, "error": error}


def execute(ctx: Context, name: str, args: dict[str, Any] | None = None, words: Sequence[str] | None = None) -> dict:
    """Run one command by name with either JSON args or command-line words; return the answer object.

    The handler returns the command's answer type; ``model.to_json`` is the one path from it to JSON
    (``ctx.sizer`` reuses what it made of an answer a handler measured against the budget).
    """
    cmd = commands.find(name)
    try:
        if cmd is None:
            raise UsageError(
                f"unknown command {name[:40]!r}; commands are: {', '.join(c.name for c in commands.COMMANDS)}"
            )
        if cmd.handler is None:  # a session of its own (batch, mcp, watch)
            raise UsageError(f"{cmd.name} cannot run inside another command")
        values = (
            parse_words(cmd.args, words, cmd.name)
            if words is not None
            else check_values(cmd.args, args or {}, cmd.name)
        )
        return ok(cmd.name, ctx.sizer.json(cmd.handler(ctx, values)))
    except AgentmailError as exc:
        return failure(cmd.name if cmd else name[:40], exc)
    except Exception as exc:  # the process boundary: log the bug, answer one sentence
        log.exception("internal error in %s", name)
        return failure(cmd.name if cmd else None, InternalError.wrap(exc))


def exit_status(answer: dict[str, Any]) -> int:
    """The documented exit status for an answer (0 on success)."""
    if answer.get("ok"):
        return 0
    from agentmail.errors import ERROR_CLASSES

    code = answer.get("error", {}).get("code")
    for cls in ERROR_CLASSES:
        if cls.code == code:
            return cls.exit_status
    return InternalError.exit_status


def stdin_json_reader(stream: IO[bytes]) -> Callable[[], Any]:
    """Read one JSON document from stdin on first use (send's draft)."""

    def read() -> Any:
        data = stream.read(MAX_STDIN_BYTES + 1)
        if len(data) > MAX_STDIN_BYTES:
            raise UsageError("standard input is larger than 64 MiB")
        if not data.strip():
            return None
        try:
            return json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise UsageError("standard input is not valid JSON") from None

    return read


def run_batch(ctx: Context, stream: IO[bytes], out: IO[str]) -> int:
    """JSON Lines in, one answer line per request with the same id; one IMAP login for all of them.

    Lines longer than the cap are answered ``line_too_long`` without being held; a session idle for
    longer than the idle timeout ends with one last ``idle_timeout`` line.
    """
    from agentmail.agent.lines import TooLong, read_lines  # lazily: a single command reads no lines

    failures = 0
    settings = ctx.config
    lines = read_lines(stream, settings.max_line_bytes, settings.idle_timeout)
    lineno = 0
    try:
        for raw in lines:
            lineno += 1
            if isinstance(raw, TooLong):
                failures += 1
                _write_line(out, {"id": None, **failure(None, raw.error())})
                continue
            if not raw.strip():
                continue
            answer, request_id = _batch_answer(ctx, raw, lineno)
            if not answer["ok"]:
                failures += 1
            _write_line(out, {"id": request_id, **answer})
    except IdleTimeoutError as exc:
        _write_line(out, {"id": None, **failure("batch", exc)})
        return exc.exit_status
    return 0 if failures == 0 else BATCH_FAILED_STATUS


def _batch_answer(ctx: Context, raw: bytes, lineno: int) -> tuple[dict[str, Any], Any]:
    from agentmail.agent.lines import parse_json

    request_id: Any = None
    try:
        request = parse_json(raw)
        if not isinstance(request, dict):
            raise ValueError
        request_id = request.get("id")
        name = request.get("cmd") or request.get("command")
        args = request.get("args") or {}
        if not isinstance(name, str) or not isinstance(args, dict):
            raise UsageError(f"line {lineno}: a request needs a string cmd and an args object")
        return execute(ctx, name, args=args), request_id
    except (ValueError, UnicodeDecodeError):
        return failure(None, UsageError(f"line {lineno} is not a JSON object")), request_id
    except AgentmailError as exc:
        return failure(None, exc), request_id


def _write_line(out: IO[str], answer: dict[str, Any]) -> None:
    out.write(dumps(answer) + "\n")
    out.flush()


def write_answer(answer: dict[str, Any], out: IO[str] | None = None) -> None:
    stream = out or sys.stdout
    stream.write(dumps(answer, pretty=stream.isatty()) + "\n")
    stream.flush()
