"""THE key table: dispatch, the ``?`` help screen and the man page's KEYS section all read it.

Keys use urwid's names ("enter", "page down", "ctrl x").  A screen looks a key up
here (:func:`action_for`) and calls its ``action_<action>`` method; a key no screen
binding claims falls through to the "global" bindings, handled by the app.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SCREENS = ("global", "index", "pager", "composer", "editor", "sidebar", "attachments", "part", "approvals", "proposal")

#: Headings for the help screen and the man page, in display order.
TITLES = {
    "global": "Everywhere",
    "index": "Message list",
    "pager": "Reading a message",
    "composer": "Writing a message",
    "editor": "Editing text (the composer's fields and every prompt)",
    "sidebar": "Folder list",
    "attachments": "Attachments (v in the pager)",
    "part": "Reading a text attachment",
    "approvals": "Approvals (agents' proposals waiting for you)",
    "proposal": "One proposal (exactly what approving sends)",
}


@dataclass(frozen=True)
class Binding:
    """One action on one screen, the keys that trigger it and a line of help."""

    screen: str
    action: str
    keys: tuple[str, ...]
    help: str
    hint: str = ""  # a short label for the one-line hint bar; empty: not shown there


def _b(screen: str, action: str, keys: Iterable[str], help_text: str, hint: str = "") -> Binding:
    return Binding(screen, action, tuple(keys), help_text, hint)


def _steps(screen: str, row: str) -> tuple[Binding, ...]:
    """j/k through a list's rows (every list screen: screens/base.py ListMoves)."""
    return (_b(screen, "down", ["j", "down"], f"Next {row}"), _b(screen, "up", ["k", "up"], f"Previous {row}"))


def _list_moves(screen: str, row: str, first: str, last: str) -> tuple[Binding, ...]:
    """A long list's moves: rows, pages, and Home/End to its first and last row."""
    return (
        *_steps(screen, row),
        _b(screen, "page_down", ["page down", " "], "Next page"),
        _b(screen, "page_up", ["page up", "-"], "Previous page"),
        _b(screen, "first", ["home"], first),
        _b(screen, "last", ["end"], last),
    )


def _text_moves(screen: str, whole: str = "") -> tuple[Binding, ...]:
    """Scrolling a text (the pager, a part, a proposal) as a pager does; with ``whole``, Home/End to its ends."""
    ends = (_b(screen, "top", ["home"], f"Top of the {whole}"), _b(screen, "bottom", ["end"], f"End of the {whole}"))
    return (
        _b(screen, "page_down", [" ", "page down"], "Next page"),
        _b(screen, "page_up", ["b", "page up", "-"], "Previous page"),
        _b(screen, "down", ["j", "down", "enter"], "Scroll down a line"),
        _b(screen, "up", ["k", "up"], "Scroll up a line"),
        *(ends if whole else ()),
    )


def _replies(screen: str, group_hint: str = "") -> tuple[Binding, ...]:
    """Answering the message in view (screens/composer.py ReplyActions): the same keys in the list and the pager."""
    return (
        _b(screen, "reply", ["r"], "Reply to the sender", "Reply"),
        _b(screen, "group_reply", ["g"], "Reply to the sender and all recipients", group_hint),
        _b(screen, "forward", ["f"], "Forward the message inline"),
        _b(screen, "forward_attachment", ["ctrl f"], "Forward the message as an attachment (message/rfc822)"),
    )


def _decisions(screen: str, approve: str) -> tuple[Binding, ...]:
    """y/e/n on a proposal: the approvals list and the proposal itself decide alike."""
    return (
        _b(screen, "approve", ["y"], approve, "Approve"),
        _b(
            screen,
            "edit",
            ["e"],
            "Edit it in the composer (it becomes your own message; the proposal is withdrawn)",
            "Edit",
        ),
        _b(screen, "reject", ["n"], "Reject, with an optional one-line reason for the agent", "Reject"),
    )


BINDINGS: tuple[Binding, ...] = (
    _b("global", "help", ["?"], "Show this list of keys", "Help"),
    _b("global", "change_folder", ["c"], "Change folder (shows the folder list)", "Folders"),
    _b("global", "sync", ["$"], "Check for new mail and refresh counts now"),
    _b("global", "compose", ["m"], "Write a new message", "Mail"),
    _b("global", "toggle_sidebar", ["B"], "Show or hide the folder sidebar (it hides itself below 90 columns)"),
    _b("global", "redraw", ["ctrl l"], "Redraw the screen"),
    _b("global", "undo_send", ["u"], "Undo send: bring back the newest message still waiting (status line)"),
    _b("global", "approvals", ["A"], "Show agents' proposals waiting for your approval (the status line counts them)"),
    _b("global", "quit", ["ctrl c"], "Leave agentmail, after a y (a message being written is saved to Drafts first)"),
    *_list_moves("index", "message", "First (newest) message", "Last (oldest) message"),
    _b("index", "open", ["enter"], "Read the message (in Drafts: edit it in the composer)", "Open"),
    _b("index", "back", ["q"], "Leave search results, or quit from a folder", "Quit"),
    *_replies("index", group_hint="Group"),
    _b("index", "delete", ["d"], "Move the message to Trash (in Trash: delete for good, asks first)", "Del"),
    _b("index", "undo", ["u"], "Undo the last delete (moves the message back)", "Undo"),
    _b("index", "move", ["s"], "Move the message to another folder"),
    _b("index", "copy", ["C"], "Copy the message to another folder"),
    _b("index", "flag", ["F"], "Flag or unflag the message"),
    _b("index", "toggle_new", ["N"], "Mark the message read or unread"),
    _b("index", "search", ["/"], "Search this folder (same query language as the search command)", "Search"),
    _b("index", "search_all", ["S"], "Search every folder (same query language)"),
    _b("index", "next_unread", ["tab"], "Jump to the next unread message"),
    _b("index", "threads", ["ctrl t"], "Show or hide threads (mutt: sort by threads; t tags, as in mutt)"),
    _b("index", "collapse_thread", ["z", "meta v"], "Collapse or expand the current thread (mutt: Esc v)"),
    _b("index", "collapse_all", ["Z", "meta V"], "Collapse or expand all threads (mutt: Esc V)"),
    _b("index", "sort", ["o"], "Change the sort order (arrival, date, from, subject, size); remembered per folder"),
    _b("index", "tag", ["t"], "Tag or untag the message (a * in its row) and go to the next"),
    _b("index", "tag_pattern", ["T"], "Tag every message matching a query (the search language)"),
    _b("index", "tag_prefix", [";"], "Apply the next key to every tagged message: d, s, C, F or N"),
    _b("index", "limit", ["l"], "Show only messages matching a query (empty: all again)"),
    _b("pager", "back", ["q", "i"], "Back to the message list", "Back"),
    *_text_moves("pager", "message"),
    _b("pager", "next_message", ["n", "J"], "Next message", "Next"),
    _b("pager", "previous_message", ["p", "K"], "Previous message", "Prev"),
    *_replies("pager"),
    _b("pager", "delete", ["d"], "Move the message to Trash and show the next one (in Trash: asks first)", "Del"),
    _b("pager", "headers", ["h"], "Show or hide all headers", "Headers"),
    _b("pager", "raw", ["H"], "Show or hide the raw message source"),
    _b("pager", "attachments", ["v"], "List the parts; text and HTML ones open here (nothing is saved)", "Attach"),
    _b("pager", "wrap", ["w"], "Wrap long lines or cut them"),
    _b("pager", "search", ["/"], "Find text in this message (again: next match)", "Find"),
    _b("composer", "send", ["ctrl x"], "Send the message (asks to confirm)", "Send"),
    _b("composer", "postpone", ["ctrl p"], "Save the message to Drafts and close", "Postpone"),
    _b("composer", "abort", ["esc"], "Abandon the message (asks to confirm; ^P keeps it in Drafts instead)", "Abort"),
    _b("composer", "complete", ["tab"], "Complete an address from recent correspondents, else next field"),
    _b("composer", "next_field", ["ctrl n"], "Next field"),
    _b("composer", "previous_field", ["ctrl b"], "Previous field"),
    _b("editor", "line_start", ["ctrl a"], "Start of the line (Home: start of the screen row)"),
    _b("editor", "line_end", ["ctrl e"], "End of the line (End: end of the screen row)"),
    _b("editor", "kill_line_end", ["ctrl k"], "Cut to the end of the line (at its end: join the next line)"),
    _b("editor", "kill_line_start", ["ctrl u"], "Cut to the start of the line"),
    _b("editor", "kill_word", ["ctrl w"], "Cut the word before the cursor"),
    _b("editor", "delete_char", ["ctrl d"], "Delete the character under the cursor"),
    _b("editor", "yank", ["ctrl y"], "Put back the last cut (cuts in a row are put back together)"),
    _b("editor", "undo", ["ctrl _"], "Undo the last edit (again: the one before, and so on)"),
    _b("editor", "page_down", ["page down"], "Down a page in the body"),
    _b("editor", "page_up", ["page up"], "Up a page in the body"),
    _b("editor", "text_start", ["ctrl home"], "Start of the text"),
    _b("editor", "text_end", ["ctrl end"], "End of the text"),
    _b(
        "editor",
        "cut_quote",
        ["ctrl t"],
        "Trim the quote: cut the quoted original from the cursor's line down (^Y: back)",
    ),
    *_steps("sidebar", "folder"),
    _b("sidebar", "open", ["enter"], "Open the folder (or choose it as the target)", "Open"),
    _b("sidebar", "back", ["q", "esc"], "Close the folder list", "Back"),
    _b("sidebar", "empty_trash", ["E"], "Empty Trash: delete every message in it for good (asks first)", "Empty Trash"),
    _b("sidebar", "delete_folder", ["D"], "Delete the folder and its messages for good (asks first)"),
    _b("sidebar", "create_folder", ["N"], "Create a new folder (asks for its name)", "New"),
    _b("sidebar", "rename_folder", ["R"], "Rename the folder (asks for the new name)", "Rename"),
    *_steps("attachments", "part"),
    _b("attachments", "open", ["enter"], "Show a text or HTML part as text (other parts cannot be saved here)", "View"),
    _b("attachments", "back", ["q", "i", "esc"], "Back to the message", "Back"),
    _b("part", "back", ["q", "i"], "Back to the list of parts", "Back"),
    *_text_moves("part", "part"),
    *_list_moves("approvals", "proposal", "Oldest proposal", "Newest proposal"),
    _b("approvals", "open", ["enter"], "Show exactly what would be sent: headers, text, attachments", "Open"),
    *_decisions("approvals", "Approve: send the proposed message exactly (asks first)"),
    _b("approvals", "back", ["q", "esc"], "Back", "Back"),
    *_text_moves("proposal"),
    *_decisions("proposal", "Approve: send exactly this message (asks first)"),
    _b("proposal", "back", ["q", "esc"], "Back to the approvals list", "Back"),
)


def bindings_for(screen: str) -> tuple[Binding, ...]:
    """The bindings of one screen, in table order."""
    return tuple(b for b in BINDINGS if b.screen == screen)


def action_for(screen: str, key: str) -> str | None:
    """The action a key triggers on a screen (not counting global bindings)."""
    for binding in BINDINGS:
        if binding.screen == screen and key in binding.keys:
            return binding.action
    return None


def display_key(key: str) -> str:
    """How a key is written for people: "ctrl x" -> "^X", " " -> "Space"."""
    names = {" ": "Space", "enter": "Enter", "esc": "Esc", "tab": "Tab", "page down": "PgDn", "page up": "PgUp",
             "home": "Home", "end": "End", "up": "Up", "down": "Down"}  # fmt: skip
    if key.startswith("meta "):
        return "Esc " + key[5:]  # how mutt writes it (Esc-v): the terminal sends Esc, then the key
    if key.startswith("ctrl "):
        rest = key[5:]
        return "^" + names.get(rest, rest.upper())  # "ctrl home" -> "^Home"
    return names.get(key, key)


def hint_line(screen: str) -> str:
    """The one-line key hint for a screen: its hinted bindings, then the global ones."""
    chosen = [b for b in BINDINGS if b.hint and b.screen in (screen, "global")]
    return "  ".join(f"{display_key(b.keys[0])}:{b.hint}" for b in chosen)


def render_man_keys() -> str:
    """The body of the man page's KEYS section (roff, between its GENERATED markers), from the table."""
    from agentmail.mime.roff import roff_escape  # lazily: only the man page is written in roff

    lines = [
        "Keys under",
        ".B Everywhere",
        "work on every screen unless that screen uses the key itself.",
    ]
    for screen in SCREENS:
        lines.append(f".SS {TITLES[screen]}")
        for b in bindings_for(screen):
            keys = ", ".join(roff_escape(display_key(k)) for k in b.keys)
            lines += [".TP", f".B {keys}" if " " not in keys else f'.B "{keys}"', roff_escape(b.help)]
    return "\n".join(lines) + "\n"
