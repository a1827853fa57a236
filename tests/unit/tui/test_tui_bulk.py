"""Bulk work in the index (issue 15): tags, ; over every tagged message, T and l — asserted as posted requests."""

from __future__ import annotations

from agentmail.mime import query
from agentmail.model import Transfer, UidPair, View
from agentmail.tui.requests import Copy, Delete, Move, OpenView, SetFlags
from agentmail.tui.screens.index import IndexScreen
from agentmail.tui.screens.rows import BLOCK


def _index(host, uids, folder="INBOX"):
    screen = IndexScreen(host, folder)
    screen.show_view(View(folder, 7, tuple(uids)))
    return screen


def _press(screen, *keys, size=(80, 12)):
    for key in keys:
        screen.keypress(size, key)


def _row(text: str, subject: str) -> str:
    return next(line for line in text.splitlines() if subject in line)


def test_t_tags_the_row_with_a_star_and_moves_on_and_again_untags(host, make_summary, text_of) -> None:
    screen = _index(host, [3, 2, 1])
    screen.show_summaries(7, [make_summary(3, "three"), make_summary(2, "two"), make_summary(1, "one")])
    _press(screen, "t")
    assert screen.items.tagged == {3} and screen.focused_uid() == 2
    assert "*" in _row(text_of(screen), "three") and "*" not in _row(text_of(screen), "two")
    _press(screen, "k", "t")
    assert screen.items.tagged == set()
    assert "*" not in _row(text_of(screen), "three")


def test_tags_survive_paging_far_away_and_back(host, make_summary, text_of) -> None:
    uids = list(range(2000, 0, -1))
    screen = _index(host, uids)
    screen.show_summaries(7, [make_summary(u, f"msg {u}") for u in uids])
    _press(screen, "t")  # tags 2000
    screen.show_summaries(7, [make_summary(u, f"msg {u}") for u in uids])  # the other pages, scrolled through
    screen.items.set_focus(len(uids) - 1)  # paging to the end evicts the first rows
    assert screen.items.summary_at(0) is None, "the first block was evicted"
    screen.listbox.set_focus(0)
    screen.show_summaries(7, [make_summary(u, f"msg {u}") for u in uids[:BLOCK]])
    assert "*" in _row(text_of(screen), "msg 2000")
    assert screen.items.tagged == {2000}


def test_semicolon_d_deletes_every_tagged_message_in_one_request(host, make_summary) -> None:
    screen = _index(host, [5, 4, 3, 2, 1])
    screen.show_summaries(7, [make_summary(u) for u in (5, 4, 3, 2, 1)])
    _press(screen, "t", "j", "t")  # 5, then 3
    _press(screen, ";", "d")
    deletes = [r for r in host.requests if isinstance(r, Delete)]
    assert deletes == [Delete("INBOX", (5, 3), 7)], "one request over all tagged uids"
    host.posted[-1].reply(Transfer("INBOX", "Trash", (UidPair(5, 50), UidPair(3, 51)), uidvalidity=7,
                                   target_uidvalidity=9))  # fmt: skip
    assert screen.items.view.uids == (4, 2, 1)
    assert screen.items.tagged == set()


def test_semicolon_d_in_trash_asks_first(host, make_summary) -> None:
    screen = _index(host, [2, 1], folder="Trash")
    _press(screen, "t", "t", ";", "d")
    assert not [r for r in host.requests if isinstance(r, Delete)]
    question, yes = host.confirms[-1]
    assert "2 messages for good" in question
    yes()
    assert [r for r in host.requests if isinstance(r, Delete)] == [Delete("Trash", (2, 1), 7)]


def test_semicolon_s_and_c_move_and_copy_all_tagged_in_one_request(host, make_summary) -> None:
    screen = _index(host, [3, 2, 1])
    _press(screen, "t", "t", ";", "s")
    title, pick = host.prompts[-1]
    assert "2 messages" in title
    pick("Archive")
    assert host.requests[-1] == Move("INBOX", (3, 2), "Archive", uidvalidity=7)
    host.posted[-1].reply(Transfer("INBOX", "Archive", ()))
    assert screen.items.view.uids == (1,) and screen.items.tagged == set()
    _press(screen, "t", ";", "C")
    host.prompts[-1][1]("Archive")
    assert host.requests[-1] == Copy("INBOX", (1,), "Archive", uidvalidity=7)


def test_semicolon_f_and_n_flag_all_tagged_and_toggle_back(host, make_summary) -> None:
    screen = _index(host, [2, 1])
    screen.show_summaries(7, [make_summary(2), make_summary(1, unread=True)])
    _press(screen, "t", "t", ";", "F")
    assert host.requests[-1] == SetFlags("INBOX", (2, 1), 7, add=("\\Flagged",))
    host.posted[-1].reply([2, 1])
    _press(screen, ";", "F")
    assert host.requests[-1] == SetFlags("INBOX", (2, 1), 7, remove=("\\Flagged",)), "all flagged: unflag"
    _press(screen, ";", "N")  # one is unread: mark all read
    assert host.requests[-1] == SetFlags("INBOX", (2, 1), 7, add=("\\Seen",))


def test_semicolon_without_tags_or_with_another_key_does_nothing_but_say_so(host) -> None:
    screen = _index(host, [2, 1])
    _press(screen, ";")
    assert "No tagged messages" in host.notes[-1][0]
    _press(screen, "t", ";", "r")
    assert "Not an action for tagged messages" in host.notes[-1][0]
    assert not host.composed and screen.tag_prefix is False


def test_capital_t_tags_what_a_query_matches(host) -> None:
    screen = _index(host, [3, 2, 1])
    _press(screen, "T")
    caption, answer = host.prompts[-1]
    assert caption.startswith("Tag messages matching")
    answer("from:bob")
    assert host.requests[-1] == OpenView("INBOX", query=query.parse("from:bob"))
    host.posted[-1].reply(View("INBOX", 7, (3, 1)))
    assert screen.items.tagged == {3, 1}


def test_l_limits_to_a_query_shows_it_in_the_title_and_empty_shows_all(host) -> None:
    screen = _index(host, [3, 2, 1])
    _press(screen, "l")
    host.prompts[-1][1]("subject:lunch")
    assert host.requests[-1] == OpenView("INBOX", query=query.parse("subject:lunch"))
    host.posted[-1].reply(View("INBOX", 7, (2,)))
    assert screen.items.view.uids == (2,)
    assert "[limit: subject:lunch]" in screen.title()
    _press(screen, "l")
    host.prompts[-1][1]("")
    assert host.requests[-1] == OpenView("INBOX")
    assert "limit" not in screen.title()


def test_a_limit_with_no_matches_says_so_and_keys_still_work(host, text_of) -> None:
    screen = _index(host, [3, 2, 1])
    screen.limit_to("zzzqqq")
    host.posted[-1].reply(View("INBOX", 7, ()))
    assert "No matches." in text_of(screen)
    _press(screen, "l")
    assert host.prompts[-1][0].startswith("Limit to")


def test_a_tagged_message_that_leaves_the_folder_is_no_longer_tagged(host) -> None:
    from agentmail.model import Event

    screen = _index(host, [3, 2, 1])
    _press(screen, "t", "t")
    screen.on_events([Event("expunged", folder="INBOX", uid=3)])  # deleted in another session
    screen.deleted(Transfer("INBOX", "Trash", (UidPair(2, 9),)))  # deleted from the pager
    _press(screen, ";")
    assert "No tagged messages" in host.notes[-1][0]


def test_a_search_in_a_folder_narrows_its_limit_and_next_unread_asks_for_the_query_and_unread(host) -> None:
    """The screens post parsed queries, never IMAP criteria: the service compiles them."""
    screen = _index(host, [3, 2, 1])
    _press(screen, "/")
    host.prompts[-1][1]("from:bob")
    results = host.stack[-1]
    assert results is not screen and host.requests[-1] == OpenView("INBOX", query=query.Query(("from:bob",)))
    results.show_view(View("INBOX", 7, (3, 1)))
    _press(results, "l")
    host.prompts[-1][1]("is:flagged")
    assert host.requests[-1] == OpenView("INBOX", query=query.Query(("from:bob", "is:flagged")))
    results.action_next_unread()
    assert host.requests[-1] == OpenView("INBOX", query=query.Query(("from:bob", "is:unread")))
    _press(results, "l")
    host.prompts[-1][1]("from:")  # a mistake is said in the status line and asks for nothing
    assert host.requests[-1] == OpenView("INBOX", query=query.Query(("from:bob", "is:unread")))
