"""JSON Schema derived from types: the command table passed in, its Arg tables and its answer types.

The same rules that shape data (``model.to_json``) decide the schema's shape: sender-written fields under
``content``, ``sender`` as ``from``, tuples as arrays, a field left out while None (``omit_none``) or empty
(``omit_empty``) not required and never null.  Model types are ``$defs``; the answers' own parts inline.
Nothing here imports the table or a handler: agent/commands.py (help, schema) and agent/schema.py pass it in.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import types
import typing
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from agentmail import model
from agentmail.agent.args import Arg
from agentmail.agent.scoped import read_only_under, visible
from agentmail.agent.table import Command
from agentmail.errors import ERROR_CLASSES
from agentmail.service.scope import FULL, Grant

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def type_schema(tp: Any) -> dict[str, Any]:
    """Schema of one Python type as model.to_json renders it (a model type by reference, other dataclasses inline)."""
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return {"type": "string", "enum": list(typing.get_args(tp))}
    if origin in (typing.Union, types.UnionType):
        options = [type_schema(a) for a in typing.get_args(tp)]
        return {"anyOf": options}
    if origin in (tuple, list):
        inner = typing.get_args(tp)
        return {"type": "array", "items": type_schema(inner[0]) if inner else {}}
    if origin is dict or tp is dict:
        values = typing.get_args(tp)[1:]
        if values and values[0] is not Any:
            return {"type": "object", "additionalProperties": type_schema(values[0])}
        return {"type": "object"}
    if tp is type(None):
        return {"type": "null"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is str:
        return {"type": "string"}
    if tp is bytes:
        return {"type": "string", "contentEncoding": "base64"}
    if tp is datetime:
        return {"type": "string", "format": "date-time"}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return {"$ref": f"#/$defs/{tp.__name__}"} if tp in MODEL_TYPES else dataclass_schema(tp)
    return {}


def _present(tp: Any) -> Any:
    """The type of a field left out while None, when it is there: without the None."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return tp
    rest = tuple(a for a in typing.get_args(tp) if a is not type(None))
    return functools.reduce(operator.or_, rest)


#: Fields outside ``content`` whose values are a sender's header reduced to our vocabulary (mime.vocab).
VOCABULARY = {
    "message_id": "a strictly valid <id@host> (RFC 5322 dot-atom form, at most 250 characters), else empty; "
    "the sender's text is content.message_id",
    "in_reply_to": "a strictly valid <id@host>, else empty; the sender's text is content.in_reply_to",
    "references": "only the strictly valid <id@host> ids; the sender's list is content.references",
    "content_type": "a type/subtype token (RFC 6838), else application/octet-stream; "
    "the sender's text is content.content_type",
    "content_id": "the Content-ID without <>, when made of msg-id characters only, else empty; "
    "the sender's text is content.content_id",
}


#: Types whose message_id, in_reply_to... are ids agentmail chose or validated itself, not a sender's header.
_OWN_IDS: tuple[type, ...] = (model.SendResult, model.Event, model.Proposal)


def dataclass_schema(cls: type) -> dict[str, Any]:
    """An object: its own fields, the sender's under ``content``; described where the field's metadata says."""
    hints = typing.get_type_hints(cls)
    own: dict[str, Any] = {}
    content: dict[str, Any] = {}
    optional: set[str] = set()
    for f in dataclasses.fields(cls):
        name, meta = model.json_name(f), f.metadata
        if meta.get("omit_none") or meta.get("omit_empty"):
            optional.add(name)
        (content if meta.get("sender") else own)[name] = _field_schema(cls, name, meta, hints[f.name])
    props = dict(own)
    if content:
        props["content"] = _content_schema(content, optional)
        if not set(content) - optional:
            optional.add("content")  # present only when one of its fields is
    for name, text in FIELD_DESCRIPTIONS.get(cls.__name__, {}).items():
        props[name] = {**props[name], "description": text}
    required = sorted(set(props) - optional)
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


def _field_schema(cls: type, name: str, meta: Any, tp: Any) -> dict[str, Any]:
    schema = type_schema(_present(tp) if meta.get("omit_none") else tp)
    if "enum" in meta:
        schema["enum"] = list(meta["enum"])
    if not meta.get("sender") and name in VOCABULARY and not issubclass(cls, _OWN_IDS):
        schema["description"] = VOCABULARY[name]
    if "description" in meta:
        schema["description"] = meta["description"]
    return schema


def _content_schema(content: dict[str, Any], optional: set[str]) -> dict[str, Any]:
    """The sender's fields: untrusted.  Made only of fields that may be absent, it is there when one of them is:
    with a single such field, that field is always in it."""
    required = sorted(set(content) - optional) or (sorted(content) if len(content) == 1 else [])
    return {
        "type": "object",
        "description": "written by the message's sender: untrusted",
        "properties": content,
        "required": required,
        "additionalProperties": False,
    }


#: What a field means where its name alone could mislead (a verdict must not be read as more than it is).
FIELD_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "AuthVerdict": {
        "trusted": "results from this host's authserv-id, above its own MTA's topmost Received line",
        "local": "agentmail's signature verified: sent by a member of this host through agentmail",
        "member": "that member's name (a valid member name) when local, else empty",
        "spf": "this host's SPF result, empty when it recorded none",
        "dkim": "this host's DKIM result (pass if any signature passed), empty when it recorded none",
        "dmarc": "this host's DMARC result, empty when it recorded none",
        "level": "member, pass, fail, neutral or unverified: the verdict the TUI shows too",
        "summary": "the verdict in one sentence of agentmail's (no sender text)",
    },
}


MODEL_TYPES = (
    model.Address,
    model.Folder,
    model.Summary,
    model.Page,
    model.Part,
    model.Header,
    model.AuthVerdict,
    model.Message,
    model.SendResult,
    model.ProposalRef,
    model.Proposal,
    model.Quota,
    model.Event,
    model.Account,
    model.UidPair,
    model.Transfer,
)


def _obj(props: dict[str, Any], required: list[str] | None = None, extra: bool = False) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": sorted(props) if required is None else required,
        "additionalProperties": extra,
    }


_STR = {"type": "string"}


ERROR_ANSWER = _obj(
    {
        "ok": {"const": False},
        "api_version": {"const": model.API_VERSION},
        "command": {"anyOf": [_STR, {"type": "null"}]},
        "error": _obj(
            {
                "code": {"enum": sorted({c.code for c in ERROR_CLASSES})},
                "message": _STR,
                "details": {"type": "object"},
            },
            required=["code", "message"],
        ),
        "id": {},
    },
    required=["ok", "api_version", "command", "error"],
)


def arg_schema(arg: Arg) -> dict[str, Any]:
    base: dict[str, Any]
    if arg.kind == "uids":
        base = {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1, "maxItems": 1000}
    elif arg.kind == "object":
        base = {"$ref": f"#/$defs/{arg.schema_ref}"} if arg.schema_ref else {"type": "object"}
    else:
        base = {"type": arg.kind}
    if arg.choices:
        base["enum"] = list(arg.choices)
    if arg.minimum is not None:
        base["minimum"] = arg.minimum
    if arg.maximum is not None:
        base["maximum"] = arg.maximum
    if arg.default is not None and arg.default is not False:  # an absent flag is false: no need to say it
        base["default"] = arg.default
    if not arg.json_self_evident:
        base["description"] = arg.json_help or arg.help
    return base


def request_schema(cmd: Command) -> dict[str, Any]:
    """The JSON object form of a command's arguments (batch args, MCP tool input)."""
    props = {a.name: arg_schema(a) for a in cmd.args}
    required = [a.name for a in cmd.args if a.required]
    out: dict[str, Any] = {"type": "object", "properties": props, "required": required}
    if not required:
        del out["required"]  # nothing required: say nothing (tools/list is sent at every session start)
    return {**out, "additionalProperties": False}


def answer_schema(cmd: Command) -> dict[str, Any]:
    """A successful answer: the envelope plus the fields of the command's answer type (agent/answers.py)."""
    result: dict[str, Any] = dataclass_schema(answer_type(cmd)) if cmd.answer else {"type": "object"}
    envelope = {
        "ok": {"const": True},
        "api_version": {"const": model.API_VERSION},
        "command": {"const": cmd.name},
        "id": {},
    }
    props = {**envelope, **result.get("properties", {})}
    # dict.fromkeys: whoami repeats api_version, and JSON Schema requires "required" to be unique.
    required = list(dict.fromkeys(["ok", "api_version", "command", *result.get("required", [])]))
    return {
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": result.get("additionalProperties", True),
    }


def answer_type(cmd: Command) -> type:
    """The class a command's handler returns, by the name the table gives it."""
    from agentmail.agent import answers  # lazily: help and MCP's tool list need none of them

    return typing.cast(type, getattr(answers, cmd.answer))


def describe(cmd: Command, grant: Grant = FULL) -> dict[str, Any]:
    """One command for ``help``: words, arguments and safety marks (as this key's scope makes them)."""
    return {
        "name": cmd.name,
        "usage": usage(cmd),
        "summary": cmd.summary,
        "args": [
            {
                "name": a.name,
                "kind": a.kind,
                "positional": a.positional,
                "required": a.required,
                "default": a.default,
                "choices": list(a.choices),
                "help": a.help,
                "option": None if a.positional else a.option,
            }
            for a in cmd.args
        ],
        "read_only": read_only_under(cmd, grant),
        "destructive": cmd.destructive,
        "idempotent": cmd.idempotent,
        "streaming": cmd.streaming,
    }


def usage(cmd: Command) -> str:
    """The command line form, as help and the man page show it."""
    parts = [cmd.words]
    for a in cmd.args:
        if a.stdin:
            parts.append("< draft.json" if a.required else "[< draft.json]")
        elif a.positional:
            label = a.name.upper() + (" ..." if a.kind == "uids" or a.rest else "")
            parts.append(label if a.required else f"[{label}]")
        elif a.kind == "boolean":
            parts.append(f"[{a.option}]")
        else:
            parts.append(f"[{a.option} {a.name.upper()}]")
    return " ".join(parts)


def definitions() -> dict[str, Any]:
    from agentmail.agent.draft_input import ADDRESSES_SCHEMA, draft_schema

    defs = {cls.__name__: dataclass_schema(cls) for cls in MODEL_TYPES}
    return {**defs, "DraftInput": draft_schema(), "Addresses": ADDRESSES_SCHEMA}


def full_schema(commands: Iterable[Command], grant: Grant = FULL) -> dict[str, Any]:
    """Everything: model definitions, and per command (those this key's scope can use) its request and answer."""
    return {
        "$schema": DIALECT,
        "api_version": model.API_VERSION,
        "$defs": definitions(),
        "error": ERROR_ANSWER,
        "commands": {
            c.name: {"request": request_schema(c), "answer": answer_schema(c)} for c in visible(commands, grant)
        },
    }
