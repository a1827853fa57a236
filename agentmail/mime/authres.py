"""Sender authentication as *our* MTA recorded it (RFC 8601), and mail a member submitted locally.

Trust: only ``Authentication-Results`` headers whose authserv-id equals the configured one
(case-insensitive), taken from the top of the header block down to the first header with
any other authserv-id.  Headers lower down, or from other ids, are what a sender or a
foreign relay wrote and are ignored.  RFC 8601 section 5 requires our MTA to delete
incoming headers that claim our authserv-id; this module relies on that.

Local submission: a member's mail through the local relay carries, after the delivery
hops we skip (LMTP into Dovecot, Postfix ``local``/pickup), only ``Received`` headers
*from* a loopback address; any hop from elsewhere (including mail that a content filter
re-injected over loopback) makes it non-local.  In addition the From address must be in
one of our domains, and the envelope sender the delivery agent recorded (the topmost
``Return-Path``, which agentmail's smtp layer forces to the member) must equal it.  The
member is then the From local part.  Another local process could still forge such a
message when the relay accepts unauthenticated loopback mail; ``local`` is a strong hint,
not a signature.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Sequence

from agentmail.model import AuthVerdict, Header

_COMMENT = re.compile(r"\((?:[^()\\]|\\.)*\)")
_RESULT = re.compile(r"^\s*([A-Za-z0-9_.-]+)(?:\s*/\s*\d+)?\s*=\s*([A-Za-z0-9_-]+)")
_LOOPBACK_FROM = re.compile(r"^\s*from\s.*\[(?:127\.\d+\.\d+\.\d+|::1|IPv6:::1)\]", re.IGNORECASE | re.DOTALL)
_DELIVERY_HOP = re.compile(r"\bwith\s+(?:LMTPS?A?|local)\b|\(Postfix, from userid \d+\)", re.IGNORECASE)
_METHODS = ("spf", "dkim", "dmarc")
_MAX_COMMENT_DEPTH = 8


def _strip_comments(value: str) -> str:
    """Remove RFC 5322 comments (nested ones too, up to a sane depth)."""
    for _ in range(_MAX_COMMENT_DEPTH):
        stripped = _COMMENT.sub(" ", value)
        if stripped == value:
            break
        value = stripped
    return value


def _split_semicolons(value: str) -> list[str]:
    """Split on ';' outside double-quoted strings."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    escaped = False
    for ch in value:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _merge(results: dict[str, str], method: str, result: str) -> None:
    """Keep the first result per method, except that any passing DKIM signature counts."""
    if method == "dkim" and result == "pass":
        results["dkim"] = result
    else:
        results.setdefault(method, result)


def parse_results(value: str) -> tuple[str, dict[str, str]]:
    """The authserv-id and the first result per method of one Authentication-Results value."""
    pieces = _split_semicolons(_strip_comments(value))
    head = pieces[0].split()
    authserv_id = head[0].lower() if head else ""
    results: dict[str, str] = {}
    for resinfo in pieces[1:]:
        match = _RESULT.match(resinfo)
        if not match:
            continue
        method, result = match.group(1).lower(), match.group(2).lower()
        _merge(results, method, result)
    return authserv_id, results


def _trusted_results(headers: Sequence[Header], authserv_id: str) -> dict[str, str] | None:
    wanted = authserv_id.strip().lower()
    if not wanted:
        return None
    merged: dict[str, str] | None = None
    for header in headers:
        if header.name.lower() != "authentication-results":
            continue
        found_id, results = parse_results(header.value)
        if found_id != wanted:
            break  # everything below a foreign header is forgeable
        merged = merged or {}
        for method, result in results.items():
            _merge(merged, method, result)
    return merged


def _local_member(headers: Sequence[Header], local_domains: Sequence[str]) -> str:
    """The member's name when the message was submitted through our relay on loopback, else ""."""
    domains = {d.strip().lower().rstrip(".") for d in local_domains if d.strip()}
    if not domains:
        return ""
    received = [h.value for h in headers if h.name.lower() == "received"]
    hops = [r for r in received if not _DELIVERY_HOP.search(r)]
    if not hops or not all(_LOOPBACK_FROM.match(r) for r in hops):
        return ""
    froms = [h.value for h in headers if h.name.lower() == "from"]
    if len(froms) != 1:
        return ""
    pairs = email.utils.getaddresses(froms)
    if len(pairs) != 1:
        return ""
    address = pairs[0][1].strip()
    local, _, domain = address.rpartition("@")
    if not local or domain.lower().rstrip(".") not in domains:
        return ""
    return_path = next((h.value for h in headers if h.name.lower() == "return-path"), None)
    if return_path is not None:
        envelope = email.utils.parseaddr(return_path)[1].strip()
        if envelope.lower() != address.lower():
            return ""
    return local


def verdict(headers: Sequence[Header], authserv_id: str, *, local_domains: Sequence[str] = ()) -> AuthVerdict | None:
    """What this host recorded about the sender; None when it recorded nothing we can trust."""
    try:
        results = _trusted_results(headers, authserv_id)
        member = _local_member(headers, local_domains)
    except (ValueError, IndexError, TypeError):  # hostile header text must not break reading
        return None
    if results is None and not member:
        return None
    found = results or {}
    return AuthVerdict(
        trusted=results is not None,
        local=bool(member),
        member=member,
        spf=found.get("spf", ""),
        dkim=found.get("dkim", ""),
        dmarc=found.get("dmarc", ""),
    )
