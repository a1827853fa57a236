"""A send's verdict under the session's scope (``Grant.send_decision`` in service/scope.py builds it).

Its own module because only the send path uses it: every command imports scope.py, and creating a frozen
dataclass costs about 2 million instructions of start-up.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SendDecision:
    """Whether a send may go out now; when not, why (the send then becomes a proposal: service/proposals.py)."""

    allowed: bool
    reason: str = ""
    outside: tuple[str, ...] = ()  # recipients outside the allow-list
