"""Folders: list with special-use roles and counts in one round trip, create/rename/delete, quota."""

from __future__ import annotations

import imaplib
from typing import TYPE_CHECKING, Any

import imapclient
from imapclient.response_parser import parse_response

from agentmail.errors import ForbiddenError, NotFoundError, ServerError, UsageError
from agentmail.imap.session import ImapSession, decode_folder

if TYPE_CHECKING:
    from agentmail.model import Folder, Quota

#: RFC 6154 special-use flags -> the role names used from IMAP to JSON to screen.
ROLES = {
    b"\\sent": "sent",
    b"\\drafts": "drafts",
    b"\\trash": "trash",
    b"\\junk": "junk",
    b"\\archive": "archive",
    b"\\all": "all",
    b"\\flagged": "flagged",
}
_ROLE_ORDER = {"inbox": 0, "drafts": 1, "sent": 2, "archive": 3, "junk": 4, "trash": 5}


def list_folders(session: ImapSession) -> list[Folder]:
    """Every folder with role, total and unseen: LIST-STATUS when offered (RFC 5819), else STATUS each."""
    if session.has("LIST-STATUS"):
        folders = session.call(_list_status)
    else:
        folders = [_with_status(session, f) for f in session.call(_plain_list)]
    return sorted(folders, key=lambda f: (_ROLE_ORDER.get(f.role or "", 9), f.name.lower()))


def _list_status(client: imapclient.IMAPClient) -> list[Folder]:
    """LIST-STATUS (RFC 5819) in one round trip; imapclient wraps no LIST RETURN, so this drives its imaplib
    connection and folder-list parser directly (private: see imap/session.py's docstring)."""
    imap = client._imap
    imap.untagged_responses.pop("STATUS", None)
    typ, dat = imap._simple_command("LIST", '""', '"*"', "RETURN", "(SPECIAL-USE STATUS (MESSAGES UNSEEN))")
    if typ != "OK":
        raise imaplib.IMAP4.error(f"LIST failed: {dat}")
    _, listing = imap._untagged_response(typ, dat, "LIST")
    statuses = imap.untagged_responses.pop("STATUS", [])
    merged: dict[str, dict[bytes, Any]] = {}
    for line in statuses:
        parsed = parse_response([line] if isinstance(line, bytes) else list(line))
        if len(parsed) >= 2:
            name = decode_folder(parsed[0] if isinstance(parsed[0], bytes) else str(parsed[0]).encode())
            # merged: a NOTIFY STATUS (RFC 5465) arriving meanwhile may carry only some items
            merged.setdefault(name, {}).update(zip(parsed[1][::2], parsed[1][1::2], strict=False))
    counts = {name: (int(i.get(b"MESSAGES", 0)), int(i.get(b"UNSEEN", 0))) for name, i in merged.items()}
    out = []
    for flags, delim, name in client._proc_folder_list(listing):
        total, unseen = counts.get(name, (0, 0))
        out.append(_folder(name, flags, delim, total, unseen))
    return out


def _plain_list(client: imapclient.IMAPClient) -> list[Folder]:
    return [_folder(name, flags, delim, 0, 0) for flags, delim, name in client.list_folders()]


def _with_status(session: ImapSession, folder: Folder) -> Folder:
    if "\\noselect" in (f.lower() for f in folder.flags):
        return folder
    status = session.call(lambda c: c.folder_status(folder.name, [b"MESSAGES", b"UNSEEN"]))
    from agentmail.model_more import Folder  # lazily: a listing never builds one

    return Folder(
        folder.name,
        folder.role,
        int(status.get(b"MESSAGES", 0)),
        int(status.get(b"UNSEEN", 0)),
        folder.delimiter,
        folder.flags,
    )


def _folder(name: str, flags: tuple[bytes, ...], delim: bytes | None, total: int, unseen: int) -> Folder:
    role = "inbox" if name.upper() == "INBOX" else None
    for flag in flags:
        role = role or ROLES.get(flag.lower())
    text_flags = tuple(f.decode("ascii", "replace") for f in flags)
    from agentmail.model_more import Folder

    return Folder(name, role, total, unseen, (delim or b"/").decode("ascii", "replace"), text_flags)


def find_role(folders: list[Folder], role: str) -> Folder | None:
    """The folder with a special-use role, if the server marks one."""
    return next((f for f in folders if f.role == role), None)


def create_folder(session: ImapSession, name: str) -> None:
    _check_name(name)
    _writable(session)
    try:
        session.run(lambda c: (c.create_folder(name), c.subscribe_folder(name)))
    except imaplib.IMAP4.error as exc:
        if "exist" in str(exc).lower():
            raise UsageError(f"a folder named {name!r} already exists") from None
        raise ServerError(f"the folder {name!r} cannot be created: {exc}") from None


def rename_folder(session: ImapSession, folders: list[Folder], old: str, new: str) -> None:
    _check_name(new)
    _release(session, folders, old, "renamed")
    try:
        session.run(lambda c: (c.rename_folder(old, new), c.subscribe_folder(new)))
    except imaplib.IMAP4.error as exc:
        if "already exists" in str(exc).lower():  # Dovecot: NO [ALREADYEXISTS] Mailbox already exists
            raise UsageError(f"a folder named {new!r} already exists") from None
        raise ServerError(f"the folder {old!r} cannot be renamed: {exc}") from None


def delete_folder(session: ImapSession, folders: list[Folder], name: str) -> None:
    _release(session, folders, name, "deleted")
    try:
        session.run(lambda c: (c.unsubscribe_folder(name), c.delete_folder(name)))
    except imaplib.IMAP4.error as exc:
        raise ServerError(f"the folder {name!r} cannot be deleted: {exc}") from None


def _release(session: ImapSession, folders: list[Folder], name: str, verb: str) -> None:
    """Check a folder may be renamed or deleted, and close it if it is the one selected."""
    _writable(session)
    _protect(folders, name, verb)
    if session.selected is not None and session.selected.name == name:
        session.call(lambda c: c.close_folder())
        session.selected = None


def _protect(folders: list[Folder], name: str, verb: str) -> None:
    match = next((f for f in folders if f.name == name), None)
    if match is None:
        raise NotFoundError(f"there is no folder named {name!r}")
    if match.role in _ROLE_ORDER or match.role in ("all", "flagged"):
        raise ForbiddenError(f"the {match.role} folder {name!r} is special and cannot be {verb}")


def _check_name(name: str) -> None:
    if not name or len(name) > 200 or any(ord(ch) < 32 or ord(ch) == 127 for ch in name) or name.upper() == "INBOX":
        raise UsageError("a folder name must be 1-200 printable characters and not INBOX")
    if "*" in name or "%" in name:
        raise UsageError("a folder name cannot contain '*' or '%'")


def _writable(session: ImapSession) -> None:
    if session.read_only:
        raise ForbiddenError("this session is read-only; nothing can be changed")


def get_quota(session: ImapSession) -> Quota | None:
    """The INBOX quota root's usage (RFC 2087), or None when the server has no QUOTA."""
    if not session.has("QUOTA"):
        return None
    _, quotas = session.call(lambda c: c.get_quota_root("INBOX"))
    storage: Any = next((q for q in quotas if q.resource.upper() == "STORAGE"), None)
    messages: Any = next((q for q in quotas if q.resource.upper() == "MESSAGE"), None)
    if storage is None and messages is None:
        return None
    root = (storage or messages).quota_root
    from agentmail.model_more import Quota

    return Quota(
        root=root,
        used_kib=int(storage.usage) if storage else 0,
        limit_kib=int(storage.limit) if storage else 0,
        messages=int(messages.usage) if messages else None,
        message_limit=int(messages.limit) if messages else None,
    )
