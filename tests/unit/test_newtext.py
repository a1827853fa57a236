"""New text apart from quoted history and signatures (mime/newtext.py), on plain data."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from agentmail.mime.newtext import split_new_text


def test_bottom_quote_with_english_attribution() -> None:
    text = "Sounds good.\n\nOn Mon, 3 Jun 2024 at 10:00, Bob <b@x.org> wrote:\n> Lunch?\n> \n"
    split = split_new_text(text)
    assert split.text == "Sounds good."
    assert split.history_offset == text.index("On Mon")


def test_attribution_wrapped_over_lines_and_other_languages() -> None:
    cases = [
        "Am Montag, 3. Juni 2024 um 10:00 schrieb Bob\n<b@x.org>:\n> Hallo",
        "Le lun. 3 juin 2024 à 10:00, Bob <b@x.org> a écrit :\n> Salut",
        "El lun, 3 jun 2024 a las 10:00, Bob (<b@x.org>) escribió:\n> Hola",
        "Op ma 3 jun. 2024 om 10:00 schreef Bob <b@x.org>:\n> Hoi",
        "Il giorno lun 3 giu 2024 alle ore 10:00 Bob <b@x.org> ha scritto:\n> Ciao",
        "Em seg., 3 de jun. de 2024 às 10:00, Bob <b@x.org> escreveu:\n> Olá",
        "Den mån 3 juni 2024 kl 10:00 skrev Bob <b@x.org>:\n> Hej",
        "W dniu 3.06.2024 o 10:00 Bob <b@x.org> napisał(a):\n> Cześć",
    ]
    for history in cases:
        assert split_new_text("Mine.\n\n" + history).text == "Mine.", history


def test_inline_answers_between_quotes_are_kept() -> None:
    text = "On Mon, Bob wrote:\n> Can you come?\nYes.\n> And bring cake?\nSure.\n"
    assert split_new_text(text).text == "Yes.\nSure."


def test_outlook_blocks_and_forwards_end_the_new_text() -> None:
    outlook = "Fine by me.\n\n-----Original Message-----\nFrom: Bob\nSent: Monday\nTo: me\nSubject: x\n\nold"
    assert split_new_text(outlook).text == "Fine by me."
    fields = "Fine.\n\n" + "_" * 32 + "\nFrom: Bob <b@x.org>\nSent: Monday, June 3\nTo: Me\nSubject: x\n\nold"
    assert split_new_text(fields).text == "Fine."
    bare = "Fine.\n\nFrom: Bob <b@x.org>\nSent: Monday, June 3, 2024 10:00\nTo: Me\nSubject: Re: x\n\nold text"
    assert split_new_text(bare).text == "Fine."
    german = "Gut.\n\nVon: Bob\nGesendet: Montag\nAn: Ich\nBetreff: x\n\nalt"
    assert split_new_text(german).text == "Gut."
    forward = "See below.\n\n---------- Forwarded message ---------\nFrom: Bob\nDate: Mon\n\nthe forwarded text"
    split = split_new_text(forward)
    assert split.text == "See below." and split.history_offset == forward.index("----------")
    apple = "FYI\n\nBegin forwarded message:\n\nFrom: Bob\nSubject: x\n\nbody"
    assert split_new_text(apple).text == "FYI"


def test_signatures() -> None:
    text = "Thanks!\n\n-- \nBob Example\nACME Corp\n"
    split = split_new_text(text)
    assert split.text == "Thanks!" and split.signature_offset == text.index("-- ")
    assert split_new_text("Ok.\n\nSent from my iPhone\n\nOn Mon, Bob wrote:\n> hi").text == "Ok."
    # a mobile line followed by more new text is just text
    assert "more" in split_new_text("Sent from my iPhone is a silly footer\nmore").text


def test_ordinary_text_is_untouched() -> None:
    text = "From: the desk of Bob, a note.\nTo be read twice.\n\nParagraph two."
    assert split_new_text(text).text == text
    assert split_new_text("").text == ""


_PIECES = st.sampled_from(
    ["a", "b", " ", ">", "-", ":", "\n", "On x wrote:", "From: y", "Sent: z", "-- ", "\n> ", "_" * 20]
)


@given(st.lists(_PIECES, max_size=80).map("".join))
def test_never_raises_and_keeps_only_lines_of_the_text(text: str) -> None:
    split = split_new_text(text)
    lines = set(text.split("\n"))
    assert all(line in lines for line in split.text.split("\n") if line)
    for offset in (split.history_offset, split.signature_offset):
        assert offset is None or 0 <= offset <= len(text)
