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


def test_front_ends_pass_a_parsed_query_and_the_service_searches_with_it(stack, member) -> None:
    """A Query (never IMAP criteria) narrows a view, and a search's cursor goes on only with the same query."""
    import pytest

    from agentmail.errors import UsageError
    from agentmail.mime.query import UNREAD, parse

    name = member()
    uids = [
        stack.deliver(name, f"From: a@example.org\r\nSubject: lunch {i}\r\n\r\nbody\r\n".encode()) for i in range(3)
    ]
    other = stack.deliver(name, b"From: b@example.org\r\nSubject: budget\r\n\r\nbody\r\n")
    with mailbox(stack, name, interactive=True) as mb:
        lunch = parse("subject:lunch")
        assert mb.view("INBOX", query=lunch).uids == tuple(reversed(uids))
        mb.read("INBOX", uids[0])
        assert mb.view("INBOX", query=lunch.narrowed(UNREAD)).uids == (uids[2], uids[1])
        assert other in mb.view("INBOX").uids
        (page,) = mb.search(lunch, limit=2)
        assert [s.uid for s in page.items] == [uids[2], uids[1]] and page.next_cursor
        rest = mb.list("INBOX", cursor=page.next_cursor, query=lunch)
        assert [s.uid for s in rest.items] == [uids[0]] and rest.next_cursor is None
        with pytest.raises(UsageError):
            mb.list("INBOX", cursor=page.next_cursor, query=parse("subject:budget"))


def test_a_plain_listing_is_one_fetch_by_sequence_and_pages_on_from_it(stack, member) -> None:
    """The newest page names its uids in its one FETCH (no SEARCH first); its cursor goes on below them."""
    name = member()
    uids = [stack.deliver(name, f"From: a@example.org\r\nSubject: n{i}\r\n\r\nbody\r\n".encode()) for i in range(5)]
    with mailbox(stack, name) as mb:
        mb.view("INBOX")  # connect and select first: only the listing's own commands are counted below
        sent: list[bytes] = []
        raw = mb.session.raw_untagged

        def spy(command: bytes, args: list[bytes], response: str, *, uid: bool = True) -> list:
            sent.append(command)
            return raw(command, args, response, uid=uid)

        mb.session.raw_untagged = spy  # type: ignore[method-assign]
        page = mb.list("INBOX", limit=3)
        assert sent == [b"FETCH"]
        assert [s.uid for s in page.items] == uids[:1:-1] and page.total == 5
        rest = mb.list("INBOX", limit=3, cursor=page.next_cursor)
        assert [s.uid for s in rest.items] == uids[1::-1] and rest.next_cursor is None
