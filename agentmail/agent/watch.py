"""``watch``: JSON lines of change events while IDLE runs, heartbeats, clean ends.

It ends cleanly on stdin EOF, SIGINT or SIGTERM; each line carries the token after
it, so an agent that loses the connection resumes with ``changes --since``.  When the
IMAP server goes away (a restart), watch retries with backoff for the reconnect window,
printing a ``reconnecting`` line before each wait, then reports everything that happened
since its last token, so no event is lost or repeated.
"""

from __future__ import annotations

import dataclasses
import os
import select
import signal
import sys
import time
from collections.abc import Sequence
from types import FrameType
from typing import IO, Any

from agentmail.agent.answers import EventLine
from agentmail.agent.args import parse_words
from agentmail.agent.run import dumps, failure, ok
from agentmail.agent.table import Context
from agentmail.errors import AgentmailError, UnavailableError
from agentmail.model import Event, to_json
from agentmail.service.feed import Watcher, decided_since, decode_token

DECISION_POLL = 2.0  # seconds between looks at the proposal outcome log (a file read) while watching


class _Stop(Exception):
    """A signal asked watch to end."""


def event_line(event: Event) -> dict[str, Any]:
    if event.uidvalidity is None and event.token:  # ready and heartbeat: the folder's, from the token
        event = dataclasses.replace(event, uidvalidity=decode_token(event.token).uidvalidity)
    return ok("watch", to_json(EventLine.of(event)))


def run_watch(ctx: Context, words: Sequence[str], out: IO[str]) -> int:
    """Print events until stdin closes or a signal arrives; exit 0 on a clean end."""
    from agentmail.agent.commands import BY_NAME

    cmd = BY_NAME["watch"]
    try:
        args = parse_words(cmd.args, words, "watch")
    except AgentmailError as exc:
        out.write(dumps(failure("watch", exc)) + "\n")
        return exc.exit_status
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        return _watch_loop(ctx, args, out)
    except _Stop:
        return 0
    except AgentmailError as exc:
        out.write(dumps(failure("watch", exc)) + "\n")
        out.flush()
        return exc.exit_status
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _watch_loop(ctx: Context, args: dict[str, Any], out: IO[str]) -> int:
    watcher = Watcher(ctx.mailbox, args["folder"])

    def reconnecting(attempt: int, wait: float, reason: str) -> None:
        # The server is gone (a restart): say so; the token in the line is where watch resumes from.
        _emit(out, [Event("reconnecting", folder=args["folder"], token=watcher.token)])

    ctx.mailbox.report_reconnects(reconnecting)
    events, token = watcher.start(args["since"])
    _emit(out, [*events, Event("ready", folder=args["folder"], token=token)])
    heartbeat = float(args["heartbeat"])
    stdin_fd = sys.stdin.fileno() if not sys.stdin.closed else -1
    next_beat = time.monotonic() + heartbeat
    while True:
        wait = max(0.0, min(next_beat - time.monotonic(), DECISION_POLL))
        fds = [watcher.fileno()] + ([stdin_fd] if stdin_fd >= 0 else [])
        readable, _, _ = select.select(fds, [], [], wait)
        if stdin_fd in readable and not os.read(stdin_fd, 4096):
            return 0  # EOF: the agent hung up
        if watcher.fileno() in readable:
            try:
                changed = watcher.poll(0)
            except UnavailableError:
                changed = True  # the server dropped us: collect() reconnects and catches up from the token
            if changed:
                _emit(out, watcher.collect())
                watcher.resume()
        if watcher.token and decided_since(ctx.mailbox, watcher.token):
            _emit(out, watcher.collect())  # the member decided on a proposal: a state-file change, not IDLE's
            watcher.resume()
        if time.monotonic() >= next_beat:
            _emit(out, [Event("heartbeat", folder=args["folder"], token=watcher.token)])
            next_beat = time.monotonic() + heartbeat


def _emit(out: IO[str], events: list[Event]) -> None:
    for event in events:
        out.write(dumps(event_line(event)) + "\n")
    out.flush()


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop
