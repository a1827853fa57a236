"""The message list, rendered headless from plain Summary/View values (no worker, no server)."""

from __future__ import annotations

from agentmail.mime.query import Query
from agentmail.model import Event, Transfer, UidPair, View
from agentmail.tui.requests import Delete, FetchOriginal, FetchRaw, FetchSummaries, Move, Original, Read, SearchAll
from agentmail.tui.screens.index import IndexScreen
from agentmail.tui.screens.rows import BLOCK, KEEP_BLOCKS


def _index(host, uids, depths=()):
    screen = IndexScreen(host, "INBOX")
    screen.show_view(View("INBOX", 7, tuple(uids), tuple(depths)))
    return screen


def test_placeholders_show_until_the_window_arrives_then_only_that_window_is_asked_for(host, text_of) -> None:
    screen = _index(host, range(1000, 0, -1))
    text = text_of(screen)
    assert "…" in text and "hello" not in text
    windows = [r for r in host.requests if isinstance(r, FetchSummaries)]
    assert windows == [FetchSummaries("INBOX", tuple(range(1000, 950, -1)), 7)], "only the window on screen"


def test_index_shows_sanitised_subjects_inert(host, make_summary, text_of) -> None:
    screen = _index(host, [3, 2])
    hostile = "pay\x1b]0;owned\x07 now\x1b[2J\x1b[10;10H\u202eexe.txt\x9b31m"
    screen.show_summaries(7, [make_summary(3, hostile), make_summary(2, "plain")])
    text = text_of(screen)
    assert "pay now" in text and "exe.txt" in text and "plain" in text
    assert "\x1b" not in text and "\u202e" not in text and "\x9b" not in text and "owned" not in text


def test_unread_rows_are_bold(host, make_summary, attrs_of) -> None:
    screen = _index(host, [2, 1, 0])
    screen.show_summaries(7, [make_summary(2, "new one", unread=True), make_summary(1, "old one", unread=True),
                              make_summary(0, "read one")])  # fmt: skip
    rows = attrs_of(screen.render((80, 5), focus=True))
    assert "unread focus" in rows[0][1] and rows[0][0].startswith("N")
    assert "unread" in rows[1][1]
    assert "unread" not in rows[2][1] and "row" in rows[2][1]


def test_thread_view_draws_tree_glyphs(host, make_summary, text_of) -> None:
    screen = _index(host, [1, 2, 3], depths=[0, 1, 2])
    screen.show_summaries(7, [make_summary(1, "root"), make_summary(2, "child"), make_summary(3, "grandchild")])
    lines = text_of(screen).splitlines()
    assert "└─>child" in lines[1]
    assert "  └─>grandchild" in lines[2]


def test_wide_characters_keep_the_columns_aligned(host, make_summary, text_of) -> None:
    screen = _index(host, [2, 1])
    rows = [make_summary(2, "日本語の件名", sender="山田太郎"), make_summary(1, "ascii", sender="Bob")]
    screen.show_summaries(7, rows)
    lines = text_of(screen, (80, 3)).splitlines()
    assert lines[0].index("日本語") > 0
    # the subject column starts at the same display column on both rows
    from urwid.str_util import calc_width

    def subject_col(line: str, word: str) -> int:
        return calc_width(line, 0, line.index(word))

    assert subject_col(lines[0], "日本語") == subject_col(lines[1], "ascii")


def test_scrolling_far_evicts_old_windows(host, make_summary) -> None:
    uids = list(range(5000, 0, -1))
    screen = _index(host, uids)
    screen.render((80, 20))
    for start in range(0, 2000, BLOCK):
        screen.show_summaries(7, [make_summary(u) for u in uids[start : start + BLOCK]])
        screen.items.set_focus(start)
    assert screen.items.cached <= (2 * KEEP_BLOCKS + 2) * BLOCK


def test_paging_faster_than_the_server_keeps_two_windows_asked_for_and_skips_those_paged_past(
    host, make_summary, text_of
) -> None:
    uids = list(range(5000, 0, -1))
    screen = _index(host, uids)
    for row in (0, 1000, 2000, 3000):  # four screens far apart, before any window arrives
        screen.listbox.set_focus(row)
        text_of(screen, (80, 20))
    fetches = [p for p in host.posted if isinstance(p.request, FetchSummaries)]
    assert [p.request.uids[0] for p in fetches] == [5000, 4000], "two in flight, the rest wait"
    fetches[0].reply([make_summary(u) for u in fetches[0].request.uids])
    fetches[1].reply([make_summary(u) for u in fetches[1].request.uids])
    asked = [p.request.uids[0] for p in host.posted if isinstance(p.request, FetchSummaries)]
    assert asked[:2] == [5000, 4000] and set(asked[2:]) == {2050, 2000}, "the windows in view are asked for next"
    assert not {3050, 3000} & set(asked), "the screen paged past is never asked for"
    for posted in host.posted[-2:]:
        posted.reply([make_summary(u, "arrived") for u in posted.request.uids])
    assert "…" not in text_of(screen, (80, 20))


def test_new_mail_event_appears_on_top_without_a_key(host, make_summary, text_of) -> None:
    screen = _index(host, [2, 1])
    screen.show_summaries(7, [make_summary(2, "older"), make_summary(1, "oldest")])
    screen.on_events([Event("new", folder="INBOX", uid=9, summary=make_summary(9, "brand new", unread=True))])
    assert "brand new" in text_of(screen).splitlines()[0]
    screen.on_events([Event("expunged", folder="INBOX", uid=2)])
    assert "older" not in text_of(screen)


def test_delete_then_undo_moves_back_by_the_new_uid_in_the_trash_it_went_to(host, make_summary) -> None:
    screen = _index(host, [2, 1])
    screen.show_summaries(7, [make_summary(2, "doomed"), make_summary(1, "kept")])
    screen.action_delete()
    assert host.requests[-1] == Delete("INBOX", (2,), 7)
    host.posted[-1].reply(Transfer("INBOX", "Trash", (UidPair(2, 41),), uidvalidity=7, target_uidvalidity=99))
    assert 2 not in screen.items.view.uids
    screen.action_undo()
    # uid 41 belongs to Trash at uidvalidity 99: a re-created Trash must fail the undo, not move another message
    assert host.requests[-1] == Move("Trash", (41,), "INBOX", uidvalidity=99)
    host.posted[-1].reply(Transfer("Trash", "INBOX", (UidPair(41, 3),), uidvalidity=99, target_uidvalidity=7))
    assert host.notes[-1] == ("Undone: the message is back.", False)


def test_undo_without_a_new_uid_says_so_and_posts_nothing(host, make_summary) -> None:
    screen = _index(host, [2])
    screen.show_summaries(7, [make_summary(2, "doomed")])
    screen.action_delete()
    host.posted[-1].reply(Transfer("INBOX", "Trash", (UidPair(2, None),), uidvalidity=7))
    before = len(host.posted)
    screen.action_undo()
    assert len(host.posted) == before and host.notes[-1][1] and "cannot be undone" in host.notes[-1][0]


def test_a_click_selects_a_row_a_second_click_opens_it_and_the_wheel_scrolls(host, make_summary) -> None:
    uids = list(range(100, 0, -1))
    screen = _index(host, uids)
    screen.show_summaries(7, [make_summary(u, f"subject {u}") for u in uids[:50]])
    size = (80, 10)
    screen.render(size, focus=True)
    screen.mouse_event(size, "mouse press", 1, 40, 3, True)
    assert screen.focused_uid() == 97 and not host.stack  # selected, not opened
    screen.mouse_event(size, "mouse release", 0, 40, 3, True)
    screen.mouse_event(size, "mouse press", 1, 40, 3, True)
    assert host.stack and host.stack[-1].uid == 97  # the row already selected: opened
    host.stack.clear()
    screen.mouse_event(size, "mouse press", 5, 40, 3, True)  # wheel down
    assert screen.focused_uid() == 94
    screen.mouse_event(size, "mouse press", 4, 40, 3, True)  # wheel up
    assert screen.focused_uid() == 97
    for _ in range(5):
        screen.mouse_event(size, "mouse press", 5, 40, 3, True)
    rows = [r.decode() for r in screen.render(size, focus=True).text]
    assert "subject 100" not in "".join(rows) and any("subject 82" in r for r in rows)  # the list moved


def test_delete_in_trash_asks_first_and_nothing_happens_on_no(host, make_summary) -> None:
    screen = IndexScreen(host, "Trash")
    screen.show_view(View("Trash", 7, (2, 1)))
    screen.show_summaries(7, [make_summary(2), make_summary(1)])
    before = len(host.posted)
    screen.action_delete()
    assert "for good" in host.confirms[-1][0] and len(host.posted) == before
    host.confirms[-1][1]()
    assert len(host.posted) == before + 1


def test_enter_in_drafts_resumes_the_draft_in_the_composer(host, make_summary) -> None:
    screen = IndexScreen(host, "Drafts")
    screen.show_view(View("Drafts", 7, (12,)))
    screen.show_summaries(7, [make_summary(12, "unfinished")])
    screen.action_open()
    assert not host.stack, "no pager for a draft"
    raw = (b"From: alice@bbs.test\r\nTo: Bob <bob@bbs.test>\r\nBcc: eve@bbs.test\r\nSubject: unfinished\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nwhere was I\r\n")  # fmt: skip

    assert host.requests[-1] == FetchRaw("Drafts", 12, 7)
    host.posted[-1].reply(raw)
    draft = host.composed[-1]
    assert draft.subject == "unfinished" and "where was I" in draft.text
    assert [a.email for a in draft.bcc] == ["eve@bbs.test"] and host.drafts_resumed[-1] == 12


def test_forward_as_attachment_carries_the_original_whole(host, make_summary) -> None:
    from agentmail.model import Message

    screen = _index(host, [4])
    screen.show_summaries(7, [make_summary(4, "report")])
    screen.keypress((80, 10), "ctrl f")
    raw = b"From: bob@bbs.test\r\nSubject: report\r\n\r\nnumbers\r\n"

    assert host.requests[-1] == FetchOriginal("INBOX", 4, 7)
    original = Message(uid=4, folder="INBOX", uidvalidity=7, subject="report", text="numbers")
    host.posted[-1].reply(Original(original, raw))
    draft = host.composed[-1]
    assert draft.forward == raw and draft.subject.startswith("Fwd")


def test_search_every_folder_shows_one_virtual_folder_and_walks_across_folders(host, make_summary, text_of) -> None:
    from datetime import UTC, datetime

    from agentmail.model import Page
    from agentmail.tui.screens.pager import PagerScreen
    from agentmail.tui.screens.results import ResultsScreen

    screen = _index(host, [1])
    screen.keypress((80, 10), "S")
    caption, answer = host.prompts[-1]
    assert "every folder" in caption
    answer("subject:invoice")
    results = host.stack[-1]
    assert isinstance(results, ResultsScreen)

    old = make_summary(5, "invoice old")
    old = type(old)(**{**{f: getattr(old, f) for f in old.__slots__}, "date": datetime(2020, 1, 1, tzinfo=UTC)})
    request = host.requests[-1]
    assert request == SearchAll(Query(("subject:invoice",)), 200)
    host.posted[-1].reply([Page("INBOX", 7, 1, (make_summary(5, "invoice new"),)), Page("Archive", 9, 1, (old,))])
    lines = text_of(results, (100, 5)).splitlines()
    assert "INBOX" in lines[0] and "invoice new" in lines[0]
    assert "Archive" in lines[1] and "invoice old" in lines[1]
    results.action_open()
    pager = host.stack[-1]
    assert isinstance(pager, PagerScreen) and (pager.folder, pager.uid, pager.uidvalidity) == ("INBOX", 5, 7)
    pager.action_next_message()
    assert (pager.folder, pager.uid, pager.uidvalidity) == ("Archive", 5, 9)


def test_undo_in_arrival_order_puts_the_message_back_on_its_row_not_on_top(host, make_summary) -> None:
    screen = _index(host, [5, 4, 3])
    screen.show_summaries(7, [make_summary(5), make_summary(4, "old one"), make_summary(3)])
    screen.items.set_focus(1)
    screen.action_delete()
    host.posted[-1].reply(Transfer("INBOX", "Trash", (UidPair(4, 41),), uidvalidity=7, target_uidvalidity=99))
    screen.action_undo()
    host.posted[-1].reply(Transfer("Trash", "INBOX", (UidPair(41, 6),), uidvalidity=99, target_uidvalidity=7))
    assert screen.items.view.uids == (5, 6, 3) and screen.focused_uid() == 6
    screen.render((80, 5))
    assert host.requests[-1] == FetchSummaries("INBOX", (5, 6, 3), 7), "its row is fetched like any other"


def test_a_message_the_pager_shows_is_read_in_the_index(host, make_summary, attrs_of) -> None:
    from agentmail.model import Message
    from agentmail.tui.screens.pager import PagerScreen

    screen = _index(host, [2, 1])
    screen.show_summaries(7, [make_summary(2, "first", unread=True), make_summary(1, "second", unread=True)])
    screen.action_open()
    pager = host.stack[-1]
    assert isinstance(pager, PagerScreen)
    pager.action_next_message()
    assert host.requests[-1] == Read("INBOX", 1, 7)
    host.posted[-1].reply(Message(uid=1, folder="INBOX", uidvalidity=7, subject="second"))
    rows = attrs_of(screen.render((80, 3)))
    assert not rows[1][0].startswith("N") and "unread" not in rows[1][1]


def test_a_refresh_counts_only_mail_that_came_in(host, make_summary) -> None:
    screen = _index(host, [5, 3, 2])
    screen.on_events([Event("new", folder="INBOX", uid=6, summary=make_summary(6, "seen arrive"))])  # shown already
    screen.load(fresh=True, report=True)
    host.posted[-1].reply(View("INBOX", 7, (8, 7, 6, 5, 4, 2)))  # 4: an older one newly matching is not new mail
    assert host.notes[-1] == ("2 new messages in INBOX.", False)
    screen.load(fresh=True, report=True)
    host.posted[-1].reply(View("INBOX", 7, (8, 7, 6, 5, 4, 2)))
    assert host.notes[-1] == ("No new mail in INBOX.", False)
    screen.load(fresh=True, report=True)
    host.posted[-1].reply(View("INBOX", 8, (2, 1)))  # the folder was re-created: all of it is new
    assert host.notes[-1] == ("2 new messages in INBOX.", False)
