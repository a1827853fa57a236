"""The app around the pager: unbound keys answer, ? lists the query language, counts follow this session's changes."""

from __future__ import annotations

from typing import Any

import pytest

from agentmail.model import Folder, Transfer
from agentmail.tui.app import UNBOUND, App
from agentmail.tui.requests import (
    CreateFolder,
    Delete,
    GetOverview,
    Move,
    Read,
    Request,
    SetFlags,
)
from agentmail.tui.screens.index import IndexScreen
from agentmail.tui.screens.pager import PagerScreen
from tests.unit.tui.test_tui_app import press
from tests.unit.tui.test_tui_pager import _message


class Recorder:
    """A dispatcher that records posts and lets the test answer them."""

    busy = False

    def __init__(self) -> None:
        self.posted: list[tuple[Request[Any], Any]] = []

    def post(self, request, on_done, *, slot="", on_error=None) -> int:
        self.posted.append((request, on_done))
        return len(self.posted)

    @property
    def requests(self) -> list[Request[Any]]:
        return [request for request, _ in self.posted]


def _app() -> tuple[App, Recorder]:
    recorder = Recorder()
    app = App("alice@bbs.test", dispatcher=recorder)  # type: ignore[arg-type]
    app.push(IndexScreen(app, "INBOX"))
    return app, recorder


@pytest.mark.parametrize("key", ["s", "|", "!", "e"])
def test_unbound_keys_in_the_pager_say_so(key: str, text_of) -> None:
    app, _ = _app()
    pager = PagerScreen(app, "INBOX", 5, 7)
    app.push(pager)
    pager.show(_message())
    press(app, key)
    assert UNBOUND in text_of(app.frame, (100, 24))
    press(app, *app.filter_input(["j"], []))  # the next key clears it (the loop's input filter)
    assert UNBOUND not in text_of(app.frame, (100, 24))


def test_unbound_keys_in_the_index_say_so_and_resizes_do_not(text_of) -> None:
    app, _ = _app()
    app.unhandled("window resize")
    assert UNBOUND not in text_of(app.frame, (100, 24))
    press(app, "%")  # bound nowhere (z folds threads now)
    assert UNBOUND in text_of(app.frame, (100, 24))


def test_help_lists_the_search_query_language_from_its_one_definition(text_of) -> None:
    from agentmail.mime import query

    app, _ = _app()
    app.action_help()
    text = text_of(app.frame, (200, 400))
    assert "Search queries" in text
    for form, meaning in query.describe():
        assert form in text and meaning in text
    assert "is:FLAG" in text and "unread, read" in text and "since:D" in text and "larger:N" in text


@pytest.mark.parametrize(
    ("request_", "answer"),
    [
        (Move("INBOX", (3,), "Archive", 7), Transfer("INBOX", "Archive", ((3, 9),))),
        (Delete("INBOX", (3,), 7), Transfer("INBOX", "Trash", ((3, 9),))),
        (SetFlags("INBOX", (3,), 7, add=("\\Seen",)), [3]),
        (Read("INBOX", 3, 7), _message()),
        (CreateFolder("Projects"), Folder("Projects")),
    ],
    ids=["move", "delete", "flags", "read", "create"],
)
def test_counts_are_asked_for_right_after_a_change_this_session_made(request_, answer) -> None:
    app, recorder = _app()
    seen: list[Any] = []
    app.post(request_, seen.append)
    assert recorder.requests == [request_]
    recorder.posted[-1][1](answer)
    assert seen == [answer] and recorder.requests == [request_, GetOverview()]


def test_a_peek_changes_no_counts() -> None:
    app, recorder = _app()
    app.post(Read("INBOX", 3, 7, peek=True), lambda _m: None)
    recorder.posted[-1][1](_message())
    assert recorder.requests == [Read("INBOX", 3, 7, peek=True)]


def _writing_app() -> tuple[App, list[Request[Any]], Any]:
    """An app with a real Dispatcher whose worker is the test: a composer open with text typed in it."""
    import queue

    from agentmail.model import Draft
    from agentmail.tui.dispatch import Dispatcher

    submitted: list[Request[Any]] = []

    def submit(request: Any) -> int:
        submitted.append(request)
        return len(submitted)

    replies: queue.Queue[Any] = queue.Queue()
    app = App("alice@bbs.test", dispatcher=Dispatcher(submit, replies))
    app.push(IndexScreen(app, "INBOX"))
    app.compose(Draft())
    for key in "bob@bbs.test":
        app.frame.keypress((100, 24), key)
    return app, submitted, replies


def test_a_hang_up_saves_the_message_being_written_to_drafts() -> None:
    from agentmail.tui.dispatch import Reply
    from agentmail.tui.requests import SaveDraft

    app, submitted, replies = _writing_app()
    replies.put(Reply(1, value=("Drafts", 12)))  # the worker's answer to the first request, already on its way
    assert app.save_before_exit(seconds=5) is True
    (request,) = [r for r in submitted if isinstance(r, SaveDraft)]
    assert [a.email for a in request.draft.to] == ["bob@bbs.test"]


def test_a_hang_up_waits_only_so_long_for_the_server() -> None:
    app, submitted, _replies = _writing_app()
    assert app.save_before_exit(seconds=0.05) is False  # no reply ever comes: give up, never hang
    assert len(submitted) == 1


def test_a_hang_up_with_nothing_typed_saves_nothing() -> None:
    from agentmail.model import Draft

    app, recorder = _app()
    app.compose(Draft())
    assert app.save_before_exit(seconds=0.05) is False and recorder.requests == []


def test_news_of_other_folders_updates_their_counts_without_asking_again(text_of) -> None:
    from agentmail.tui.dispatch import Reply
    from agentmail.tui.requests import FoldersChanged, Overview

    app, recorder = _app()
    app._overview(Overview((Folder("INBOX", "inbox", 3, 1), Folder("Lists", None, 9, 0))))
    app.on_events(Reply(0, value=FoldersChanged((("Lists", None, 4), ("New", 2, 2)))))
    assert recorder.requests == []  # no request: it could take the open folder's news with its answer
    counts = {f.name: (f.total, f.unseen) for f in app.folders}
    assert counts == {"INBOX": (3, 1), "Lists": (9, 4), "New": (2, 2)}
