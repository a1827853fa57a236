"""The composer: inline validation, completion, confirm-before-send, and failure keeping the text."""

from __future__ import annotations

from agentmail.errors import SendError
from agentmail.model import Address, Draft, SendResult
from agentmail.tui.requests import SaveDraft, Send
from agentmail.tui.screens.composer import ComposerScreen, complete_address


def test_invalid_address_is_shown_inline_and_nothing_is_sent(host, text_of) -> None:
    composer = ComposerScreen(host, Draft(to=(Address("", "not an address"),), subject="hi", text="body"))
    composer.fields["to"].set_edit_text("bob@@bbs.test")
    composer.action_send()
    text = text_of(composer, (80, 12))
    assert "not a valid address" in text or "no address could be read" in text
    assert not host.confirms and not host.posted


def test_send_asks_then_posts_and_a_failure_keeps_the_text(host, text_of) -> None:
    composer = ComposerScreen(host, Draft(to=(Address("Bob", "bob@bbs.test"),), subject="hi", text="my words"))
    composer.action_send()
    question, yes = host.confirms[-1]
    assert "Send to 1 recipient" in question
    yes()
    host.posted[-1].fail(SendError("the relay refused. The message was kept in Drafts."))
    assert composer in host.stack or not host.stack  # never popped
    text = text_of(composer, (80, 12))
    assert "kept in Drafts" in text and "my words" in text


def test_tab_completes_addresses_seen_before(host) -> None:
    known = [Address("Bob Builder", "bob@bbs.test"), Address("", "carol@bbs.test")]
    assert complete_address("ali@x.test, bo", known) == "ali@x.test, Bob Builder <bob@bbs.test>"
    assert complete_address("car", known) == "carol@bbs.test"
    assert complete_address("zed", known) == "zed"


def test_abort_asks_first(host) -> None:
    composer = ComposerScreen(host, Draft())
    host.push(composer)
    composer.keypress((80, 12), "esc")
    assert host.confirms and composer in host.stack
    host.confirms[-1][1]()
    assert composer not in host.stack


def test_a_resumed_draft_is_removed_from_drafts_once_sent(host) -> None:
    composer = ComposerScreen(host, Draft(to=(Address("", "bob@bbs.test"),), text="resumed"), draft_uid=12)
    host.push(composer)
    composer.action_send()
    host.confirms[-1][1]()
    request = host.requests[-1]
    assert request == Send(composer.current_draft(), drop_drafts=(12,)) and request.draft.text == "resumed"
    host.posted[-1].reply(SendResult(message_id="<m@bbs.test>", recipients=1, size=100))
    assert composer not in host.stack and host.notes[-1][0] == "Sent to 1 recipient."


def test_postponing_replaces_the_resumed_draft_and_the_one_kept_by_a_failed_send(host) -> None:
    composer = ComposerScreen(host, Draft(to=(Address("", "bob@bbs.test"),), text="v1"), draft_uid=12)
    host.push(composer)
    composer.action_send()
    host.confirms[-1][1]()
    failure = SendError("the relay refused; the message was kept in Drafts",
                        details={"draft_folder": "Drafts", "draft_uid": 40})  # fmt: skip
    host.posted[-1].fail(failure)
    assert composer in host.stack and "kept in Drafts" in composer.error.text
    composer.keypress((80, 12), "ctrl p")
    assert host.requests[-1] == SaveDraft(composer.current_draft(), (12, 40))
    host.posted[-1].reply(("Drafts", 99))
    assert composer not in host.stack and "saved in Drafts" in host.notes[-1][0]


def test_a_reply_sent_marks_its_original_answered(host) -> None:
    draft = Draft(to=(Address("Bob", "bob@bbs.test"),), subject="Re: x", text="yes")
    composer = ComposerScreen(host, draft, answered=("INBOX", 7, 3))
    composer.action_send()
    host.confirms[-1][1]()
    assert host.requests[-1] == Send(composer.current_draft(), answered=("INBOX", 7, 3), flag="\\Answered")


def test_a_send_failure_without_a_kept_draft_says_the_text_is_still_here(host, text_of) -> None:
    composer = ComposerScreen(host, Draft(to=(Address("", "bob@bbs.test"),), text="precious words"))
    composer.action_send()
    host.confirms[-1][1]()
    host.posted[-1].fail(SendError("the relay is down"))
    text = text_of(composer, (100, 12))
    assert "precious words" in text and "still here" in text and "^P" in text


def test_forwarded_message_and_attachments_are_listed_in_the_composer(host, text_of) -> None:
    from agentmail.model import Attachment

    draft = Draft(subject="Fwd: report", forward=b"x" * 3000,
                  attachments=(Attachment("notes.txt", "text/plain", b"hello"),))  # fmt: skip
    text = text_of(ComposerScreen(host, draft), (100, 12))
    assert "Attached: the original message (message/rfc822, 2K)" in text
    assert "Attached: notes.txt (text/plain, 5B)" in text


def test_a_reply_starts_writing_above_the_quote(host) -> None:
    draft = Draft(to=(Address("Bob", "bob@bbs.test"),), subject="Re: x", text="\n\nOn Mon, Bob wrote:\n> hi\n")
    reply = ComposerScreen(host, draft, answered=("INBOX", 7, 1))
    assert reply.body.edit_pos == 0
    fresh = ComposerScreen(host, Draft(to=(Address("", "bob@bbs.test"),), text="resumed words"))
    assert fresh.body.edit_pos == len("resumed words")
