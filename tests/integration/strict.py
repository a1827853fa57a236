"""The published schema made strict: every object that lists its properties allows no others."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from jsonschema.protocols import Validator

from agentmail.agent.schema import full_schema
from tests.integration.contract import check, compile_schema


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


@cache
def _strict_validator(command: str | None) -> Validator:
    schema = strict_schema()
    target = schema["commands"][command]["answer"] if command is not None else schema["error"]
    target = {**target, "additionalProperties": False} if command is not None else target
    return compile_schema({**target, "$defs": schema["$defs"]})


def validate_strict(answer: dict[str, Any]) -> None:
    """Raise when an answer carries a field the schema does not declare, anywhere in it."""
    check(_strict_validator(answer["command"] if answer.get("ok") else None), answer)
