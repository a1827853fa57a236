"""Starting the mail reader: the IMAP login and INBOX's first page load while urwid is being imported.

Importing urwid and the screens costs more CPU than logging in and fetching the newest rows, and neither
needs the other.  Most of the login and of the first page is waiting on Dovecot (on a 100,000-message
Maildir its first message size alone takes about 70 ms, see step 4), and a thread that waits leaves the
interpreter to the other: so the earlier the login goes out, the more of Dovecot's work hides behind
urwid's imports, and the first screen comes about as soon on a large folder as on a small one.  The order, by design:

1. the :class:`Opening` thread imports only the IMAP layer and starts logging in;
2. meanwhile the UI thread imports the rest of the service (what the first page's requests use), then
   lets the opening thread go on to the SELECT and the FETCH;
3. the UI thread imports urwid and the screens while Dovecot answers;
4. in arrival order (the default) the first page is the newest rows by sequence number, one FETCH after
   the SELECT, without their sizes, and the first screen is drawn from it; the folder's whole uid list
   (an ESEARCH, 15 ms of Dovecot's on 100,000 messages) is asked for after that draw, before any key is
   read, and the worker then fetches those rows again with their sizes (a Maildir keeps a message's size
   in its file name: Dovecot's first look at one reads the folder's whole uid list, 70 ms on 100,000).

One thread imports at a time (the other waits on an event or on Dovecot): two importing threads would
only take turns on the GIL, and a cycle between their modules could meet half-way.  The first screen is
drawn as soon as both are ready; the opened Mailbox is then handed to the worker thread, which owns it from
there on (one thread at a time drives the connection: the opening thread is finished by then).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
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
    #: The folder's message count when ``view`` holds only its newest rows (the whole list follows: ``Opening.rest``).
    total: int | None = None
    #: False: the summaries carry no sizes yet (each 0); the index asks for its first rows again once it can.
    sized: bool = True


class Opening(threading.Thread):
    """Log in, then fetch the first folder's newest summaries and its uid list, on a thread of its own.

    A login failure is kept and raised by :meth:`first` on the main thread, before the terminal is
    touched; a failure after the login only means the index loads the usual way.
    """

    def __init__(self, new_session: Callable[[], Any], make_mailbox: Callable[[Any], Any]) -> None:
        super().__init__(daemon=True, name="imap-opening")
        self._new_session = new_session  # called on this thread: imports the IMAP layer; not connected yet
        self._make_mailbox = make_mailbox  # the Mailbox around the logged-in session, once the service is imported
        self._mailbox: Any = None
        self._first: FirstPage | None = None
        self._rest: FirstPage | None = None
        self._error: AgentmailError | None = None
        self.logging_in = threading.Event()  # this thread's imports are done: its login waits on Dovecot now
        self.service_loaded = threading.Event()  # set by the UI thread: the first page's code is imported
        self._first_ready = threading.Event()  # the first page (or a failure) is there; the rest may follow
        self._drawn = threading.Event()  # the UI thread drew the first screen: the rest may be fetched now

    def run(self) -> None:
        first: FirstPage | None = None
        try:
            self._mailbox = self._make_mailbox(self._log_in())
            first = self._first = self._first_page(self._mailbox)
        except Exception as exc:
            self._failed(exc, logged_in=self._mailbox is not None)
        finally:
            self._first_ready.set()  # from here on first() may take the page: this thread keeps its own reference
        if first is not None and first.total is not None:
            self._drawn.wait()  # after the first draw: its Python work would slow the UI thread's imports and draw
            try:
                self._rest = self._whole_view(self._mailbox, first)
            except Exception as exc:
                self._failed(exc, logged_in=True)

    def _failed(self, exc: Exception, *, logged_in: bool) -> None:
        """Before the login: the reader cannot start (one sentence). After: the index loads the usual way."""
        if not logged_in:
            if not isinstance(exc, AgentmailError):  # a bug at the thread boundary: the traceback goes to the log
                log.exception("opening the mailbox failed")
            self._error = exc if isinstance(exc, AgentmailError) else InternalError.wrap(exc)
        elif isinstance(exc, AgentmailError):
            log.info("the first page could not be fetched ahead (%s); the index will load it", exc.code)
        else:
            log.exception("fetching the first page failed; the index will load it")

    def _log_in(self) -> Any:
        try:
            import encodings.idna  # noqa: F401 -- the connect encodes the server's host name: imported before, not during

            session = self._new_session()
        finally:
            self.logging_in.set()  # whatever happened: the UI thread waits for this
        session.connect()
        self.service_loaded.wait()  # the Mailbox and the paging code, imported by the UI thread meanwhile
        return session

    @staticmethod
    def _first_page(mailbox: Any) -> FirstPage:
        """The newest rows; in arrival order without the whole uid list (``total`` set: it comes next)."""
        from agentmail.model_more import View  # imported by load_service() already, like everything from here on
        from agentmail.uidlist import UidList

        prefs = mailbox.view_prefs(FIRST_FOLDER)  # a small state file: the view comes in the remembered order
        if prefs.sort == "arrival" and not prefs.threads:
            # SELECT, then one FETCH by sequence number; no sizes: on a large Maildir the first costs Dovecot a
            # read of the whole uid list (imap/listing.fetch_newest), and the worker fetches them a moment later.
            page = mailbox.newest(FIRST_FOLDER, limit=FIRST_ROWS, sizes=False)
            newest = [summary.uid for summary in page.items]
            return FirstPage(View(FIRST_FOLDER, page.uidvalidity, UidList(newest)), list(page.items), prefs,
                             total=page.total, sized=False)  # fmt: skip
        view = mailbox.view(FIRST_FOLDER, sort=prefs.sort, threads=prefs.threads)
        uids = list(view.uids[:FIRST_ROWS])
        summaries = mailbox.summaries(FIRST_FOLDER, uids, view.uidvalidity) if uids else []
        return FirstPage(view, summaries, prefs, mailbox.roles())

    @staticmethod
    def _whole_view(mailbox: Any, first: FirstPage) -> FirstPage:
        """After the first draw: the folder's whole uid list (the folder stays selected) and the folder roles."""
        view = mailbox.view(FIRST_FOLDER, uidvalidity=first.view.uidvalidity, reuse=True)
        return FirstPage(view, [], first.prefs, mailbox.roles())

    def first(self) -> tuple[Any, FirstPage | None]:
        """Wait for the first page: the logged-in Mailbox and the page (None if it could not be fetched).

        The Mailbox is not the caller's to use until :meth:`rest` returned: this thread may still drive it.
        """
        self._first_ready.wait()
        if self._error is not None:
            self.join()
            raise self._error
        first, self._first = self._first, None  # the index owns it from now on
        return self._mailbox, first

    def rest(self) -> FirstPage | None:
        """Wait for the thread to end: the whole view and the folder roles when the first page held only the
        newest rows (None otherwise, or if they could not be fetched: the index then loads the view itself).

        Called once the first screen is drawn: only then does the thread fetch the rest.
        """
        self._drawn.set()
        self.join()
        rest, self._rest = self._rest, None  # 100,000 uids: the index holds them from now on
        return rest


def reader_mailbox(settings: Any, member: Any, *, read_only: bool, grant: Any = None, session: Any = None) -> Any:
    """The Mailbox the reader's worker will own, limited to the key line's scope (connecting on first use)."""
    from agentmail.service.mailbox import Mailbox
    from agentmail.service.scope import FULL

    return Mailbox(settings, member, read_only=read_only, interactive=True, grant=grant or FULL, session=session)


def _new_session(settings: Any, member: Any, *, read_only: bool) -> Any:
    from agentmail.service.connect import new_session  # the IMAP layer only: the login goes out before the rest

    return new_session(settings, member, read_only=read_only)


def load_service() -> None:
    """What the first page's requests use (the Mailbox, the SELECT, the uid list, the FETCH, the remembered sort)."""
    from agentmail import model_more, uidlist  # noqa: F401
    from agentmail.imap import criteria, listing  # noqa: F401
    from agentmail.mime import query  # noqa: F401
    from agentmail.service import mailbox, scope, viewprefs  # noqa: F401


def open_ahead(settings: Any, member: Any, *, read_only: bool, grant: Any = None) -> Opening:
    """Start the Opening, and import the service on this thread while its login waits on Dovecot (steps 1 and 2)."""
    opening = Opening(
        functools.partial(_new_session, settings, member, read_only=read_only),
        lambda session: reader_mailbox(settings, member, read_only=read_only, grant=grant, session=session),
    )
    opening.start()
    opening.logging_in.wait()  # its imports first, so its login is on the wire before ours start
    try:
        load_service()
    finally:
        opening.service_loaded.set()
    return opening


def run(settings: Any, member: Any, *, read_only: bool, grant: Any = None) -> int:
    """Start logging in, import the UI meanwhile, then run the reader with the opened mailbox."""
    opening = open_ahead(settings, member, read_only=read_only, grant=grant)
    from agentmail.tui.run import run_tui  # urwid and the screens (step 3): imported while Dovecot answers

    return run_tui(settings, member, read_only=read_only, grant=grant, opening=opening)
