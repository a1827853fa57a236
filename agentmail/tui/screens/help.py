"""The ``?`` screen: every binding in the key table, grouped by screen (the same table the man page comes from)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import urwid

from agentmail.mime import query
from agentmail.mime.sanitize import clean_line
from agentmail.tui import keys
from agentmail.tui.screens.base import Host, ListMoves, Screen

if TYPE_CHECKING:  # urwid's name for what a ListBox holds (a row that sizes by width)
    from urwid.widget import AbstractFlowWidget


def help_rows(webmail_url: str = "") -> list[AbstractFlowWidget]:
    """The webmail address, then one heading per screen and one line per binding."""
    rows: list[AbstractFlowWidget] = []
    if webmail_url:
        rows.append(
            urwid.Text([("help title", "Webmail"), f": the same mailbox in a browser at {clean_line(webmail_url)}"])
        )
    for screen in keys.SCREENS:
        rows += [urwid.Divider(" "), urwid.Text(("help title", keys.TITLES[screen]))]
        for b in keys.bindings_for(screen):
            shown = ", ".join(keys.display_key(k) for k in b.keys)
            rows.append(urwid.Columns([(18, urwid.Text(("help key", shown))), urwid.Text(b.help)], dividechars=1))
    rows += [urwid.Divider(" "), urwid.Text(("help title", QUERY_TITLE))]
    for form, meaning in query.describe():
        rows.append(urwid.Pile([urwid.Text(("help key", form)), urwid.Padding(urwid.Text(meaning), left=4)]))
    return rows


QUERY_TITLE = "Search queries (/ and S here, the search command for agents)"


class HelpScreen(ListMoves, Screen):
    """Scrollable list of keys; q or ? closes it."""

    name = "help"

    def __init__(self, host: Host) -> None:
        self.listbox = urwid.ListBox(urwid.SimpleFocusListWalker(help_rows(getattr(host, "webmail_url", ""))))
        super().__init__(host, self.listbox)

    def title(self) -> str:
        return "Help: keys"

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget narrows size, as urwid's own do
        if key in ("q", "?", "esc", "enter"):
            self.host.pop(self)
            return None
        aliases = {"j": "down", "k": "up", " ": "page down", "b": "page up", "-": "page up"}
        return self.listbox.keypress(size, aliases.get(key, key))
