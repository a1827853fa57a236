"""The mail reader for people: urwid MainLoop, the screen stack, the status line, and the wake pipe from the worker."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import urwid

from agentmail.errors import AgentmailError, UnavailableError
from agentmail.mime.sanitize import clean_line
from agentmail.model import Address, Draft, Folder, FolderRoles, Quota
from agentmail.tui import keys
from agentmail.tui import requests as rq
from agentmail.tui.dispatch import Dispatcher, Reply
from agentmail.tui.editor import PasteFilter
from agentmail.tui.requests import GetOverview, Overview, Read, Reconnected, Reconnecting, Request
from agentmail.tui.screens.base import Screen
from agentmail.tui.screens.composer import ComposerScreen
from agentmail.tui.screens.help import HelpScreen
from agentmail.tui.screens.index import IndexScreen
from agentmail.tui.screens.sidebar import FolderPane, SidebarScreen, Workspace, with_counts
from agentmail.tui.start import FirstPage
from agentmail.tui.undo import HeldSend, UndoSend
from agentmail.tui.widgets import ConfirmBar, LineInput, MessageLine

log = logging.getLogger(__name__)
MAX_SEEN_ADDRESSES = 500
HANGUP_SAVE_SECONDS = 10.0  # the most a hang-up waits for a message being written to reach Drafts
OVERVIEW_INTERVAL = 60.0  # seconds between folder-count refreshes (IDLE covers only the open folder)
T = TypeVar("T")
UNBOUND = "Key is not bound. Press ? for help."
#: Requests whose success changes some folder's counts: the overview is asked for again right after their reply.
CHANGES_COUNTS = (rq.Read, rq.SetFlags, rq.Move, rq.Copy, rq.Delete, rq.EmptyTrash, rq.DeleteFolder,
                  rq.CreateFolder, rq.RenameFolder, rq.Send, rq.SaveDraft)  # fmt: skip
NOT_KEYS = frozenset({"window resize", "begin paste", "end paste"})  # events urwid passes along, not key presses


class App(UndoSend):
    """Implements the screens' Host: the stack of screens, status and message lines, prompts."""

    def __init__(self, member_address: str, *, read_only: bool = False, dispatcher: Dispatcher | None = None,
                 webmail_url: str = "", undo_send_seconds: int = 0):  # fmt: skip
        self.member_address, self.read_only, self.webmail_url = member_address, read_only, webmail_url
        self.undo_send_seconds = undo_send_seconds  # AGENTMAIL_UNDO_SEND_SECONDS (tui/undo.py)
        self.loop: Any = None  # the MainLoop, for the undo window's alarms
        self.held: HeldSend | None = None
        self.earlier_held: list[HeldSend] = []
        self.dispatcher = dispatcher
        self.stack: list[Screen] = []
        self.folders: list[Folder] = []
        self.roles: FolderRoles | None = None  # from the service, with the folder list
        self.quota: Quota | None = None
        self.pending_proposals = 0  # agents' proposals waiting for the member
        self.connection = "connecting…"
        self._seen: dict[str, Address] = {}
        self.hint = urwid.Text("", wrap="clip")
        self.status = urwid.Text("", wrap="clip")
        self.line = MessageLine()
        self.message = self.line.text
        self._line: urwid.WidgetPlaceholder[urwid.Widget] = urwid.WidgetPlaceholder(
            urwid.AttrMap(self.message, "message")
        )
        self.footer = urwid.Pile([urwid.AttrMap(self.status, "status"), self._line])
        self.pane = FolderPane(self.pane_clicked)
        self.body = Workspace(self.pane)
        self.frame = urwid.Frame(self.body, header=urwid.AttrMap(self.hint, "hint"), footer=self.footer)
        self.exit_status = 0
        self.paste_filter = PasteFilter(self._takes_paste, self._paste_dropped)

    # -- Host: work and messages ----------------------------------------------------------
    def post(self, request: Request[T], on_done: Callable[[T], None], *, slot: str = "",
             on_error: Callable[[AgentmailError], None] | None = None) -> int:  # fmt: skip
        if self.dispatcher is None:
            return 0
        if isinstance(request, CHANGES_COUNTS) and not (isinstance(request, Read) and request.peek):
            on_done = self._then_counts(on_done)
        req_id = self.dispatcher.post(request, on_done, slot=slot, on_error=on_error or self.fail)
        self.refresh_status()
        return req_id

    def _then_counts(self, on_done: Callable[[T], None]) -> Callable[[T], None]:
        """The reply's own callback, then fresh folder counts (this session's change shows in every folder)."""

        def done(value: T) -> None:
            on_done(value)
            self.refresh_overview()

        return done

    def notify(self, text: str, *, error: bool = False) -> None:
        self.line.show(("error" if error else "message", clean_line(text)), error=error)

    def fail(self, exc: AgentmailError) -> None:
        """An error from the worker: one sentence in the message line, never a traceback."""
        if isinstance(exc, UnavailableError):
            self.connection = "connection lost; retrying on the next request"
        self.notify(str(exc), error=True)
        self.refresh_status()

    # -- Host: screens ---------------------------------------------------------------------
    def push(self, screen: Screen) -> None:
        self.stack.append(screen)
        self._show_top()

    def pop(self, screen: Screen) -> None:
        if screen in self.stack:
            self.stack.remove(screen)
        if not self.stack:
            raise urwid.ExitMainLoop
        self._show_top()
        self.stack[-1].activated()
        if isinstance(self.stack[-1], IndexScreen):
            if isinstance(screen, ComposerScreen):
                self.stack[-1].load()  # sending or postponing may have added to Sent or Drafts, or removed a draft
            self.refresh_overview()  # reading or deleting changed the counts

    def _show_top(self) -> None:
        self.body.set_screen(self.stack[-1])
        self.frame.focus_position = "body"
        self.refresh_status()

    def open_folder(self, folder: str, first: FirstPage | None = None) -> None:
        """Show a folder's index as the bottom of the stack and idle on it (``first``: its page, fetched ahead)."""
        index = IndexScreen(self, folder)
        self.stack = [index]
        self._show_top()
        if self.dispatcher is not None:
            self.dispatcher.watch(folder)
        if self.folders:  # before the first overview the pane keeps saying it is loading, not "No folders."
            self.pane.show(self.folders, folder)
        index.open(first)  # its remembered sort and thread mode first (the first page came with them)
        self.refresh_status()  # the count the page came with: the first frame is drawn before any reply

    def complete_first(self, rest: FirstPage | None) -> None:
        """The rest of the reader's first page (tui/start.py): the whole uid list and the folder roles, if they came."""
        if rest is not None and rest.roles is not None and self.roles is None:
            self.roles = rest.roles
        index = self.stack[0] if self.stack else None
        if isinstance(index, IndexScreen):
            index.complete(rest.view if rest is not None and rest.view.folder == index.folder else None)

    def pane_clicked(self, folder: str) -> None:
        """A click on a folder in the pane opens it, unless a message is being written (never lose typing)."""
        if any(isinstance(screen, ComposerScreen) for screen in self.stack):
            self.notify("Send, postpone (^P) or abandon the message first.", error=True)
            return
        self.open_folder(folder)

    def current_folder(self) -> str:
        """The folder whose index is at the bottom of the stack (what the pane highlights)."""
        bottom = self.stack[0] if self.stack else None
        return bottom.folder if isinstance(bottom, IndexScreen) else ""

    def role_of(self, folder: str) -> str | None:
        """A folder's role as the service resolved it (special-use flag, else the usual names)."""
        return self.roles.role_of(folder) if self.roles is not None else None

    def expunges(self, folder: str) -> bool:
        """The service's delete rule; until the service has said which folder is Trash, assume for good (ask)."""
        return self.roles is None or self.roles.delete_expunges(folder)

    def folder_gone(self, folder: str) -> None:
        """A folder was deleted: if it was open, go back to INBOX."""
        if self.current_folder() == folder:
            self.open_folder("INBOX")

    def compose(self, draft: Draft, *, answered: tuple[str, int, int] | None = None, flag: str = "",
                draft_uid: int | None = None) -> None:  # fmt: skip
        self.push(ComposerScreen(self, draft, answered=answered, flag=flag or "\\Answered", draft_uid=draft_uid))

    def pick_folder(self, title: str, on_pick: Callable[[str], None]) -> None:
        sidebar = SidebarScreen(self, on_pick, heading=title)
        self.push(sidebar)
        if self.folders:
            sidebar.show_folders(self.folders)
        sidebar.load()

    # -- Host: the message line as a prompt ------------------------------------------------
    def prompt(self, caption: str, on_done: Callable[[str], None], *, text: str = "",
               complete: Callable[[str], str] | None = None) -> None:  # fmt: skip
        def done(value: str) -> None:
            self._end_prompt()
            on_done(value)

        self._start_prompt(LineInput(caption, done, self._end_prompt, text=text, complete=complete))

    def confirm(self, question: str, on_yes: Callable[[], None], on_no: Callable[[], None] | None = None) -> None:
        def yes() -> None:
            self._end_prompt()
            on_yes()

        def no() -> None:
            self._end_prompt()
            (on_no or (lambda: None))()

        self._start_prompt(ConfirmBar(question, yes, no))

    def _start_prompt(self, widget: urwid.Widget) -> None:
        self._line.original_widget = widget
        self.footer.focus_position = 1
        self.frame.focus_position = "footer"

    def _end_prompt(self) -> None:
        self._line.original_widget = urwid.AttrMap(self.message, "message")
        self.frame.focus_position = "body"

    # -- Host: addresses for completion ------------------------------------------------------
    def seen_addresses(self) -> list[Address]:
        return list(reversed(self._seen.values()))

    def remember(self, addresses: list[Address]) -> None:
        for address in addresses:
            key = address.email.lower()
            if key and key != self.member_address.lower():
                self._seen.pop(key, None)
                self._seen[key] = Address(clean_line(address.name), clean_line(address.email))
        while len(self._seen) > MAX_SEEN_ADDRESSES:
            self._seen.pop(next(iter(self._seen)))

    # -- the worker's side -------------------------------------------------------------------
    def on_wake(self, data: bytes) -> bool:
        """Wake-up bytes from the worker (b"r") or a signal handler (b"H"): apply replies on this thread."""
        if b"H" in data:
            self.exit_status = 129
            raise urwid.ExitMainLoop
        if self.dispatcher is not None:
            self.dispatcher.drain()
        self.refresh_status()
        return True

    def on_events(self, reply: Reply) -> None:
        """Unsolicited news from the worker: the connection's state, or change events for the watched folder."""
        if reply.error is not None:
            self.connection = "connection lost; reconnecting…"
            self.notify(str(reply.error), error=True)
            return
        news, self.connection = reply.value, "connected"
        if isinstance(news, Reconnecting):
            self.connection = f"reconnecting (retry in {news.retry_in}s)"
            self.notify(f"Reconnecting to the mail server… (retry in {news.retry_in}s)", error=True)
        elif isinstance(news, rq.FoldersChanged):  # other folders changed: NOTIFY's counts, applied as given
            self.folders = with_counts(self.folders, news.counts)  # (a request now could swallow the open one's news)
            self.pane.show(self.folders, self.current_folder())
        elif isinstance(news, Reconnected):
            self.notify("Reconnected to the mail server.")
            self.refresh_overview()  # counts may have changed meanwhile
        else:
            for screen in self.stack:
                screen.on_events(news)
            if any(e.kind == "new" for e in news):
                self.notify("New mail.")
            self.refresh_overview()
        self.refresh_status()

    def refresh_overview(self) -> None:
        """Ask for folder counts and the quota (for the status line and the sidebar)."""
        self.post(GetOverview(), self._overview, slot="overview", on_error=self.fail)

    def _overview(self, overview: Overview) -> None:
        self.folders, self.roles, self.quota = list(overview.folders), overview.roles, overview.quota
        self.pending_proposals = overview.pending_proposals
        self.connection = "connected"
        self.pane.show(self.folders, self.current_folder())
        self.refresh_status()

    def tick(self, loop: Any = None, _data: Any = None) -> None:
        """The periodic refresh: every folder's counts (IDLE reports only the open one), then re-arm."""
        self.refresh_overview()
        if loop is not None:
            loop.set_alarm_in(OVERVIEW_INTERVAL, self.tick)

    def refresh_status(self) -> None:
        """Member, screen, unread count, quota and connection state; the hint bar for the top screen."""
        top = self.stack[-1] if self.stack else None
        parts = [self.member_address + (" (read-only)" if self.read_only else ""), top.title() if top else ""]
        if self.folders:  # no count before the first overview: "unread 0" would be a guess
            parts.append(f"INBOX unread {sum(f.unseen for f in self.folders if f.name.upper() == 'INBOX')}")
        here = next((f for f in self.folders if f.name == self.current_folder() and f.name.upper() != "INBOX"), None)
        if here is not None:
            parts.append(f"{clean_line(here.name)} unread {here.unseen}/{here.total}")
        if self.quota is not None and self.quota.limit_kib:
            parts.append(f"quota {100 * self.quota.used_kib // self.quota.limit_kib}%")
        if self.held is not None:
            parts.append(self.held_status())
        if self.pending_proposals:
            parts.append(f"{self.pending_proposals} pending (A)")
        busy = self.dispatcher is not None and self.dispatcher.busy
        parts.append("working…" if busy and self.connection == "connected" else self.connection)
        self.status.set_text(" " + " | ".join(p for p in parts if p))
        self.hint.set_text(" " + keys.hint_line(top.name if top else "index"))

    # -- global keys -------------------------------------------------------------------------
    def filter_input(self, keys: list[Any], _raw: list[int]) -> list[Any]:
        """A paste goes whole to a text field or nowhere; every key clears the last message first (its answer shows)."""
        if not self.paste_filter.dropping and any(isinstance(k, str) and k not in NOT_KEYS for k in keys):
            self.line.clear()
        return self._undo_key(self.paste_filter(keys, _raw))

    def unhandled(self, key: str | tuple[Any, ...]) -> bool:
        """Keys no screen used: the "global" bindings of the key table."""
        if not isinstance(key, str):
            return False
        action = keys.action_for("global", key)
        if action is None:
            if key not in NOT_KEYS:
                self.notify(UNBOUND, error=True)
            return key != "window resize"
        getattr(self, f"action_{action}")()
        return True

    def action_help(self) -> None:
        self.push(HelpScreen(self))

    def action_toggle_sidebar(self) -> None:
        self.body.toggle()
        self.notify("Folder sidebar shown." if self.body.visible else "Folder sidebar hidden (B shows it).")

    def action_change_folder(self) -> None:
        self.pick_folder("Change to which folder?", self.open_folder)

    def action_sync(self) -> None:
        self.notify("Checking for new mail…")
        for screen in self.stack:
            if isinstance(screen, IndexScreen):
                screen.load(fresh=True, report=screen is self.stack[0])
        self.refresh_overview()

    def action_compose(self) -> None:
        if self.read_only:
            self.notify("This session is read-only; nothing can be sent.", error=True)
            return
        self.compose(Draft())

    def action_approvals(self) -> None:
        from agentmail.tui.screens.approvals import ApprovalsScreen  # lazily: most sessions never open it

        screen = ApprovalsScreen(self)
        self.push(screen)
        screen.load()

    def action_redraw(self) -> None:
        self.refresh_status()

    def action_quit(self) -> None:
        """^C asks before leaving (as mutt does); a message being written is saved to Drafts first."""
        if (held := self.held) is not None:
            waiting = len(self.all_held())
            what = "A message is" if waiting == 1 else f"{waiting} messages are"
            self.confirm(f"{what} waiting to be sent ({held.left()}s). Send {'it' if waiting == 1 else 'them'} now"
                         " and leave?", lambda: self.send_all_held(then=self._quit_now))  # fmt: skip
            return
        if (composer := self._writing()) is None:
            self.confirm("Leave agentmail?", self._leave)
            return
        self.confirm("Leave agentmail? The message being written is saved to Drafts first.",
                     lambda: composer.action_postpone(after=self._leave))  # fmt: skip

    def _quit_now(self) -> None:
        """Leave without asking again (the member already said so): a message being written is saved first."""
        if (composer := self._writing()) is not None:
            composer.action_postpone(after=self._leave)
        else:
            self._leave()

    def _writing(self) -> ComposerScreen | None:
        """The message being written with changes not yet in Drafts (the top one), if any."""
        writing = [s for s in self.stack if isinstance(s, ComposerScreen) and s.has_changes()]
        return writing[-1] if writing else None

    def _leave(self) -> None:
        raise urwid.ExitMainLoop

    def save_before_exit(self, seconds: float = HANGUP_SAVE_SECONDS) -> bool:
        """After a hang-up (the loop has stopped): send a confirmed message held for undo (leaving sends it, as ^C
        does), else save a changed message being written to Drafts; best effort.

        Waits for the worker's reply at most ``seconds``; True when the message went out or reached Drafts.
        """
        if self.dispatcher is None:
            return False
        saved: list[bool] = []
        if self.held is not None:  # confirmed sends in their undo windows: leaving sends them, as ^C does
            self.send_all_held(then=lambda: saved.append(True))
        else:
            if (composer := self._writing()) is None:
                return False
            composer.action_postpone(after=lambda: saved.append(True))
        deadline = time.monotonic() + seconds
        while not saved and self.dispatcher.busy and (left := deadline - time.monotonic()) > 0:
            self.dispatcher.wait(left)
        if not saved:
            log.warning("hang-up: the held or unsaved message could not be sent or saved in time")
        return bool(saved)

    # -- bracketed paste ---------------------------------------------------------------------
    def _takes_paste(self) -> bool:
        """Whether a text field has the focus: a prompt, or the composer."""
        if self.frame.focus_position == "footer":
            return isinstance(self._line.original_widget, LineInput)
        return bool(self.stack) and isinstance(self.stack[-1], ComposerScreen)

    def _paste_dropped(self) -> None:
        self.notify("Paste ignored: there is no text field here.", error=True)
