"""The text editing widget of the composer and the prompts: readline keys, a kill ring, undo, bracketed paste.

Pure urwid (no network, no service): the keys come from the "editor" bindings of
:mod:`agentmail.tui.keys`, so the ``?`` screen and the man page list them.  It keeps
its own undo history and kill ring rather than urwid's, which only newer urwid has.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import urwid

from agentmail.tui import keys

UNDO_DEPTH = 200  # edits kept for undo
KILL_RING = 10  # cuts kept; ^Y puts back the newest
PASTE_KEYS = {"tab": "\t", "enter": "\n", "ctrl j": "\n", "ctrl m": "\n"}
# Kinds of edit that run together into one undo step while repeated (typing a word, holding Backspace).
RUNS = frozenset({"type", "backspace", "delete"})


def quote_span(text: str, pos: int) -> tuple[int, int] | None:
    """The quoted original to cut: from the cursor's line (or the first quoted line below it) to the quote's end.

    A quoted line starts with ">".  When the cursor sits on the line just above the quote (its
    "... wrote:" line), that line goes too.  Blank lines inside the quote go with it.
    """
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    lines = text.split("\n")
    here = max(i for i, start in enumerate(starts) if start <= pos)
    first = next((i for i in range(here, len(lines)) if lines[i].startswith(">")), None)
    if first is None:
        return None
    last = first
    for i in range(first + 1, len(lines)):
        if lines[i].startswith(">"):
            last = i
        elif lines[i].strip():
            break
    begin = starts[here] if first - here <= 1 else starts[first]
    end = starts[last + 1] if last + 1 < len(lines) else len(text)
    return begin, end


class TextEditor(urwid.Edit):
    """An Edit that knows the readline/emacs keys, cuts into a kill ring, undoes, and takes a paste as text."""

    def __init__(self, caption: str | tuple[str, str] = "", text: str = "", *, multiline: bool = False) -> None:
        super().__init__(caption, text, multiline=multiline)
        self.page_rows = 10  # rows PgUp/PgDn move; the screen sets it from its height
        self.pasting = False
        self._pasted: list[str] = []
        self._undo: list[tuple[str, int]] = []
        self._kills: list[str] = []
        self._last_kind = ""  # the kind of the last edit, to run repeated typing into one undo step
        self._size: tuple[int] = (80,)

    # -- keys ------------------------------------------------------------------------------
    def keypress(self, size: tuple[int], key: str) -> str | None:  # type: ignore[override]  # a flow widget narrows size, as urwid's own do
        self._size = size
        if key == "begin paste" or self.pasting:
            self._paste_key(key)
            return None
        action = keys.action_for("editor", key)
        if action is not None:
            text = self.edit_text
            handled = getattr(self, f"action_{action}")()
            if self.edit_text == text:
                self._last_kind = ""  # a move or a no-op ends a run of edits
            return None if handled else key
        before = (self.edit_text, self.edit_pos)
        unhandled = super().keypress(size, key)
        if self.edit_text != before[0]:
            self._record(before, "type" if self.valid_char(key) else key)
            if key == " ":
                self._last_kind = "space"  # a word and its space are one undo step; the next word is another
        elif unhandled is None:
            self._last_kind = ""  # the cursor moved: the next typing is a new undo step
        return unhandled

    def _paste_key(self, key: str) -> None:
        """Collect a bracketed paste and insert it whole at its end (one undo step, never a command)."""
        if key == "begin paste":
            self.pasting, self._pasted = True, []
        elif key == "end paste":
            self.pasting = False
            self.paste("".join(self._pasted))
        elif key in PASTE_KEYS:
            self._pasted.append(PASTE_KEYS[key])
        elif self.valid_char(key):
            self._pasted.append(key)
        # anything else in a paste (an escape sequence, a control key) is dropped, never acted on

    def paste(self, text: str) -> None:
        """Insert pasted text: tabs and newlines kept in a multi-line field, spaces in a one-line field."""
        if not self.multiline:
            text = " ".join(line for line in text.replace("\t", " ").splitlines() if line)
        if text:
            self._replace(self.edit_pos, self.edit_pos, text, "paste")

    # -- editing primitives ------------------------------------------------------------------
    def _record(self, before: tuple[str, int], kind: str) -> None:
        """Remember the text before an edit, unless the edit continues a run of the same kind."""
        if not (kind in RUNS and kind == self._last_kind and self._undo):
            self._undo.append(before)
            del self._undo[:-UNDO_DEPTH]
        self._last_kind = kind

    def _replace(self, start: int, end: int, new: str, kind: str) -> None:
        """Replace text[start:end] with new, as one undoable edit; the cursor ends after the new text."""
        text = self.edit_text
        self._record((text, self.edit_pos), kind)
        self.set_edit_text(text[:start] + new + text[end:])
        self.set_edit_pos(start + len(new))

    # _cut and _this_line are named apart from urwid.Edit's private _kill and _line_bounds, which its keypress calls.
    def _cut(self, start: int, end: int, *, forward: bool) -> bool:
        """Cut text[start:end] into the kill ring; cuts in a row join into one, as in emacs."""
        if start >= end:
            return True  # nothing to cut, but the key is still ours
        cut = self.edit_text[start:end]
        if self._last_kind == "kill" and self._kills:
            self._kills[-1] = self._kills[-1] + cut if forward else cut + self._kills[-1]
        else:
            self._kills.append(cut)
            del self._kills[:-KILL_RING]
        self._replace(start, end, "", "kill")
        self._last_kind = "kill"
        return True

    def _this_line(self) -> tuple[int, int]:
        """Start and end of the (newline-separated) line the cursor is on."""
        text, pos = self.edit_text, self.edit_pos
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        return start, len(text) if end < 0 else end

    # -- actions (the "editor" bindings of the key table) -------------------------------------
    def action_line_start(self) -> bool:
        self.set_edit_pos(self._this_line()[0])
        return True

    def action_line_end(self) -> bool:
        self.set_edit_pos(self._this_line()[1])
        return True

    def action_kill_line_end(self) -> bool:
        end = self._this_line()[1]
        if end == self.edit_pos and end < len(self.edit_text):
            end += 1  # at the end of a line: cut the line break, joining the next line
        return self._cut(self.edit_pos, end, forward=True)

    def action_kill_line_start(self) -> bool:
        return self._cut(self._this_line()[0], self.edit_pos, forward=False)

    def action_kill_word(self) -> bool:
        """Cut back to the start of the word before the cursor (whitespace-separated, as bash's ^W)."""
        text, pos = self.edit_text, self.edit_pos
        start = pos
        while start > 0 and text[start - 1].isspace():
            start -= 1
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        return self._cut(start, pos, forward=False)

    def action_delete_char(self) -> bool:
        pos = self.edit_pos
        if pos < len(self.edit_text):
            self._replace(pos, pos + 1, "", "delete")
        return True

    def action_yank(self) -> bool:
        if self._kills:
            self._replace(self.edit_pos, self.edit_pos, self._kills[-1], "yank")
        return True

    def action_undo(self) -> bool:
        if self._undo:
            text, pos = self._undo.pop()
            self.set_edit_text(text)
            self.set_edit_pos(min(pos, len(text)))
        self._last_kind = ""
        return True

    def action_text_start(self) -> bool:
        self.set_edit_pos(0)
        return True

    def action_text_end(self) -> bool:
        self.set_edit_pos(len(self.edit_text))
        return True

    def action_page_down(self) -> bool:
        return self._move_rows(+self.page_rows)

    def action_page_up(self) -> bool:
        return self._move_rows(-self.page_rows)

    def _move_rows(self, step: int) -> bool:
        """Move the cursor a page of display rows, to the text's start or end when the page runs out."""
        if not self.multiline:
            return False
        coords = self.get_cursor_coords(self._size)
        if coords is None:  # urwid has no cursor position to start from
            return False
        x, y = coords
        target = y + step
        last = self.rows(self._size) - 1
        if target < 0:
            return self.action_text_start()
        if target > last:
            return self.action_text_end()
        col = self.get_pref_col(self._size)
        self.move_cursor_to_coords(self._size, x if col is None else col, target)
        return True

    def action_cut_quote(self) -> bool:
        """Cut the quoted original from the cursor's line down (into the kill ring, so ^Y or undo puts it back)."""
        span = quote_span(self.edit_text, self.edit_pos) if self.multiline else None
        if span is None:
            return True
        self._last_kind = ""  # its own cut, never joined to an earlier one
        return self._cut(*span, forward=True)


class PasteFilter:
    """The MainLoop's input filter: a paste goes whole to a text field, else it is dropped, never run as keys.

    Without it a paste on the message list would be read as commands (``d`` deletes, ``m`` composes).
    A paste may span several reads, so the state lives here between calls.
    """

    def __init__(self, takes_paste: Callable[[], bool], on_dropped: Callable[[], None]) -> None:
        self._takes_paste, self._on_dropped = takes_paste, on_dropped
        self._dropping = False

    @property
    def dropping(self) -> bool:
        """True between the start and the end of a paste being dropped (it may span several reads)."""
        return self._dropping

    def __call__(self, keys_in: list[Any], _raw: list[int]) -> list[Any]:
        kept: list[Any] = []
        for key in keys_in:
            if self._dropping:
                self._dropping = key != "end paste"
            elif key == "begin paste" and not self._takes_paste():
                self._dropping = True
                self._on_dropped()
            else:
                kept.append(key)
        return kept
