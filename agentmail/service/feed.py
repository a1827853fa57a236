"""The change feed: opaque tokens, ``changes --since``, and watching with IDLE.

A token records (folder, UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ).  From it the
server tells exactly what happened since: new uids at or above UIDNEXT, flag
changes above the modseq (CONDSTORE), expunges (QRESYNC VANISHED).  A changed
UIDVALIDITY is reported as ``resync_required``, never as wrong ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from agentmail.errors import UsageError
from agentmail.imap import idle as imap_idle
from agentmail.imap import listing
from agentmail.imap.changefeed import changed_since
from agentmail.model import Event
from agentmail.service import decisions, tokens
from agentmail.service.mailbox import Mailbox


@dataclass(frozen=True)
class Position:
    """Where a folder stood when a token was made."""

    folder: str
    uidvalidity: int
    uidnext: int
    modseq: int
    decisions: int = 0  # the member's proposal outcome log stood here (service/decisions.py)


def encode_token(position: Position) -> str:
    fields = {"v": tokens.CHANGES.version, "f": position.folder, "uv": position.uidvalidity, "un": position.uidnext}
    return tokens.encode(tokens.CHANGES, {**fields, "ms": position.modseq, "pq": position.decisions})


def decode_token(token: str) -> Position:
    data = tokens.decode(tokens.CHANGES, token)
    return Position(data["f"], data["uv"], data["un"], data["ms"], data.get("pq", 0))


def current_position(mailbox: Mailbox, folder: str, *, fresh: bool = True) -> Position:
    """Where the folder stands; ``fresh=False`` reuses a selection this session already made.

    An older position is safe: changes since it are reported, never skipped.
    """
    state = mailbox.session.select(folder, reuse=not fresh)
    seq = decisions.outcome_seq(mailbox.settings, mailbox.member.name)
    return Position(folder, state.uidvalidity, state.uidnext, state.highestmodseq, seq)


def changes(mailbox: Mailbox, folder: str, since: str | None) -> tuple[list[Event], str]:
    """Events since the token (none without one) and the token to pass next time."""
    events, token, _ = changes_page(mailbox, folder, since)
    return events, token


def changes_page(
    mailbox: Mailbox, folder: str, since: str | None, *, max_new: int | None = None, with_decisions: bool = True
) -> tuple[list[Event], str, bool]:
    """Like changes, but at most max_new new messages; the token then resumes right after the last one.

    Returns (events, token, more): ``more`` says new messages remain for the next call.  With ``with_decisions``
    the member's decisions on this agent's proposals since the token come first (``--all-folders`` asks for
    them once, not per folder).
    """
    if since is None:
        return [], encode_token(current_position(mailbox, folder)), False
    old = decode_token(since)
    if old.folder != folder:
        raise UsageError(f"the token belongs to folder {old.folder!r}, not {folder!r}")
    state = mailbox.select(folder)
    outcomes, seq = decisions.outcomes_since(mailbox.settings, mailbox.member.name, mailbox.grant.agent, old.decisions)
    if not with_decisions:
        outcomes = []
    now = Position(folder, state.uidvalidity, state.uidnext, state.highestmodseq, seq)
    if state.uidvalidity != old.uidvalidity:
        token = encode_token(now)
        resync = Event("resync_required", folder=folder, token=token, uidvalidity=state.uidvalidity)
        return [*_decided(outcomes, token), resync], token, False
    diff = changed_since(mailbox.session, old.uidnext, old.modseq, state.uidnext)
    new_uids = list(diff.new_uids)
    more = max_new is not None and len(new_uids) > max_new
    uidnext = max(state.uidnext, old.uidnext)
    if more:
        new_uids = new_uids[:max_new]
        uidnext = new_uids[-1] + 1 if new_uids else old.uidnext
    token = encode_token(Position(folder, state.uidvalidity, uidnext, max(state.highestmodseq, old.modseq), seq))
    uv = state.uidvalidity
    events: list[Event] = _decided(outcomes, token)
    events += [Event("expunged", folder=folder, uid=uid, token=token, uidvalidity=uv) for uid in diff.vanished]
    vanished = set(diff.vanished)
    events += [
        Event("flags", folder=folder, uid=uid, flags=flags, token=token, uidvalidity=uv)
        for uid, flags in sorted(diff.flags.items())
        if uid not in vanished
    ]
    for summary in listing.fetch_summaries(mailbox.session, new_uids):
        events.append(
            Event(
                "new", folder=folder, uid=summary.uid, flags=summary.flags, summary=summary, token=token, uidvalidity=uv
            )
        )
    return events, token, more


def _decided(outcomes: list[decisions.Outcome], token: str) -> list[Event]:
    """The member's decisions as events; folder/uid/uidvalidity say where the proposal sat in Drafts."""
    return [
        Event(
            o.kind,  # type: ignore[arg-type]  # one of the proposal_* kinds, written by us
            folder=o.folder,
            uid=o.uid,
            token=token,
            uidvalidity=o.uidvalidity,
            proposal=o.proposal,
            message_id=o.message_id or None,
            reason=o.reason if o.kind == "proposal_rejected" else None,
        )
        for o in outcomes
    ]


def decided_since(mailbox: Mailbox, token: str) -> bool:
    """Whether the member decided on one of this agent's proposals after the token (a cheap file read)."""
    seq = decode_token(token).decisions
    found, _ = decisions.outcomes_since(mailbox.settings, mailbox.member.name, mailbox.grant.agent, seq)
    return bool(found)


class Watcher:
    """IDLE on the mailbox's one connection, turning server pushes into change events."""

    def __init__(self, mailbox: Mailbox, folder: str = "INBOX", *, other_folders: bool = False) -> None:
        self.mailbox = mailbox
        self.folder = folder
        self.token = ""
        self.elsewhere = False  # set when another folder changed (NOTIFY); whoever reads it clears it
        self.statuses: dict[str, dict[str, int]] = {}  # the counts NOTIFY gave for them, since last cleared
        self._here = False  # the watched folder has news that collect() turns into events
        self._idle = imap_idle.Idle(mailbox.session, other_folders=other_folders)

    def start(self, since: str | None = None) -> tuple[list[Event], str]:
        """Begin watching; with a token, first report what happened since it."""
        events: list[Event] = []
        if since is None:  # the folder was usually just listed: no second SELECT (75 ms on 100,000 messages)
            self.token = encode_token(current_position(self.mailbox, self.folder, fresh=False))
        else:
            events, self.token = changes(self.mailbox, self.folder, since)
        self._idle.start()
        return events, self.token

    def fileno(self) -> int:
        return self._idle.fileno()

    def poll(self, timeout: float) -> bool:
        """Wait up to timeout for the server; True when it said something worth a look (here or elsewhere)."""
        responses = self._idle.check(timeout)
        here = [r for r in responses if not imap_idle.is_status(r)]
        for response in responses:
            if (found := imap_idle.status_counts(response)) is not None:
                self.statuses.setdefault(found[0], {}).update(found[1])
        self.elsewhere = self.elsewhere or len(here) < len(responses)
        self._here = self._here or bool(here)
        return bool(responses)

    def pause(self) -> None:
        """Leave IDLE so the connection can serve a request."""
        self._idle.stop()

    def catch_up(self, *, report: bool = True) -> list[Event]:
        """After requests, before IDLE again: what the server announced inside their answers (new mail,
        expunges), which IDLE will not say again.  Only when the watched folder is still the selected one;
        ``report=False`` sets the announcements aside (they were the caller's own changes)."""
        selected = self.mailbox.session.selected
        if selected is None or selected.name != self.folder or not self.mailbox.session.take_news() or not report:
            return []
        events, self.token = changes(self.mailbox, self.folder, self.token or None)
        return events

    def resume(self) -> None:
        """Re-enter IDLE on the watched folder (a request may have selected another)."""
        selected = self.mailbox.session.selected
        if selected is None or selected.name != self.folder:
            self.mailbox.select(self.folder)
        self._idle.start()

    def collect(self) -> list[Event]:
        """Leave IDLE and compute what changed since the last token (the caller resumes).

        When only other folders changed (NOTIFY), IDLE goes on: there is nothing to compute here.
        """
        if not self._here and self.elsewhere:
            return []
        self._here = False
        self._idle.stop()
        events, self.token = changes(self.mailbox, self.folder, self.token or None)
        return events
