"""Every hostile corpus message parses, reads sensibly, and renders terminal-safe."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest

from agentmail.mime.authres import TrustAnchors
from agentmail.mime.parse import parse_message
from agentmail.mime.sanitize import clean_line, clean_text, is_terminal_safe
from agentmail.model import Message

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
EMLS = sorted(CORPUS.glob("*.eml"))


def _generate_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("corpus_generate", CORPUS / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read(raw: bytes) -> Message:
    trust = TrustAnchors("mail.example.org", "mail.example.org")
    return parse_message(raw, uid=1, folder="INBOX", uidvalidity=1, trust=trust)


def rendered(message: Message) -> list[str]:
    """Everything a front end would print, through the sanitiser."""
    lines = [clean_text(message.text), *(clean_text(n) for n in message.notes)]
    lines += [clean_line(message.subject), *(clean_line(h.name + ": " + h.value) for h in message.headers)]
    for address in (message.sender, *message.to, *message.cc, *message.reply_to):
        if address is not None:
            lines.append(clean_line(address.formatted()))
    lines += [clean_line(p.filename) for p in message.attachments]
    lines += [clean_line(link) for link in message.links]
    return lines


def test_corpus_is_not_empty() -> None:
    assert len(EMLS) >= 20


@pytest.mark.parametrize("eml", EMLS, ids=lambda p: p.name)
def test_corpus_message_reads(eml: Path) -> None:
    message = read(eml.read_bytes())
    assert all(is_terminal_safe(line) for line in rendered(message))
    for field in (message.subject, message.text, message.html, *(p.filename for p in message.attachments)):
        assert "\x00" not in field
        field.encode("utf-8")  # no lone surrogates: the JSON writer must be able to write it
    for p in message.attachments:
        assert "\u202e" not in p.filename


EXPECTED_TEXT = {
    "bad-charset.eml": "Café crème",
    "missing-boundary.eml": "hello inside a broken multipart",
    "wrong-boundary.eml": "the boundary never appears",
    "truncated-multipart.eml": "first part",
    "windows-1252-as-latin1.eml": "\u201cQuoted\u201d \u2013 dash \u20ac euro, café",
    "undeclared-8bit.eml": "Undeclared UTF-8: äöü and latin-1:",
    "forwarded-rfc822.eml": "Inner text",
    "multipart-related.eml": "Read this [1].",
    "pgp-signed.eml": "Signed text.",
    "tnef.eml": "See attachment.",
    "html-only.eml": "Hello bold js site [1]",
    "flowed-delsp.eml": "This is a long line.\n> quoted more\n-- \nsig",
    "report.eml": "Delivery failed.",
    "duplicate-headers.eml": "which one?",
}


@pytest.mark.parametrize(("name", "fragment"), sorted(EXPECTED_TEXT.items()))
def test_corpus_text_is_sensible(name: str, fragment: str) -> None:
    assert fragment in read((CORPUS / name).read_bytes()).text


def test_corpus_specifics() -> None:
    escaped = read((CORPUS / "escape-subject.eml").read_bytes())
    assert escaped.sanitized and "Hi" in clean_line(escaped.subject)
    bidi = read((CORPUS / "bidi-filename.eml").read_bytes())
    names = [p.filename for p in bidi.attachments]
    assert "invoicefdp.exe" in names and bidi.subject == "invoice fdp.exe"
    dup = read((CORPUS / "duplicate-headers.eml").read_bytes())
    assert dup.sender is not None and dup.sender.email == "first@example.com" and dup.subject == "one"
    assert any("2 From headers" in n for n in dup.notes)
    assert read((CORPUS / "malformed-dates.eml").read_bytes()).date is None
    assert read((CORPUS / "missing-boundary.eml").read_bytes()).notes
    truncated = read((CORPUS / "truncated-multipart.eml").read_bytes())
    assert any("truncated" in n for n in truncated.notes)
    related = read((CORPUS / "multipart-related.eml").read_bytes())
    assert [p.content_id for p in related.attachments] == ["logo@x"]
    assert "[image: Logo]" in related.text and "tracker" not in related.text
    assert related.links == ("https://example.com/a",)
    signed = read((CORPUS / "pgp-signed.eml").read_bytes())
    assert [p.content_type for p in signed.attachments] == ["application/pgp-signature"]
    smime = read((CORPUS / "smime-encrypted.eml").read_bytes())
    assert [(p.part_id, p.content_type) for p in smime.attachments] == [("1", "application/pkcs7-mime")]
    tnef = read((CORPUS / "tnef.eml").read_bytes())
    assert [p.filename for p in tnef.attachments] == ["winmail.dat"]
    forwarded = read((CORPUS / "forwarded-rfc822.eml").read_bytes())
    assert [p.part_id for p in forwarded.attachments] == ["2", "2.2"]
    assert "Subject: Innér" in forwarded.text
    assert read((CORPUS / "no-body.eml").read_bytes()).text == ""


def test_generated_many_parts() -> None:
    message = read(_generate_module().many_parts(1000))
    assert message.text.startswith("the text part")
    assert len(message.attachments) < 1000
    assert any("parts not shown: more than 500 parts" in n for n in message.notes)


def test_generated_deep_nesting() -> None:
    message = read(_generate_module().deep_nesting(40))
    assert any("nested deeper than 20 levels" in n for n in message.notes)


def test_generated_big_attachment_is_quick() -> None:
    raw = _generate_module().big_attachment(20)
    started = time.monotonic()
    message = read(raw)
    assert time.monotonic() - started < 10
    assert message.text.startswith("see the attachment")
    assert message.attachments[0].size == 20 * 1024 * 1024
