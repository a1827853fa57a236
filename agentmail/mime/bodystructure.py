"""IMAP BODYSTRUCTURE (RFC 3501 7.4.2) as imapclient returns it, turned into the shared MIME tree (mime/tree.py).

imapclient gives nested tuples of bytes/ints/None.  A multipart is either raw
``(child, child, ..., b"MIXED", params, disposition, ...)`` or imapclient's ``BodyData``
``([child, child], b"MIXED", ...)``; both are accepted.  A single part is
``(type, subtype, params, id, description, encoding, size, ...)`` with the extension
fields (disposition, ...) after the text line count or the encapsulated message.  Any
member may be missing or of the wrong type: such a part is described as best we can.

A listing needs only this (an index row's paperclip); reading by structure is mime/structure.py.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator, Sequence
from typing import Any

from agentmail.mime.charset import decode_bytes
from agentmail.mime.headers import decode_header_value, parse_date, raw_to_text
from agentmail.mime.sanitize import clean_line, strip_invisible
from agentmail.mime.tree import DEFAULT_LIMITS, SIGNATURE_TYPES, Limits, Node, child_id
from agentmail.model import Address


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return raw_to_text(value)
    if isinstance(value, str):
        return value
    return "" if value is None else str(value)


def _int(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def _is_seq(value: Any) -> bool:
    return isinstance(value, (tuple, list))


def _params(value: Any) -> dict[str, str]:
    """A parameter list ``(NAME, value, NAME, value)`` with RFC 2231 continuations and charsets joined."""
    if not _is_seq(value):
        return {}
    items = list(value)
    raw: dict[str, str] = {}
    for key, val in zip(items[0::2], items[1::2], strict=False):
        raw[_text(key).strip().lower()] = _text(val)
    return _collapse_2231(raw)


def _collapse_2231(raw: dict[str, str]) -> dict[str, str]:
    """Join ``name*0*``/``name*1`` sections and decode ``charset'lang'%xx`` values (RFC 2231)."""
    result: dict[str, str] = {}
    sections: dict[str, list[tuple[int, str, bool]]] = {}
    for key, val in raw.items():
        base, star, rest = key.partition("*")
        if not star:
            result.setdefault(base, val)
            continue
        number, marked, _ = rest.partition("*")
        index = int(number) if number.isdigit() else 0
        sections.setdefault(base, []).append((index, val, bool(marked) or rest == ""))
    for base, pieces in sections.items():
        pieces.sort(key=lambda p: p[0])
        charset = ""
        data = b""
        for position, (_, val, pct_encoded) in enumerate(pieces):
            if pct_encoded and position == 0 and val.count("'") >= 2:
                charset, _, val = val.split("'", 2)
                charset = charset or "utf-8"
            data += urllib.parse.unquote_to_bytes(val) if pct_encoded else val.encode("utf-8", "surrogateescape")
        result[base] = decode_bytes(data, charset or None)[0]
    return result


def _disposition(value: Any) -> tuple[str, dict[str, str]]:
    if not _is_seq(value) or not value:
        return "", {}
    kind = _text(value[0]).strip().lower()
    return (kind if kind in ("attachment", "inline") else ""), _params(value[1] if len(value) > 1 else None)


def _filename(disposition_params: dict[str, str], params: dict[str, str]) -> str:
    name = disposition_params.get("filename") or params.get("name") or ""
    if "=?" in name:
        name = decode_header_value(name)
    return clean_line(name)


def _split_multipart(bs: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    if isinstance(bs[0], list):  # imapclient BodyData
        return [c for c in bs[0] if _is_seq(c)], list(bs[1:])
    children: list[Any] = []
    index = 0
    for index, item in enumerate(bs):  # noqa: B007 - index is used after the loop
        if not _is_seq(item):
            break
        children.append(item)
    else:
        index = len(bs)
    return children, list(bs[index:])


def _is_multipart(bs: Any) -> bool:
    return _is_seq(bs) and len(bs) > 0 and _is_seq(bs[0])


class _Builder:
    """Turns a BODYSTRUCTURE into the shared Node tree, counting what it could not read."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.count = 0

    def body(self, bs: Any, prefix: str, depth: int) -> Node:
        if _is_multipart(bs):
            return self.entity(bs, prefix, depth)
        return self.entity(bs, child_id(prefix, 1), depth)

    def entity(self, bs: Any, part_id: str, depth: int) -> Node:
        self.count += 1
        if not _is_seq(bs) or not bs:
            return Node(part_id, "application/octet-stream")
        if _is_multipart(bs):
            children, rest = _split_multipart(bs)
            subtype = _text(rest[0]).strip().lower() if rest else "mixed"
            node = Node(part_id, f"multipart/{subtype or 'mixed'}", _params(rest[1] if len(rest) > 1 else None))
            if depth <= self.limits.max_depth and self.count <= self.limits.max_parts * 4:
                node.children = [self.entity(c, child_id(part_id, i), depth + 1) for i, c in enumerate(children, 1)]
            return node
        return self._single(bs, part_id, depth)

    def _single(self, bs: Sequence[Any], part_id: str, depth: int) -> Node:
        fields = list(bs) + [None] * max(0, 12 - len(bs))
        maintype = _text(fields[0]).strip().lower() or "application"
        subtype = _text(fields[1]).strip().lower() or "octet-stream"
        params = _params(fields[2])
        node = Node(part_id, f"{maintype}/{subtype}", params)
        node.content_id = strip_invisible(_text(fields[3])).strip().strip("<>")
        node.encoding = _text(fields[5]).strip().lower()
        node.size = _int(fields[6])
        if node.is_message and _is_seq(fields[8]):
            extension = 10
            if depth <= self.limits.max_depth:
                node.children = [self.body(fields[8], part_id, depth + 1)]
            node.forward_headers = _envelope_headers(fields[7])
        elif maintype == "text":
            extension = 8
        else:
            extension = 7
        node.disposition, disposition_params = _disposition(fields[extension + 1])
        node.filename = _filename(disposition_params, params)
        return node


def structure_tree(bodystructure: Any, limits: Limits = DEFAULT_LIMITS) -> Node:
    """The Node tree for a BODYSTRUCTURE; a hopeless one becomes a single text part."""
    try:
        return _Builder(limits).body(bodystructure, "", 0)
    except (RecursionError, TypeError, ValueError, IndexError, AttributeError):
        return Node("1", "text/plain")


def _address_list(value: Any) -> tuple[Address, ...]:
    if not _is_seq(value):
        return ()
    found: list[Address] = []
    for item in value:
        if not _is_seq(item) or len(item) < 4 or item[2] is None:
            continue
        mailbox = _text(item[2]) + ("@" + _text(item[3]) if item[3] is not None else "")
        found.append(Address(clean_line(decode_header_value(_text(item[0]))), clean_line(mailbox)))
    return tuple(found)


def _envelope_headers(value: Any) -> tuple[tuple[str, str], ...]:
    """The forward separator lines from an IMAP ENVELOPE (date, subject, from, ..., to, cc, ...)."""
    if not _is_seq(value) or len(value) < 7:
        return ()
    date = parse_date(_text(value[0])) if value[0] is not None else None
    return (
        ("From", ", ".join(a.formatted() for a in _address_list(value[2]))),
        ("Date", date.strftime("%a, %d %b %Y %H:%M %z") if date else ""),
        ("Subject", strip_invisible(decode_header_value(_text(value[1]))).strip()),
        ("To", ", ".join(a.formatted() for a in _address_list(value[5]))),
        ("Cc", ", ".join(a.formatted() for a in _address_list(value[6]))),
    )


def leaves(tree: Node) -> Iterator[tuple[Node, str]]:
    """Every leaf and attached message of a tree, in order, with the subtype of the multipart holding it
    ("alternative", "related", ...; "" at the top and inside an attached message)."""
    stack: list[tuple[Node, str]] = [(tree, "")]
    while stack:
        node, container = stack.pop(0)
        if node.maintype == "multipart" and node.children:
            stack[:0] = [(c, node.subtype) for c in node.children]
            continue
        yield node, container
        if node.is_message:
            stack[:0] = [(c, "") for c in node.children]


def has_attachments(bodystructure: Any) -> bool:
    """Whether an index row gets a paperclip: a real attachment, not an inline image or a signature."""
    if not _is_seq(bodystructure):
        return False
    for node, container in leaves(structure_tree(bodystructure)):
        if node.content_type in SIGNATURE_TYPES or node.maintype == "multipart":
            continue
        if node.disposition == "attachment" or node.maintype == "message":
            return True
        if container == "related" or container == "alternative":
            continue
        if node.maintype != "text" or node.subtype not in ("plain", "html"):
            return True
    return False
