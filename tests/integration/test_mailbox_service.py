"""The Mailbox service directly against the real Dovecot: how it opens folders."""

from __future__ import annotations

from agentmail.config import load_settings
from agentmail.identity import member_for
from agentmail.service.mailbox import Mailbox


def mailbox(stack, name: str, **kwargs) -> Mailbox:
    settings = load_settings(stack.env(name), [])
    return Mailbox(settings, member_for(name, settings), **kwargs)


def test_a_reader_opens_folders_read_write_once(stack, member) -> None:
    name = member()
    uid = stack.deliver(name, b"From: a@example.org\r\nSubject: once\r\n\r\nbody\r\n")
    with mailbox(stack, name, interactive=True) as mb:
        mb.view("INBOX")
        first = mb.session.selected
        assert first is not None and first.read_only is False
        message = mb.read("INBOX", uid)
        assert "\\Seen" in message.flags
        assert mb.session.reconnects == 0


def test_agents_examine_and_read_only_stays_read_only(stack, member) -> None:
    name = member()
    stack.deliver(name, b"From: a@example.org\r\nSubject: look\r\n\r\nbody\r\n")
    with mailbox(stack, name) as agent:
        agent.view("INBOX")
        assert agent.session.selected.read_only is True
    with mailbox(stack, name, interactive=True, read_only=True) as support:
        support.view("INBOX")
        assert support.session.selected.read_only is True
