"""The test stack itself behaves like production: master login, error codes, capabilities, delivery, capture."""

from __future__ import annotations

import smtplib
import uuid
from collections.abc import Callable
from email.message import EmailMessage

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from tests.stack.servers import Stack

REQUIRED_CAPABILITIES = {
    "IDLE",
    "SORT",
    "THREAD=REFERENCES",
    "ESEARCH",
    "CONDSTORE",
    "QRESYNC",
    "UIDPLUS",
    "MOVE",
    "SPECIAL-USE",
    "LIST-STATUS",
    "QUOTA",
    "PREVIEW",
}


def _client(stack: Stack) -> IMAPClient:
    """A bare plaintext IMAP connection to the stack."""
    return IMAPClient("127.0.0.1", port=stack.layout.imap_port, ssl=False, timeout=10)


def _send(stack: Stack, to: str, subject: str) -> None:
    """Submit a plain message to the stack's Postfix, as agentmail's relay would."""
    msg = EmailMessage()
    msg["From"] = "alice@bbs.test"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content("hello from the stack test\n")
    with smtplib.SMTP("127.0.0.1", stack.layout.smtp_port, timeout=10) as smtp:
        smtp.send_message(msg)


def test_master_login_opens_members_mailbox(stack: Stack, alice: str) -> None:
    """`alice@bbs.test*gateway` with the master password logs in as alice."""
    client = _client(stack)
    client.login("alice@bbs.test*gateway", stack.master_password)
    assert client.select_folder("INBOX", readonly=True)[b"UIDVALIDITY"]
    client.logout()


def test_wrong_master_password_is_authenticationfailed(stack: Stack, alice: str) -> None:
    """A bad gateway password is refused as an authentication failure."""
    client = _client(stack)
    with pytest.raises(LoginError, match="AUTHENTICATIONFAILED"):
        client.login("alice@bbs.test*gateway", "not-the-password")


def test_unknown_member_is_unavailable(stack: Stack) -> None:
    """Production's signal that a mailbox does not exist yet: [UNAVAILABLE], not AUTHENTICATIONFAILED.

    Dovecot 2.3 as often just closes the connection ("Internal login failure" in its log) before that answer
    reaches the client; agentmail's login reads a drop on every retry as the same signal.
    """
    client = _client(stack)
    with pytest.raises(LoginError, match=r"UNAVAILABLE|socket error: EOF"):
        client.login(f"ghost-{uuid.uuid4().hex[:8]}@bbs.test*gateway", stack.master_password)


def test_capabilities_after_login(stack: Stack, alice: str) -> None:
    """The extensions agentmail builds on are all offered after login."""
    with stack.imap(alice) as client:
        caps = {c.decode() for c in client.capabilities()}
    assert caps >= REQUIRED_CAPABILITIES, REQUIRED_CAPABILITIES - caps


def test_quota_root_answers(stack: Stack, alice: str) -> None:
    """GETQUOTAROOT INBOX reports the 100M storage limit."""
    with stack.imap(alice) as client:
        roots = client.get_quota_root("INBOX")
    assert any(q.resource == "STORAGE" and q.limit == 102400 for q in roots[1])


def test_special_use_folders_exist_and_are_subscribed(stack: Stack, member: Callable[..., str]) -> None:
    """A fresh member has Drafts, Sent, Trash, Junk, Archive with their special-use flags, subscribed."""
    who = member()
    with stack.imap(who) as client:
        flags = {name: {f.decode() for f in fl} for fl, _sep, name in client.list_folders()}
        subscribed = {name for _fl, _sep, name in client.list_sub_folders()}
    for name in ("Drafts", "Sent", "Trash", "Junk", "Archive"):
        assert f"\\{name}" in flags[name]
        assert name in subscribed


def test_smtp_to_member_arrives_in_inbox(stack: Stack, alice: str, bob: str) -> None:
    """Postfix delivers bbs.test mail into Dovecot over LMTP."""
    subject = f"stack delivery {uuid.uuid4().hex}"
    _send(stack, "bob@bbs.test", subject)
    found = stack.wait_for_message(bob, "INBOX", subject, timeout=10)
    assert b"Delivered-To: bob@bbs.test" in found.raw


def test_outside_mail_lands_in_capture_sink(stack: Stack, alice: str) -> None:
    """Every other domain goes to the local sink, never off the machine."""
    subject = f"stack outbound {uuid.uuid4().hex}"
    _send(stack, "someone@example.com", subject)
    (captured,) = stack.captured(timeout=10, match=subject)
    assert captured.startswith(b"Return-Path: <alice@bbs.test>\nDelivered-To: someone@example.com\n")


def test_deliver_stores_exact_bytes(stack: Stack, member: Callable[..., str]) -> None:
    """deliver() bypasses Postfix and keeps hostile bytes as they are, with the flags asked for."""
    who = member()
    raw = b"Subject: exact\n\nbare\rcr and \xff\xfe 8-bit\n"
    uid = stack.deliver(who, raw, folder="Junk", flags=["\\Seen", "$Label1"])
    (path,) = (stack.maildir_path(who, "Junk") / "cur").iterdir()
    assert path.read_bytes() == raw
    found = stack.wait_for_message(who, "Junk", "exact")
    assert found.uid == uid
    assert {"\\Seen", "$Label1"} <= set(found.flags)


def test_seed_maildir_is_visible_in_order(stack: Stack, member: Callable[..., str]) -> None:
    """Bulk seeding lands every message, UIDs in the order given."""
    who = member()
    assert stack.seed_maildir(who, "INBOX", (b"Subject: n%d\n\nx\n" % i for i in range(500))) == 500
    with stack.imap(who) as client:
        client.select_folder("INBOX", readonly=True)
        last = client.fetch([500], ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])[500]
    assert last[b"BODY[HEADER.FIELDS (SUBJECT)]"].strip() == b"Subject: n499"
