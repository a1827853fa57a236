"""JSON Schema for every request and answer, derived from the command table and the model dataclasses.

The same function that shapes data (``model.to_json``) decides the schema's shape:
sender-written fields under ``content``, ``sender`` as ``from``, tuples as arrays.
"""

from __future__ import annotations

import copy
import dataclasses
import types
import typing
from datetime import datetime
from typing import Any

from agentmail import model
from agentmail.agent.args import Arg
from agentmail.errors import ERROR_CLASSES
from agentmail.service.scope import FULL, SCOPES, Grant

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def type_schema(tp: Any) -> dict[str, Any]:
    """Schema of one Python type as model.to_json renders it."""
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
        return {"$ref": f"#/$defs/{tp.__name__}"}
    return {}


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


def dataclass_schema(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    own: dict[str, Any] = {}
    content: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        name = model.json_name(f)
        sender = f.metadata.get("sender")
        (content if sender else own)[name] = type_schema(hints[f.name])
        if not sender and name in VOCABULARY and cls not in (model.SendResult, model.Event, model.Proposal):
            own[name]["description"] = VOCABULARY[name]
    optional = {model.json_name(f) for f in dataclasses.fields(cls) if f.metadata.get("omit_none")}
    props = dict(own)
    if content:
        props["content"] = {
            "type": "object",
            "description": "written by the message's sender: untrusted",
            "properties": content,
            "required": sorted(set(content) - optional),
        }
        if not set(content) - optional:
            optional.add("content")  # present only when one of its fields is
    for name, text in FIELD_DESCRIPTIONS.get(cls.__name__, {}).items():
        props[name] = {**props[name], "description": text}
    required = sorted(set(props) - optional)
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


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


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


_INT, _STR, _BOOL = {"type": "integer"}, {"type": "string"}, {"type": "boolean"}


def _capped(schema: dict[str, Any]) -> dict[str, Any]:
    """An answer that may carry ``capped``/``truncated: true`` when it was cut to the answer budget."""
    return {**schema, "properties": {**schema["properties"], "capped": _BOOL, "truncated": _BOOL}}


_NULLABLE_INT = {"anyOf": [_INT, {"type": "null"}]}
_WINDOW = {"offset": _INT, "length": _INT, "total_length": _INT, "truncated": _BOOL, "next_offset": _NULLABLE_INT}


def read_message_schema() -> dict[str, Any]:
    """read's message: the Message, plus fields only read adds (fenced reply_text, html_truncated)."""
    base = copy.deepcopy(dataclass_schema(model.Message))
    base["description"] = "content.text, reply_text and html are fenced"
    base["properties"]["html_truncated"] = {**_BOOL, "description": "with --html: the HTML was cut to --max-bytes"}
    content = base["properties"]["content"]
    content["properties"]["reply_text"] = {
        **_STR,
        "description": "fenced: what the sender wrote in this message, without quoted history and signature"
        " (first page only; empty with reply_text false)",
    }
    return base


RESULTS: dict[str, dict[str, Any]] = {
    "help": _obj({"commands": {"type": "array", "items": {"type": "object"}}, "draft_fields": {"type": "object"}}),
    "schema": _obj({"schema": {"type": "object"}}),
    "whoami": _obj(
        {
            **dataclass_schema(model.Account)["properties"],
            "commands": {"type": "array", "items": _STR},
            "limits": {"type": "object", "additionalProperties": _INT},
            "scope": _obj(
                {
                    "scope": {"enum": list(SCOPES), "description": "what this SSH key may do (see the man page)"},
                    "agent": {"anyOf": [_STR, {"type": "null"}], "description": "the key line's agent name"},
                    "allow_to": {
                        "anyOf": [{"type": "array", "items": _STR}, {"type": "null"}],
                        "description": "the only recipients this key may send to (null: no list)",
                    },
                }
            ),
        }
    ),
    "folders": _obj({"folders": {"type": "array", "items": _ref("Folder")}}),
    "folder": _obj({"folder": _ref("Folder")}),
    "deleted": _obj({"deleted": _STR, "already_absent": _BOOL}, required=["deleted"]),
    "page": _capped(dataclass_schema(model.Page)),
    "thread": _capped(dataclass_schema(model.Page)),
    "read": _obj(
        {
            "folder": _STR,
            "uidvalidity": _INT,
            "uid": _INT,
            "fence": _STR,
            "text_window": _obj(_WINDOW),
            "message": read_message_schema(),
            "raw": {"type": "string", "description": "--raw: the message source, fenced with fence"},
            "raw_truncated": _BOOL,
            "html_truncated": _BOOL,
            "truncated": {**_BOOL, "description": "the answer was cut to --max-bytes; text_window says how to go on"},
            "trimmed": {
                "type": "array",
                "items": _STR,
                "description": "message lists shortened to fit --max-bytes (headers, attachments, to, ...)",
            },
            "text_sections": _obj(
                {
                    "new_text_length": _INT,
                    "history_offset": _NULLABLE_INT,
                    "signature_offset": _NULLABLE_INT,
                },
            ),
        },
        required=["folder", "uidvalidity", "uid", "fence", "text_window", "message"],
    ),
    "attachment": _obj(
        {
            "folder": _STR,
            "uidvalidity": _NULLABLE_INT,
            "uid": _INT,
            "part": _ref("Part"),
            "data_base64": {"type": "string", "contentEncoding": "base64", "description": "empty with --text"},
            "data_window": _obj(_WINDOW),
            "truncated": _BOOL,
            "fence": _STR,
            "text_kind": {"enum": ["text", "html", "pdf", "docx", "odt"]},
            "notes": {"type": "array", "items": _STR},
            "text_window": _obj(_WINDOW),
            "content": {
                **_obj({"text": {**_STR, "description": "fenced: the part's text, written by the sender"}}),
                "description": "written by the message's sender: untrusted",
            },
        },
        required=["folder", "uidvalidity", "uid", "part", "data_base64"],
    ),
    "search": _capped(_obj({"query": _STR, "total": _INT, "results": {"type": "array", "items": _ref("Page")}})),
    "sent": {
        **dataclass_schema(model.SendResult),
        "properties": {
            **dataclass_schema(model.SendResult)["properties"],
            "raw": {"type": "string", "description": "dry runs: the built message, fenced with fence"},
            "fence": {"type": "string", "description": "dry runs: the marker around raw"},
        },
        "required": sorted(
            f.name for f in dataclasses.fields(model.SendResult) if f.name != "raw" and not f.metadata.get("omit_none")
        ),
    },
    "draft": _obj({"folder": _STR, "uid": _NULLABLE_INT, "uidvalidity": _NULLABLE_INT}),
    "transfer": dataclass_schema(model.Transfer),
    "flags": _obj({"folder": _STR, "uidvalidity": _NULLABLE_INT, "uids": {"type": "array", "items": _INT}}),
    "quota": _obj({"quota": {"anyOf": [_ref("Quota"), {"type": "null"}]}}),
    "changes": _obj(
        {"events": {"type": "array", "items": _ref("Event")}, "token": _STR, "more": _BOOL, "truncated": _BOOL},
        required=["events", "token", "more"],
    ),
    "event": _obj({"event": _ref("Event"), "token": _STR}),
    "proposals": _obj({"proposals": {"type": "array", "items": _ref("Proposal")}}),
    "batch": {"type": "object", "description": "one answer per line, with the request's id"},
}

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


def request_schema(cmd: Any) -> dict[str, Any]:
    """The JSON object form of a command's arguments (batch args, MCP tool input)."""
    props = {a.name: arg_schema(a) for a in cmd.args}
    required = [a.name for a in cmd.args if a.required]
    out: dict[str, Any] = {"type": "object", "properties": props, "required": required}
    if not required:
        del out["required"]  # nothing required: say nothing (tools/list is sent at every session start)
    return {**out, "additionalProperties": False}


def answer_schema(cmd: Any) -> dict[str, Any]:
    """A successful answer: the envelope plus the command's result fields."""
    result = RESULTS.get(cmd.result, {"type": "object"})
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


def describe(cmd: Any, grant: Grant = FULL) -> dict[str, Any]:
    """One command for ``help``: words, arguments and safety marks (as this key's scope makes them)."""
    from agentmail.agent.scoped import read_only_under

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


def usage(cmd: Any) -> str:
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


def full_schema(grant: Grant = FULL) -> dict[str, Any]:
    """Everything: model definitions, and per command (those this key's scope can use) its request and answer."""
    from agentmail.agent.commands import COMMANDS
    from agentmail.agent.scoped import visible

    return {
        "$schema": DIALECT,
        "api_version": model.API_VERSION,
        "$defs": definitions(),
        "error": ERROR_ANSWER,
        "commands": {
            c.name: {"request": request_schema(c), "answer": answer_schema(c)} for c in visible(COMMANDS, grant)
        },
    }
