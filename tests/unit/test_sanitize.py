"""The sanitiser: nothing a sender writes can drive the terminal or hide text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentmail.mime import sanitize
from agentmail.mime.sanitize import (
    clean_filename,
    clean_line,
    clean_text,
    is_terminal_safe,
    needs_cleaning,
    scrub,
    strip_invisible,
)

HOSTILE = [
    ("csi", "a\x1b[2J\x1b[Hb", "ab"),
    ("sgr", "\x1b[1;31mred\x1b[0m", "red"),
    ("osc-title-bel", "x\x1b]0;pwned\x07y", "xy"),
    ("osc-title-st", "x\x1b]2;pwned\x1b\\y", "xy"),
    ("osc8-hyperlink", "\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\", "link"),
    ("dcs", "a\x1bP+q544e\x1b\\b", "ab"),
    ("apc", "a\x1b_payload\x1b\\b", "ab"),
    ("pm-sos", "a\x1b^pm\x1b\\b\x1bXsos\x1b\\c", "abc"),
    ("c1-csi", "a\x9b31mb", "ab"),
    ("c1-osc", "a\x9d0;t\x9cb", "ab"),
    ("reset", "a\x1bcb", "ab"),
    ("charset-switch", "a\x1b(0b", "ab"),
    ("lone-esc", "a\x1b", "a"),
    ("bell-backspace-del", "a\x07\x08\x7fb", "ab"),
    ("nul", "a\x00b", "ab"),
    ("bidi-override", "invoice\u202efdp.exe", "invoicefdp.exe"),
    ("bidi-isolates", "a\u2066b\u2069c\u2067\u2068", "abc"),
    ("marks", "a\u200eb\u200f\u061c", "ab"),
    ("zero-width", "p\u200ba\u200cy\u200d\u2060p\ufeffa\u180el", "paypal"),
    ("tags", "hi\U000e0041\U000e007f", "hi"),
]


@pytest.mark.parametrize(("name", "raw", "expected"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_clean_text_removes_hostile_sequences(name: str, raw: str, expected: str) -> None:
    assert clean_text(raw) == expected
    assert is_terminal_safe(clean_text(raw))


def test_unterminated_osc_only_swallows_its_line() -> None:
    assert clean_text("a\x1b]0;title never ends\nsecond line") == "a\nsecond line"


def test_newlines_are_normalised_and_tabs_kept() -> None:
    assert clean_text("a\r\nb\rc\u2028d\te") == "a\nb\nc\nd\te"


def test_surrogates_become_replacement_characters() -> None:
    assert clean_text("bad\udce9byte") == "bad\ufffdbyte"


def test_clean_line_collapses_breaks_and_strips() -> None:
    assert clean_line("  Re:\r\n\tHello\n  world \x1b[2J ") == "Re: Hello world"


def test_clean_filename_refuses_paths_and_dot_files() -> None:
    assert clean_filename("../../etc/passwd") == "_.._etc_passwd"
    assert clean_filename(".bashrc") == "bashrc"
    assert clean_filename("C:\\x\\y.txt") == "C:_x_y.txt"
    assert clean_filename("\x1b[2J") == "attachment"
    assert clean_filename("") == "attachment"
    long = clean_filename("a" * 400 + ".pdf")
    assert long.endswith(".pdf") and len(long.encode()) <= 255


def test_is_terminal_safe_and_needs_cleaning() -> None:
    assert is_terminal_safe("plain\ttext\nwith lines, ünïcode and emoji 😀")
    assert not is_terminal_safe("a\x1bb")
    assert not is_terminal_safe("a\u202eb")
    assert not is_terminal_safe("a\rb")
    assert not needs_cleaning("Hello\tworld")
    assert needs_cleaning("Hello\nBcc: x")
    assert needs_cleaning("a\u200bb")


def test_strip_invisible_keeps_controls_for_the_json_encoder() -> None:
    assert strip_invisible("a\x00\u202eb\x1b") == "ab\x1b"


@given(st.text())
def test_clean_text_output_is_always_terminal_safe(s: str) -> None:
    assert is_terminal_safe(clean_text(s))


@given(st.text(alphabet=st.sampled_from("\x1b[]P\\\x07\x9b\x9c\x9d;0123m\n\r\t\u202e\u200bab")))
def test_escape_soup_is_always_terminal_safe(s: str) -> None:
    cleaned = clean_line(s)
    assert is_terminal_safe(cleaned)
    assert "\n" not in cleaned
    assert not needs_cleaning(cleaned)
    assert clean_text(clean_text(s)) == clean_text(s)


@given(st.text())
def test_clean_filename_is_never_a_path(s: str) -> None:
    name = clean_filename(s)
    assert name and "/" not in name and "\\" not in name and not name.startswith(".")
    assert is_terminal_safe(name)


#: What scrub replaces, as the pattern it was before (the module now uses str.translate, cheaper to set up).
_SURROGATES = re.compile("[\ud800-\udfff]")


def test_scrub_replaces_every_unpaired_surrogate_and_nothing_else() -> None:
    for code in (*range(0xD700, 0xE100), 0xFFFD, 0x10000, 0x1F600, 0x10FFFF):
        s = f"é{chr(code)}x"
        assert scrub(s) == _SURROGATES.sub("\ufffd", s), hex(code)
    pair = "a\ud83d\ude00b"  # a high and a low surrogate, each unpaired in a str: two replacements
    assert scrub(pair) == "a\ufffd\ufffdb" == _SURROGATES.sub("\ufffd", pair)
    assert scrub("\udcff\x00\ud800") == "\ufffd\ufffd"


def _regex_line(s: str) -> str:
    """clean_line spelled out with the module's own passes, without the printable-ASCII shortcut."""
    s = _SURROGATES.sub("\ufffd", s.replace("\x00", ""))
    s = sanitize._REMOVE.sub("", sanitize._ESCAPES.sub("", sanitize._NEWLINES.sub("\n", s)))
    return sanitize._LINE_BREAKS.sub(" ", s).strip(" ")


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)) | st.text())
def test_the_printable_ascii_shortcut_changes_no_result(s: str) -> None:
    assert clean_line(s) == _regex_line(s)
    scrubbed = _SURROGATES.sub("\ufffd", s.replace("\x00", ""))
    assert clean_text(s) == sanitize._REMOVE.sub("", sanitize._ESCAPES.sub("", sanitize._NEWLINES.sub("\n", scrubbed)))
    assert strip_invisible(s) == sanitize._INVISIBLE.sub("", _SURROGATES.sub("\ufffd", s.replace("\x00", "")))
    assert scrub(s) == _SURROGATES.sub("\ufffd", s.replace("\x00", ""))
