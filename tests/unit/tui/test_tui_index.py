"""The message list, rendered headless from plain Summary/View values (no worker, no server)."""

from __future__ import annotations

from agentmail.model import Event, Transfer, UidPair, View
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
    windows = [p for p in host.posted if p.slot == ""]
    assert len(windows) == 1, "only the window on screen is fetched"


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


def test_new_mail_event_appears_on_top_without_a_key(host, make_summary, text_of) -> None:
    screen = _index(host, [2, 1])
    screen.show_summaries(7, [make_summary(2, "older"), make_summary(1, "oldest")])
    screen.on_events([Event("new", folder="INBOX", uid=9, summary=make_summary(9, "brand new", unread=True))])
    assert "brand new" in text_of(screen).splitlines()[0]
    screen.on_events([Event("expunged", folder="INBOX", uid=2)])
    assert "older" not in text_of(screen)


def test_delete_then_undo_moves_back_by_the_new_uid(host, make_summary) -> None:
    screen = _index(host, [2, 1])
    screen.show_summaries(7, [make_summary(2, "doomed"), make_summary(1, "kept")])
    screen.action_delete()
    transfer = Transfer("INBOX", "Trash", (UidPair(2, 41),))
    host.posted[-1].on_done(transfer)
    assert 2 not in screen.items.view.uids
    screen.action_undo()

    class FakeMailbox:
        def move(self, folder, uids, target):
            self.args = (folder, uids, target)
            return Transfer(folder, target, (UidPair(41, 3),))

    mb = FakeMailbox()
    host.posted[-1].call(mb)
    assert mb.args == ("Trash", [41], "INBOX")
