"""Which agent commands a key's scope can use: ``help``, ``schema``, ``whoami`` and MCP ``tools/list`` show only those.

This is presentation; the refusal itself happens in the service (service/scope.py), so a hidden command
called anyway answers ``forbidden``.  Each command names the service actions it works through, so what a
scope shows is derived from the same ACTIONS table the service enforces.
"""

from __future__ import annotations

from collections.abc import Iterable

from agentmail.agent.table import Command
from agentmail.service.scope import ACTIONS, SCOPES, Grant


def scope_of(cmd: Command) -> str:
    """The weakest scope under which a command can do its work: the weakest one allowing any of its actions.

    The sends name both `draft` and `send`, so they show at `draft`, where they store a proposal for the
    member's approval instead of sending (service/proposals.py).
    """
    if not cmd.actions:
        return "read"
    return min((ACTIONS[action][0] for action in cmd.actions), key=SCOPES.index)


def usable(cmd: Command, grant: Grant) -> bool:
    """Whether the key's scope lets this command do its work."""
    return grant.rank >= SCOPES.index(scope_of(cmd))


def visible(commands: Iterable[Command], grant: Grant) -> list[Command]:
    """The commands (in table order) this key's scope can use."""
    return [c for c in commands if usable(c, grant)]


def read_only_under(cmd: Command, grant: Grant) -> bool:
    """A command's read-only mark as this key sees it: under `read` nothing changes (read never sets \\Seen)."""
    return bool(cmd.read_only or grant.read_only)


def open_world_under(cmd: Command, grant: Grant) -> bool:
    """A send reaches the world only for a key that may send; under `draft` it stores a proposal instead."""
    return bool(cmd.open_world and grant.allows("send"))
