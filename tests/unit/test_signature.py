"""agentmail's sender signature: made only with the key, bound to the member, the headers and the body."""

from __future__ import annotations

import email.policy
from datetime import UTC, datetime
from email.parser import BytesParser

from agentmail.mime import compose, signature
from agentmail.mime.authres import TrustAnchors, verdict
from agentmail.mime.headers import envelope_from_bytes
from agentmail.model import Address, Attachment, Draft

KEY = signature.derive_key("master secret")
ANCHORS = TrustAnchors("mail.bbs.test", "mail.bbs.test", "bbs.test", signing_key=KEY)


def signed(member: str = "bob", **fields: object) -> bytes:
    draft = Draft(to=(Address("", "carol@bbs.test"),), subject="Lunch?", text="See you at noon.\n", **fields)  # type: ignore[arg-type]
    msg = compose.build_message(
        draft, sender=Address("", f"{member}@bbs.test"), message_id="<m1@bbs.test>", date=datetime.now(UTC)
    )
    signature.sign(msg, KEY, member, "bbs.test")
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def member_of(raw: bytes, anchors: TrustAnchors = ANCHORS) -> str:
    result = verdict(envelope_from_bytes(raw[: len(raw) - len(signature.body_of(raw))]).headers, anchors,
                     signature.body_of(raw))  # fmt: skip
    return result.member if result is not None else ""


def test_a_signed_message_verifies_after_postfix_adds_trace_headers() -> None:
    raw = signed()
    delivered = b"Return-Path: <bob@bbs.test>\r\nReceived: from localhost by mail.bbs.test (Postfix) id 1\r\n" + raw
    assert member_of(delivered) == "bob"
    assert member_of(delivered.replace(b"\r\n", b"\n")) == "bob"  # stored with bare LF


def test_multipart_messages_verify() -> None:
    raw = signed(html="<p>hi</p>", attachments=(Attachment("a.txt", "text/plain", b"data"),))
    assert member_of(raw) == "bob"


def test_the_key_derivation_and_override() -> None:
    assert signature.derive_key("") == b""
    assert signature.derive_key("a") != signature.derive_key("b")
    assert signature.derive_key("a", "dedicated") == b"dedicated"
    assert member_of(signed(), TrustAnchors("x", "x", "bbs.test", signature.derive_key("other"))) == ""
    assert member_of(signed(), TrustAnchors("x", "x", "bbs.test", b"")) == ""


def test_a_genuine_signature_pasted_onto_another_message_fails() -> None:
    raw = signed()
    sig = next(line for line in raw.split(b"\r\n") if line.startswith(b"X-Agentmail-Signature:"))
    other = (b"From: bob@bbs.test\r\nTo: carol@bbs.test\r\nSubject: Lunch?\r\nMessage-ID: <m1@bbs.test>\r\n"
             + sig + b"\r\n\r\nSend me your password.\r\n")  # fmt: skip
    assert member_of(other) == ""


def test_any_change_under_the_signature_breaks_it() -> None:
    raw = signed()
    assert member_of(raw.replace(b"See you at noon.", b"Wire the money.")) == ""
    assert member_of(raw.replace(b"Subject: Lunch?", b"Subject: Urgent")) == ""
    assert member_of(b"Reply-To: evil@evil.example\r\n" + raw) == ""
    assert member_of(b"From: evil@evil.example\r\n" + raw) == ""
    assert member_of(raw.replace(b"m=bob", b"m=alice")) == ""
    assert member_of(raw + b"\r\nP.S. more") == ""
    assert member_of(b"X-Agentmail-Signature: v=1; m=bob; s=AAAA\r\n" + raw) == ""


def test_the_signed_from_must_be_the_member_in_our_domain() -> None:
    draft = Draft(to=(Address("", "carol@bbs.test"),), subject="s", text="t")
    msg = compose.build_message(draft, sender=Address("", "bob@elsewhere.example"), message_id="<m2@bbs.test>")
    signature.sign(msg, KEY, "bob", "bbs.test")
    raw = msg.as_bytes(policy=email.policy.SMTP)
    assert member_of(raw) == ""


def test_signing_replaces_a_signature_already_in_the_message_and_refuses_bad_names() -> None:
    draft = Draft(to=(Address("", "carol@bbs.test"),), subject="s", text="t")
    msg = compose.build_message(draft, sender=Address("", "bob@bbs.test"), message_id="<m3@bbs.test>")
    msg["X-Agentmail-Signature"] = "v=1; m=alice; s=forged"
    signature.sign(msg, KEY, "bob", "bbs.test")
    assert msg.get_all("X-Agentmail-Signature") and len(msg.get_all("X-Agentmail-Signature")) == 1
    signature.sign(msg, KEY, "Bob Admin", "bbs.test")
    assert msg.get_all("X-Agentmail-Signature") is None


def test_the_key_never_appears_in_the_header_or_repr() -> None:
    raw = signed()
    header = BytesParser(policy=email.policy.default).parsebytes(raw)["X-Agentmail-Signature"]
    assert "master secret" not in header and KEY.hex() not in header
    assert "signing_key" not in repr(ANCHORS) and repr(KEY) not in repr(ANCHORS)
