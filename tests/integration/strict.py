"""The published schema made strict: every object that lists its properties allows no others."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import jsonschema

from agentmail.agent.schema import full_schema


def _tighten(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _tighten(v) for k, v in node.items()}
        if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_tighten(v) for v in node]
    return node


@cache
def strict_schema() -> dict[str, Any]:
    return _tighten(copy.deepcopy(full_schema()))


def validate_strict(answer: dict[str, Any]) -> None:
    """Raise when an answer carries a field the schema does not declare, anywhere in it."""
    schema = strict_schema()
    target = schema["commands"][answer["command"]]["answer"] if answer.get("ok") else schema["error"]
    target = {**target, "additionalProperties": False} if answer.get("ok") else target
    jsonschema.validate(answer, {**target, "$defs": schema["$defs"]})
