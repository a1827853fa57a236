"""The Mailbox service: the operations users think in, over one IMAP session.

Both front ends call only this class.  It binds the validated member, enforces
read-only mode and uidvalidity checks, and hides IMAP details (sequence sets,
SORT/THREAD, COPYUID) behind mail words.  This module holds the session, the
account, folders and reading; listing and paging live in service/paging.py and
changing messages in service/mutations.py, both parts of the one class.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from agentmail.config import Settings
from agentmail.errors import NotFoundError
from agentmail.identity import Member
from agentmail.imap import folders as imap_folders
from agentmail.imap.session import FolderState, ImapSession
from agentmail.service.connect import new_session
from agentmail.service.mutations import Mutations
from agentmail.service.paging import MAX_LIMIT, Listing
from agentmail.service.scope import FULL, Grant

if TYPE_CHECKING:
    from agentmail.imap.backoff import OnWait
    from agentmail.mime.doctext import Extracted
    from agentmail.model import Account, Folder, FolderRoles, Message, Part, Quota, TrustAnchors, ViewPrefs

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

__all__ = ["MAX_LIMIT", "ROLE_FALLBACKS", "USED_EXTENSIONS", "Mailbox"]


class Mailbox(Listing, Mutations):
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
        session: ImapSession | None = None,
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
        # A session may come logged in already (the reader's opening thread, tui/start.py); it is this member's.
        self.session = (
            session
            if session is not None
            else new_session(
                settings,
                member,
                read_only=read_only,
                reconnect_window=reconnect_window,
                on_reconnecting=on_reconnecting,
            )
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

    def report_reconnects(self, callback: OnWait | None) -> None:
        """Have a long-lived session say so before each wait while it retries a lost server (watch prints it)."""
        self.session.on_reconnecting = callback

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

    def view_prefs(self, folder: str) -> ViewPrefs:
        """How the member last had this folder shown (sort, threads), kept across sessions."""
        from agentmail.service import viewprefs  # lazily: only the reader remembers views

        return viewprefs.load(self.settings, self.member.name, folder)

    def remember_view(self, folder: str, prefs: ViewPrefs) -> bool:
        """Keep how this folder is shown for the member's next session (False: the state dir refused)."""
        from agentmail.service import viewprefs

        return viewprefs.save(self.settings, self.member.name, folder, prefs)

    # -- reading ------------------------------------------------------------------
    def read(self, folder: str, uid: int, *, peek: bool = False, uidvalidity: int | None = None) -> Message:
        """Decode a message; mark it \\Seen unless peeking or read-only."""
        from agentmail.imap import fetch as imap_fetch  # lazily: the email package's MIME tree, for reading only

        mark = not peek and not self.read_only and self.grant.allows("mark_seen")
        # Selected read-write up front when it may mark \\Seen: one SELECT, not EXAMINE then SELECT (each costs
        # tens of milliseconds on a 100,000-message folder).
        state = self.select(folder, uidvalidity, writable=mark, reuse=True)
        message = imap_fetch.fetch_message(self.session, state, uid, trust=self.trust_anchors)
        if mark and "\\Seen" not in message.flags:
            from agentmail.imap import mutations as imap_mutations  # lazily: a listing changes nothing

            imap_mutations.add_flags(self.session, [uid], ["\\Seen"])
            message = dataclasses.replace(message, flags=(*message.flags, "\\Seen"))
        return message

    def raw(self, folder: str, uid: int, *, uidvalidity: int | None = None) -> bytes:
        from agentmail.imap import fetch as imap_fetch  # lazily, as in read()

        state = self.select(folder, uidvalidity, reuse=True)
        return imap_fetch.fetch_raw(self.session, state, uid)

    def attachment(
        self, folder: str, uid: int, part_id: str, *, max_bytes: int | None = None, uidvalidity: int | None = None
    ) -> tuple[Part, bytes]:
        from agentmail.imap import fetch as imap_fetch  # lazily, as in read()

        state = self.select(folder, uidvalidity, reuse=True)
        cap = min(max_bytes or self.settings.max_attachment_bytes, self.settings.max_attachment_bytes)
        return imap_fetch.fetch_part(self.session, state, uid, part_id, cap)

    def attachment_declared(
        self, folder: str, uid: int, part_id: str, *, max_bytes: int | None = None, uidvalidity: int | None = None
    ) -> tuple[Part, bytes, str]:
        """attachment(), with the charset the part declares ("" for none): a reader decodes a text part with it.

        The server reports us-ascii for a text part that declares nothing (RFC 2045's default), and an ASCII
        label says nothing about 8-bit bytes anyway: it counts as none, so such text is read as UTF-8 first.
        """
        from agentmail.imap import fetch as imap_fetch  # lazily, as in read()

        state = self.select(folder, uidvalidity, reuse=True)
        cap = min(max_bytes or self.settings.max_attachment_bytes, self.settings.max_attachment_bytes)
        part, data, info = imap_fetch.fetch_part_info(self.session, state, uid, part_id, cap)
        charset = info.param("charset")
        return part, data, "" if charset.strip().lower() in ("us-ascii", "ascii") else charset

    def attachment_text(
        self, folder: str, uid: int, part_id: str, *, uidvalidity: int | None = None
    ) -> tuple[Part, Extracted]:
        """A part's text (text/*, HTML, PDF, DOCX, ODT); parts over the attachment limit are refused unread."""
        from agentmail.imap import fetch as imap_fetch  # lazily, as in read()
        from agentmail.mime.doctext import extract_text  # lazily: zip, XML and PDF readers are rarely needed

        state = self.select(folder, uidvalidity, reuse=True)
        cap = self.settings.max_attachment_bytes
        part, data, info = imap_fetch.fetch_part_info(self.session, state, uid, part_id, cap)
        return part, extract_text(data, part.content_type, part.filename, info.param("charset") or None)

    def _optional_role(self, role: str) -> str | None:
        try:
            return self.folder_for(role)
        except NotFoundError:
            return None
