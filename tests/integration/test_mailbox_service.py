"""The Mailbox service directly against the real Dovecot: how it opens folders."""

from __future__ import annotations

from dataclasses import replace

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


def test_the_readers_first_page_asks_for_no_sizes_and_is_otherwise_the_plain_listing(stack, member) -> None:
    """newest(sizes=False): one FETCH by sequence without RFC822.SIZE (on a large Maildir Dovecot's first size
    reads the whole uid list); the rows are the listing's, with size 0, and its cursor goes on the same way."""
    name = member()
    for i in range(4):
        stack.deliver(name, f"From: a@example.org\r\nSubject: s{i}\r\n\r\n{'x' * 100 * i}\r\n".encode())
    with mailbox(stack, name, interactive=True) as mb:
        mb.view("INBOX")
        asked: list[list[bytes]] = []
        raw = mb.session.raw_untagged

        def spy(command: bytes, args: list[bytes], response: str, *, uid: bool = True) -> list:
            asked.append(args)
            return raw(command, args, response, uid=uid)

        mb.session.raw_untagged = spy  # type: ignore[method-assign]
        quick = mb.newest("INBOX", limit=3, sizes=False)
        assert len(asked) == 1 and b"RFC822.SIZE" not in asked[0][-1] and b"BODYSTRUCTURE" in asked[0][-1]
        full = mb.list("INBOX", limit=3)
        assert [s.size for s in quick.items] == [0, 0, 0] and all(s.size > 40 for s in full.items)
        assert [replace(s, size=0) for s in full.items] == list(quick.items)
        assert (quick.total, quick.next_cursor) == (full.total, full.next_cursor) == (4, full.next_cursor)
        assert mb.newest("INBOX", limit=3) == full  # with sizes: exactly the plain listing
