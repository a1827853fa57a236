"""A member's IMAP session, wired for provisioning: what a Mailbox opens, and what the reader logs in with early.

Kept apart from service/mailbox.py so a session can log in before the rest of the service is imported: the
reader's opening thread starts its login with only the IMAP layer loaded (tui/start.py) and hands the session
to the Mailbox afterwards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentmail.imap.session import ImapSession

if TYPE_CHECKING:
    from agentmail.config import Settings
    from agentmail.identity import Member
    from agentmail.imap.backoff import OnWait


def new_session(
    settings: Settings,
    member: Member,
    *,
    read_only: bool = False,
    reconnect_window: float = 0.0,
    on_reconnecting: OnWait | None = None,
) -> ImapSession:
    """Not connected yet; a login that finds no mailbox provisions it through the admin API (when configured)."""

    def provision() -> bool:
        from agentmail import provision  # lazily: urllib.request costs every command start-up, and this is rare

        return provision.ensure_mailbox(settings, member)

    return ImapSession(
        settings,
        member,
        read_only=read_only,
        on_no_mailbox=provision,
        reconnect_window=reconnect_window,
        on_reconnecting=on_reconnecting,
    )
