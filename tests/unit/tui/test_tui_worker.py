"""The worker thread: one reply per request, superseded replies dropped, IDLE events, riding out a lost server.

The worker is given its ``serve`` function, so these tests need no stand-in mailbox
beyond something it can close and reconnect; the real ``serve`` is checked to cover
every request type (and runs against the real stack in tests/e2e).
"""

from __future__ import annotations

import inspect
import os
import select
import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest

from agentmail.errors import InternalError, UnavailableError
from agentmail.model import Event
from agentmail.tui import requests as rq
from agentmail.tui import serving
from agentmail.tui import worker as worker_module
from agentmail.tui.dispatch import Dispatcher
from agentmail.tui.worker import Worker


@dataclass(frozen=True)
class Echo(rq.Request[int]):
    value: int


@dataclass(frozen=True)
class Boom(rq.Request[int]):
    error: Exception


@dataclass(frozen=True)
class Change(rq.Request[int]):
    """A request that must never run twice (like a send)."""

    retry_safe = False
    value: int


class Connection:
    """What the worker holds: closable, reconnectable (failing ``down`` more times), with a gate."""

    def __init__(self, down: int = 0) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.closed = False
        self.down = down
        self.reconnects = 0

    def reconnect(self) -> None:
        self.reconnects += 1
        if self.down > 0:
            self.down -= 1
            raise UnavailableError("the IMAP server at 127.0.0.1:1 cannot be reached (connection refused)")

    def close(self) -> None:
        self.closed = True


def answer(conn: Connection, request: Any) -> Any:
    """A serve function for the test requests."""
    conn.gate.wait(5)
    if isinstance(request, Boom):
        raise request.error
    return request.value


class FakeWatcher:
    """Stands in for service.feed.Watcher: its fileno is a pipe the test writes to."""

    def __init__(self, mailbox: Connection, folder: str) -> None:
        self.folder = folder
        self.r, self.w = os.pipe()
        self.paused = 0
        self.since: list[str | None] = []
        self.token = f"token-{folder}"
        self.fail_collect = False
        self.news: list[Event] = []  # what the server said inside a request's answer (catch_up hands it over)

    def start(self, since: str | None = None) -> tuple[list[Event], str]:
        self.since.append(since)
        news = [Event("new", folder=self.folder, uid=77)] if since else []
        return news, self.token

    def fileno(self) -> int:
        return self.r

    def poll(self, timeout: float) -> bool:
        return bool(select.select([self.r], [], [], timeout)[0])

    def pause(self) -> None:
        self.paused += 1

    def resume(self) -> None: ...

    def catch_up(self, *, report: bool = True) -> list[Event]:
        news, self.news = self.news, []
        return news if report else []

    def collect(self) -> list[Event]:
        os.read(self.r, 100)
        if self.fail_collect:
            raise UnavailableError("the IMAP server closed the connection while idling")
        return [Event("new", folder=self.folder, uid=99)]


def _setup(factory=None, conn: Connection | None = None, window: float = 120.0):
    wake_r, wake_w = os.pipe()
    conn = conn or Connection()
    worker = Worker(conn, wake_w, watcher_factory=factory, serve=answer, reconnect_window=window)
    events: list = []
    errors: list = []
    dispatcher = Dispatcher(worker.submit, worker.replies, on_events=events.append, on_error=errors.append)
    worker.start()
    return worker, dispatcher, conn, wake_r, events, errors


def _drain_until(dispatcher: Dispatcher, wake_r: int, done, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out waiting for replies"
        if select.select([wake_r], [], [], 0.1)[0]:
            assert len(os.read(wake_r, 512)) < 512
        dispatcher.drain()


def _finish(worker: Worker, dispatcher: Dispatcher) -> None:
    """Stop the thread, then apply whatever it still posted (an extra reply would show up here)."""
    worker.stop()
    worker.join(2)
    assert not worker.is_alive()
    dispatcher.drain()


@pytest.fixture
def quick_backoff(monkeypatch):
    monkeypatch.setattr(worker_module, "backoff", lambda: iter(lambda: 0.01, None))


def test_exactly_one_reply_per_request_and_errors_become_one_sentence() -> None:
    worker, dispatcher, conn, wake_r, _events, errors = _setup()
    got: list[int] = []
    for n in range(20):
        dispatcher.post(Echo(n), got.append)
    dispatcher.post(Boom(ZeroDivisionError("x")), got.append)
    dispatcher.post(Boom(ValueError("the server went away")), got.append)
    _drain_until(dispatcher, wake_r, lambda: len(got) + len(errors) == 22)
    _finish(worker, dispatcher)
    assert got == list(range(20)) and len(errors) == 2
    assert isinstance(errors[0], InternalError) and "ZeroDivisionError" in str(errors[0])
    assert "Traceback" not in str(errors[0])
    assert not dispatcher.busy
    assert conn.closed


def test_superseded_replies_are_dropped() -> None:
    worker, dispatcher, conn, wake_r, _events, _errors = _setup()
    conn.gate.clear()
    got: list[int] = []
    for n in range(5):
        dispatcher.post(Echo(n), got.append, slot="view")
    other: list[int] = []
    dispatcher.post(Echo(42), other.append, slot="other")
    conn.gate.set()
    _drain_until(dispatcher, wake_r, lambda: bool(other))
    _finish(worker, dispatcher)
    assert got == [4] and other == [42]


def _watching() -> tuple[Worker, Dispatcher, FakeWatcher, int, list]:
    """A worker watching INBOX through a FakeWatcher, once the watcher runs."""
    watchers: list[FakeWatcher] = []

    def factory(mb, folder):
        watchers.append(FakeWatcher(mb, folder))
        return watchers[-1]

    worker, dispatcher, _conn, wake_r, events, _errors = _setup(factory)
    dispatcher.watch("INBOX")
    _drain_until(dispatcher, wake_r, lambda: bool(watchers))
    return worker, dispatcher, watchers[0], wake_r, events


def test_idle_news_arrives_as_unsolicited_events() -> None:
    worker, dispatcher, watcher, wake_r, events = _watching()
    os.write(watcher.w, b"*")
    _drain_until(dispatcher, wake_r, lambda: bool(events))
    assert events[0].value[0].uid == 99 and events[0].id == 0
    got: list[int] = []
    dispatcher.post(Echo(1), got.append)
    _drain_until(dispatcher, wake_r, lambda: bool(got))
    assert watcher.paused >= 1, "a request leaves IDLE first"
    _finish(worker, dispatcher)


def test_news_inside_a_requests_answer_goes_out_before_idling_again() -> None:
    """Mail that arrived while a request ran is reported after it, not at the next IDLE wake-up."""
    worker, dispatcher, watcher, wake_r, events = _watching()
    watcher.news = [Event("new", folder="INBOX", uid=123)]
    got: list[int] = []
    dispatcher.post(Echo(1), got.append)
    _drain_until(dispatcher, wake_r, lambda: bool(got) and bool(events))  # no write to the IDLE pipe at all
    assert [e.uid for e in events[0].value] == [123] and watcher.news == []
    watcher.news = [Event("expunged", folder="INBOX", uid=5)]  # after a change: our own doing, set aside
    done: list[int] = []
    dispatcher.post(Change(2), done.append)
    _drain_until(dispatcher, wake_r, lambda: bool(done) and watcher.news == [])  # its batch was caught up
    dispatcher.post(Echo(3), done.append)  # replies come in order: any events of that batch arrive before this
    _drain_until(dispatcher, wake_r, lambda: len(done) == 2)
    assert len(events) == 1
    _finish(worker, dispatcher)


def test_a_read_that_lost_the_server_waits_says_so_and_runs_again_once_it_is_back(quick_backoff) -> None:
    conn = Connection(down=2)
    calls: list[Any] = []

    def flaky(c: Connection, request: Any) -> Any:
        calls.append(request)
        if len(calls) == 1:
            raise UnavailableError("the IMAP connection was lost (connection reset)")
        return request.value

    wake_r, wake_w = os.pipe()
    worker = Worker(conn, wake_w, serve=flaky)
    events: list = []
    got: list[int] = []
    dispatcher = Dispatcher(worker.submit, worker.replies, on_events=events.append)
    worker.start()
    dispatcher.post(Echo(5), got.append)
    _drain_until(dispatcher, wake_r, lambda: bool(got))
    _finish(worker, dispatcher)
    news = [e.value for e in events]
    assert [type(n) for n in news] == [rq.Reconnecting, rq.Reconnecting, rq.Reconnecting, rq.Reconnected]
    assert all(n.retry_in >= 1 for n in news[:3]) and conn.reconnects == 3
    assert got == [5] and calls == [Echo(5), Echo(5)]


def test_a_change_is_never_repeated_after_a_lost_connection(quick_backoff) -> None:
    conn = Connection()

    def lost(c: Connection, request: Any) -> Any:
        raise UnavailableError("the IMAP connection was lost (connection reset)")

    wake_r, wake_w = os.pipe()
    worker = Worker(conn, wake_w, serve=lost)
    errors: list = []
    dispatcher = Dispatcher(worker.submit, worker.replies, on_error=errors.append)
    worker.start()
    dispatcher.post(Change(1), lambda value: None)
    _drain_until(dispatcher, wake_r, lambda: bool(errors))
    _finish(worker, dispatcher)
    assert isinstance(errors[0], UnavailableError) and conn.reconnects == 0


def test_after_the_reconnect_window_the_request_fails_with_one_sentence(quick_backoff) -> None:
    conn = Connection(down=10**6)

    def lost(c: Connection, request: Any) -> Any:
        raise UnavailableError("the IMAP connection was lost (connection refused)")

    wake_r, wake_w = os.pipe()
    worker = Worker(conn, wake_w, serve=lost, reconnect_window=0.2)
    errors: list = []
    dispatcher = Dispatcher(worker.submit, worker.replies, on_error=errors.append)
    worker.start()
    dispatcher.post(Echo(1), lambda value: None)
    _drain_until(dispatcher, wake_r, lambda: bool(errors))
    _finish(worker, dispatcher)
    assert str(errors[0]) == "the IMAP connection was lost (connection refused)" and conn.reconnects >= 1


def test_watching_resumes_from_the_last_token_after_the_server_came_back(quick_backoff) -> None:
    watchers: list[FakeWatcher] = []

    def factory(mb, folder):
        watchers.append(FakeWatcher(mb, folder))
        return watchers[-1]

    worker, dispatcher, _conn, wake_r, events, _errors = _setup(factory, Connection(down=1))
    dispatcher.watch("INBOX")
    _drain_until(dispatcher, wake_r, lambda: bool(watchers))
    watchers[0].fail_collect = True
    os.write(watchers[0].w, b"*")  # the server went away while idling
    _drain_until(dispatcher, wake_r, lambda: any(isinstance(e.value, list) for e in events))
    _finish(worker, dispatcher)
    kinds = [type(e.value).__name__ for e in events]
    assert kinds == ["Reconnecting", "Reconnecting", "Reconnected", "list"]
    assert watchers[1].since == ["token-INBOX"], "the new watcher reports what happened since the old token"
    assert events[-1].value[0].uid == 77


def test_every_request_type_is_served_in_the_one_dispatch_table() -> None:
    assert worker_module.serve is serving.serve  # the worker's default map is the one map
    source = inspect.getsource(serving)
    kinds = [
        c
        for name, c in vars(rq).items()
        if isinstance(c, type) and issubclass(c, rq.Request) and c is not rq.Request and not name.startswith("_")
    ]  # private bases (the fields Move and Copy share) are never posted
    assert len(kinds) >= 15
    missing = [c.__name__ for c in kinds if f"case rq.{c.__name__}():" not in source]
    assert not missing, f"requests with no handler in tui/serving.py: {missing}"
    for kind in kinds:  # a mutation is never repeated blindly after a reconnect
        mutates = kind.__name__ in {"Send", "SaveDraft", "Move", "Copy", "Delete", "EmptyTrash", "DeleteFolder",
                                      "CreateFolder", "RenameFolder", "ApproveProposal", "RejectProposal",
                                      "WithdrawProposal"}  # fmt: skip
        assert kind.retry_safe is not mutates, kind.__name__


class ElsewhereWatcher(FakeWatcher):
    """The server said only that another folder changed (a NOTIFY STATUS while idling)."""

    elsewhere = False

    def poll(self, timeout: float) -> bool:
        found = super().poll(timeout)
        self.elsewhere = self.elsewhere or found
        self.statuses = {"Lists": {"UNSEEN": 4}}
        return found

    def collect(self) -> list[Event]:
        os.read(self.r, 100)
        return []


def test_news_of_other_folders_arrives_as_folders_changed() -> None:
    from agentmail.tui.requests import FoldersChanged

    watchers: list[ElsewhereWatcher] = []

    def factory(mb, folder):
        watchers.append(ElsewhereWatcher(mb, folder))
        return watchers[-1]

    worker, dispatcher, _conn, wake_r, events, _errors = _setup(factory)
    dispatcher.watch("INBOX")
    _drain_until(dispatcher, wake_r, lambda: bool(watchers))
    os.write(watchers[0].w, b"*")
    _drain_until(dispatcher, wake_r, lambda: bool(events))
    assert events[0].value == FoldersChanged((("Lists", None, 4),)) and not watchers[0].elsewhere
    _finish(worker, dispatcher)
