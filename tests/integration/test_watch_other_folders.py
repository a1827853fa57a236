"""Watching one folder with NOTIFY (RFC 5465) on the real Dovecot: news of other folders arrives while idling."""

from __future__ import annotations

import time

from agentmail.service.feed import Watcher
from tests.e2e.test_tui import _message
from tests.integration.test_mailbox_service import mailbox


def _poll_until(watcher: Watcher, seconds: float = 10.0) -> bool:
    """Wait for the server to say something (bounded: a server that never says anything fails the test)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if watcher.poll(0.5):
            return True
    return False


def test_another_folder_changing_wakes_the_watcher_without_events_here(stack, member) -> None:
    who = member()
    stack.deliver(who, _message("seed"), folder="Projects")
    with mailbox(stack, who) as mb:
        mb.folders()
        watcher = Watcher(mb, "INBOX", other_folders=True)
        watcher.start()
        stack.deliver(who, _message("elsewhere"), folder="Projects")
        assert _poll_until(watcher)
        assert watcher.elsewhere and watcher.statuses["Projects"]["UNSEEN"] == 2
        assert watcher.collect() == []  # nothing changed here: IDLE goes on
        watcher.elsewhere = False
        stack.deliver(who, _message("here"))
        assert _poll_until(watcher)
        events = watcher.collect()
        assert [e.kind for e in events] == ["new"]
        watcher.resume()
        watcher.pause()
        counts = {f.name: (f.total, f.unseen) for f in mb.folders()}
        assert counts["Projects"] == (2, 2) and counts["INBOX"] == (1, 1)


def test_without_other_folders_the_watcher_hears_only_its_own(stack, member) -> None:
    who = member()
    stack.deliver(who, _message("seed"), folder="Projects")
    with mailbox(stack, who) as mb:
        mb.folders()
        watcher = Watcher(mb, "INBOX")
        watcher.start()
        stack.deliver(who, _message("elsewhere"), folder="Projects")
        stack.deliver(who, _message("here"))
        assert _poll_until(watcher)
        assert not watcher.elsewhere and [e.kind for e in watcher.collect()] == ["new"]
