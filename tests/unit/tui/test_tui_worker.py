"""The worker thread with a plain fake mailbox: one reply per request, superseded replies dropped, IDLE events."""

from __future__ import annotations

import os
import select
import threading
import time

from agentmail.errors import InternalError, UnavailableError
from agentmail.model import Event
from agentmail.tui.worker import Dispatcher, Worker


class FakeMailbox:
    """Answers like the Mailbox would, with a gate to hold a request in flight."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.closed = False

    def echo(self, value: int) -> int:
        self.gate.wait(5)
        return value

    def close(self) -> None:
        self.closed = True


class FakeWatcher:
    """Stands in for service.feed.Watcher: its fileno is a pipe the test writes to."""

    def __init__(self, mailbox: FakeMailbox, folder: str) -> None:
        self.folder = folder
        self.r, self.w = os.pipe()
        self.paused = 0

    def start(self) -> None: ...

    def fileno(self) -> int:
        return self.r

    def poll(self, timeout: float) -> bool:
        return bool(select.select([self.r], [], [], timeout)[0])

    def pause(self) -> None:
        self.paused += 1

    def resume(self) -> None: ...

    def collect(self) -> list[Event]:
        os.read(self.r, 100)
        return [Event("new", folder=self.folder, uid=99)]


def _setup(factory=None):
    wake_r, wake_w = os.pipe()
    mailbox = FakeMailbox()
    worker = Worker(mailbox, wake_w, watcher_factory=factory)
    events: list = []
    errors: list = []
    dispatcher = Dispatcher(worker.submit, worker.replies, on_events=events.append, on_error=errors.append)
    worker.start()
    return worker, dispatcher, mailbox, wake_r, events, errors


def _drain_until(dispatcher: Dispatcher, wake_r: int, done, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out waiting for replies"
        if select.select([wake_r], [], [], 0.1)[0]:
            assert len(os.read(wake_r, 512)) < 512
        dispatcher.drain()


def test_exactly_one_reply_per_request_and_errors_become_one_sentence() -> None:
    worker, dispatcher, mailbox, wake_r, _events, errors = _setup()
    got: list[int] = []
    for n in range(20):
        dispatcher.post(lambda mb, n=n: mb.echo(n), got.append)
    dispatcher.post(lambda mb: 1 / 0, got.append)
    dispatcher.post(lambda mb: (_ for _ in ()).throw(UnavailableError("the server went away")), got.append)
    _drain_until(dispatcher, wake_r, lambda: len(got) + len(errors) == 22)
    time.sleep(0.1)
    dispatcher.drain()
    assert got == list(range(20))
    assert isinstance(errors[0], InternalError) and "ZeroDivisionError" in str(errors[0])
    assert "Traceback" not in str(errors[0])
    assert str(errors[1]) == "the server went away"
    assert not dispatcher.busy
    worker.stop()
    worker.join(2)
    assert mailbox.closed


def test_superseded_replies_are_dropped() -> None:
    worker, dispatcher, mailbox, wake_r, _events, _errors = _setup()
    mailbox.gate.clear()
    got: list[int] = []
    for n in range(5):
        dispatcher.post(lambda mb, n=n: mb.echo(n), got.append, slot="view")
    other: list[int] = []
    dispatcher.post(lambda mb: mb.echo(42), other.append, slot="other")
    mailbox.gate.set()
    _drain_until(dispatcher, wake_r, lambda: bool(other))
    time.sleep(0.1)
    dispatcher.drain()
    assert got == [4] and other == [42]
    worker.stop()
    worker.join(2)


def test_idle_news_arrives_as_unsolicited_events() -> None:
    watchers: list[FakeWatcher] = []

    def factory(mb, folder):
        watchers.append(FakeWatcher(mb, folder))
        return watchers[-1]

    worker, dispatcher, _mailbox, wake_r, events, _errors = _setup(factory)
    dispatcher.watch("INBOX")
    _drain_until(dispatcher, wake_r, lambda: bool(watchers))
    time.sleep(0.05)
    os.write(watchers[0].w, b"*")
    _drain_until(dispatcher, wake_r, lambda: bool(events))
    assert events[0].value[0].uid == 99 and events[0].id == 0
    got: list[int] = []
    dispatcher.post(lambda mb: mb.echo(1), got.append)
    _drain_until(dispatcher, wake_r, lambda: bool(got))
    assert watchers[0].paused >= 1, "a request leaves IDLE first"
    worker.stop()
    worker.join(2)
