"""Undo send headless: a confirmed send is held (nothing posted) until the window ends; u brings it back."""

from __future__ import annotations

from typing import Any

import pytest
import urwid

from agentmail.model import Address, Draft
from agentmail.tui.app import App
from agentmail.tui.requests import Send
from agentmail.tui.screens.composer import ComposerScreen
from agentmail.tui.screens.index import IndexScreen
from tests.unit.tui.test_tui_app_leave import press


class Dispatcher:
    busy = False

    def __init__(self) -> None:
        self.posted: list[tuple[Any, Any]] = []

    def post(self, request: Any, on_done: Any, *, slot: str = "", on_error: Any = None) -> int:
        self.posted.append((request, on_done))
        return len(self.posted)


class Loop:
    """The MainLoop's alarms, fired by the test (no clock in the test)."""

    def __init__(self) -> None:
        self.alarms: list[Any] = []

    def set_alarm_in(self, _seconds: float, callback: Any) -> object:
        self.alarms.append(callback)
        return callback

    def remove_alarm(self, handle: object) -> None:
        self.alarms.remove(handle)


def _held(seconds: int = 30) -> tuple[App, Dispatcher, Loop, ComposerScreen]:
    dispatcher, loop = Dispatcher(), Loop()
    app = App("alice@bbs.test", dispatcher=dispatcher, undo_send_seconds=seconds)  # type: ignore[arg-type]
    app.loop = loop
    app.push(IndexScreen(app, "INBOX"))
    app.compose(Draft(to=(Address("", "bob@bbs.test"),), subject="held", text="kept words"))
    composer = app.stack[-1]
    assert isinstance(composer, ComposerScreen)
    press(app, "ctrl x")
    press(app, "y")
    return app, dispatcher, loop, composer


def _sends(dispatcher: Dispatcher) -> list[Send]:
    return [r for r, _ in dispatcher.posted if isinstance(r, Send)]


def test_u_brings_the_composer_back_and_nothing_is_posted() -> None:
    app, dispatcher, loop, composer = _held()
    assert app.held is not None and composer not in app.stack
    assert "sending in" in app.status.text and _sends(dispatcher) == []
    press(app, "u")
    assert app.stack[-1] is composer and app.held is None and loop.alarms == []
    assert _sends(dispatcher) == []
    assert "kept words" in composer.current_draft().text


def test_the_window_ending_posts_the_send_once() -> None:
    app, dispatcher, loop, _ = _held(seconds=1)
    app.held.deadline = 0  # type: ignore[union-attr]  # the window is over when the alarm fires
    loop.alarms[-1]()
    assert len(_sends(dispatcher)) == 1 and app.held is None
    press(app, "u")  # too late: the index's own u (undo delete) runs, nothing else is posted
    assert len(_sends(dispatcher)) == 1


def test_quitting_during_the_wait_sends_first_then_leaves() -> None:
    app, dispatcher, _loop, _ = _held()
    press(app, "ctrl c")
    assert "waiting to be sent" in app._line.original_widget.text
    press(app, "y")
    [(request, on_done)] = [(r, d) for r, d in dispatcher.posted if isinstance(r, Send)]
    assert request.draft.text == "kept words"
    with pytest.raises(urwid.ExitMainLoop):
        on_done(type("R", (), {"recipients": 1})())


def test_without_a_window_the_send_is_posted_at_once() -> None:
    app, dispatcher, _loop, _ = _held(seconds=0)
    assert app.held is None and len(_sends(dispatcher)) == 1


def test_a_hang_up_during_the_wait_sends_the_held_message() -> None:
    app, dispatcher, _loop, _composer = _held()
    assert _sends(dispatcher) == [] and app.held is not None
    app.save_before_exit(seconds=0.05)  # the terminal is gone: the confirmed send goes out, never lost
    (sent,) = _sends(dispatcher)
    assert sent.draft.text == "kept words" and app.held is None


def _hold_another(app: App, text: str) -> ComposerScreen:
    app.compose(Draft(to=(Address("", "carol@bbs.test"),), subject="second", text=text))
    composer = app.stack[-1]
    assert isinstance(composer, ComposerScreen)
    press(app, "ctrl x")
    press(app, "y")
    return composer


def test_a_second_send_confirmed_during_the_wait_gets_a_window_of_its_own() -> None:
    app, dispatcher, loop, first = _held()
    second = _hold_another(app, "second words")
    assert _sends(dispatcher) == [] and len(app.all_held()) == 2 and "+1 more" in app.status.text
    press(app, "u")  # the most recent comes back first, and the first one keeps waiting
    assert app.stack[-1] is second and app.held is not None and app.held.composer is first
    assert _sends(dispatcher) == [] and "+1 more" not in app.status.text
    app.held.deadline = 0
    loop.alarms[0]()  # the first one's window ends
    (sent,) = _sends(dispatcher)
    assert sent.draft.text == "kept words" and app.held is None and app.all_held() == []


def test_each_held_send_goes_out_when_its_own_window_ends() -> None:
    app, dispatcher, loop, _first = _held()
    _hold_another(app, "second words")
    first, second = app.all_held()
    second.deadline = 0
    loop.alarms[-1]()  # the newer window ends first (shorter window): only it goes out
    assert [s.draft.text for s in _sends(dispatcher)] == ["second words"] and app.held is first
    first.deadline = 0
    loop.alarms[0]()
    assert [s.draft.text for s in _sends(dispatcher)] == ["second words", "kept words"] and app.held is None


def test_quitting_or_hanging_up_sends_every_held_message() -> None:
    app, dispatcher, _loop, _ = _held()
    _hold_another(app, "second words")
    press(app, "ctrl c")
    assert "2 messages are waiting to be sent" in app._line.original_widget.text
    press(app, "y")
    posted = [(r, d) for r, d in dispatcher.posted if isinstance(r, Send)]
    assert sorted(r.draft.text for r, _ in posted) == ["kept words", "second words"]
    posted[0][1](type("R", (), {"recipients": 1})())  # the first went out: not yet leaving
    with pytest.raises(urwid.ExitMainLoop):
        posted[1][1](type("R", (), {"recipients": 1})())

    app, dispatcher, _loop, _ = _held()
    _hold_another(app, "second words")
    app.save_before_exit(seconds=0.05)
    assert sorted(s.draft.text for s in _sends(dispatcher)) == ["kept words", "second words"]
    assert app.held is None
