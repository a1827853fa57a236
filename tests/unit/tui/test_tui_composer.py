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
