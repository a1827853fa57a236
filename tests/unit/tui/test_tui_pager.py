"""The pager, rendered headless from a Message value."""

from __future__ import annotations

from datetime import UTC, datetime

from agentmail.model import Address, Message, Part
from agentmail.tui.screens.pager import PagerScreen


def _message(**over) -> Message:
    values = dict(
        uid=5, folder="INBOX", uidvalidity=7, date=datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        sender=Address("Bob\x1b[31m", "bob@bbs.test"), to=(Address("", "alice@bbs.test"),),
        cc=(Address("Carol", "carol@bbs.test"),), subject="Lunch\x1b]0;pwned\x07 plans",
        text="Shall we?\n> you wrote\n>> long ago\nbye\x1b[2J", links=("https://example.org/menu",),
        attachments=(Part("2", "application/pdf", 2048, "attachment", filename="menu\u202efdp.exe"),),
    )  # fmt: skip
    values.update(over)
    return Message(**values)


def _pager(host) -> PagerScreen:
    pager = PagerScreen(host, "INBOX", 5, 7)
    pager.show(_message())
    return pager


def test_pager_shows_headers_body_links_and_attachments(host, text_of) -> None:
    text = text_of(_pager(host), (80, 20))
    for expected in ("From: Bob <bob@bbs.test>", "To: alice@bbs.test", "Cc: Carol <carol@bbs.test>",
                     "Subject: Lunch plans", "Shall we?", "> you wrote", "[1] https://example.org/menu",
                     "menufdp.exe", "application/pdf", "2K"):  # fmt: skip
        assert expected in text, expected
    assert "\x1b" not in text and "\u202e" not in text and "pwned" not in text


def test_quote_levels_get_their_own_colours(host, attrs_of) -> None:
    attrs = {text.strip(): used for text, used in attrs_of(_pager(host).render((80, 20)))}
    assert "quote1" in attrs["> you wrote"]
    assert "quote2" in attrs[">> long ago"]
    assert "body" in attrs["Shall we?"]


def test_full_headers_toggle_and_find(host, text_of, attrs_of) -> None:
    from agentmail.model import Header

    pager = PagerScreen(host, "INBOX", 5, 7)
    pager.show(_message(headers=(Header("X-Mailer", "Thing\x1b[5m 1.0"), Header("Subject", "Lunch plans"))))
    pager.action_headers()
    assert "X-Mailer: Thing 1.0" in text_of(pager, (80, 20))
    pager.find("long ago")
    assert any("match" in used for _, used in attrs_of(pager.render((80, 20))))


def test_next_message_asks_the_index_for_its_neighbour(host) -> None:
    pager = PagerScreen(host, "INBOX", 5, 7, neighbour=lambda uid, step: uid - step)
    pager.show(_message())
    pager.action_next_message()
    assert pager.uid == 4 and host.posted[-1].slot == "pager-read"
