"""The published JSON Schema: THE command table (agent/commands.py) through the generator (agent/typeschema.py).

For callers outside the agent layer (tests, docs) that want the whole schema without holding the table;
the generator itself takes the table passed in, so it imports neither the table nor a handler.
"""

from __future__ import annotations

from typing import Any

from agentmail.agent import typeschema
from agentmail.agent.commands import COMMANDS
from agentmail.agent.typeschema import usage as usage
from agentmail.service.scope import FULL, Grant


def full_schema(grant: Grant = FULL) -> dict[str, Any]:
    """Every request and answer of the commands this key's scope can use (``agentmail schema``)."""
    return typeschema.full_schema(COMMANDS, grant)
