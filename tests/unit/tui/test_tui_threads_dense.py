"""Thread folding, hidden repeated subjects, the denser row and remembered views (issue 15), headless."""

from __future__ import annotations

import dataclasses

from agentmail.model import Address, View, ViewPrefs
from agentmail.tui.requests import GetViewPrefs, OpenView, SaveViewPrefs
from agentmail.tui.screens.index import IndexScreen
from agentmail.tui.threadfold import base_subject, fold, parent_position, roots_with_replies, without_removed

THREADED = View("INBOX", 7, (10, 11, 12, 20, 30, 31), (0, 1, 2, 0, 0, 1))


def _threaded(host, make_summary):
    screen = IndexScreen(host, "INBOX")
    screen.threads = True
    screen.show_view(THREADED)
    subjects = {10: "Lunch", 11: "Re: Lunch", 12: "RE: lunch", 20: "Alone", 30: "Trip", 31: "Re: Budget"}
    screen.show_summaries(7, [make_summary(uid, subject) for uid, subject in subjects.items()])
    return screen


def test_fold_keeps_roots_and_counts_what_they_hide() -> None:
    shown, hidden = fold(THREADED, {10})
    assert shown.uids == (10, 20, 30, 31) and shown.depths == (0, 0, 0, 1) and hidden == {10: 2}
    assert roots_with_replies(THREADED) == {10, 30}
    assert fold(THREADED, {20})[1] == {}, "a thread of one has nothing to fold"
    assert parent_position(THREADED.depths, 2) == 1 and parent_position(THREADED.depths, 3) is None
    assert base_subject("Re: Fwd:  RE[2]: Lunch  plans") == "lunch plans"


def test_replies_repeating_the_subject_show_only_the_tree(host, make_summary, text_of) -> None:
    lines = text_of(_threaded(host, make_summary), (80, 8)).splitlines()
    assert lines[1].rstrip().endswith("└─>"), lines[1]
    assert lines[2].rstrip().endswith("└─>") and "lunch" not in lines[2].lower()
    assert "Re: Budget" in lines[5], "a changed subject is shown"


def test_z_collapses_the_current_thread_with_a_count_and_again_expands(host, make_summary, text_of) -> None:
    screen = _threaded(host, make_summary)
    screen.items.set_focus(2)  # inside the first thread
    screen.keypress((80, 8), "z")
    lines = text_of(screen, (80, 8)).splitlines()
    assert "(+2) Lunch" in lines[0] and "Alone" in lines[1] and screen.focused_uid() == 10
    screen.keypress((80, 8), "meta v")  # mutt's Esc v does the same
    assert "(+2)" not in text_of(screen, (80, 8)) and len(screen.items) == 6


def test_capital_z_collapses_all_and_then_expands_all(host, make_summary, text_of) -> None:
    screen = _threaded(host, make_summary)
    screen.keypress((80, 8), "Z")
    assert screen.items.view.uids == (10, 20, 30)
    assert "(+1) Trip" in text_of(screen, (80, 8))
    screen.keypress((80, 8), "Z")
    assert screen.items.view.uids == THREADED.uids


def test_refolding_keeps_a_collapsed_thread_whole_and_what_was_removed_gone() -> None:
    shown, hidden = fold(THREADED, {10})
    after = dataclasses.replace(shown, uids=shown.uids.removed(20).removed(31), depths=(0, 0))
    back = without_removed(THREADED, after, hidden)
    assert back.uids == (10, 11, 12, 30) and back.depths == (0, 1, 2, 0)
    assert without_removed(THREADED, dataclasses.replace(THREADED, uids=(10, 12, 20, 30, 31)), {}).uids == (
        10, 12, 20, 30, 31)  # fmt: skip


def test_expanding_after_a_delete_does_not_bring_the_deleted_row_back(host, make_summary) -> None:
    screen = _threaded(host, make_summary)
    screen.items.set_focus(0)
    screen.keypress((80, 8), "z")
    screen.items.remove(31)  # expunged elsewhere while the first thread was collapsed
    screen.keypress((80, 8), "z")
    assert screen.items.view.uids == (10, 11, 12, 20, 30) and screen.items.view.depths == (0, 1, 2, 0, 0)


def test_collapsing_without_threads_says_how_to_show_them(host) -> None:
    screen = IndexScreen(host, "INBOX")
    screen.show_view(View("INBOX", 7, (2, 1)))
    screen.keypress((80, 8), "z")
    assert "^T" in host.notes[-1][0]


def test_ctrl_t_and_o_change_the_view_and_remember_it_for_the_folder(host) -> None:
    screen = IndexScreen(host, "Lists")
    screen.keypress((80, 8), "ctrl t")
    assert host.requests[-2:] == [SaveViewPrefs("Lists", ViewPrefs("arrival", True)),
                                  OpenView("Lists", "arrival", True)]  # fmt: skip
    screen.keypress((80, 8), "o")
    assert host.requests[-2:] == [SaveViewPrefs("Lists", ViewPrefs("date", True)), OpenView("Lists", "date", True)]


def test_opening_a_folder_asks_for_its_remembered_view_first(host) -> None:
    screen = IndexScreen(host, "Lists")
    screen.open()
    assert host.requests == [GetViewPrefs("Lists")]
    host.posted[-1].reply(ViewPrefs("subject", True))
    assert host.requests[-1] == OpenView("Lists", "subject", True)
    assert "threads sort:subject" in screen.title()


def test_sent_shows_the_recipient_and_rows_mark_mail_to_me(host, make_summary, text_of) -> None:
    host.roles["Sent"] = "sent"
    sent = IndexScreen(host, "Sent")
    sent.show_view(View("Sent", 7, (1,)))
    mine = dataclasses.replace(make_summary(1, "hi"), sender=Address("alice", "alice@bbs.test"),
                               to=(Address("Bob Smith", "bob@bbs.test"),))  # fmt: skip
    sent.show_summaries(7, [mine])
    row = text_of(sent, (70, 2)).splitlines()[0]
    assert "To Bob Smith" in row and "alice" not in row
    assert row[4] == "F", "from me (mutt's to_chars)"

    inbox = IndexScreen(host, "INBOX")
    inbox.show_view(View("INBOX", 7, (3, 2, 1)))
    me, other = Address("", "alice@bbs.test"), Address("", "carol@bbs.test")
    base = make_summary(1)
    inbox.show_summaries(7, [dataclasses.replace(base, uid=3, to=(me,)), dataclasses.replace(base, uid=2, to=(other,),
                             cc=(me,)), dataclasses.replace(base, uid=1, to=(other,))])  # fmt: skip
    marks = [line[4] for line in text_of(inbox, (70, 3)).splitlines()]
    assert marks == ["+", "C", " "]


def test_sizes_show_only_when_the_index_is_wide_enough(host, make_summary, text_of) -> None:
    screen = IndexScreen(host, "INBOX")
    screen.show_view(View("INBOX", 7, (1,)))
    screen.show_summaries(7, [make_summary(1, "hello")])  # 1200 bytes
    assert "1K" not in text_of(screen, (70, 2))
    assert "1K hello" in text_of(screen, (100, 2))
