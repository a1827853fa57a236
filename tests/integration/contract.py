"""Validate real answers against the JSON Schema that `agentmail schema` publishes."""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema

from agentmail.agent.schema import full_schema


@cache
def _schema() -> dict[str, Any]:
    return full_schema()


def validate_answer(answer: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError when an answer breaks the published contract."""
    schema = _schema()
    target = schema["commands"][answer["command"]]["answer"] if answer.get("ok") else schema["error"]
    jsonschema.validate(answer, {**target, "$defs": schema["$defs"]})


def validate_request(command: str, args: dict[str, Any]) -> None:
    schema = _schema()
    jsonschema.validate(args, {**schema["commands"][command]["request"], "$defs": schema["$defs"]})
