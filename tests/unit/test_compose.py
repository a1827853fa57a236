"""Outgoing messages: strict headers, round trips, replies and forwards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agentmail.errors import InvalidAddressError, InvalidMessageError
from agentmail.mime.compose import (
    build_message,
    forward_draft,
    make_message_id,
    reply_draft,
    validate_addresses,
)
from agentmail.mime.parse import parse_message
from agentmail.model import Address, Attachment, Draft, Message

ME = Address("Me Member", "me@example.org")
MID = "<test-1@example.org>"
WHEN = datetime(2024, 6, 3, 10, 0, tzinfo=UTC)


def roundtrip(draft: Draft) -> Message:
    raw = build_message(draft, sender=ME, message_id=MID, date=WHEN).as_bytes()
    return parse_message(raw, uid=1, folder="Sent", uidvalidity=1)


@pytest.mark.parametrize(
    ("subject", "name", "text"),
    [
        ("Plain ASCII subject", "John Doe", "Hello,\nthis is plain.\n"),
        ("Café crème — Grüße", "Jöhn Dœ, Jr.", "Déjà vu: naïve café.\n\u00a0non-breaking\n"),
        ("日本語の件名 😀 emoji " + "long " * 30, "山田 太郎 🎉", "こんにちは 🌸\n" + "長い行" * 500 + "\n"),
    ],
    ids=["ascii", "latin1", "cjk-emoji"],
)
def test_round_trip_keeps_subject_names_body_and_attachments(subject: str, name: str, text: str) -> None:
    data = bytes(range(256)) * 40
    draft = Draft(
        to=(Address(name, "to@example.com"),),
        cc=(Address("", "cc@example.com"),),
        subject=subject,
        text=text,
        attachments=(Attachment(f"{name} file.bin", "application/octet-stream", data),),
    )
    raw = build_message(draft, sender=ME, message_id=MID, date=WHEN).as_bytes()
    message = parse_message(raw, uid=1, folder="Sent", uidvalidity=1)
    assert message.subject == subject.strip()  # one-line fields are read back trimmed
    assert message.to == (Address(name, "to@example.com"),)
    assert message.sender == ME
    assert message.text == text
    assert message.message_id == MID
    assert message.date == WHEN
    (part,) = message.attachments
    assert part.filename == f"{name} file.bin" and part.size == len(data)
    import email

    attached = [p for p in email.message_from_bytes(raw).walk() if p.get_filename()]
    assert attached[0].get_payload(decode=True) == data


def test_html_alternative_and_threading_headers() -> None:
    draft = Draft(
        to=(Address("", "a@example.com"),),
        subject="s",
        text="plain",
        html="<p>rich</p>",
        in_reply_to="<p@x>",
        references=tuple(f"<r{i}@x>" for i in range(40)),
    )
    msg = build_message(draft, sender=ME, message_id=MID, date=WHEN)
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["In-Reply-To"] == "<p@x>"
    refs = str(msg["References"]).split()
    assert refs[0] == "<r0@x>" and refs[-1] == "<r39@x>" and len(refs) == 20
    assert msg["MIME-Version"] == "1.0"
    parsed = roundtrip(draft)
    assert parsed.text == "plain\n" and parsed.html == "<p>rich</p>\n"  # the policy ends bodies with a newline


def test_bcc_is_never_written() -> None:
    draft = Draft(to=(Address("", "a@example.com"),), bcc=(Address("Hidden", "secret@example.com"),), subject="s")
    raw = build_message(draft, sender=ME, message_id=MID).as_bytes()
    assert b"secret" not in raw and b"Bcc" not in raw


@pytest.mark.parametrize(
    "draft",
    [
        Draft(subject="hi\r\nBcc: victim@example.com"),
        Draft(subject="nul\x00"),
        Draft(to=(Address("Eve\nBcc: x@y", "a@example.com"),)),
        Draft(to=(Address("", "a@example.com\r\nBcc: x@y"),)),
        Draft(in_reply_to="<a@b>\r\nX: y"),
        Draft(attachments=(Attachment("a\r\nb.txt", "text/plain", b"x"),)),
    ],
)
def test_header_injection_is_refused(draft: Draft) -> None:
    with pytest.raises((InvalidMessageError, InvalidAddressError)):
        build_message(draft, sender=ME, message_id=MID)


def test_forward_as_attachment_is_message_rfc822() -> None:
    raw = b"From: x@example.com\r\nSubject: original\r\n\r\nthe original body\r\n"
    original = parse_message(raw, uid=1, folder="INBOX", uidvalidity=1)
    draft = forward_draft(original, raw, as_attachment=True, text="FYI")
    assert draft.subject == "Fwd: original" and draft.forward == raw
    built = build_message(draft, sender=ME, message_id=MID)
    kinds = [p.get_content_type() for p in built.walk()]
    assert "message/rfc822" in kinds
    parsed = parse_message(built.as_bytes(), uid=2, folder="Sent", uidvalidity=1)
    assert "the original body" in parsed.text and "FYI" in parsed.text


def test_inline_forward_quotes_headers_and_carries_attachments() -> None:
    raw = (
        b"From: X <x@example.com>\r\nSubject: Fwd: report\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n'
        b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=r.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--b--\r\n"
    )
    original = parse_message(raw, uid=1, folder="INBOX", uidvalidity=1)
    draft = forward_draft(original, raw, as_attachment=False)
    assert draft.subject == "Fwd: report"
    assert "From: X <x@example.com>" in draft.text and "body" in draft.text
    assert draft.attachments == (Attachment("r.pdf", "application/pdf", b"%PDF"),)


def _original(**changes: object) -> Message:
    base = {
        "uid": 1,
        "folder": "INBOX",
        "uidvalidity": 1,
        "sender": Address("Alice", "alice@example.com"),
        "to": (Address("Me", "ME@example.org"), Address("Bob", "bob@example.com")),
        "cc": (Address("Carol", "carol@example.com"), Address("Bob again", "BOB@example.com")),
        "subject": "Plans",
        "message_id": "<m2@x>",
        "references": ("<m0@x>", "<m1@x>"),
        "date": WHEN,
        "text": "line one\n> earlier\n",
    }
    base.update(changes)
    return Message(**base)  # type: ignore[arg-type]


def test_reply_to_sender_with_quote_and_threading() -> None:
    draft = reply_draft(_original(), member_address="me@example.org", reply_all=False, text="Sure.")
    assert draft.to == (Address("Alice", "alice@example.com"),) and draft.cc == ()
    assert draft.subject == "Re: Plans"
    assert draft.in_reply_to == "<m2@x>" and draft.references == ("<m0@x>", "<m1@x>", "<m2@x>")
    assert draft.text.startswith("Sure.\n\nOn Mon, 3 Jun 2024 at 10:00, Alice <alice@example.com> wrote:\n")
    assert "> line one\n>> earlier" in draft.text


def test_reply_all_drops_member_and_duplicates_and_honours_reply_to() -> None:
    original = _original(reply_to=(Address("List", "list@example.com"),), subject="RE: Plans")
    draft = reply_draft(original, member_address="me@example.org", reply_all=True)
    assert draft.to == (Address("List", "list@example.com"),)
    assert [a.email for a in draft.cc] == ["bob@example.com", "carol@example.com"]
    assert draft.subject == "RE: Plans"


def test_reply_to_hostile_message_builds_cleanly() -> None:
    original = _original(subject="Hi\r\nBcc: x@y\x1b[2J", sender=Address("Eve\n\x1b]0;t\x07", "eve@example.com"))
    draft = reply_draft(original, member_address="me@example.org", reply_all=False)
    raw = build_message(draft, sender=ME, message_id=MID).as_bytes()
    assert b"\x1b" not in raw and b"\nBcc" not in raw
    assert draft.subject == "Re: Hi Bcc: x@y"


def test_message_ids() -> None:
    first = make_message_id("me@example.org", "example.org", key="send-1")
    assert first == make_message_id("ME@example.org", "example.org", key="send-1")
    assert first != make_message_id("me@example.org", "example.org", key="send-2")
    assert make_message_id("me@example.org", "example.org") != make_message_id("me@example.org", "example.org")
    assert first.startswith("<") and first.endswith("@example.org>")
    with pytest.raises(InvalidMessageError):
        make_message_id("me@example.org", "bad domain>")


def test_validate_addresses() -> None:
    validate_addresses(["a@example.com", Address("B", "b@mail.test")], local_domains=["mail.test"])
    with pytest.raises(InvalidAddressError, match="not-an-address"):
        validate_addresses(["ok@example.com", "not-an-address"])
    with pytest.raises(InvalidAddressError):
        validate_addresses(["x@mail.test"])
