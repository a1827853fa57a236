"""The Mailbox service: the operations users think in, over one IMAP session.

Both front ends call only this class.  It binds the validated member, enforces
read-only mode and uidvalidity checks, and hides IMAP details (sequence sets,
SORT/THREAD, COPYUID) behind mail words.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agentmail.config import Settings
from agentmail.errors import ForbiddenError, NotFoundError, UsageError
from agentmail.identity import Member
from agentmail.imap import fetch as imap_fetch
from agentmail.imap import folders as imap_folders
from agentmail.imap import listing
from agentmail.imap.backoff import OnWait
from agentmail.imap.session import FolderState, ImapSession
from agentmail.model import Page, Summary, delete_expunges
from agentmail.service import audit
from agentmail.service.scope import FULL, Grant

if TYPE_CHECKING:
    from agentmail.mime.doctext import Extracted
    from agentmail.model import (
        Account,
        Folder,
        FolderRoles,
        Message,
        Part,
        Quota,
        Transfer,
        TrustAnchors,
        View,
        ViewPrefs,
    )

#: Server extensions agentmail uses when offered (whoami reports which are).
USED_EXTENSIONS = (
    "CONDSTORE",
    "ESEARCH",
    "IDLE",
    "LIST-STATUS",
    "MOVE",
    "PREVIEW",
    "QRESYNC",
    "QUOTA",
    "SORT",
    "SPECIAL-USE",
    "THREAD=REFERENCES",
    "UIDPLUS",
)

#: Names tried for a role when the server marks no special-use folder.
ROLE_FALLBACKS = {
    "sent": ("Sent", "Sent Items", "Sent Messages"),
    "drafts": ("Drafts",),
    "trash": ("Trash", "Deleted Items", "Deleted Messages"),
    "junk": ("Junk", "Spam"),
    "archive": ("Archive",),
}

MAX_LIMIT = 500


class Mailbox:
    """One member's mailbox for one session (agent process or TUI worker)."""

    def __init__(
        self,
        settings: Settings,
        member: Member,
        *,
        read_only: bool = False,
        interactive: bool = False,
        reconnect_window: float = 0.0,
        on_reconnecting: OnWait | None = None,
        grant: Grant = FULL,
    ) -> None:
        """``reconnect_window``: seconds a long-lived session retries a lost server (0: fail fast, one-shot)."""
        self.settings = settings
        self.member = member
        # The key's scope (service/scope.py): every changing method below asks it first.  A `read` key is
        # read-only all the way down: folders are EXAMINEd and reading never sets \\Seen.
        self.grant = grant
        self.read_only = read_only or grant.read_only
        # A mail reader opens folders read-write (SELECT) from the start, as mutt does: reading and flagging
        # then never switch EXAMINE to SELECT, which re-opens the folder (75 ms and more on 100,000 messages).
        # Agents keep EXAMINE, so a read-only command never touches the folder's state.
        self.interactive = interactive
        self.session = ImapSession(
            settings,
            member,
            read_only=read_only,
            on_no_mailbox=self._provision,
            reconnect_window=reconnect_window,
            on_reconnecting=on_reconnecting,
        )
        self._folders: list[Folder] | None = None

    @property
    def local_domains(self) -> tuple[str, ...]:
        """Our own domains (addresses in them must name a real mailbox before anything is sent)."""
        return tuple(dict.fromkeys((self.settings.addr_domain, self.settings.mail_domain)))

    @property
    def signing_key(self) -> bytes:
        """The key of agentmail's sender signature (secret: never shown)."""
        from agentmail.mime import signature  # lazily: hashlib and hmac are for reading and sending, not listing

        return signature.derive_key(self.settings.master_pass, self.settings.signing_key)

    @property
    def trust_anchors(self) -> TrustAnchors:
        """What this host's own sender evidence looks like, for reading verdicts."""
        from agentmail.model_more import TrustAnchors  # lazily, like every type a listing never builds

        s = self.settings
        return TrustAnchors(s.authserv_id, s.mta_hostname, s.addr_domain, self.signing_key)

    def _provision(self) -> bool:
        """Create a missing mailbox through the admin API when one is configured."""
        from agentmail import provision  # lazily: urllib.request costs every command start-up, and this is rare

        return provision.ensure_mailbox(self.settings, self.member)

    def __enter__(self) -> Mailbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Log in now (otherwise the first operation does)."""
        self.session.client  # noqa: B018 -- the property connects

    def close(self) -> None:
        self.session.close()

    # -- account and folders ----------------------------------------------------
    def whoami(self) -> Account:
        from agentmail.model_more import Account

        caps = self.session.capabilities
        return Account(
            member=self.member.name,
            address=self.member.address,
            webmail_url=self.settings.webmail_url,
            read_only=self.read_only,
            capabilities=tuple(c for c in USED_EXTENSIONS if c in caps),
        )

    def folders(self, *, refresh: bool = True) -> list[Folder]:
        if refresh or self._folders is None:
            self._folders = imap_folders.list_folders(self.session)
        return self._folders

    def folder_for(self, role: str) -> str:
        """The folder name playing a role (sent, drafts, trash, ...), by special-use flag or by name."""
        folders = self.folders(refresh=self._folders is None)
        found = imap_folders.find_role(folders, role)
        if found is not None:
            return found.name
        names = {f.name.lower(): f.name for f in folders}
        for candidate in ROLE_FALLBACKS.get(role, ()):
            if candidate.lower() in names:
                return names[candidate.lower()]
        raise NotFoundError(f"this mailbox has no {role} folder", details={"role": role})

    def roles(self) -> FolderRoles:
        """Which folder plays each role: what front ends show and apply the delete rule with."""
        found = [("inbox", "INBOX")]
        found += [(role, name) for role in ROLE_FALLBACKS if (name := self._optional_role(role)) is not None]
        from agentmail.model_more import FolderRoles  # lazily, like every type a listing never builds

        return FolderRoles(tuple(found))

    def reconnect(self) -> None:
        """Open a fresh connection now (a long-lived session retrying after the server went away)."""
        self.session.reconnect()

    def create_folder(self, name: str) -> Folder:
        self.grant.require("folder_create")
        imap_folders.create_folder(self.session, name)
        self._audit("folder_create", name, 0)
        from agentmail.model_more import Folder

        return next((f for f in self.folders() if f.name == name), Folder(name))

    def rename_folder(self, old: str, new: str) -> Folder:
        self.grant.require("folder_rename")
        imap_folders.rename_folder(self.session, self.folders(), old, new)
        self._audit("folder_rename", old, 0)
        from agentmail.model_more import Folder

        return next((f for f in self.folders() if f.name == new), Folder(new))

    def delete_folder(self, name: str) -> None:
        self.grant.require("folder_delete")
        imap_folders.delete_folder(self.session, self.folders(), name)
        self._audit("folder_delete", name, 0)
        self._folders = None

    def quota(self) -> Quota | None:
        return imap_folders.get_quota(self.session)

    # -- listing ------------------------------------------------------------------
    def select(
        self, folder: str, uidvalidity: int | None = None, *, writable: bool = False, reuse: bool = False
    ) -> FolderState:
        """Open a folder; ``reuse`` keeps one already open (acting on uids needs no fresh counts)."""
        writable = writable or (self.interactive and not self.read_only)
        return self.session.select(folder, expect_uidvalidity=uidvalidity, writable=writable, reuse=reuse)

    def view(
        self,
        folder: str = "INBOX",
        *,
        sort: str = "arrival",
        reverse: bool = False,
        threads: bool = False,
        criteria: Sequence[Any] = ("ALL",),
        uidvalidity: int | None = None,
    ) -> View:
        """The folder's uids newest first (or oldest first with reverse), optionally threaded."""
        from agentmail.model_more import View  # lazily: the agent's common list never builds one

        state = self.select(folder, uidvalidity)
        if threads:
            rows = listing.thread_rows(self.session, criteria)
            if reverse:
                rows.reverse()
            return View(folder, state.uidvalidity, tuple(u for u, _ in rows), tuple(d for _, d in rows))
        if sort == "arrival" and state.exists == 0:
            uids: list[int] = []
        elif sort == "arrival":
            uids = listing.search_uids(self.session, criteria)
        else:
            uids = listing.sorted_uids(self.session, sort, criteria)
        if not reverse:
            uids.reverse()
        return View(folder, state.uidvalidity, tuple(uids))

    def view_prefs(self, folder: str) -> ViewPrefs:
        """How the member last had this folder shown (sort, threads), kept across sessions."""
        from agentmail.service import viewprefs  # lazily: only the reader remembers views

        return viewprefs.load(self.settings, self.member.name, folder)

    def remember_view(self, folder: str, prefs: ViewPrefs) -> bool:
        """Keep how this folder is shown for the member's next session (False: the state dir refused)."""
        from agentmail.service import viewprefs

        return viewprefs.save(self.settings, self.member.name, folder, prefs)

    def summaries(
        self, folder: str, uids: Sequence[int], uidvalidity: int | None = None, *, preview: int = 0
    ) -> list[Summary]:
        """Summaries for exactly these uids (the rows on screen), in that order."""
        self.session.select(folder, expect_uidvalidity=uidvalidity, reuse=True)
        return listing.fetch_summaries(self.session, uids, preview=preview)

    def list(
        self,
        folder: str = "INBOX",
        *,
        limit: int = 50,
        cursor: str | None = None,
        before_uid: int | None = None,
        unread: bool = False,
        flagged: bool = False,
        sort: str = "arrival",
        reverse: bool = False,
        threads: bool = False,
        uidvalidity: int | None = None,
        criteria: Sequence[Any] | None = None,
        preview: int = 0,
    ) -> Page:
        """One page of summaries, newest first; ``next_cursor`` continues where it ends."""
        limit = _check_limit(limit)
        crit: list[Any] = list(criteria) if criteria else []
        crit += ["UNSEEN"] if unread else []
        crit += ["FLAGGED"] if flagged else []
        shape = {"s": sort, "r": reverse, "t": threads, "c": crit}
        offset = 0
        resume_after: int | None = None  # arrival order: the last uid already shown
        if cursor:
            state = _decode_cursor(cursor)
            if state.get("shape") != _shape_key(shape):
                raise UsageError("the cursor belongs to a listing with other options; repeat those options")
            uidvalidity = state["uv"]
            offset = int(state.get("o", 0))
            resume_after = state.get("k")
            before_uid = state.get("fb", before_uid)
        if not cursor and before_uid is None and not crit and sort == "arrival" and not threads and not reverse:
            return self._newest_page(folder, limit, uidvalidity, _shape_key(shape), preview)
        view = self.view(
            folder, sort=sort, reverse=reverse, threads=threads, criteria=crit or ["ALL"], uidvalidity=uidvalidity
        )
        uids = list(view.uids)
        depths = dict(zip(view.uids, view.depths, strict=False)) if view.depths else {}
        by_uid = sort == "arrival" and not threads  # uid order: resume by uid, robust to new mail
        if before_uid is not None and not threads:
            uids = [u for u in uids if u < before_uid]
        if resume_after is not None and by_uid:
            uids = [u for u in uids if (u > resume_after if reverse else u < resume_after)]
        window = uids[offset : offset + limit]
        items = listing.fetch_summaries(self.session, window, depths, preview=preview)
        next_cursor = None
        if offset + limit < len(uids):
            token: dict[str, Any] = {"uv": view.uidvalidity, "shape": _shape_key(shape), "fb": before_uid}
            if by_uid:
                token["k"] = window[-1]
            else:
                token["o"] = offset + limit
            next_cursor = _encode_cursor(token)
        return Page(folder, view.uidvalidity, len(view.uids), tuple(items), next_cursor)

    def _newest_page(self, folder: str, limit: int, uidvalidity: int | None, shape: str, preview: int = 0) -> Page:
        """The first page of a plain listing: the newest `limit` by sequence number, never the whole uid list.

        On a 100,000-message folder this skips a SEARCH ALL and a 100,000-int list (the agent's common call).
        """
        state = self.select(folder, uidvalidity)
        uids = listing.newest_uids(self.session, state.exists, limit)
        uids.reverse()
        items = listing.fetch_summaries(self.session, uids, preview=preview)
        next_cursor = None
        if uids and state.exists > limit:  # the same token list() gives: resume below the last uid shown
            next_cursor = _encode_cursor({"uv": state.uidvalidity, "shape": shape, "fb": None, "k": uids[-1]})
        return Page(folder, state.uidvalidity, state.exists, tuple(items), next_cursor)

    def search(
        self, criteria: Sequence[Any], *, folders: Sequence[str] = ("INBOX",), limit: int = 50, preview: int = 0
    ) -> list[Page]:
        """Server-side SEARCH in each folder; newest matches first.

        A page with more matches carries a next_cursor: ``list(folder, cursor=..., criteria=criteria)``
        (``search --folder F --cursor C``) goes on right after its last uid.
        """
        limit = _check_limit(limit)
        pages = []
        shape = _shape_key({"s": "arrival", "r": False, "t": False, "c": list(criteria)})
        for folder in folders:
            state = self.select(folder)
            uids = [] if state.exists == 0 else listing.search_uids(self.session, criteria)
            uids.reverse()
            items = listing.fetch_summaries(self.session, uids[:limit], preview=preview)
            next_cursor = None
            if len(uids) > limit:
                next_cursor = _encode_cursor(
                    {"uv": state.uidvalidity, "shape": shape, "fb": None, "k": uids[limit - 1]}
                )
            pages.append(Page(folder, state.uidvalidity, len(uids), tuple(items), next_cursor))
        return pages

    def searchable_folders(self) -> list[str]:
        """Every selectable folder, for searches across all of them (not \\Noselect or \\NonExistent parents)."""
        unselectable = {"\\noselect", "\\nonexistent"}
        return [f.name for f in self.folders() if not unselectable.intersection(x.lower() for x in f.flags)]

    # -- reading ------------------------------------------------------------------
    def read(self, folder: str, uid: int, *, peek: bool = False, uidvalidity: int | None = None) -> Message:
        """Decode a message; mark it \\Seen unless peeking or read-only."""
        from agentmail.imap import changes as imap_changes  # lazily: a listing changes nothing

        mark = not peek and not self.read_only and self.grant.allows("mark_seen")
        # Selected read-write up front when it may mark \\Seen: one SELECT, not EXAMINE then SELECT (each costs
        # tens of milliseconds on a 100,000-message folder).
        state = self.select(folder, uidvalidity, writable=mark, reuse=True)
        message = imap_fetch.fetch_message(self.session, state, uid, trust=self.trust_anchors)
        if mark and "\\Seen" not in message.flags:
            imap_changes.add_flags(self.session, [uid], ["\\Seen"])
            message = dataclasses.replace(message, flags=(*message.flags, "\\Seen"))
        return message

    def raw(self, folder: str, uid: int, *, uidvalidity: int | None = None) -> bytes:
        state = self.select(folder, uidvalidity, reuse=True)
        return imap_fetch.fetch_raw(self.session, state, uid)

    def attachment(
        self, folder: str, uid: int, part_id: str, *, max_bytes: int | None = None, uidvalidity: int | None = None
    ) -> tuple[Part, bytes]:
        state = self.select(folder, uidvalidity, reuse=True)
        cap = min(max_bytes or self.settings.max_attachment_bytes, self.settings.max_attachment_bytes)
        return imap_fetch.fetch_part(self.session, state, uid, part_id, cap)

    def attachment_text(
        self, folder: str, uid: int, part_id: str, *, uidvalidity: int | None = None
    ) -> tuple[Part, Extracted]:
        """A part's text (text/*, HTML, PDF, DOCX, ODT); parts over the attachment limit are refused unread."""
        from agentmail.mime.doctext import extract_text  # lazily: zip, XML and PDF readers are rarely needed

        state = self.select(folder, uidvalidity, reuse=True)
        cap = self.settings.max_attachment_bytes
        part, data, info = imap_fetch.fetch_part_info(self.session, state, uid, part_id, cap)
        return part, extract_text(data, part.content_type, part.filename, info.param("charset") or None)

    # -- changing -----------------------------------------------------------------
    def set_flags(
        self,
        folder: str,
        uids: Sequence[int],
        *,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
        uidvalidity: int | None = None,
    ) -> list[int]:
        from agentmail.imap import changes as imap_changes  # lazily: a listing changes nothing

        self.grant.require("flag")
        self._writable()
        self.select(folder, uidvalidity, writable=True, reuse=True)
        found = imap_changes.require_uids(self.session, folder, uids)
        if add:
            imap_changes.add_flags(self.session, found, add)
        if remove:
            imap_changes.remove_flags(self.session, found, remove)
        self._audit("flags", folder, len(found))
        return found

    def move(self, folder: str, uids: Sequence[int], target: str, *, uidvalidity: int | None = None) -> Transfer:
        self.grant.require("move")
        return self._transfer(folder, uids, target, uidvalidity, move=True)

    def copy(self, folder: str, uids: Sequence[int], target: str, *, uidvalidity: int | None = None) -> Transfer:
        self.grant.require("copy")
        return self._transfer(folder, uids, target, uidvalidity, move=False)

    def delete(self, folder: str, uids: Sequence[int], *, uidvalidity: int | None = None) -> Transfer:
        """Move to Trash; in Trash (or with no Trash) expunge for good."""
        self.grant.require("trash")
        self._writable()
        trash = self._optional_role("trash")
        if trash is not None and not delete_expunges(folder, trash):
            return self._transfer(folder, uids, trash, uidvalidity, move=True)
        return self.expunge(folder, uids, uidvalidity=uidvalidity)

    def expunge(self, folder: str, uids: Sequence[int], *, uidvalidity: int | None = None) -> Transfer:
        """Remove messages for good (only these: UID EXPUNGE, never other \\Deleted ones)."""
        self.grant.require("expunge")
        return self._expunge(folder, uids, uidvalidity)

    def discard_sent_draft(self, folder: str, uid: int, *, uidvalidity: int | None = None) -> Transfer:
        """A draft that was just sent leaves Drafts for good: part of the send, so any scope that sent it may."""
        return self._expunge(folder, [uid], uidvalidity)

    def _expunge(self, folder: str, uids: Sequence[int], uidvalidity: int | None) -> Transfer:
        from agentmail.imap import changes as imap_changes  # lazily: a listing changes nothing

        self._writable()
        self.select(folder, uidvalidity, writable=True, reuse=True)
        found = imap_changes.require_uids(self.session, folder, uids)
        imap_changes.add_flags(self.session, found, ["\\Deleted"])
        imap_changes.expunge_uids(self.session, found)
        self._audit("expunge", folder, len(found))
        state = self.session.selected
        from agentmail.model_more import Transfer, UidPair

        return Transfer(
            folder,
            "",
            tuple(UidPair(u, None) for u in found),
            expunged=True,
            uidvalidity=state.uidvalidity if state else 0,
        )

    def restore(self, uids: Sequence[int], target: str = "INBOX", *, uidvalidity: int | None = None) -> Transfer:
        """Move messages out of Trash (back to INBOX unless another folder is named)."""
        self.grant.require("restore")
        return self._transfer(self.folder_for("trash"), uids, target, uidvalidity, move=True)

    def _transfer(
        self, folder: str, uids: Sequence[int], target: str, uidvalidity: int | None, *, move: bool
    ) -> Transfer:
        from agentmail.imap import changes as imap_changes  # lazily: a listing changes nothing

        self._writable()
        if target == folder:
            raise UsageError(f"the messages are already in {folder!r}")
        if target not in {f.name for f in self.folders()}:
            raise NotFoundError(f"there is no folder named {target!r}", details={"folder": target})
        state = self.select(folder, uidvalidity, writable=move, reuse=True)
        found = imap_changes.require_uids(self.session, folder, uids)
        if move:
            copied = imap_changes.move_messages(self.session, found, target)
        else:
            copied = imap_changes.copy_messages(self.session, found, target)
        from agentmail.model_more import Transfer, UidPair

        pairs = tuple(UidPair(u, copied.uids.get(u)) for u in found)
        self._audit("move" if move else "copy", folder, len(found))
        return Transfer(folder, target, pairs, uidvalidity=state.uidvalidity, target_uidvalidity=copied.uidvalidity)

    def _optional_role(self, role: str) -> str | None:
        try:
            return self.folder_for(role)
        except NotFoundError:
            return None

    def _audit(self, action: str, folder: str, count: int) -> None:
        """An agent's changes are audited under its name (its sends are audited by sending.py)."""
        if self.grant.agent:
            audit.record_change(self.member.address, self.grant.agent, action, folder, count)

    def _writable(self) -> None:
        if self.read_only:
            raise ForbiddenError("this session is read-only; nothing can be changed")


def _check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"limit must be between 1 and {MAX_LIMIT}")
    return limit


def _shape_key(shape: dict[str, Any]) -> str:
    return json.dumps(shape, sort_keys=True, default=str)


def _encode_cursor(state: dict[str, Any]) -> str:
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(state, dict) or not isinstance(state.get("uv"), int):
            raise ValueError
    except (ValueError, UnicodeEncodeError):
        raise UsageError("the cursor is not one agentmail gave out") from None
    return state
