"""Writing a message in the app itself (no external editor, no shell, no files): fields, checks, send, postpone."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import urwid

from agentmail.errors import AgentmailError, InvalidAddressError
from agentmail.mime.headers import parse_addresses
from agentmail.mime.sanitize import clean_line, clean_text
from agentmail.model import Address, Draft, Message
from agentmail.tui.editor import TextEditor
from agentmail.tui.requests import FetchOriginal, FetchRaw, Original, Read, SaveDraft, Send
from agentmail.tui.screens.base import Host, Screen
from agentmail.tui.widgets import addr_list, fmt_size

if TYPE_CHECKING:  # urwid's name for what a ListBox holds (a row that sizes by width)
    from urwid.widget import AbstractFlowWidget

ADDRESS_FIELDS = ("to", "cc", "bcc")
FIELDS = (*ADDRESS_FIELDS, "subject")


def _field(label: str, text: str) -> TextEditor:
    return TextEditor(("field", f"{label:>8}: "), text)


class ComposerScreen(Screen):
    """To/Cc/Bcc/Subject and the body; ^X sends after a y at the confirm bar, ^P postpones, Esc aborts.

    The fields are :class:`TextEditor` widgets (readline keys, undo, bracketed paste); while one takes a
    paste, every key goes to it, so a Tab or newline in the paste is text and never a field switch.
    """

    name = "composer"

    def __init__(self, host: Host, draft: Draft, *, answered: tuple[str, int, int] | None = None,
                 flag: str = "\\Answered", draft_uid: int | None = None) -> None:  # fmt: skip
        self.draft = draft
        self.answered, self.flag = answered, flag
        self.fields = {
            "to": _field("To", addr_list(draft.to)),
            "cc": _field("Cc", addr_list(draft.cc)),
            "bcc": _field("Bcc", addr_list(draft.bcc)),
            "subject": _field("Subject", clean_line(draft.subject)),
        }
        self.body = TextEditor("", clean_text(draft.text), multiline=True)
        if answered is not None:  # a reply or forward: write above the quoted original, as its template expects
            self.body.set_edit_pos(0)
        self.error = urwid.Text("")
        self.sending = False
        self._after_postpone: Callable[[], None] | None = None
        self._typed_at_start = self._typed()
        # Stored versions of this message in Drafts (the one resumed, one kept after a failed send):
        # removed once it is sent or postponed again, so a message never leaves two drafts behind.
        self.draft_uids: list[int] = [draft_uid] if draft_uid is not None else []
        self._header: list[AbstractFlowWidget] = [*self.fields.values(), urwid.AttrMap(self.error, "field error")]
        self._header += [urwid.Text(("note", line)) for line in attachment_lines(draft)]
        self._header += [urwid.Divider("─")]
        self._body_position = len(self._header)
        self._pile = urwid.Pile([*(("pack", w) for w in self._header), urwid.Filler(self.body, valign="top")])
        super().__init__(host, self._pile)
        self._pile.focus_position = 0 if not draft.to else self._body_position

    def title(self) -> str:
        return "Compose: " + (self.fields["subject"].edit_text[:40] or "(no subject)")

    # -- building the draft ------------------------------------------------------------
    def addresses(self, field: str) -> tuple[Address, ...]:
        """The addresses typed in a field, parsed like a header."""
        return parse_addresses(self.fields[field].edit_text)

    def current_draft(self) -> Draft:
        """The draft as typed now (threading headers and attachments kept from the prefill)."""
        return Draft(
            to=self.addresses("to"), cc=self.addresses("cc"), bcc=self.addresses("bcc"),
            subject=self.fields["subject"].edit_text, text=self.body.edit_text,
            attachments=self.draft.attachments, in_reply_to=self.draft.in_reply_to,
            references=self.draft.references, forward=self.draft.forward,
        )  # fmt: skip

    def validate(self) -> Draft | None:
        """Check the addresses; show the first problem inline under the fields."""
        draft = self.current_draft()
        try:
            for name in ADDRESS_FIELDS:
                text = self.fields[name].edit_text
                if text.strip() and not self.addresses(name):
                    raise InvalidAddressError(f"{name.capitalize()}: no address could be read in {text[:60]!r}")
            if not draft.recipients:
                raise InvalidAddressError("add at least one recipient in To, Cc or Bcc")
            own_domain = self.host.member_address.rpartition("@")[2]
            from agentmail.mime import compose  # lazily: email.policy and its header registry wait for a send

            compose.validate_addresses(draft.recipients, local_domains=(own_domain,))
        except AgentmailError as exc:
            self.show_error(str(exc))
            return None
        self.show_error("")
        return draft

    def show_error(self, text: str) -> None:
        """An inline error line under the header fields (empty: none)."""
        self.error.set_text(text)

    # -- actions ------------------------------------------------------------------------
    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget narrows size, as urwid's own do
        if self.sending:
            return None
        editor = self._focused_editor()
        if editor is not None and (editor.pasting or key == "begin paste"):
            return self._w.keypress(size, key)  # a paste is text: no key in it is a command
        cols = size[0]
        header_rows = sum(w.rows((cols,)) for w in self._header)
        self.body.page_rows = max(1, size[1] - header_rows - 1)
        return super().keypress(size, key)

    def _focused_editor(self) -> TextEditor | None:
        focus = self._pile.focus
        focus = focus.original_widget if isinstance(focus, urwid.Filler) else focus
        return focus if isinstance(focus, TextEditor) else None

    def _typed(self) -> tuple[str, ...]:
        return (*(self.fields[name].edit_text for name in FIELDS), self.body.edit_text)

    def has_changes(self) -> bool:
        """Whether anything was typed since the composer opened (else leaving loses nothing)."""
        return self._typed() != self._typed_at_start

    def action_send(self) -> None:
        draft = self.validate()
        if draft is None:
            return
        count = len(draft.recipients)
        self.host.confirm(f"Send to {count} recipient{'s' if count != 1 else ''}?", lambda: self._send(draft))

    def _send(self, draft: Draft) -> None:
        hold = getattr(self.host, "hold_send", None)  # undo send: the app holds it for a few seconds first
        if hold is not None and hold(self, lambda then: self._submit(draft, then)):
            return
        self._submit(draft, None)

    def _submit(self, draft: Draft, then: Callable[[], None] | None) -> None:
        """Post the send; ``then`` runs once it went out (leaving agentmail after a held send)."""
        self.sending = True
        self.host.notify("Sending…")
        request = Send(draft, answered=self.answered, flag=self.flag, drop_drafts=tuple(self.draft_uids))
        self.host.post(request, lambda result: self._sent(result, then), slot="composer-send",
                       on_error=self._send_failed)  # fmt: skip

    def _sent(self, result: Any, then: Callable[[], None] | None = None) -> None:
        self.sending = False
        self.draft_uids = []
        self.host.remember(list(self.current_draft().recipients))
        self.host.pop(self)
        self.host.notify(f"Sent to {result.recipients} recipient{'s' if result.recipients != 1 else ''}.")
        if then is not None:
            then()

    def _send_failed(self, exc: AgentmailError) -> None:
        """The composer stays open with its text; the error says where the draft was kept."""
        if (held_back := getattr(self.host, "held_back", None)) is not None:
            held_back(self)  # a held send failed: the composer comes back on screen
        self.sending = False
        kept = exc.details.get("draft_uid")
        if isinstance(kept, int):
            self.draft_uids.append(kept)
        text = str(exc)
        if "draft_folder" not in exc.details:
            text += " (the message is still here: ^X tries again, ^P saves it to Drafts)"
        self.show_error(text)
        self.host.fail(exc)  # the connection state, when the server went away
        self.host.notify(text, error=True)

    def action_postpone(self, after: Callable[[], None] | None = None) -> None:
        """Save to Drafts and close; then call ``after`` (leaving agentmail saves this way first)."""
        self._after_postpone = after
        self.host.notify("Saving to Drafts…")
        request = SaveDraft(self.current_draft(), tuple(self.draft_uids))
        self.host.post(request, self._postponed, slot="composer-save", on_error=self._postpone_failed)

    def _postpone_failed(self, exc: AgentmailError) -> None:
        self.show_error(f"{exc} (the message is still here)")
        self.host.fail(exc)

    def _postponed(self, where: Any) -> None:
        folder, _uid = where
        self.draft_uids = []
        self.host.pop(self)
        self.host.notify(f"Postponed: saved in {folder}.")
        if self._after_postpone is not None:
            self._after_postpone()

    def action_abort(self) -> None:
        self.host.confirm("Abandon this message?", lambda: self.host.pop(self))

    def action_complete(self) -> None:
        """Complete the last address in an address field; elsewhere Tab moves to the next field."""
        name = self._focused_field()
        if name in ADDRESS_FIELDS:
            edit = self.fields[name]
            completed = complete_address(edit.edit_text, self.host.seen_addresses())
            if completed != edit.edit_text:
                edit.set_edit_text(completed)
                edit.set_edit_pos(len(completed))
                return
        self.action_next_field()

    def action_next_field(self) -> None:
        self._move_focus(+1)

    def action_previous_field(self) -> None:
        self._move_focus(-1)

    def _focused_field(self) -> str | None:
        position = self._pile.focus_position
        return FIELDS[position] if position < len(FIELDS) else None

    def _move_focus(self, step: int) -> None:
        stops = [*range(len(FIELDS)), self._body_position]
        here = stops.index(self._pile.focus_position) if self._pile.focus_position in stops else 0
        self._pile.focus_position = stops[(here + step) % len(stops)]


def attachment_lines(draft: Draft) -> list[str]:
    """What goes with the text: attached files and a forwarded message (shown, not editable)."""
    lines = []
    for a in draft.attachments:
        name = clean_line(a.filename) or "attachment"
        lines.append(f"Attached: {name} ({clean_line(a.content_type)}, {fmt_size(len(a.data))})")
    if draft.forward:
        lines.append(f"Attached: the original message (message/rfc822, {fmt_size(len(draft.forward))})")
    return lines


def complete_address(text: str, known: list[Address]) -> str:
    """Complete the word after the last comma from addresses seen before (name or address prefix)."""
    head, comma, word = text.rpartition(",")
    prefix = word.strip().lower()
    if not prefix:
        return text
    for address in known:
        if address.email.lower().startswith(prefix) or (address.name and address.name.lower().startswith(prefix)):
            lead = head + comma + (" " if comma else "")
            return lead + address.formatted()
    return text


def start_reply(host: Host, folder: str, uid: int, uidvalidity: int, *, reply_all: bool) -> None:
    """Fetch the original (without marking it read) and open a prefilled composer."""

    def opened(original: Message) -> None:
        from agentmail.mime import compose

        draft = compose.reply_draft(original, member_address=host.member_address, reply_all=reply_all)
        host.compose(draft, answered=(folder, uid, uidvalidity), flag="\\Answered")

    host.post(Read(folder, uid, uidvalidity, peek=True), opened, slot="compose-prefill")


def start_forward(host: Host, folder: str, uid: int, uidvalidity: int, *, as_attachment: bool = False) -> None:
    """Fetch the original and its source, and open a composer with it forwarded inline or attached whole."""

    def opened(original: Original) -> None:
        from agentmail.mime import compose

        draft = compose.forward_draft(original.message, original.raw, as_attachment=as_attachment)
        host.compose(draft, answered=(folder, uid, uidvalidity), flag="$Forwarded")

    host.post(FetchOriginal(folder, uid, uidvalidity), opened, slot="compose-prefill")


def start_resume(host: Host, folder: str, uid: int, uidvalidity: int) -> None:
    """Open a stored draft in the composer; sending or postponing it removes the stored copy."""

    def opened(raw: bytes) -> None:
        from agentmail.mime.drafts import draft_from_bytes  # lazily, like compose

        host.compose(draft_from_bytes(raw), draft_uid=uid)

    host.post(FetchRaw(folder, uid, uidvalidity), opened, slot="compose-prefill")


class ReplyActions:
    """Reply, group reply and forward for any screen that can name its message (``_target``)."""

    host: Host

    def _target(self) -> tuple[str, int, int] | None:
        """(folder, uid, uidvalidity) of the message the action is for, or None."""
        raise NotImplementedError

    def action_reply(self) -> None:
        if target := self._target():
            start_reply(self.host, *target, reply_all=False)

    def action_group_reply(self) -> None:
        if target := self._target():
            start_reply(self.host, *target, reply_all=True)

    def action_forward(self) -> None:
        if target := self._target():
            start_forward(self.host, *target)

    def action_forward_attachment(self) -> None:
        if target := self._target():
            start_forward(self.host, *target, as_attachment=True)
