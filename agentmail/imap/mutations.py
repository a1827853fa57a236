"""Changing messages: flags, move/copy with their new uids (UIDPLUS), append, expunge."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from imapclient import IMAPClient

from agentmail.errors import NotFoundError, ServerError
from agentmail.imap.listing import parse_sequence_set
from agentmail.imap.session import ImapSession, check_folder_name

_COPYUID = re.compile(rb"\[COPYUID (\d+) ([\d:,]+) ([\d:,]+)\]", re.IGNORECASE)
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.IGNORECASE)


def existing_uids(session: ImapSession, uids: Sequence[int]) -> list[int]:
    """The subset of uids that exist in the selected folder (UID SEARCH UID set)."""
    if not uids:
        return []
    uid_set = ",".join(str(u) for u in sorted(set(uids)))
    return sorted(session.call(lambda c: c.search(["UID", uid_set])))


def require_uids(session: ImapSession, folder: str, uids: Sequence[int]) -> list[int]:
    """Refuse the whole request when any uid is missing, so nothing half-happens."""
    found = existing_uids(session, uids)
    missing = sorted(set(uids) - set(found))
    if missing:
        raise NotFoundError(
            f"no message with uid {', '.join(map(str, missing[:10]))} in {folder!r}",
            details={"folder": folder, "missing": missing},
        )
    return found


def add_flags(session: ImapSession, uids: Sequence[int], flags: Sequence[str]) -> None:
    session.call(lambda c: c.add_flags(list(uids), list(flags), silent=True))


def remove_flags(session: ImapSession, uids: Sequence[int], flags: Sequence[str]) -> None:
    session.call(lambda c: c.remove_flags(list(uids), list(flags), silent=True))


@dataclass(frozen=True)
class Copied:
    """Where copied or moved messages landed: the target's UIDVALIDITY and old uid -> new uid."""

    uidvalidity: int | None
    uids: dict[int, int]


def copy_messages(session: ImapSession, uids: Sequence[int], target: str) -> Copied:
    """Copy uids to target; return old uid -> new uid in target (from COPYUID)."""
    check_folder_name(target)
    return _with_copyuid(session, lambda c: c.copy(list(uids), target))


def move_messages(session: ImapSession, uids: Sequence[int], target: str) -> Copied:
    """Move uids to target atomically (RFC 6851); return old uid -> new uid."""
    if not session.has("MOVE"):
        copied = copy_messages(session, uids, target)
        session.call(lambda c: c.delete_messages(list(uids), silent=True))
        expunge_uids(session, uids)
        return copied
    check_folder_name(target)
    return _with_copyuid(session, lambda c: c.move(list(uids), target))


def _with_copyuid(session: ImapSession, operation: Callable[[IMAPClient], object]) -> Copied:
    """Run COPY/MOVE and read the COPYUID response code (RFC 4315), tagged or untagged.

    imaplib files every bracketed response code under its name, so it is read from there (imapclient's
    private ``_imap``: a MOVE's COPYUID comes untagged, which imapclient's move() does not return).
    """

    def op(c: IMAPClient) -> list[object]:
        c._imap.untagged_responses.pop("COPYUID", None)
        operation(c)
        return list(c._imap.untagged_responses.pop("COPYUID", []))

    mapping: dict[int, int] = {}
    uidvalidity: int | None = None
    for line in session.call(op, retry=False):
        if isinstance(line, bytes):
            found, pairs = _uid_map(b"[COPYUID " + line + b"]")
            uidvalidity = found or uidvalidity
            mapping.update(pairs)
    return Copied(uidvalidity, mapping)


def expunge_uids(session: ImapSession, uids: Sequence[int]) -> None:
    """Expunge only these uids (UIDPLUS), never other \\Deleted messages."""
    if session.has("UIDPLUS"):
        session.call(lambda c: c.uid_expunge(list(uids)), retry=False)
    else:
        raise ServerError("the server lacks UIDPLUS, so expunging single messages is not safe")


def append_message(
    session: ImapSession, folder: str, raw: bytes, flags: Sequence[str] = (), when: datetime | None = None
) -> tuple[int | None, int | None]:
    """Append a message; return (uidvalidity, uid) in folder when the server says (APPENDUID)."""
    check_folder_name(folder)
    text = session.call(lambda c: c.append(folder, raw, flags=list(flags), msg_time=when), retry=False)
    match = _APPENDUID.search(text if isinstance(text, bytes) else b"")
    return (int(match.group(1)), int(match.group(2))) if match else (None, None)


def _uid_map(text: bytes) -> tuple[int | None, dict[int, int]]:
    match = _COPYUID.search(text)
    if not match:
        return None, {}
    old = parse_sequence_set(match.group(2).decode())
    new = parse_sequence_set(match.group(3).decode())
    return int(match.group(1)), dict(zip(old, new, strict=False))
