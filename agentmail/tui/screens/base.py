"""What every screen shares: key dispatch from the key table, and the Host it talks through.

Screens never see the worker or the service: they post typed requests
(``tui/requests.py``) through the Host (the app, or a test recorder) and get
each request's one reply back on the main thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Protocol, TypeVar

import urwid

from agentmail.errors import AgentmailError
from agentmail.model import Address, Draft
from agentmail.tui import keys
from agentmail.tui.requests import Request

T = TypeVar("T")


class Host(Protocol):
    """The app as screens see it."""

    member_address: str
    read_only: bool
    webmail_url: str

    def post(
        self, request: Request[T], on_done: Callable[[T], None], *, slot: str = "",
        on_error: Callable[[AgentmailError], None] | None = None,
    ) -> int: ...  # fmt: skip
    def notify(self, text: str, *, error: bool = False) -> None: ...
    def fail(self, exc: AgentmailError) -> None: ...
    def push(self, screen: Screen) -> None: ...
    def pop(self, screen: Screen) -> None: ...
    def prompt(
        self, caption: str, on_done: Callable[[str], None], *, text: str = "",
        complete: Callable[[str], str] | None = None,
    ) -> None: ...  # fmt: skip
    def confirm(self, question: str, on_yes: Callable[[], None], on_no: Callable[[], None] | None = None) -> None: ...
    def pick_folder(self, title: str, on_pick: Callable[[str], None]) -> None: ...
    def compose(
        self, draft: Draft, *, answered: tuple[str, int, int] | None = None, flag: str = "",
        draft_uid: int | None = None,
    ) -> None: ...  # fmt: skip
    def open_folder(self, folder: str) -> None: ...
    def role_of(self, folder: str) -> str | None: ...  # as the service resolved it
    def expunges(self, folder: str) -> bool: ...  # the service's delete rule
    def refresh_overview(self) -> None: ...
    def folder_gone(self, folder: str) -> None: ...
    def seen_addresses(self) -> list[Address]: ...
    def remember(self, addresses: list[Address]) -> None: ...


class Screen(urwid.WidgetWrap):
    """A full-window screen whose keys come from the key table (``action_<name>`` methods)."""

    name: ClassVar[str] = "global"
    bindings_first: ClassVar[bool] = True  # False: the focused widget sees keys first (text fields)

    def __init__(self, host: Host, widget: urwid.Widget) -> None:
        super().__init__(widget)
        self.host = host
        self.size: tuple[int, int] = (80, 20)

    def selectable(self) -> bool:
        """A screen takes keys even when it shows no selectable widget (an empty folder, no matches)."""
        return True

    def title(self) -> str:
        """What the status line shows for this screen."""
        return self.name

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget narrows size, as urwid's own do
        self.size = size
        action = keys.action_for(self.name, key)
        if action is not None and self.bindings_first:
            getattr(self, f"action_{action}")()
            return None
        unhandled = super().keypress(size, key)
        if unhandled is not None and action is not None:
            getattr(self, f"action_{action}")()
            return None
        return unhandled

    def mouse_event(self, size: tuple[int, int], event: str, button: int, col: int, row: int, focus: bool) -> bool:  # type: ignore[override]  # a box widget narrows size, as urwid's own do
        """The wheel scrolls (``on_wheel``); other mouse events go to the widgets (a click focuses a row)."""
        self.size = size
        if urwid.util.is_mouse_press(event) and button in (4, 5):
            self.on_wheel(-1 if button == 4 else +1)
            return True
        return bool(super().mouse_event(size, event, button, col, row, focus))

    def on_wheel(self, step: int) -> None:
        """One notch of the mouse wheel: -1 up, +1 down."""

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]  # a box widget narrows size, as urwid's own do
        self.size = size
        return super().render(size, focus)

    def activated(self) -> None:
        """Called when the screen comes (back) to the top of the stack."""

    def on_events(self, events: list[Any]) -> None:
        """Change events from the server (new mail, flags, expunges) while this screen is shown."""


class TextScroll:
    """Scrolling a screen of text lines (the pager, a text attachment): pages, lines, top and bottom."""

    listbox: urwid.ListBox
    walker: Any
    size: tuple[int, int]
    host: Host

    def _scroll(self, key: str) -> None:
        self.listbox.keypress(self.size, key)

    def action_back(self) -> None:
        self.host.pop(self)  # type: ignore[arg-type]

    def action_page_down(self) -> None:
        self._scroll("page down")

    def action_page_up(self) -> None:
        self._scroll("page up")

    def action_down(self) -> None:
        self._scroll("down")

    def action_up(self) -> None:
        self._scroll("up")

    def action_top(self) -> None:
        self.listbox.set_focus(0)

    def action_bottom(self) -> None:
        self.listbox.set_focus(len(self.walker) - 1)


class ListMoves:
    """Moving through a list screen's rows (j/k, pages, first/last, the wheel), shared by every list."""

    listbox: urwid.ListBox
    size: tuple[int, int]

    def row_count(self) -> int:
        """How many rows the list has now."""
        raise NotImplementedError

    def _key(self, key: str) -> None:
        if self.row_count():
            self.listbox.keypress(self.size, key)

    def action_down(self) -> None:
        self._key("down")

    def action_up(self) -> None:
        self._key("up")

    def action_page_down(self) -> None:
        self._key("page down")

    def action_page_up(self) -> None:
        self._key("page up")

    def action_first(self) -> None:
        if self.row_count():
            self.listbox.set_focus(0)

    def action_last(self) -> None:
        if count := self.row_count():
            self.listbox.set_focus(count - 1, coming_from="above")

    def on_wheel(self, step: int) -> None:
        for _ in range(3):
            self._key("down" if step > 0 else "up")
