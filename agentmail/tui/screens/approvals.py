"""The approvals view: agents' proposals waiting for the member, and exactly what approving one would send.

``A`` opens the list (agent, recipients, subject, age); Enter shows the stored message itself (headers, text,
attachments with sizes), decoded from the bytes approval would submit and sanitised like any mail; ``y`` sends
those bytes after a confirmation, ``e`` takes the proposal over into the composer (it is then the member's own
mail), ``n`` rejects it with an optional one-line reason the agent receives.  Every decision goes through the
service, which alone checks the fingerprint and who may decide.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

import urwid

from agentmail.mime.sanitize import clean_line, clean_text
from agentmail.model import Draft, Proposal, SendResult
from agentmail.tui.requests import (
    ApproveProposal,
    ListProposals,
    ProposalDetail,
    RejectProposal,
    Request,
    ShowProposal,
    WithdrawProposal,
)
from agentmail.tui.screens.base import Host, ListMoves, Screen
from agentmail.tui.widgets import ListOrNote

NOTHING_PENDING = "Nothing waits for your approval: when an agent proposes a message, it shows here (q goes back)."

if TYPE_CHECKING:  # urwid's name for what a ListBox holds (a row that sizes by width)
    from urwid.widget import AbstractFlowWidget

T = TypeVar("T")


def age(created: datetime, now: datetime | None = None) -> str:
    """How long a proposal has waited, in the largest whole unit: 45s, 12m, 3h, 2d."""
    seconds = max(0, int(((now or datetime.now(UTC)) - created).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def recipients(proposal: Proposal) -> str:
    shown = [*proposal.to, *proposal.cc]
    extra = f" +{proposal.bcc_count} bcc" if proposal.bcc_count else ""
    return clean_line(", ".join(shown)) + extra


def row_text(proposal: Proposal, now: datetime | None = None) -> str:
    """One row: age, agent, recipients, subject (every part sanitised; the subject is the agent's text)."""
    agent = clean_line(proposal.agent) or "(no agent name)"
    return f"{age(proposal.created, now):>4} {agent[:12]:<12} {recipients(proposal)[:24]:<24} " + clean_line(
        proposal.subject
    )


def size_text(size: int) -> str:
    return (
        f"{size} B" if size < 1024 else f"{size / 1024:.1f} KiB" if size < 1024 * 1024 else f"{size / 1048576:.1f} MiB"
    )


def detail_lines(detail: ProposalDetail) -> list[str]:
    """Exactly what approving sends, as lines: its headers, its text, its attachments with sizes."""
    p, m = detail.proposal, detail.message
    lines = [
        f"Proposed by: {clean_line(p.agent) or '(no agent name)'}, {age(p.created)} ago",
        f"From: {clean_line(m.sender.formatted()) if m.sender else ''}",
        f"To: {clean_line(', '.join(a.formatted() for a in m.to))}",
    ]
    if m.cc:
        lines.append(f"Cc: {clean_line(', '.join(a.formatted() for a in m.cc))}")
    if detail.bcc:
        lines.append(f"Bcc: {clean_line(', '.join(detail.bcc))}")
    lines += [
        f"Subject: {clean_line(m.subject)}",
        f"Message-ID: {clean_line(p.message_id)}",
        f"Size: {size_text(p.size)}   Fingerprint: {p.fingerprint[:16]}…",
        "",
        *clean_text(m.text).split("\n"),
    ]
    if m.attachments:
        lines += ["", f"Attachments ({len(m.attachments)}):"]
        lines += [
            f"  {clean_line(a.filename) or '(no name)'}  {a.content_type}  {size_text(a.size)}" for a in m.attachments
        ]
    return lines


class Decisions:
    """y, e and n on a proposal: shared by the list and the detail screen."""

    host: Host

    def current(self) -> Proposal | None:
        raise NotImplementedError

    def decided(self) -> None:
        """After a decision: back to a fresh list and count."""
        raise NotImplementedError

    def action_approve(self) -> None:
        if (p := self.current()) is None:
            return
        who = clean_line(p.agent) or "an agent"
        question = f"Send {who}'s message to {recipients(p)[:60]} exactly as proposed?"
        self.host.confirm(question, lambda: self._post(ApproveProposal(p.id), self._approved))

    def _approved(self, result: SendResult) -> None:
        self.host.notify(f"Sent as proposed ({result.message_id}); a copy is in {result.sent_folder}.")
        self.decided()

    def action_reject(self) -> None:
        if (p := self.current()) is None:
            return

        def done(reason: str) -> None:
            self._post(RejectProposal(p.id, reason), lambda _p: self._rejected())

        self.host.prompt("Reject; reason for the agent (optional): ", done)

    def _rejected(self) -> None:
        self.host.notify("Rejected; the agent is told.")
        self.decided()

    def action_edit(self) -> None:
        if (p := self.current()) is None:
            return
        self._post(WithdrawProposal(p.id), self._edit)

    def _edit(self, draft: Draft) -> None:
        self.decided()
        self.host.compose(draft)
        self.host.notify("The proposal is withdrawn: this is now your own message.")

    def _post(self, request: Request[T], done: Callable[[T], None]) -> None:
        self.host.post(request, done, slot=f"proposal-{id(self)}", on_error=self._failed)

    def _failed(self, exc: object) -> None:
        self.host.notify(str(exc), error=True)
        self.decided()  # the proposal may have changed or gone: show the list as it is now


class ApprovalsScreen(Decisions, ListMoves, Screen):
    """Every agent's pending proposals, oldest first."""

    name = "approvals"

    def __init__(self, host: Host) -> None:
        self.proposals: list[Proposal] = []
        self.walker: urwid.SimpleFocusListWalker[AbstractFlowWidget] = urwid.SimpleFocusListWalker([])
        self.listbox = urwid.ListBox(self.walker)
        self.shown = ListOrNote(self.listbox, "Loading proposals…")
        super().__init__(host, self.shown)

    def title(self) -> str:
        return f"Approvals ({len(self.proposals)} pending)"

    def load(self) -> None:
        self.host.post(ListProposals(), self.show, slot="approvals", on_error=self.host.fail)

    def show(self, proposals: list[Proposal]) -> None:
        self.proposals = list(proposals)
        self.walker[:] = [urwid.AttrMap(urwid.Text(row_text(p), wrap="clip"), None, "focus") for p in self.proposals]
        self.shown.show(len(self.proposals), NOTHING_PENDING)
        self.host.refresh_overview()

    def row_count(self) -> int:
        return len(self.proposals)

    def current(self) -> Proposal | None:
        if not self.proposals:
            self.host.notify("No proposal here.")
            return None
        return self.proposals[self.listbox.focus_position]

    def decided(self) -> None:
        self.load()

    def activated(self) -> None:
        self.load()

    def action_open(self) -> None:
        if (p := self.current()) is None:
            return
        self.host.post(ShowProposal(p.id), self._opened, slot="proposal-detail", on_error=self._failed)

    def _opened(self, detail: ProposalDetail) -> None:
        self.host.push(ProposalScreen(self.host, detail))

    def action_back(self) -> None:
        self.host.pop(self)


class ProposalScreen(Decisions, ListMoves, Screen):
    """One proposal, exactly as approving would send it."""

    name = "proposal"

    def __init__(self, host: Host, detail: ProposalDetail) -> None:
        self.detail = detail
        self.lines = detail_lines(detail)
        self.walker = urwid.SimpleFocusListWalker([urwid.Text(line) for line in self.lines])
        self.listbox = urwid.ListBox(self.walker)
        super().__init__(host, self.listbox)

    def title(self) -> str:
        return f"Proposal from {clean_line(self.detail.proposal.agent) or 'an agent'}"

    def current(self) -> Proposal | None:
        return self.detail.proposal

    def decided(self) -> None:
        self.host.pop(self)  # the list underneath reloads when it comes back to the top

    def action_back(self) -> None:
        self.host.pop(self)
