"""Changing messages: flags, move, copy, delete, expunge, restore; each asks the key's scope first, and is audited.

``Mutations`` is a part of ``Mailbox`` (service/mailbox.py); the delete rule (to Trash, or for good
in Trash) is decided here, so every front end gets the same one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from agentmail.errors import ForbiddenError, NotFoundError, UsageError
from agentmail.imap.session import FolderState, ImapSession
from agentmail.model import delete_expunges
from agentmail.service import audit
from agentmail.service.scope import Grant

if TYPE_CHECKING:
    from agentmail.identity import Member
    from agentmail.model import Folder, Transfer


class Mutations:
    """The changing operations of one mailbox (the Mailbox provides the attributes below)."""

    session: ImapSession
    grant: Grant
    member: Member
    read_only: bool
    select: Callable[..., FolderState]
    folders: Callable[..., list[Folder]]
    folder_for: Callable[[str], str]
    _optional_role: Callable[[str], str | None]

    def set_flags(
        self,
        folder: str,
        uids: Sequence[int],
        *,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
        uidvalidity: int | None = None,
    ) -> list[int]:
        self.grant.require("flag")
        self._writable()
        self.select(folder, uidvalidity, writable=True, reuse=True)
        from agentmail.imap import mutations as imap_mutations  # lazily: a listing changes nothing

        found = imap_mutations.require_uids(self.session, folder, uids)
        if add:
            imap_mutations.add_flags(self.session, found, add)
        if remove:
            imap_mutations.remove_flags(self.session, found, remove)
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
        self._writable()
        self.select(folder, uidvalidity, writable=True, reuse=True)
        from agentmail.imap import mutations as imap_mutations  # lazily: a listing changes nothing

        found = imap_mutations.require_uids(self.session, folder, uids)
        imap_mutations.add_flags(self.session, found, ["\\Deleted"])
        imap_mutations.expunge_uids(self.session, found)
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
        self._writable()
        if target == folder:
            raise UsageError(f"the messages are already in {folder!r}")
        if target not in {f.name for f in self.folders()}:
            raise NotFoundError(f"there is no folder named {target!r}", details={"folder": target})
        state = self.select(folder, uidvalidity, writable=move, reuse=True)
        from agentmail.imap import mutations as imap_mutations  # lazily: a listing changes nothing

        found = imap_mutations.require_uids(self.session, folder, uids)
        if move:
            copied = imap_mutations.move_messages(self.session, found, target)
        else:
            copied = imap_mutations.copy_messages(self.session, found, target)
        from agentmail.model_more import Transfer, UidPair

        pairs = tuple(UidPair(u, copied.uids.get(u)) for u in found)
        self._audit("move" if move else "copy", folder, len(found))
        return Transfer(folder, target, pairs, uidvalidity=state.uidvalidity, target_uidvalidity=copied.uidvalidity)

    def _audit(self, action: str, folder: str, count: int) -> None:
        """An agent's changes are audited under its name (its sends are audited by sending.py)."""
        if self.grant.agent:
            audit.record_change(self.member.address, self.grant.agent, action, folder, count)

    def _writable(self) -> None:
        if self.read_only:
            raise ForbiddenError("this session is read-only; nothing can be changed")
