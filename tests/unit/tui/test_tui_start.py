"""The overlapped start: login and the first page on a thread, handed to the app; a failed login stops the start."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import pytest

from agentmail.errors import AgentmailError, AuthError, UnavailableError
from agentmail.model import FolderRoles, Page, View, ViewPrefs
from agentmail.tui import start
from agentmail.tui.app import App
from agentmail.tui.requests import FetchSummaries, OpenView
from agentmail.tui.run import run_tui
from agentmail.tui.screens.index import IndexScreen


class _Mailbox:
    """Stands in for the service's Mailbox: records the calls of the opening thread."""

    def __init__(self, *, fail_open: Exception | None = None, fail_list: Exception | None = None,
                 fail_view: Exception | None = None, uids: tuple[int, ...] = (), summaries: Any = None,
                 prefs: ViewPrefs | None = None) -> None:  # fmt: skip
        self.fail_open, self.fail_list, self.fail_view, self.uids = fail_open, fail_list, fail_view, uids
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

    def newest(self, folder: str, *, limit: int, sizes: bool = True) -> Page:
        self.calls.append(("newest", (folder, limit, sizes)))
        if self.fail_list is not None:
            raise self.fail_list
        items = tuple(self.make(uid, f"message {uid}") for uid in self.uids[:limit])
        return Page(folder, 7, len(self.uids), items)

    def view(self, folder: str, *, sort: str = "arrival", threads: bool = False, uidvalidity: int | None = None,
             reuse: bool = False) -> View:  # fmt: skip
        self.calls.append(("view", (folder, sort, threads, uidvalidity, reuse)))
        if self.fail_view is not None:
            raise self.fail_view
        return View(folder, 7, self.uids)

    def summaries(self, folder: str, uids: list[int], uidvalidity: int) -> list[Any]:
        self.calls.append(("summaries", (folder, tuple(uids), uidvalidity)))
        return [self.make(uid, f"message {uid}") for uid in uids]


class _Session:
    """Stands in for the IMAP session the opening thread logs in with."""

    def __init__(self, mailbox: _Mailbox) -> None:
        self.mailbox = mailbox

    def connect(self) -> None:
        self.mailbox.open()


def _opening(mailbox: _Mailbox) -> start.Opening:
    opening = start.Opening(lambda: _Session(mailbox), lambda session: mailbox)
    opening.start()
    opening.service_loaded.set()  # what start.open_ahead does once it imported the service
    return opening


def test_the_first_page_is_the_newest_rows_and_comes_before_the_whole_uid_list(make_summary) -> None:
    mailbox = _Mailbox(uids=tuple(range(300, 0, -1)), summaries=make_summary)
    opening = _opening(mailbox)
    got, first = opening.first()
    assert got is mailbox and mailbox.threads == {"imap-opening"}
    assert [name for name, _ in mailbox.calls] == ["open", "newest"] and mailbox.calls[1][1] == ("INBOX", 50, False)
    assert first is not None and first.total == 300 and len(first.summaries) == start.FIRST_ROWS
    assert not first.sized  # asked for without sizes: the index fetches those rows again
    assert first.view.uids == tuple(range(300, 250, -1)) and first.view.uidvalidity == 7
    assert [name for name, _ in mailbox.calls] == ["open", "newest"]  # the whole list only after the first draw
    rest = opening.rest()
    assert mailbox.calls[2] == ("view", ("INBOX", "arrival", False, 7, True))  # the folder stays selected
    assert rest is not None and rest.view.uids == tuple(range(300, 0, -1)) and rest.summaries == []
    assert rest.roles is not None and rest.roles.role_of("Trash") == "trash"  # d works before the overview


def test_the_login_goes_out_before_the_ui_thread_imports_and_the_mailbox_waits_for_the_service(make_summary) -> None:
    """Step 1 then 2 of tui/start.py: `logging_in` before the login; the Mailbox only once the service is loaded."""
    mailbox = _Mailbox(uids=(2, 1), summaries=make_summary)
    seen: dict[str, bool] = {}

    class _Watched(_Session):
        def connect(self) -> None:
            seen["logging_in at the login"] = opening.logging_in.is_set()
            seen["service loaded at the login"] = opening.service_loaded.is_set()
            super().connect()

    def make(session: Any) -> _Mailbox:
        seen["service loaded at the Mailbox"] = opening.service_loaded.is_set()
        return mailbox

    opening = start.Opening(lambda: _Watched(mailbox), make)
    opening.start()
    assert opening.logging_in.wait(5)
    assert opening.is_alive() and not mailbox.calls[1:]  # logged in (or logging in), waiting for the service
    opening.service_loaded.set()
    got, first = opening.first()
    assert got is mailbox and first is not None and [s.uid for s in first.summaries] == [2, 1]
    assert seen == {"logging_in at the login": True, "service loaded at the login": False,
                    "service loaded at the Mailbox": True}  # fmt: skip


def test_a_failure_before_the_login_never_leaves_the_ui_thread_waiting() -> None:
    def broken() -> Any:
        raise ImportError("a module is missing")

    opening = start.Opening(broken, lambda session: None)
    opening.start()
    assert opening.logging_in.wait(5)  # set although the session was never made
    with pytest.raises(AgentmailError) as raised:
        opening.first()
    assert raised.value.code == "internal"


def test_an_empty_inbox_shows_at_once_and_completes_empty(make_summary) -> None:
    mailbox = _Mailbox(summaries=make_summary)
    opening = _opening(mailbox)
    _, first = opening.first()
    assert first is not None and first.summaries == [] and first.total == 0
    rest = opening.rest()
    assert rest is not None and rest.view.uids == () and [n for n, _ in mailbox.calls] == ["open", "newest", "view"]


@pytest.mark.parametrize(
    ("error", "code"),
    [(AuthError("the mail server refused the login"), "auth_failed"), (RuntimeError("a bug"), "internal")],
)
def test_a_failed_login_is_raised_on_the_main_thread_as_one_error(error, code) -> None:
    opening = _opening(_Mailbox(fail_open=error))
    with pytest.raises(AgentmailError) as raised:
        opening.first()
    assert raised.value.code == code  # a bug is wrapped as internal: one sentence, the traceback only in the log


def test_a_failure_after_the_login_leaves_the_first_page_to_the_index() -> None:
    mailbox = _Mailbox(fail_list=UnavailableError("the connection dropped"))
    opening = _opening(mailbox)
    got, first = opening.first()
    assert got is mailbox and first is None and opening.rest() is None


def test_a_failure_of_the_whole_list_after_the_first_page_leaves_it_to_the_index(make_summary) -> None:
    mailbox = _Mailbox(uids=(3, 2, 1), summaries=make_summary, fail_view=UnavailableError("the connection dropped"))
    opening = _opening(mailbox)
    _, first = opening.first()
    assert first is not None and first.total == 3
    assert opening.rest() is None  # the index asks for the view itself (complete(None))


def test_the_opening_fetches_the_first_page_in_the_remembered_order(make_summary) -> None:
    mailbox = _Mailbox(uids=(5, 4), summaries=make_summary, prefs=ViewPrefs("subject", True))
    opening = _opening(mailbox)
    _, first = opening.first()
    assert mailbox.calls[1] == ("view", ("INBOX", "subject", True, None, False))  # the whole view first: no newest
    assert first is not None and first.prefs == ViewPrefs("subject", True) and first.total is None
    assert first.roles is not None and first.roles.role_of("Trash") == "trash"
    assert opening.rest() is None


class _Dispatcher:
    busy = False

    def __init__(self) -> None:
        self.posted: list[Any] = []

    def post(self, call: Any, on_done: Any, **kw: Any) -> int:
        self.posted.append(call)
        return len(self.posted)

    def watch(self, folder: str) -> None:
        self.posted.append(("watch", folder))


def test_the_first_screen_shows_the_fetched_page_without_asking_the_worker(make_summary, text_of) -> None:
    dispatcher = _Dispatcher()
    app = App("alice@bbs.test", dispatcher=dispatcher)  # type: ignore[arg-type]
    view = View("INBOX", 7, (3, 2, 1))
    first = start.FirstPage(view, [make_summary(u, f"subject {u}") for u in (3, 2, 1)], ViewPrefs("date", False))
    app.open_folder("INBOX", first)
    text = text_of(app.frame, (100, 10))
    assert "subject 3" in text and "subject 1" in text and "     …" not in text  # no placeholder rows
    assert dispatcher.posted == [("watch", "INBOX")]  # no view request and no summaries request went out
    assert isinstance(app.stack[0], IndexScreen) and app.stack[0].sort == "date"  # the remembered order it came in


def test_a_first_page_of_the_newest_rows_counts_the_whole_folder_and_is_completed_in_place(
    make_summary, text_of
) -> None:
    dispatcher = _Dispatcher()
    app = App("alice@bbs.test", dispatcher=dispatcher)  # type: ignore[arg-type]
    newest = [make_summary(u, f"subject {u}") for u in (300, 299)]
    app.open_folder("INBOX", start.FirstPage(View("INBOX", 7, (300, 299)), newest, ViewPrefs(), total=300))
    index = app.stack[0]
    assert isinstance(index, IndexScreen) and index.title() == "INBOX (300)"  # not the 2 rows it holds so far
    first_frame = text_of(app.frame, (120, 8))
    assert "INBOX (300)" in first_frame  # the status line of the very first frame says so too
    assert "unread" not in first_frame and "No folders" not in first_frame  # no counts before the overview
    index.items.focus = 1
    roles = FolderRoles((("inbox", "INBOX"), ("trash", "Bin")))
    app.complete_first(start.FirstPage(View("INBOX", 7, tuple(range(300, 0, -1))), [], ViewPrefs(), roles))
    assert index.title() == "INBOX (300)" and len(index.items) == 300 and index.focused_uid() == 299
    assert index.items.summary_at(0) is newest[0]  # the rows already shown are kept, not fetched again
    assert app.role_of("Bin") == "trash"
    assert dispatcher.posted == [("watch", "INBOX")]


def test_rows_shown_before_their_sizes_are_known_leave_the_size_blank_until_the_worker_brings_them(
    make_summary, text_of
) -> None:
    calls: list[tuple[Any, Any]] = []

    class _Recording(_Dispatcher):
        def post(self, call: Any, on_done: Any, **kw: Any) -> int:
            calls.append((call, on_done))
            return super().post(call, on_done, **kw)

    app = App("alice@bbs.test", dispatcher=_Recording())  # type: ignore[arg-type]
    sizeless = [dataclasses.replace(make_summary(u, f"subject {u}"), size=0) for u in (300, 299)]
    app.open_folder("INBOX", start.FirstPage(View("INBOX", 7, (300, 299)), sizeless, ViewPrefs(), total=300,
                                             sized=False))  # fmt: skip
    first_screen = text_of(app.frame, (120, 8))
    assert "subject 300" in first_screen and "0B" not in first_screen and "1K" not in first_screen
    assert calls == []  # nothing asked for before the worker runs
    app.complete_first(start.FirstPage(View("INBOX", 7, tuple(range(300, 0, -1))), [], ViewPrefs()))
    (request, arrived), *_ = calls
    assert isinstance(request, FetchSummaries) and request.uids[:2] == (300, 299)  # the first rows again
    assert "subject 300" in text_of(app.frame, (120, 8))  # still shown meanwhile, not placeholders
    arrived([make_summary(u, f"subject {u}") for u in request.uids])  # with their sizes (1200 bytes)
    assert text_of(app.frame, (120, 8)).count("1K") >= 2


def test_without_the_rest_the_index_asks_for_the_whole_list_itself(make_summary) -> None:
    dispatcher = _Dispatcher()
    app = App("alice@bbs.test", dispatcher=dispatcher)  # type: ignore[arg-type]
    first = start.FirstPage(View("INBOX", 7, (9,)), [make_summary(9, "subject 9")], ViewPrefs(), total=40)
    app.open_folder("INBOX", first)
    app.complete_first(None)
    assert [type(p) for p in dispatcher.posted[1:]] == [OpenView]


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


def test_while_the_rest_is_awaited_after_the_first_frame_ctrl_c_still_interrupts(monkeypatch, make_summary) -> None:
    """The terminal's signal keys are taken over only once the opening thread is done: a server that stalls
    right after the first frame cannot hold the member's terminal (^C is still SIGINT)."""
    import types

    import urwid

    calls: list[str] = []
    monkeypatch.setattr(urwid.display.raw.Screen, "start", lambda self, *a, **k: calls.append("start"))
    monkeypatch.setattr(urwid.display.raw.Screen, "tty_signal_keys", lambda self, *a, **k: calls.append("keys"))
    monkeypatch.setattr(urwid.MainLoop, "draw_screen", lambda self: calls.append("draw"))
    opening = _opening(_Mailbox(uids=(2, 1), summaries=make_summary))

    def interrupted() -> None:
        calls.append("rest")
        raise KeyboardInterrupt  # ^C while Dovecot keeps the whole uid list waiting

    monkeypatch.setattr(opening, "rest", interrupted)
    settings = types.SimpleNamespace(reconnect_window=0, webmail_url="", undo_send_seconds=0)
    member = types.SimpleNamespace(address="alice@bbs.test")
    assert run_tui(settings, member, read_only=False, opening=opening) == 130
    assert calls == ["start", "draw", "rest"]  # the signal keys were never taken over


def test_the_start_module_itself_imports_neither_urwid_nor_the_service() -> None:
    """The opening thread imports the IMAP layer first; importing more here would come before its login."""
    import subprocess
    import sys

    code = (
        "import sys, agentmail.tui.start;"
        "print([m for m in ('urwid', 'imapclient', 'agentmail.service', 'agentmail.model_more') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
