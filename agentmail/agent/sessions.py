"""The agent commands that run as sessions of their own, by the runner the command table names.

batch and mcp read their requests from stdin, watch streams events until stdin closes; each lives long
enough to ride out a server restart.  Loaded only when one of them runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import IO

from agentmail.agent.mcp import serve
from agentmail.agent.run import run_batch
from agentmail.agent.table import Context
from agentmail.agent.watch import run_watch

#: A session: the context, its command-line words, stdin and stdout in; the exit status out.
Runner = Callable[[Context, Sequence[str], IO[bytes], IO[str]], int]


def _batch(ctx: Context, words: Sequence[str], stdin: IO[bytes], out: IO[str]) -> int:
    ctx.read_stdin = None  # stdin carries the requests, not a draft
    return run_batch(ctx, stdin, out)


def _mcp(ctx: Context, words: Sequence[str], stdin: IO[bytes], out: IO[str]) -> int:
    ctx.read_stdin = None  # stdin carries JSON-RPC, not a draft
    return serve(ctx, stdin, out)


def _watch(ctx: Context, words: Sequence[str], stdin: IO[bytes], out: IO[str]) -> int:
    return run_watch(ctx, words, out)


RUNNERS: dict[str, Runner] = {"batch": _batch, "mcp": _mcp, "watch": _watch}


def run_session(runner: str, ctx: Context, words: Sequence[str], stdin: IO[bytes], out: IO[str]) -> int:
    """Run the session a command names; its context rides out a server restart (the reconnect window)."""
    from agentmail.startup import collect_from_now_on

    ctx.long_lived = True
    collect_from_now_on()  # start-up ran without the cyclic collector (agentmail/startup.py); a session lives long
    return RUNNERS[runner](ctx, words, stdin, out)
