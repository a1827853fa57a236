"""Ordered uid lists (SEARCH/ESEARCH, SORT, THREAD) and summaries for a window of them.

Only the rows asked for are fetched: a 100,000-message folder costs one compact
ESEARCH answer plus one FETCH of the window (aerc's lazy index, RFC 4731).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from operator import methodcaller
from typing import TYPE_CHECKING, Any

from imapclient.response_parser import parse_message_list, parse_response

from agentmail.errors import UsageError
from agentmail.imap.fetchparse import parse_fetch
from agentmail.imap.session import ImapSession
from agentmail.mime.summary import parse_summary
from agentmail.model import Summary

if TYPE_CHECKING:
    from agentmail.uidlist import UidList

HEADER_FIELDS = b"FROM TO CC SUBJECT DATE MESSAGE-ID IN-REPLY-TO CONTENT-TYPE"
SUMMARY_ITEMS = (
    "FLAGS",
    "RFC822.SIZE",
    "INTERNALDATE",
    "BODYSTRUCTURE",
    f"BODY.PEEK[HEADER.FIELDS ({HEADER_FIELDS.decode()})]",
)

#: Characters of a server PREVIEW (RFC 8970 allows up to 256; Dovecot gives 200): enough for --preview N up to it.
SERVER_PREVIEW_CHARS = 200

#: --sort names -> IMAP SORT keys (RFC 5256); "date" uses the Date header, "arrival" INTERNALDATE order.
SORT_KEYS = {"date": "DATE", "arrival": "ARRIVAL", "from": "FROM", "subject": "SUBJECT", "size": "SIZE", "to": "TO"}


def parse_sequence_set(text: str) -> list[int]:
    """Expand an ESEARCH sequence set like ``1:4,9,12:13`` into ascending ints."""
    out: list[int] = []
    for piece in text.split(","):
        if not piece:
            continue
        if ":" in piece:
            lo, hi = (int(x) for x in piece.split(":", 1))
            lo, hi = min(lo, hi), max(lo, hi)
            out.extend(range(lo, hi + 1))
        else:
            out.append(int(piece))
    return out


def search_uids(session: ImapSession, criteria: Sequence[Any] = ("ALL",)) -> UidList:
    """UIDs matching criteria, ascending; compact ESEARCH (RETURN (ALL)) when offered.

    The ESEARCH sequence set (``1:100000``) goes straight into a compact UidList, never a list of int objects.
    Every value goes out quoted or as a literal (imap/criteria.py), on both paths.
    """
    from agentmail.imap import criteria as criteria_args  # lazily: a plain listing searches nothing
    from agentmail.uidlist import UidList

    args, utf8 = criteria_args.encode(criteria)
    charset = [b"CHARSET", b"UTF-8"] if utf8 else []
    if session.has("ESEARCH"):
        lines = session.raw_untagged(b"SEARCH", [b"RETURN", b"(ALL)", *charset, *args], "ESEARCH")
        for line in lines:
            text = line.decode("ascii", "replace") if isinstance(line, bytes) else str(line)
            tokens = text.split()
            if "ALL" in tokens:
                return UidList.from_sequence_set(tokens[tokens.index("ALL") + 1])
        return UidList()
    return UidList(sorted(parse_message_list(session.raw_untagged(b"SEARCH", [*charset, *args], "SEARCH"))))


def fetch_newest(
    session: ImapSession, exists: int, limit: int, *, preview: int = 0, sizes: bool = True
) -> list[Summary]:
    """Summaries of the newest `limit` messages by sequence number, newest first, in one FETCH.

    A plain FETCH of the sequence range ``n-limit+1:n`` names each message's UID in its answer, as any
    client showing a folder's top does: no SEARCH round trip for the uids first.  Without ``sizes`` no
    RFC822.SIZE is asked for (each size is 0): Dovecot keeps a Maildir message's size in its file name,
    and a session's first look at one reads the folder's whole uid list (about 70 ms on 100,000 messages),
    while everything else a row shows comes from its index cache.
    """
    if exists <= 0 or limit <= 0:
        return []
    first = max(1, exists - limit + 1)
    items = [item for item in _summary_items(session) if sizes or item != "RFC822.SIZE"]
    response = _fetch(session, f"{first}:{exists}", [*items, "UID"], uid=False)
    by_uid = {
        data[b"UID"]: data for seq, data in response.items() if first <= seq and isinstance(data.get(b"UID"), int)
    }
    return _summaries(session, by_uid, sorted(by_uid, reverse=True), None, preview)


def _fetch(session: ImapSession, messages: str, items: list[str], *, uid: bool = True) -> dict[int, dict[bytes, Any]]:
    """One FETCH (UID FETCH with ``uid``), its answer parsed by the regex lexer of imap/fetchparse.py."""
    args = [messages.encode("ascii"), f"({' '.join(items)})".encode("ascii")]
    return parse_fetch(session.raw_untagged(b"FETCH", args, "FETCH", uid=uid), uid_is_key=uid)


def sorted_uids(session: ImapSession, sort: str, criteria: Sequence[Any] = ("ALL",)) -> UidList:
    """UIDs in ascending sort order (callers reverse for newest first)."""
    if sort not in SORT_KEYS:
        raise UsageError(f"unknown sort {sort!r}; use one of {', '.join(SORT_KEYS)}")
    if sort == "arrival" and not session.has("SORT"):
        return search_uids(session, criteria)
    key = SORT_KEYS[sort]
    crit = list(criteria) or ["ALL"]
    if not session.has("SORT"):
        return search_uids(session, criteria)
    from agentmail.imap import criteria as criteria_args  # lazily: a plain listing searches nothing
    from agentmail.uidlist import UidList

    args, _ = criteria_args.encode(crit)
    (line,) = session.raw_untagged(b"SORT", [f"({key})".encode(), b"UTF-8", *args], "SORT")[:1] or [b""]
    return UidList.from_numbers(line or b"")


def thread_rows(session: ImapSession, criteria: Sequence[Any] = ("ALL",)) -> list[tuple[int, int]]:
    """(uid, depth) rows, newest thread first, each thread in tree order (THREAD=REFERENCES)."""
    crit = list(criteria) or ["ALL"]
    if not session.has("THREAD=REFERENCES"):
        return [(uid, 0) for uid in reversed(search_uids(session, crit))]
    from agentmail.imap import criteria as criteria_args  # lazily: a plain listing searches nothing

    args, _ = criteria_args.encode(crit)
    threads = parse_response(session.raw_untagged(b"THREAD", [b"REFERENCES", b"UTF-8", *args], "THREAD"))
    groups = []
    for thread in threads:
        rows = list(_flatten(thread, 0))
        if rows:
            groups.append((max(uid for uid, _ in rows), rows))
    groups.sort(key=lambda g: g[0], reverse=True)
    return [row for _, rows in groups for row in rows]


def _flatten(node: Any, depth: int) -> Any:
    """A THREAD node is a chain of uids followed by branches (nested tuples) at the chain's end."""
    for item in node:
        if isinstance(item, int):
            yield item, depth
            depth += 1
        else:
            yield from _flatten(item, depth)


def fetch_summaries(
    session: ImapSession, uids: Sequence[int], depths: dict[int, int] | None = None, *, preview: int = 0
) -> list[Summary]:
    """Summaries for exactly these uids, in the order given; vanished uids are skipped.

    With ``preview`` each carries up to that many characters of its new text (see :func:`fetch_previews`).
    """
    if not uids:
        return []
    response = _fetch(session, ",".join(str(uid) for uid in uids), _summary_items(session))
    return _summaries(session, response, uids, depths, preview)


def _summary_items(session: ImapSession) -> list[str]:
    """What a summary is made of, with the server's PREVIEW where it computes one."""
    return [*SUMMARY_ITEMS, "PREVIEW"] if session.has("PREVIEW") else list(SUMMARY_ITEMS)


def _summaries(
    session: ImapSession, response: dict[int, Any], uids: Sequence[int], depths: dict[int, int] | None, preview: int
) -> list[Summary]:
    """Summaries of these uids from a FETCH answer keyed by uid, in the order given; vanished uids are skipped."""
    out = []
    for uid in uids:
        data = response.get(uid)
        if data is None:
            continue
        summary = summary_from_fetch(uid, data)
        if depths and depths.get(uid):
            summary = dataclasses.replace(summary, depth=depths[uid])
        out.append(summary)
    if preview > 0:
        structures = {uid: response[uid].get(b"BODYSTRUCTURE") for uid in uids if uid in response}
        texts = fetch_previews(session, out, structures, preview)
        out = [dataclasses.replace(s, preview=texts.get(s.uid, "")) for s in out]
    return out


def fetch_previews(
    session: ImapSession, summaries: Sequence[Summary], structures: dict[int, Any], chars: int
) -> dict[int, str]:
    """Up to ``chars`` characters of each message's new text, fetched cheaply on the server side.

    Where the server computed a PREVIEW (RFC 8970; Dovecot caches it, at most 200 characters), that is
    enough and it shows no sign of quoted history, it is used as is: no extra round trip.  Otherwise one
    partial FETCH per distinct section id (``BODY.PEEK[1]<0.n>``, usually one for the whole page) reads
    only the start of the first text part.
    """
    # Lazily: only --preview needs them (the new-text split compiles its patterns at import).
    from agentmail.mime.newtext import may_hold_history
    from agentmail.mime.preview import flatten, preview_section, preview_text

    out: dict[int, str] = {}
    wanted: dict[str, dict[int, int]] = {}  # section -> uid -> bytes
    for summary in summaries:
        snippet = summary.snippet
        if chars <= SERVER_PREVIEW_CHARS and snippet and session.has("PREVIEW") and not may_hold_history(snippet):
            out[summary.uid] = flatten(summary.snippet, chars)
            continue
        found = preview_section(structures.get(summary.uid), chars)
        if found is not None:
            wanted.setdefault(found[0], {})[summary.uid] = found[1]
    for section, sizes in wanted.items():
        length = max(sizes.values())
        key = f"BODY.PEEK[{section}]<0.{length}>"
        response = session.call(methodcaller("fetch", list(sizes), [key]))
        for uid in sizes:
            data = section_bytes(response.get(uid, {}), section)
            out[uid] = preview_text(structures.get(uid), section, data, chars)
    for summary in summaries:  # the fetched start held no text (a long <style> block, say): the server's PREVIEW
        if not out.get(summary.uid) and summary.snippet:
            out[summary.uid] = flatten(summary.snippet, chars)
    return out


def section_bytes(data: dict[bytes, Any], section: str) -> bytes:
    """A fetched section's bytes, whether the server answered BODY[n] or BODY[n]<0>."""
    prefix = f"BODY[{section}]".encode()
    for key, value in data.items():
        if isinstance(key, bytes) and (key == prefix or key.startswith(prefix + b"<")) and isinstance(value, bytes):
            return value
    return b""


def summary_from_fetch(uid: int, data: dict[bytes, Any]) -> Summary:
    """Turn one FETCH answer into a Summary (pure parsing lives in mime.parse)."""
    header = b""
    for key, value in data.items():
        if isinstance(key, bytes) and key.startswith(b"BODY[HEADER") and isinstance(value, bytes):
            header = value
    preview = data.get(b"PREVIEW") or b""
    if isinstance(preview, bytes):
        preview = preview.decode("utf-8", "replace")
    return parse_summary(
        uid,
        flags=data.get(b"FLAGS", ()),
        size=int(data.get(b"RFC822.SIZE", 0) or 0),
        received=data.get(b"INTERNALDATE"),
        header_bytes=header,
        bodystructure=data.get(b"BODYSTRUCTURE"),
        preview=preview if isinstance(preview, str) else "",
    )
