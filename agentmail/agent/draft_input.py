"""The JSON draft agents send (stdin for send/reply/forward, or an argument in batch and MCP) -> Draft."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from agentmail.errors import InvalidAddressError, InvalidMessageError, UsageError
from agentmail.model import Address, Attachment, Draft

DRAFT_FIELDS = {
    "to": "recipients: a string 'A <a@x>, b@y' or a list of strings or {name, email} objects",
    "cc": "carbon-copy recipients, as for to",
    "bcc": "blind recipients, as for to (never shown to the others)",
    "subject": "the subject line",
    "text": "the plain-text body",
    "html": "an HTML body; without text, the plain-text alternative is made from it",
    "attachments": "a list of {filename, content_type, data_base64}",
    "in_reply_to": "the Message-ID this answers (set for you by reply)",
    "references": "Message-IDs of the thread (set for you by reply)",
}


_ADDRESS_OBJECT = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "email": {"type": "string"}},
    "required": ["email"],
    "additionalProperties": False,
}
#: JSON Schema of one recipient field: "A <a@x>, b@y", or a list of such strings or {name, email} objects.
ADDRESSES_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string"},
        {"type": "array", "items": {"anyOf": [{"type": "string"}, _ADDRESS_OBJECT]}},
    ]
}


#: Short meanings for the JSON Schema (MCP sends it on every session start; help draft has the long ones).
_SCHEMA_HELP = {
    "to": "'A <a@x>, b@y' or a list",
    "bcc": "hidden from the others",
    "html": "HTML; text is made from it if absent",
}


def draft_schema() -> dict[str, Any]:
    """The JSON Schema of a draft, every field typed (MCP tools and ``schema`` carry it whole)."""
    addresses = {"$ref": "#/$defs/Addresses"}
    string = {"type": "string"}
    kinds: dict[str, dict[str, Any]] = {
        "to": addresses,
        "cc": addresses,
        "bcc": addresses,
        "subject": string,
        "text": string,
        "html": string,
        "attachments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "filename": string,
                    "content_type": string,
                    "data_base64": {**string, "contentEncoding": "base64"},
                },
                "required": ["data_base64"],
                "additionalProperties": False,
            },
        },
        "in_reply_to": string,
        "references": {"type": "array", "items": string},
    }
    props = {
        name: ({**kinds[name], "description": _SCHEMA_HELP[name]} if name in _SCHEMA_HELP else kinds[name])
        for name in DRAFT_FIELDS
    }
    return {"type": "object", "properties": props, "additionalProperties": False}


def draft_from_json(value: Any) -> Draft:
    """Validate the JSON shape; address syntax and injection are checked again when the message is built."""
    if not isinstance(value, Mapping):
        raise UsageError("the draft must be a JSON object")
    unknown = sorted(set(value) - set(DRAFT_FIELDS))
    if unknown:
        raise UsageError(f"the draft has an unknown field {unknown[0][:40]!r}; fields are: {', '.join(DRAFT_FIELDS)}")
    return Draft(
        to=_addresses(value.get("to"), "to"),
        cc=_addresses(value.get("cc"), "cc"),
        bcc=_addresses(value.get("bcc"), "bcc"),
        subject=_text(value.get("subject"), "subject"),
        text=_text(value.get("text"), "text"),
        html=_text(value.get("html"), "html"),
        attachments=_attachments(value.get("attachments")),
        in_reply_to=_text(value.get("in_reply_to"), "in_reply_to"),
        references=tuple(_text(r, "references") for r in _list(value.get("references"), "references")),
    )


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UsageError(f"draft field {name} must be a string")
    return value


def _list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise UsageError(f"draft field {name} must be a list")
    return value


def _addresses(value: Any, name: str) -> tuple[Address, ...]:
    if value is None or value == "":
        return ()
    import email.utils  # lazily: help lists DRAFT_FIELDS and needs no address parser (socket, calendar)

    items = [value] if isinstance(value, str | Mapping) else _list(value, name)
    out: list[Address] = []
    for item in items:
        if isinstance(item, Mapping):
            out.append(_address_object(item, name))
        elif isinstance(item, str):
            if any(ch in item for ch in "\r\n\0"):
                raise InvalidMessageError(f"draft field {name} contains a line break")
            pairs = email.utils.getaddresses([item])
            for display, addr in pairs:
                if not addr or "@" not in addr:
                    raise InvalidAddressError(f"{item[:80]!r} is not an email address", details={"address": item[:200]})
                out.append(Address(display, addr))
        else:
            raise UsageError(f"draft field {name} must hold strings or {{name, email}} objects")
    return tuple(out)


def _address_object(item: Mapping[str, Any], name: str) -> Address:
    email_value = item.get("email")
    display = item.get("name", "")
    if not isinstance(email_value, str) or not isinstance(display, str):
        raise UsageError(f"each {name} object needs a string email (and optional string name)")
    return Address(display, email_value)


def _attachments(value: Any) -> tuple[Attachment, ...]:
    out = []
    for item in _list(value, "attachments"):
        if not isinstance(item, Mapping):
            raise UsageError("each attachment must be an object {filename, content_type, data_base64}")
        filename = _text(item.get("filename"), "attachments.filename") or "attachment"
        ctype = _text(item.get("content_type"), "attachments.content_type") or "application/octet-stream"
        if ctype.count("/") != 1 or any(ch.isspace() for ch in ctype):
            raise UsageError(f"attachment content_type {ctype[:60]!r} is not type/subtype")
        try:
            data = base64.b64decode(_text(item.get("data_base64"), "attachments.data_base64"), validate=True)
        except (binascii.Error, ValueError):
            raise UsageError(f"attachment {filename[:60]!r} has data_base64 that is not valid base64") from None
        out.append(Attachment(filename, ctype, data))
    return tuple(out)
