"""Sender verdicts from evidence a sender cannot write: our MTA's Authentication-Results and our signature.

Authentication-Results (RFC 8601) count only when they stand *above* the topmost ``Received`` line our
own Postfix wrote (``by <AGENTMAIL_MTA_HOSTNAME> (Postfix ...``, not the LMTP delivery hop), and only
from our authserv-id.  Postfix prepends that Received line when a message arrives, so everything a
sender wrote, a forged ``Authentication-Results: <our id>; dkim=pass`` included, sits below it; a
lower header never adds or upgrades a result.  Without such a Received line (a message a member
appended by IMAP, a Sent copy) no result counts.  The milter that writes the results must put them
on top, and the MTA should still delete incoming headers that claim our authserv-id (RFC 8601
section 5; the man page's DEPLOYMENT says how).  Received lines are only that boundary: they are
never evidence of who sent a message.

"Sent by member X of this host" comes only from agentmail's own signature
(:mod:`agentmail.mime.signature`), never from Received lines, Return-Path or a From in our domain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agentmail.mime.signature import verified_member
from agentmail.model import AuthVerdict, Header, TrustAnchors

_COMMENT = re.compile(r"\((?:[^()\\]|\\.)*\)")
_RESULT = re.compile(r"^\s*([A-Za-z0-9_.-]+)(?:\s*/\s*\d+)?\s*=\s*([A-Za-z0-9_-]+)")
_DELIVERY_HOP = re.compile(r"\bwith\s+LMTPS?A?\b", re.IGNORECASE)
_METHODS = ("spf", "dkim", "dmarc")
_KNOWN_RESULTS = frozenset(
    {"pass", "fail", "softfail", "hardfail", "neutral", "none", "temperror", "permerror", "policy"}
)
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


def _our_received(value: str, hostname: str) -> bool:
    """Whether a Received value was written by our Postfix on arrival (not the LMTP delivery hop).

    Only whitespace-separated ``by <host> (Postfix`` counts: a client's HELO name and reverse DNS
    cannot hold spaces, so they cannot fake it inside a line Postfix wrote.
    """
    pattern = rf"(?:^|\s)by\s+{re.escape(hostname)}\.?\s+\(Postfix\b"
    return bool(re.search(pattern, value, re.IGNORECASE)) and not _DELIVERY_HOP.search(value)


def _trusted_results(headers: Sequence[Header], anchors: TrustAnchors) -> dict[str, str] | None:
    """Our results above our MTA's topmost Received line; None when there is no such line or no such result."""
    wanted = anchors.authserv_id.strip().lower()
    hostname = anchors.mta_hostname.strip().lower()
    if not wanted or not hostname:
        return None
    boundary = next(
        (i for i, h in enumerate(headers) if h.name.lower() == "received" and _our_received(h.value, hostname)), None
    )
    if boundary is None:
        return None
    merged: dict[str, str] | None = None
    for header in headers[:boundary]:
        if header.name.lower() != "authentication-results":
            continue
        found_id, results = parse_results(header.value)
        if found_id != wanted:
            continue
        merged = merged or {}
        for method, result in results.items():
            if method in _METHODS and result in _KNOWN_RESULTS:
                _merge(merged, method, result)
    return merged


def verdict(headers: Sequence[Header], anchors: TrustAnchors | None, body: bytes | None = None) -> AuthVerdict | None:
    """What this host can vouch for about the sender; None when it can vouch for nothing."""
    if anchors is None:
        return None
    try:
        results = _trusted_results(list(headers), anchors)
        member = verified_member(headers, body, anchors.signing_key, anchors.addr_domain)
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
