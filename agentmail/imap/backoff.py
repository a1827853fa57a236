"""Retrying a lost server with backoff: exponential, jittered, capped, within a window.

A server coming back from a restart refuses or drops connections for a few seconds;
reconnecting once at once fails, and many sessions retrying in step would hammer it.
Long-lived sessions (watch, batch, mcp, the TUI's worker) retry for
``AGENTMAIL_RECONNECT_WINDOW`` seconds and say so through ``on_wait``; one-shot
commands use a window of 0 and fail fast.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from agentmail.errors import AgentmailError, TooManyConnectionsError, UnavailableError

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Called before each wait: (attempt number from 1, seconds until the next try, why the last try failed).
OnWait = Callable[[int, float, str], None]


@dataclass
class Backoff:
    """Delays for successive retries: full jitter over an exponential ramp, capped, inside a window."""

    window: float
    first: float = 0.5
    cap: float = 8.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rand: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int) -> float:
        """The wait before retry number ``attempt`` (1, 2, ...): between half and all of the capped ramp."""
        ceiling = min(self.cap, self.first * 2 ** (attempt - 1))
        return ceiling * (0.5 + 0.5 * self.rand())


def retryable(exc: AgentmailError) -> bool:
    """Failures a restarting server causes: unreachable or dropped (not refusals like too many connections)."""
    return isinstance(exc, UnavailableError) and not isinstance(exc, TooManyConnectionsError)


def retry(
    action: Callable[[], T],
    backoff: Backoff,
    *,
    on_wait: OnWait | None = None,
    should_retry: Callable[[AgentmailError], bool] = retryable,
) -> T:
    """Run action until it succeeds, retrying failures should_retry accepts until the window has passed."""
    deadline = backoff.clock() + backoff.window
    attempt = 0
    while True:
        try:
            return action()
        except AgentmailError as exc:
            attempt += 1
            remaining = deadline - backoff.clock()
            if not should_retry(exc) or remaining <= 0:
                raise
            wait = min(backoff.delay(attempt), remaining)
            log.warning("%s; retrying in %.1f s (attempt %d)", exc, wait, attempt)
            if on_wait is not None:
                on_wait(attempt, wait, str(exc))
            backoff.sleep(wait)
