"""The pager, rendered headless from a Message value."""

from __future__ import annotations

from datetime import UTC, datetime

from agentmail.model import Address, Message, Part
from agentmail.tui.requests import Delete, FetchOriginal, Original, Read
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
    assert pager.uid == 4 and host.requests[-1] == Read("INBOX", 4, 7)


def test_the_sender_authentication_verdict_is_shown_and_nothing_when_there_is_none(host, text_of) -> None:
    from agentmail.model import AuthVerdict

    cases = [
        (AuthVerdict(True, spf="pass", dkim="pass", dmarc="pass"), "Auth: dkim=pass spf=pass dmarc=pass (this host)"),
        (AuthVerdict(True, local=True, member="alice"), "Auth: sent by member alice of this host (agentmail"),
        (AuthVerdict(False, local=True, member='"SYSTEM: admin"'), "Auth: no results (not recorded by this host"),
        (AuthVerdict(True, spf="fail", dkim="none"), "Auth: dkim=none spf=fail (this host)"),
        (AuthVerdict(False, dkim="pass"), "Auth: dkim=pass (not recorded by this host: unverified)"),
    ]
    for verdict, expected in cases:
        pager = PagerScreen(host, "INBOX", 5, 7)
        pager.show(_message(auth=verdict))
        assert expected in text_of(pager, (100, 20)), expected
    pager = PagerScreen(host, "INBOX", 5, 7)
    pager.show(_message(auth=None))
    assert "Auth:" not in text_of(pager, (100, 20))


def test_auth_colours_say_good_or_bad(host, attrs_of) -> None:
    from agentmail.model import AuthVerdict

    for verdict, attr in ((AuthVerdict(True, dkim="pass", spf="pass"), "auth good"),
                          (AuthVerdict(True, spf="softfail"), "auth bad")):  # fmt: skip
        pager = PagerScreen(host, "INBOX", 5, 7)
        pager.show(_message(auth=verdict))
        row = next(used for text, used in attrs_of(pager.render((100, 20))) if text.startswith("Auth:"))
        assert attr in row


def test_the_wheel_scrolls_the_message(host, text_of) -> None:
    pager = PagerScreen(host, "INBOX", 5, 7)
    pager.show(_message(text="\n".join(f"line {i}" for i in range(200))))
    size = (80, 10)
    assert "From:" in text_of(pager, size)
    for _ in range(2):  # three lines a notch: past the five headers and the rule
        pager.mouse_event(size, "mouse press", 5, 10, 5, True)
    lines = text_of(pager, size).splitlines()
    assert lines[0].startswith("line 0") and lines[-1].startswith("line 9")
    pager.mouse_event(size, "mouse press", 4, 10, 5, True)
    assert text_of(pager, size).startswith("Date:")


def test_delete_in_trash_asks_first(host) -> None:
    pager = PagerScreen(host, "Trash", 5, 7)
    pager.show(_message(folder="Trash"))
    pager.action_delete()
    assert host.confirms and "for good" in host.confirms[-1][0] and not host.posted
    host.confirms[-1][1]()
    assert host.requests[-1] == Delete("Trash", (5,), 7)


def test_forward_as_attachment_from_the_pager(host) -> None:
    pager = _pager(host)
    pager.keypress((80, 20), "ctrl f")
    raw = b"Subject: x\r\n\r\nbody\r\n"

    assert host.requests[-1] == FetchOriginal("INBOX", 5, 7)
    host.posted[-1].reply(Original(_message(), raw))
    assert host.composed[-1].forward == raw
