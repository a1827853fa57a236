"""Request lines for ``batch`` and ``mcp``: bounded memory, an idle timeout, and JSON of bounded depth.

A line is read in chunks and never held past the cap: an oversized line is dropped as it
arrives, up to its newline, and reported as one ``TooLong`` item.  Waiting for input longer
than the idle timeout raises ``IdleTimeoutError`` (an idle session would otherwise hold
memory and a session slot forever).
"""

from __future__ import annotations

import io
import json
import os
import select
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from agentmail.errors import IdleTimeoutError, LineTooLongError, UsageError

CHUNK = 64 * 1024
#: Deepest nesting of arrays and objects a request may have (real requests need about five).
MAX_DEPTH = 64


@dataclass(frozen=True)
class TooLong:
    """A line longer than the cap (already skipped); ``lineno`` counts it."""

    lineno: int
    limit: int

    def error(self) -> LineTooLongError:
        return LineTooLongError(
            f"line {self.lineno} is longer than {self.limit} bytes (AGENTMAIL_MAX_LINE_BYTES) and was skipped",
            details={"max_line_bytes": self.limit},
        )


def read_lines(stream: IO[bytes], max_bytes: int, idle_timeout: float | None = None) -> Iterator[bytes | TooLong]:
    """Lines of stream (with their newline, if any), or TooLong for each oversized one."""
    read = _chunk_reader(stream, idle_timeout)
    buf = bytearray()
    skipping = False
    lineno = 0
    while True:
        chunk = read()
        if not chunk:
            if buf and not skipping:
                yield bytes(buf)
            return
        start = 0
        while (newline := chunk.find(b"\n", start)) >= 0:
            lineno += 1
            if skipping:
                skipping = False
            elif len(buf) + (newline - start) > max_bytes:
                buf.clear()
                yield TooLong(lineno, max_bytes)
            else:
                buf += chunk[start : newline + 1]
                yield bytes(buf)
                buf.clear()
            start = newline + 1
        if skipping:
            continue
        buf += chunk[start:]
        if len(buf) > max_bytes:
            buf.clear()
            skipping = True
            yield TooLong(lineno + 1, max_bytes)


def _chunk_reader(stream: IO[bytes], idle_timeout: float | None) -> Any:
    """A function returning the next chunk (b"" at EOF); waits at most idle_timeout when the stream has an fd."""
    try:
        fd = stream.fileno()
    except (OSError, io.UnsupportedOperation, AttributeError):
        fd = -1
    if fd < 0:
        reader = getattr(stream, "read1", stream.read)
        return lambda: reader(CHUNK)

    def read() -> bytes:
        if idle_timeout is not None:
            deadline = time.monotonic() + idle_timeout
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise IdleTimeoutError(
                        f"no request for {idle_timeout:g} seconds (AGENTMAIL_IDLE_TIMEOUT); the session ended",
                        details={"idle_timeout": idle_timeout},
                    )
                if select.select([fd], [], [], remaining)[0]:
                    break
        return os.read(fd, CHUNK)

    return read


def parse_json(line: bytes) -> Any:
    """Decode one request; nesting deeper than MAX_DEPTH is a usage error (never a RecursionError)."""
    try:
        value = json.loads(line)
    except RecursionError:
        raise UsageError(f"the request nests arrays or objects more than {MAX_DEPTH} deep") from None
    check_depth(value)
    return value


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """Raise UsageError when arrays/objects nest deeper than limit (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > limit:
            raise UsageError(f"the request nests arrays or objects more than {limit} deep")
        stack.extend((child, depth + 1) for child in children)
