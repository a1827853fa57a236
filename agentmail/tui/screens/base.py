"""What every screen shares: key dispatch from the key table, and the Host it talks through.

Screens never see the worker or the service: they post typed requests
(``tui/requests.py``) through the Host (the app, or a test recorder) and get
each request's one reply back on the main thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Sized
from typing import Any, ClassVar, Protocol, TypeVar, cast

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


#: The movements through a list: urwid's own key names for the steps it scrolls (a tall row scrolls within),
#: and "home"/"end" for the ends.
MOVES = ("up", "down", "page up", "page down", "home", "end")


def move_focus(listbox: urwid.ListBox, size: tuple[int, int], how: str, count: int | None = None) -> None:
    """Move a list's focus one step of ``how`` (one of MOVES), clamped to its ends.

    ``count`` is how many real rows the list has (a "Loading…" or "No folders." note is not one);
    with none, nothing moves.  Every list screen, the pager and a text attachment move through this.
    """
    body = cast(Sequence[Any], listbox.body)  # every walker here is a list (urwid's stubs do not say so)
    rows = len(body) if count is None else min(count, len(body))
    if rows <= 0:
        return
    if how == "home":  # the top of the first row, even from inside it when it is taller than the screen
        listbox.change_focus(size, 0, offset_inset=0, coming_from="below")
    elif how == "end":  # the bottom of the last row at the bottom of the screen
        height = body[rows - 1].rows((size[0],), True)
        listbox.change_focus(size, rows - 1, offset_inset=size[1] - height, coming_from="above")
    elif how in MOVES:
        listbox.keypress(size, how)  # urwid clamps at the ends and scrolls within rows taller than the screen
    else:
        raise ValueError(f"not a list movement: {how!r}")


def _moving(how: str) -> Callable[[ListMoves], None]:
    """The action for one of MOVES: the key table names the action, this says which move it is."""

    def action(self: ListMoves) -> None:
        self.move(how)

    action.__doc__ = f"Move the focus: {how}."
    return action


class ListMoves:
    """Moving through a screen's list (j/k, pages, first/last, the wheel): one helper for every list and text."""

    listbox: urwid.ListBox
    size: tuple[int, int]

    def row_count(self) -> int:
        """How many real rows the list has now (a note shown in an empty list is not one)."""
        body = cast(Sized, self.listbox.body)
        return len(body)

    def move(self, how: str) -> None:
        move_focus(self.listbox, self.size, how, self.row_count())

    action_down, action_up = _moving("down"), _moving("up")
    action_page_down, action_page_up = _moving("page down"), _moving("page up")
    action_first = action_top = _moving("home")  # first/last in a list's keys, top/bottom in a text's
    action_last = action_bottom = _moving("end")

    def on_wheel(self, step: int) -> None:
        for _ in range(3):
            self.move("down" if step > 0 else "up")


class TextScroll(ListMoves):
    """Scrolling a screen of text lines (the pager, a text attachment); q goes back."""

    walker: Any  # its lines (urwid's stubs type walkers narrower than the widgets they hold)
    host: Host

    def action_back(self) -> None:
        self.host.pop(self)  # type: ignore[arg-type]
