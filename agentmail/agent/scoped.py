"""Which agent commands a key's scope can use: ``help``, ``schema``, ``whoami`` and MCP ``tools/list`` show only those.

This is presentation; the refusal itself happens in the service (service/scope.py), so a hidden command
called anyway answers ``forbidden``.  A test fails when a command in the table has no entry here.
"""

from __future__ import annotations

from collections.abc import Iterable

from agentmail.agent.table import Command
from agentmail.service.scope import SCOPES, Grant

#: Command -> the weakest scope under which it can do its work.  The sends sit at `draft`: there they store a
#: proposal for the member's approval instead of sending (service/proposals.py).
COMMAND_SCOPE: dict[str, str] = {
    "help": "read",
    "schema": "read",
    "whoami": "read",
    "folders": "read",
    "folder_create": "organize",
    "folder_rename": "full",
    "folder_delete": "full",
    "list": "read",
    "read": "read",
    "attachment": "read",
    "thread": "read",
    "search": "read",
    "send": "draft",
    "reply": "draft",
    "forward": "draft",
    "draft_save": "draft",
    "draft_list": "read",
    "draft_send": "draft",
    "draft_delete": "organize",
    "proposals": "draft",
    "flag": "organize",
    "unflag": "organize",
    "seen": "organize",
    "unseen": "organize",
    "move": "organize",
    "copy": "organize",
    "delete": "organize",
    "restore": "organize",
    "quota": "read",
    "changes": "read",
    "watch": "read",
    "batch": "read",
    "mcp": "read",
}


def usable(name: str, grant: Grant) -> bool:
    """Whether the key's scope lets this command do its work."""
    return grant.rank >= SCOPES.index(COMMAND_SCOPE.get(name, "full"))


def visible(commands: Iterable[Command], grant: Grant) -> list[Command]:
    """The commands (in table order) this key's scope can use."""
    return [c for c in commands if usable(c.name, grant)]


def read_only_under(cmd: Command, grant: Grant) -> bool:
    """A command's read-only mark as this key sees it: under `read` nothing changes (read never sets \\Seen)."""
    return bool(cmd.read_only or grant.read_only)


def open_world_under(cmd: Command, grant: Grant) -> bool:
    """A send reaches the world only for a key that may send; under `draft` it stores a proposal instead."""
    return bool(cmd.open_world and grant.allows("send"))
