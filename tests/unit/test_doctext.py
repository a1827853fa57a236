"""Attachment text from plain bytes (mime/doctext.py): PDF, DOCX, ODT, HTML, text, and refusals."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentmail.errors import UnsupportedError
from agentmail.mime.doctext import extract_text, kind_of
from tests.docbuild import make_docx, make_odt, make_pdf

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_pdf_docx_and_odt_give_their_text() -> None:
    pdf = extract_text(make_pdf(["Quarterly report", "Revenue rose (a lot)"]), "application/pdf")
    assert pdf.kind == "pdf" and "Quarterly report" in pdf.text and "Revenue rose (a lot)" in pdf.text
    docx = extract_text(make_docx(["First para", "Zweiter Absatz äö"]), "application/octet-stream", "x.docx")
    assert docx.kind == "docx" and docx.text == "First para\nZweiter Absatz äö"
    odt = extract_text(make_odt(["Un", "Deux & trois"]), "application/vnd.oasis.opendocument.text")
    assert odt.kind == "odt" and odt.text == "Un\nDeux & trois"


def test_text_and_html() -> None:
    assert extract_text("Det här".encode("latin-1"), "text/plain", charset="iso-8859-1").text == "Det här"
    html = extract_text(b"<p>Hi <a href='https://e.example/'>x</a></p><p hidden>no</p>", "text/html")
    assert html.text.startswith("Hi x [1]") and "https://e.example/" in html.text and "no" not in html.text
    assert html.notes


def test_other_types_and_damaged_documents_are_unsupported() -> None:
    assert kind_of("image/png") is None
    with pytest.raises(UnsupportedError):
        extract_text(b"\x89PNG", "image/png", "a.png")
    for ctype in ("application/pdf", "application/vnd.oasis.opendocument.text"):
        with pytest.raises(UnsupportedError):
            extract_text(b"not a document", ctype)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w") as archive:
        archive.writestr("content.xml", "<!DOCTYPE x [<!ENTITY a 'aaaa'>]><x>&a;</x>")
    with pytest.raises(UnsupportedError):
        extract_text(bomb.getvalue(), "application/vnd.oasis.opendocument.text")


@settings(max_examples=60, deadline=None)
@given(
    st.binary(max_size=400),
    st.sampled_from(["application/pdf", "application/vnd.oasis.opendocument.text", DOCX, "text/html", "text/plain"]),
)
def test_hostile_bytes_give_text_or_unsupported(data: bytes, ctype: str) -> None:
    try:
        out = extract_text(data, ctype, charset="utf-8")
    except UnsupportedError:
        return
    assert isinstance(out.text, str)


@given(st.binary(max_size=300))
def test_utf8_labelled_bytes_always_decode_and_valid_utf8_is_untouched(data: bytes) -> None:
    from agentmail.mime.charset import decode_bytes

    text, note = decode_bytes(data, "utf-8")
    try:
        assert text == data.decode("utf-8") and note is None
    except UnicodeDecodeError:
        assert note is not None
