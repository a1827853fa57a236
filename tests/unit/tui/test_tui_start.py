"""The overlapped start: login and the first page on a thread, handed to the app; a failed login stops the start."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from agentmail.errors import AgentmailError, AuthError, UnavailableError
from agentmail.model import FolderRoles, View, ViewPrefs
from agentmail.tui import start
from agentmail.tui.app import App
from agentmail.tui.run import run_tui
from agentmail.tui.screens.index import IndexScreen


class _Mailbox:
    """Stands in for the service's Mailbox: records the calls of the opening thread."""

    def __init__(self, *, fail_open: Exception | None = None, fail_view: Exception | None = None,
                 uids: tuple[int, ...] = (), summaries: Any = None,
                 prefs: ViewPrefs | None = None) -> None:  # fmt: skip
        self.fail_open, self.fail_view, self.uids = fail_open, fail_view, uids
        self.prefs = prefs or ViewPrefs()
        self.make = summaries
        self.calls: list[tuple[str, Any]] = []
        self.threads: set[str] = set()

    def open(self) -> None:
        self.threads.add(threading.current_thread().name)
        self.calls.append(("open", None))
        if self.fail_open is not None:
            raise self.fail_open

    def view_prefs(self, folder: str) -> ViewPrefs:
        return self.prefs

    def roles(self) -> FolderRoles:
        return FolderRoles((("inbox", "INBOX"), ("trash", "Trash")))

    def view(self, folder: str, *, sort: str = "arrival", threads: bool = False) -> View:
        self.calls.append(("view", (folder, sort, threads)))
        if self.fail_view is not None:
            raise self.fail_view
        return View(folder, 7, self.uids)

    def summaries(self, folder: str, uids: list[int], uidvalidity: int) -> list[Any]:
        self.calls.append(("summaries", (folder, tuple(uids), uidvalidity)))
        return [self.make(uid, f"message {uid}") for uid in uids]


def _opening(mailbox: _Mailbox) -> start.Opening:
    opening = start.Opening(mailbox)
    opening.start()
    return opening


def test_the_opening_logs_in_and_fetches_only_the_first_block_on_its_own_thread(monkeypatch, make_summary) -> None:
    mailbox = _Mailbox(uids=tuple(range(300, 0, -1)), summaries=make_summary)
    got, first = _opening(mailbox).result()
    assert got is mailbox and mailbox.threads == {"imap-opening"}
    assert [name for name, _ in mailbox.calls] == ["open", "view", "summaries"]
    assert mailbox.calls[2][1] == ("INBOX", tuple(range(300, 300 - start.FIRST_ROWS, -1)), 7)
    assert first is not None and first.view.uids[0] == 300 and len(first.summaries) == start.FIRST_ROWS


def test_an_empty_inbox_asks_for_no_summaries(monkeypatch, make_summary) -> None:
    mailbox = _Mailbox(summaries=make_summary)
    _, first = _opening(mailbox).result()
    assert first is not None and first.summaries == [] and [n for n, _ in mailbox.calls] == ["open", "view"]


@pytest.mark.parametrize(
    ("error", "code"),
    [(AuthError("the mail server refused the login"), "auth_failed"), (RuntimeError("a bug"), "internal")],
)
def test_a_failed_login_is_raised_on_the_main_thread_as_one_error(monkeypatch, error, code) -> None:
    opening = _opening(_Mailbox(fail_open=error))
    with pytest.raises(AgentmailError) as raised:
        opening.result()
    assert raised.value.code == code  # a bug is wrapped as internal: one sentence, the traceback only in the log


def test_a_failure_after_the_login_leaves_the_first_page_to_the_index(monkeypatch) -> None:
    mailbox = _Mailbox(fail_view=UnavailableError("the connection dropped"))
    got, first = _opening(mailbox).result()
    assert got is mailbox and first is None


def test_the_first_screen_shows_the_fetched_page_without_asking_the_worker(make_summary, text_of) -> None:
    posted: list[Any] = []

    class _Dispatcher:
        busy = False

        def post(self, call: Any, on_done: Any, **kw: Any) -> int:
            posted.append(call)
            return len(posted)

        def watch(self, folder: str) -> None:
            posted.append(("watch", folder))

    app = App("alice@bbs.test", dispatcher=_Dispatcher())  # type: ignore[arg-type]
    view = View("INBOX", 7, (3, 2, 1))
    first = start.FirstPage(view, [make_summary(u, f"subject {u}") for u in (3, 2, 1)], ViewPrefs("date", False))
    app.open_folder("INBOX", first)
    text = text_of(app.frame, (100, 10))
    assert "subject 3" in text and "subject 1" in text and "     …" not in text  # no placeholder rows
    assert posted == [("watch", "INBOX")]  # no view request and no summaries request went out
    assert isinstance(app.stack[0], IndexScreen) and app.stack[0].sort == "date"  # the remembered order it came in


def test_the_opening_fetches_the_first_page_in_the_remembered_order(monkeypatch, make_summary) -> None:
    mailbox = _Mailbox(uids=(5, 4), summaries=make_summary, prefs=ViewPrefs("subject", True))
    _, first = _opening(mailbox).result()
    assert mailbox.calls[1] == ("view", ("INBOX", "subject", True))
    assert first is not None and first.prefs == ViewPrefs("subject", True)
    assert first.roles is not None and first.roles.role_of("Trash") == "trash"  # d works before the overview


def test_run_tui_raises_the_login_error_before_the_terminal_is_touched(monkeypatch) -> None:
    import urwid

    started: list[bool] = []
    monkeypatch.setattr(urwid.display.raw.Screen, "start", lambda self, *a, **k: started.append(True))
    opening = _opening(_Mailbox(fail_open=AuthError("the mail server refused the login")))

    class _Member:
        address = "alice@bbs.test"

    with pytest.raises(AuthError):
        run_tui(object(), _Member(), read_only=False, opening=opening)
    assert started == []


def test_the_start_module_itself_imports_neither_urwid_nor_the_service() -> None:
    """Both load later, on two threads at once; importing either here would serialise them again."""
    import subprocess
    import sys

    code = (
        "import sys, agentmail.tui.start;"
        "print([m for m in ('urwid', 'imapclient', 'agentmail.service') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
