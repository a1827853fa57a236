"""The attachment view (v in the pager): every part listed, text and HTML shown as text, nothing saved."""

from __future__ import annotations

from agentmail.model import Part
from agentmail.tui.requests import FetchPart, PartData
from agentmail.tui.screens.attachments import SAVING_DISABLED, AttachmentsScreen, PartScreen
from agentmail.tui.screens.pager import PagerScreen
from tests.unit.tui.test_tui_pager import _message

PARTS = (
    Part("2", "application/pdf", 2048, "attachment", filename="menu\u202efdp.exe\x1b[31m"),
    Part("3", "text/html", 300, "attachment", filename="page.html"),
    Part("4", "text/plain", 12, "attachment", filename="notes.txt"),
)


def _attachments(host) -> AttachmentsScreen:
    pager = PagerScreen(host, "INBOX", 5, 7)
    pager.show(_message(attachments=PARTS))
    pager.keypress((80, 20), "v")
    screen = host.stack[-1]
    assert isinstance(screen, AttachmentsScreen)
    return screen


def test_every_part_with_type_size_and_sanitised_name(host, text_of) -> None:
    text = text_of(_attachments(host), (80, 6))
    assert "[2] menufdp.exe  (application/pdf, 2K)" in text
    assert "[3] page.html  (text/html, 300B)" in text and "[4] notes.txt  (text/plain, 12B)" in text
    assert "\x1b" not in text and "\u202e" not in text


def test_a_binary_part_says_saving_is_disabled_and_fetches_nothing(host) -> None:
    screen = _attachments(host)
    screen.keypress((80, 6), "enter")
    assert host.notes[-1] == (SAVING_DISABLED, False) and not host.posted


def test_html_opens_rendered_as_text_never_as_markup(host, text_of) -> None:
    screen = _attachments(host)
    screen.keypress((80, 6), "j")
    screen.keypress((80, 6), "enter")
    assert host.requests == [FetchPart("INBOX", 5, 7, "3", 1024 * 1024)]
    html = b"<html><body><h1>Menu</h1><p>Soup <b>today</b>\x1b[2J</p><script>x()</script></body></html>"
    host.posted[-1].reply(PartData(PARTS[1], html))
    part = host.stack[-1]
    assert isinstance(part, PartScreen)
    text = text_of(part, (80, 10))
    assert "Menu" in text and "Soup" in text and "today" in text
    assert "<" not in text and "x()" not in text and "\x1b" not in text
    part.keypress((80, 10), "q")
    assert host.stack[-1] is screen


def test_a_text_part_opens_and_q_goes_back_to_the_message(host, text_of) -> None:
    screen = _attachments(host)
    screen.keypress((80, 6), "j")
    screen.keypress((80, 6), "j")
    screen.keypress((80, 6), "enter")
    host.posted[-1].reply(PartData(PARTS[2], "caf\u00e9 list\n".encode()))
    assert "café list" in text_of(host.stack[-1], (80, 5))
    host.stack[-1].keypress((80, 5), "q")
    screen.keypress((80, 6), "q")
    assert not host.stack


def _open_text_part(host, data: bytes, charset: str) -> str:
    screen = _attachments(host)
    screen.keypress((80, 6), "end")  # the text/plain part
    screen.keypress((80, 6), "enter")
    assert host.requests == [FetchPart("INBOX", 5, 7, "4", 1024 * 1024)]
    host.posted[-1].reply(PartData(PARTS[2], data, charset))
    assert isinstance(host.stack[-1], PartScreen)
    return " ".join(part_text_lines(host.stack[-1]))


def part_text_lines(screen: PartScreen) -> list[str]:
    return [w.text for w in screen.walker if hasattr(w, "text")]


def test_a_text_part_is_decoded_with_its_declared_charset(host) -> None:
    # 0xB1 0xE6 is "ąć" in ISO-8859-2; read as windows-1252 (the undeclared fallback) it would be "±æ"
    text = _open_text_part(host, b"Zaj\xb1\xe6 miejsce\n", "iso-8859-2")
    assert "Zająć miejsce" in text and "±" not in text


def test_an_undeclared_text_part_falls_back_to_utf8_then_windows_1252(host) -> None:
    assert "Grüße" in _open_text_part(host, "Grüße\n".encode(), "")
    host.posted.clear()
    host.stack.clear()
    assert "café “quoted”" in _open_text_part(host, b"caf\xe9 \x93quoted\x94\n", "")


def test_an_html_part_is_decoded_with_its_declared_charset_before_rendering(host) -> None:
    screen = _attachments(host)
    screen.keypress((80, 6), "j")
    screen.keypress((80, 6), "enter")
    host.posted[-1].reply(PartData(PARTS[1], "<p>Привет, мир</p>".encode("koi8-r"), "koi8-r"))
    assert "Привет, мир" in " ".join(part_text_lines(host.stack[-1]))
