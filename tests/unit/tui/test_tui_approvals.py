"""The approvals view headless: the requests it posts, and hostile proposal text kept off the terminal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agentmail.model import Address, Draft, Message, Part, Proposal, SendResult
from agentmail.tui import requests as rq
from agentmail.tui.screens.approvals import ApprovalsScreen, ProposalScreen, age
from tests.unit.tui.conftest import RecordingHost, screen_text

PID = "p" + "0" * 24


def _proposal(subject: str = "Digest", agent: str = "triage-bot") -> Proposal:
    return Proposal(
        PID, "f" * 64, agent, "<x@bbs.test>", ("bob@bbs.test",), (), 1, 4096,
        datetime.now(UTC) - timedelta(minutes=5), "Drafts", 7, 42, subject=subject,
    )  # fmt: skip


def test_the_list_loads_shows_rows_and_posts_decisions(host: RecordingHost) -> None:
    screen = ApprovalsScreen(host)
    screen.load()
    assert host.requests == [rq.ListProposals()]
    host.posted[-1].reply([_proposal("Weekly \x1b[31mdigest")])
    text = screen_text(screen, (100, 5))
    assert "triage-bot" in text and "bob@bbs.test +1 bcc" in text and "Weekly" in text and "\x1b" not in text
    screen.keypress((100, 5), "enter")
    assert host.requests[-1] == rq.ShowProposal(PID)
    screen.keypress((100, 5), "y")
    question, yes = host.confirms[-1]
    assert "exactly as proposed" in question
    yes()
    assert host.requests[-1] == rq.ApproveProposal(PID)
    host.posted[-1].reply(SendResult("<x@bbs.test>", 2, 4096, "Sent", 3, 9))
    assert host.requests[-1] == rq.ListProposals()  # back to a fresh list
    screen.keypress((100, 5), "n")
    _caption, done = host.prompts[-1]
    done("not now")
    assert host.requests[-1] == rq.RejectProposal(PID, "not now")


def test_edit_withdraws_and_opens_the_composer(host: RecordingHost) -> None:
    screen = ApprovalsScreen(host)
    screen.load()
    host.posted[-1].reply([_proposal()])
    screen.keypress((100, 5), "e")
    assert host.requests[-1] == rq.WithdrawProposal(PID)
    draft = Draft(to=(Address("", "bob@bbs.test"),), subject="Digest", text="body")
    host.posted[-1].reply(draft)
    assert host.composed == [draft]


def test_the_detail_shows_exactly_what_is_sent_sanitised(host: RecordingHost) -> None:
    message = Message(
        7, "Drafts", 42, sender=Address("Alice", "alice@bbs.test"), to=(Address("", "bob@bbs.test"),),
        subject="Digest\x1b]0;owned\x07", text="Line one\n\x1b[2Jline two\n",
        attachments=(Part("2", "application/pdf", 2048, "attachment", filename="report\x1b[1m.pdf"),),
    )  # fmt: skip
    screen = ProposalScreen(host, rq.ProposalDetail(_proposal(), message, ("boss@corp.example",)))
    text = screen_text(screen, (100, 20))
    assert "Bcc: boss@corp.example" in text and "line two" in text and "2.0 KiB" in text and "report" in text
    assert "\x1b" not in text and "\x07" not in text
    screen.keypress((100, 20), "y")
    host.confirms[-1][1]()
    assert host.requests[-1] == rq.ApproveProposal(PID)


def test_age_reads_in_whole_units() -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    assert [age(now - timedelta(seconds=s), now) for s in (5, 600, 7200, 200000)] == ["5s", "10m", "2h", "2d"]


def test_nothing_pending_says_so_in_a_sentence_and_keys_post_nothing(host: RecordingHost) -> None:
    screen = ApprovalsScreen(host)
    screen.load()
    assert "Loading proposals" in screen_text(screen, (100, 5))
    host.posted[-1].reply([_proposal()])
    host.posted[-1].reply([])  # the last one was decided elsewhere: the list is empty now
    text = " ".join(screen_text(screen, (100, 5)).split())
    assert "Nothing waits for your approval" in text and "triage-bot" not in text
    assert screen.title() == "Approvals (0 pending)"
    before = len(host.posted)
    for key in ("j", "end", "enter", "y", "e", "n"):
        screen.keypress((100, 5), key)
    assert len(host.posted) == before and not host.confirms and not host.prompts
    assert ("No proposal here.", False) in host.notes
