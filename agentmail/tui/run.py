"""Running the mail reader: the terminal, the MainLoop, the worker thread, signals and a hang-up.

The App (tui/app.py) is the screen stack and what the keys do; this module owns the process around it:
it starts the screen with bracketed paste, hands the (possibly already opened) mailbox to the worker,
turns SIGHUP/SIGTERM into a clean exit, and on a hang-up sends or saves what the member left behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from collections.abc import Iterator
from typing import Any

import urwid

from agentmail.startup import collect_from_now_on
from agentmail.tui import theme
from agentmail.tui.app import OVERVIEW_INTERVAL, App
from agentmail.tui.dispatch import Dispatcher
from agentmail.tui.start import Opening, reader_mailbox

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _signals_to(wake_fd: int) -> Iterator[None]:
    """SIGHUP/SIGTERM write a byte to the wake pipe so the loop exits and restores the terminal."""

    def handler(_signum: int, _frame: object) -> None:
        with contextlib.suppress(OSError):
            os.write(wake_fd, b"H")

    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGHUP, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)


def _let_go_of_a_dead_terminal() -> None:
    """After a hang-up: if the terminal is gone, what is left for it goes nowhere, so exiting cannot fail (120)."""
    try:
        sys.stdout.flush()
    except OSError:
        # stdout becomes a pipe nobody reads (its read end stays open until exit; the leftover is a few KiB)
        _unread, sink = os.pipe()
        os.dup2(sink, sys.stdout.fileno())
        os.close(sink)


def run_tui(settings: Any, member: Any, *, read_only: bool, grant: Any = None, opening: Opening | None = None) -> int:
    """Run the mail reader until q (exit status 0) or a hang-up; the terminal is always restored.

    With an ``opening`` (tui/start.py) the login already runs: its failure is raised here, before
    the terminal is touched, and its first page is shown without asking the worker again.
    """
    app = App(member.address, read_only=read_only, webmail_url=getattr(settings, "webmail_url", ""),
              undo_send_seconds=getattr(settings, "undo_send_seconds", 0))  # fmt: skip
    loop, screen = _main_loop(app)
    from agentmail.tui import worker  # the service behind it; screens never import this

    if opening is not None:
        mailbox, first = opening.first()
    else:
        mailbox, first = reader_mailbox(settings, member, read_only=read_only, grant=grant), None
    wake_fd = loop.watch_pipe(app.on_wake)
    thread = worker.Worker(mailbox, wake_fd, watcher_factory=worker.idle_watcher,
                           reconnect_window=settings.reconnect_window)  # fmt: skip
    app.dispatcher = Dispatcher(thread.submit, thread.replies, on_events=app.on_events, on_error=app.fail)
    try:
        with _signals_to(wake_fd):
            screen.start()
            if first is not None and first.roles is not None and app.roles is None:
                app.roles = first.roles  # a d pressed before the first overview knows where Trash is
            app.open_folder("INBOX", first)
            del first  # the index holds the page now; a later view must not leave this one alive
            loop.draw_screen()  # before the worker starts: its overview and IDLE set-up would share the GIL with it
            if opening is not None:  # the opening thread lets go of the mailbox, with the whole uid list
                app.complete_first(opening.rest())  # before any key is read; ^C still interrupts a stalled server
            # ^C, ^\ and ^Z reach the app as keys from here on (^C asks before leaving and saves a message).
            screen.tty_signal_keys(intr="undefined", quit="undefined", susp="undefined")
            collect_from_now_on()  # start-up ran without the cyclic collector (agentmail/startup.py)
            thread.start()
            app.tick()
            loop.set_alarm_in(OVERVIEW_INTERVAL, app.tick)
            loop.run()
    except KeyboardInterrupt:
        app.exit_status = 130
    except (OSError, urwid.InputClosedError) as exc:  # the terminal went away (its end of file came first)
        log.info("the terminal is gone: %s", exc)
        app.exit_status = 129
    finally:
        _finish(app, screen, thread, wake_fd)
    return app.exit_status


def _main_loop(app: App) -> tuple[urwid.MainLoop, Any]:
    """The terminal (bracketed paste, the colours TERM allows) and the MainLoop drawing the app's frame."""
    screen = urwid.display.raw.Screen(bracketed_paste_mode=True)  # ESC[?2004h at start, ESC[?2004l at every stop
    screen.set_terminal_properties(colors=theme.colors_for(os.environ.get("TERM", ""), os.environ.get("COLORTERM", "")))
    loop = urwid.MainLoop(app.frame, list(theme.PALETTE), screen=screen, handle_mouse=True,
                          unhandled_input=app.unhandled, input_filter=app.filter_input)  # fmt: skip
    app.line.loop = app.loop = loop
    return loop, screen


def _finish(app: App, screen: Any, thread: Any, wake_fd: int) -> None:
    """After the loop: save what a hang-up left behind, give the terminal back, stop the worker."""
    if app.exit_status == 129:
        app.save_before_exit()  # a dropped connection never loses a message being written
    if screen.started:
        with contextlib.suppress(OSError):  # a hung-up terminal cannot be written to
            screen.stop()
    if app.exit_status == 129:
        _let_go_of_a_dead_terminal()
    thread.stop()
    if thread.ident is not None:  # started (a failure before the first frame leaves it unstarted)
        thread.join(timeout=3)
    with contextlib.suppress(OSError):
        os.close(wake_fd)
