"""The member's decisions on proposals, as a numbered log the change feed reads for each agent.

``proposal_approved`` (with the Message-ID sent), ``proposal_rejected`` (with the member's reason),
``proposal_withdrawn`` (the member took it over to edit).  A token remembers the last number it saw, so
``changes`` reports each decision once; the log lives in the state directory, where no sender can write.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from agentmail.service.state import StateDir


@dataclass(frozen=True)
class Outcome:
    """One decision: which proposal, whose, and what the agent learns (where it sat in Drafts)."""

    seq: int
    kind: str
    proposal: str
    agent: str
    message_id: str
    reason: str
    folder: str
    uid: int | None
    uidvalidity: int | None


def outcome_seq(settings: Any, member: str) -> int:
    """The number of the last recorded decision (0: none yet)."""
    outcomes = read_outcomes(StateDir(settings), member)
    return outcomes[-1].seq if outcomes else 0


def outcomes_since(settings: Any, member: str, agent: str, seq: int) -> tuple[list[Outcome], int]:
    """This agent's decisions after seq, and the last seq recorded."""
    outcomes = read_outcomes(StateDir(settings), member)
    last = outcomes[-1].seq if outcomes else 0
    return [o for o in outcomes if o.seq > seq and o.agent == agent], max(last, seq)


def read_outcomes(state: StateDir, member: str) -> list[Outcome]:
    raw = state.read("proposals", member, "outcomes.jsonl")
    out = []
    for line in (raw or b"").splitlines():
        try:
            out.append(Outcome(**json.loads(line)))
        except (ValueError, TypeError):
            continue  # a torn line cannot happen (written under lock, atomically); skip rather than fail a feed
    return out


def log(state: StateDir, record: Any, kind: str) -> None:
    """Append one decision (under the log's lock), numbered after the last."""
    with state.locked("proposals", record.member, "outcomes.lock"):
        outcomes = read_outcomes(state, record.member)
        seq = (outcomes[-1].seq if outcomes else 0) + 1
        entry = Outcome(
            seq,
            kind,
            record.id,
            record.agent,
            record.message_id if kind == "proposal_approved" else "",
            record.reason,
            record.folder,
            record.uid,
            record.uidvalidity,
        )
        old = state.read("proposals", record.member, "outcomes.jsonl") or b""
        line = json.dumps(asdict(entry), sort_keys=True).encode() + b"\n"
        state.write_atomic("proposals", record.member, "outcomes.jsonl", data=old + line)
