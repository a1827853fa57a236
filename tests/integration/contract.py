"""Validate real answers against the JSON Schema that `agentmail schema` publishes."""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema
from jsonschema.protocols import Validator

from agentmail.agent.schema import full_schema


@cache
def _schema() -> dict[str, Any]:
    return full_schema()


def compile_schema(schema: dict[str, Any]) -> Validator:
    """A checked validator for schema, built once: jsonschema.validate re-checks and rebuilds it per call (~80 ms)."""
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def check(validator: Validator, instance: Any) -> None:
    """Raise the most relevant jsonschema.ValidationError, as jsonschema.validate does."""
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


@cache
def _answer_validator(command: str | None) -> Validator:
    schema = _schema()
    target = schema["commands"][command]["answer"] if command is not None else schema["error"]
    return compile_schema({**target, "$defs": schema["$defs"]})


@cache
def _request_validator(command: str) -> Validator:
    schema = _schema()
    return compile_schema({**schema["commands"][command]["request"], "$defs": schema["$defs"]})


def validate_answer(answer: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError when an answer breaks the published contract."""
    check(_answer_validator(answer["command"] if answer.get("ok") else None), answer)


def validate_request(command: str, args: dict[str, Any]) -> None:
    check(_request_validator(command), args)
