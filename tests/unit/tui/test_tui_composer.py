"""The composer: inline validation, completion, confirm-before-send, and failure keeping the text."""

from __future__ import annotations

from agentmail.errors import SendError
from agentmail.model import Address, Draft
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
    host.posted[-1].on_error(SendError("the relay refused. The message was kept in Drafts."))
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


class _Service:
    """Stands in for service.sending inside the worker's named calls (records what they did)."""

    def __init__(self) -> None:
        self.sent: list[Draft] = []
        self.saved: list[tuple[Draft, int | None]] = []

    def send(self, mb, draft):
        self.sent.append(draft)
        return type("Result", (), {"recipients": len(draft.recipients)})()

    def save_draft(self, mb, draft, replace_uid=None):
        self.saved.append((draft, replace_uid))
        return "Drafts", 99


class _Mailbox:
    def __init__(self) -> None:
        self.deleted: list[tuple[str, list[int]]] = []

    def folder_for(self, role):
        return {"drafts": "Drafts"}[role]

    def delete(self, folder, uids, uidvalidity=None):
        self.deleted.append((folder, list(uids)))


def test_a_resumed_draft_is_removed_from_drafts_once_sent(host, monkeypatch) -> None:
    import agentmail.service.sending

    service = _Service()  # the worker's named calls import service.sending when they run
    monkeypatch.setattr(agentmail.service, "sending", service)
    composer = ComposerScreen(host, Draft(to=(Address("", "bob@bbs.test"),), text="resumed"), draft_uid=12)
    host.push(composer)
    composer.action_send()
    host.confirms[-1][1]()
    mb = _Mailbox()
    host.posted[-1].on_done(host.posted[-1].call(mb))
    assert service.sent[-1].text == "resumed" and mb.deleted == [("Drafts", [12])]
    assert composer not in host.stack


def test_postponing_replaces_the_resumed_draft_and_the_one_kept_by_a_failed_send(host, monkeypatch) -> None:
    import agentmail.service.sending

    service = _Service()  # the worker's named calls import service.sending when they run
    monkeypatch.setattr(agentmail.service, "sending", service)
    composer = ComposerScreen(host, Draft(to=(Address("", "bob@bbs.test"),), text="v1"), draft_uid=12)
    host.push(composer)
    composer.action_send()
    host.confirms[-1][1]()
    failure = SendError("the relay refused; the message was kept in Drafts",
                        details={"draft_folder": "Drafts", "draft_uid": 40})  # fmt: skip
    host.posted[-1].on_error(failure)
    assert composer in host.stack and "kept in Drafts" in composer.error.text
    composer.keypress((80, 12), "ctrl p")
    mb = _Mailbox()
    host.posted[-1].on_done(host.posted[-1].call(mb))
    assert service.saved[-1][1] == 12 and mb.deleted == [("Drafts", [40])]
    assert composer not in host.stack and "saved in Drafts" in host.notes[-1][0]


def test_a_send_failure_without_a_kept_draft_says_the_text_is_still_here(host, text_of) -> None:
    composer = ComposerScreen(host, Draft(to=(Address("", "bob@bbs.test"),), text="precious words"))
    composer.action_send()
    host.confirms[-1][1]()
    host.posted[-1].on_error(SendError("the relay is down"))
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
