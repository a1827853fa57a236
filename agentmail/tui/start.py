"""Starting the mail reader: the IMAP login and INBOX's first page load while urwid is being imported.

Importing urwid and the screens costs more than logging in and fetching the newest rows, and
neither needs the other, so :func:`run` starts an :class:`Opening` thread that logs in and imports
the UI meanwhile (this module imports neither urwid nor, at import time, the service).  The first
screen is drawn as soon as both are ready; the opened Mailbox is then handed to the worker thread,
which owns it from there on (one thread at a time drives the connection: the opening thread is
finished by then).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from agentmail.errors import AgentmailError, InternalError

log = logging.getLogger(__name__)

FIRST_FOLDER = "INBOX"
FIRST_ROWS = 50  # the index's first block (tui/screens/rows.py BLOCK): enough rows for any first screen


@dataclass(frozen=True)
class FirstPage:
    """What the first screen shows: the folder's uid list and the summaries of its newest rows."""

    view: Any  # model.View
    summaries: list[Any]  # list[model.Summary], newest first
    prefs: Any = None  # model.ViewPrefs: the folder's remembered sort and thread mode, which the view is in
    roles: Any = None  # model.FolderRoles: which folder is Trash (the delete rule) before the first overview


class Opening(threading.Thread):
    """Log in, then fetch the first folder's uid list and newest summaries, on a thread of its own.

    A login failure is kept and raised by :meth:`result` on the main thread, before the terminal
    is touched; a failure after the login only means the index loads the usual way.
    """

    def __init__(self, mailbox: Any) -> None:
        super().__init__(daemon=True, name="imap-opening")
        self._mailbox = mailbox
        self._first: FirstPage | None = None
        self._error: AgentmailError | None = None

    def run(self) -> None:
        mailbox = self._mailbox
        try:
            mailbox.open()
        except AgentmailError as exc:
            self._error = exc
            return
        except Exception as exc:  # the thread boundary: a bug becomes one sentence, the traceback goes to the log
            log.exception("opening the mailbox failed")
            self._error = InternalError.wrap(exc)
            return
        try:
            prefs = mailbox.view_prefs(FIRST_FOLDER)  # a small state file: the view comes in the remembered order
            view = mailbox.view(FIRST_FOLDER, sort=prefs.sort, threads=prefs.threads)
            uids = list(view.uids[:FIRST_ROWS])
            summaries = mailbox.summaries(FIRST_FOLDER, uids, view.uidvalidity) if uids else []
            self._first = FirstPage(view, summaries, prefs, mailbox.roles())
        except AgentmailError as exc:
            log.info("the first page could not be fetched ahead (%s); the index will load it", exc.code)
        except Exception:
            log.exception("fetching the first page failed; the index will load it")

    def result(self) -> tuple[Any, FirstPage | None]:
        """Wait for the opening: the logged-in Mailbox and the first page (None if it could not be fetched)."""
        self.join()
        if self._error is not None:
            raise self._error
        first, self._first = self._first, None  # the index owns it from now on (100,000 uids are megabytes)
        return self._mailbox, first


def run(settings: Any, member: Any, *, read_only: bool, grant: Any = None) -> int:
    """Start logging in, import the UI meanwhile, then run the reader with the opened mailbox."""
    # The service is imported here, before the thread starts: every import happens on this thread (one
    # malloc arena for the long-lived module data; the import lock never contended), and the login
    # then waits on the network while urwid is imported (the GIL would serialise two importing threads).
    from agentmail.tui import worker

    opening = Opening(worker.new_mailbox(settings, member, read_only=read_only, grant=grant))
    opening.start()
    from agentmail.tui.run import run_tui  # urwid and the screens: imported while the login runs

    return run_tui(settings, member, read_only=read_only, grant=grant, opening=opening)
