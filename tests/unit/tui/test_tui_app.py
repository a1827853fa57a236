"""The app frame without a terminal or a worker: status line, hint bar, prompts, resize, palettes."""

from __future__ import annotations

from agentmail.errors import UnavailableError
from agentmail.model import Folder, FolderRoles, Quota, View
from agentmail.tui import theme
from agentmail.tui.app import App
from agentmail.tui.dispatch import Reply
from agentmail.tui.requests import GetOverview, Overview, Reconnected, Reconnecting
from agentmail.tui.screens.index import IndexScreen

ROLES = FolderRoles((("inbox", "INBOX"), ("drafts", "Drafts"), ("sent", "Sent"), ("trash", "Trash")))


def overview(folders: list[Folder], quota: Quota | None = None, roles: FolderRoles = ROLES) -> Overview:
    """The worker's answer to GetOverview, as plain data."""
    return Overview(tuple(folders), roles, quota)


def _app() -> App:
    app = App("alice@bbs.test")
    index = IndexScreen(app, "INBOX")
    app.push(index)
    index.show_view(View("INBOX", 1, (3, 2, 1)))
    app._overview(overview([Folder("INBOX", "inbox", 3, 2)], Quota("", 512, 1024)))
    return app


def test_status_line_and_hint_bar_at_80x24_and_after_a_resize(text_of) -> None:
    app = _app()
    for size in ((80, 24), (132, 50), (40, 10)):
        lines = text_of(app.frame, size).splitlines()
        assert len(lines) == size[1] and all(len(line) == size[0] for line in lines)
    lines = text_of(app.frame, (80, 24)).splitlines()
    assert lines[0].startswith(" ?:Help")
    assert "alice@bbs.test | INBOX (3) | INBOX unread 2 | quota 50% | connected" in lines[-2]


def test_errors_are_one_sentence_and_a_lost_connection_shows(text_of) -> None:
    app = _app()
    app.fail(UnavailableError("the mail server closed the connection"))
    text = text_of(app.frame, (100, 24))
    assert "the mail server closed the connection" in text and "connection lost" in text
    assert "Traceback" not in text


def test_prompt_takes_keys_and_gives_them_back(text_of) -> None:
    app = _app()
    got: list[str] = []
    app.prompt("Search: ", got.append)
    for key in "from:bob":
        app.frame.keypress((80, 24), key)
    assert "Search: from:bob" in text_of(app.frame, (80, 24))
    app.frame.keypress((80, 24), "enter")
    assert got == ["from:bob"] and app.frame.focus_position == "body"


def test_palette_choice_follows_term() -> None:
    assert theme.colors_for("xterm-256color") == 256
    assert theme.colors_for("xterm") == 16
    assert theme.colors_for("vt100") == 1
    assert theme.colors_for("") == 1
    assert theme.colors_for("xterm", "truecolor") == 256


def press(app: App, key: str, size: tuple[int, int] = (100, 24)) -> None:
    """A key as the MainLoop delivers it: to the screens first, then the global bindings."""
    left = app.frame.keypress(size, key)
    if left is not None:
        app.unhandled(left)


def _folders(inbox_unseen: int = 2, lists_unseen: int = 0) -> list[Folder]:
    return [
        Folder("Archive/lists", None, 9, lists_unseen), Folder("Trash", "trash", 1, 0), Folder("Sent", "sent", 4, 0),
        Folder("INBOX", "inbox", 3, inbox_unseen), Folder("Drafts", "drafts", 0, 0),
    ]  # fmt: skip


def test_folder_pane_beside_the_index_special_use_first_with_live_unread_counts(text_of) -> None:
    app = _app()
    app._overview(overview(_folders()))
    lines = text_of(app.frame, (120, 24)).splitlines()
    pane = [line[:22].rstrip() for line in lines[1:8]]
    assert pane[0] == "Folders"
    assert [p.split()[0] for p in pane[1:6]] == ["INBOX", "Drafts", "Sent", "Trash", "Archive/lists"]
    assert pane[1].endswith("2") and pane[5] == "Archive/lists"  # unread count only where there is unread mail
    # the index is beside the pane, on the same rows, after a rule
    assert all(line[23] == "│" for line in lines[1:-2])
    assert all(line[25:].strip() == "…" for line in lines[1:4])  # rows waiting for their summaries
    # new mail in another folder: the next overview updates its count without a key
    app._overview(overview(_folders(inbox_unseen=2, lists_unseen=5)))
    pane = [line[:22].rstrip() for line in text_of(app.frame, (120, 24)).splitlines()[1:8]]
    assert pane[5].startswith("Archive/lists") and pane[5].endswith("5")


def test_folder_pane_hides_below_90_columns_and_with_B(text_of) -> None:
    app = _app()
    app._overview(overview(_folders()))

    def pane_shown(cols: int) -> bool:
        return text_of(app.frame, (cols, 24)).splitlines()[1].startswith("Folders")

    assert not pane_shown(80) and not pane_shown(89) and pane_shown(90)
    press(app, "B")
    assert not pane_shown(100)
    press(app, "B")
    assert pane_shown(100)


def test_a_click_in_the_pane_opens_that_folder_but_never_drops_a_message_being_written(text_of) -> None:
    from agentmail.model import Draft

    app = _app()
    app._overview(overview(_folders()))
    text_of(app.frame, (120, 24))
    lines = text_of(app.frame, (120, 24)).splitlines()
    sent_row = next(i for i, line in enumerate(lines) if line.startswith("Sent"))
    app.frame.mouse_event((120, 24), "mouse press", 1, 3, sent_row, True)
    assert isinstance(app.stack[0], IndexScreen) and app.stack[0].folder == "Sent"
    assert "Sent unread 0/4" in text_of(app.frame, (120, 24))
    app.compose(Draft(text="half a thought"))
    app.frame.mouse_event((120, 24), "mouse press", 1, 3, sent_row - 1, True)
    assert app.stack[-1].name == "composer" and "postpone" in app.message.text


def test_help_lists_every_key_and_the_webmail_address(text_of) -> None:
    app = App("alice@bbs.test", webmail_url="https://mail.bbs.test/")
    app.push(IndexScreen(app, "INBOX"))
    app.action_help()
    text = text_of(app.frame, (100, 300))
    assert "https://mail.bbs.test/" in text and "Search every folder" in text


def test_the_periodic_tick_refreshes_every_folder_count() -> None:
    posted: list[object] = []

    class Dispatcher:
        busy = False

        def post(self, request, on_done, *, slot="", on_error=None) -> int:
            posted.append(request)
            return 1

    class Loop:
        def set_alarm_in(self, seconds, callback) -> None:
            self.armed = (seconds, callback)

    app = App("alice@bbs.test", dispatcher=Dispatcher())  # type: ignore[arg-type]
    loop = Loop()
    app.tick(loop)
    assert posted == [GetOverview()] and loop.armed[1] == app.tick


def test_monochrome_and_256_colour_palettes_cover_every_attribute() -> None:
    names = {entry[0] for entry in theme.PALETTE}
    assert {"folder current", "auth good", "auth bad", "pane title"} <= names
    assert all(len(entry) == 6 for entry in theme.PALETTE)


def test_roles_and_the_delete_rule_come_from_the_service() -> None:
    app = _app()
    assert app.expunges("INBOX") is False and app.expunges("Trash") is True and app.role_of("Drafts") == "drafts"
    # a server without SPECIAL-USE whose Trash is "Deleted Items": the service resolved it, the app follows
    deleted_items = FolderRoles((("trash", "Deleted Items"),))
    app._overview(overview([Folder("INBOX"), Folder("Deleted Items")], roles=deleted_items))
    assert app.expunges("Deleted Items") and not app.expunges("INBOX") and app.role_of("Trash") is None
    app._overview(overview([Folder("INBOX")], roles=FolderRoles((("inbox", "INBOX"),))))
    assert app.expunges("INBOX"), "with no Trash a delete is for good, so the app asks first"


def test_reconnecting_shows_in_the_status_line_until_the_server_is_back(text_of) -> None:
    app = _app()
    app.on_events(Reply(0, value=Reconnecting(4, "connection refused")))
    text = text_of(app.frame, (140, 24))
    assert "Reconnecting to the mail server… (retry in 4s)" in text and "reconnecting (retry in 4s)" in text
    app.on_events(Reply(0, value=Reconnected()))
    text = text_of(app.frame, (140, 24))
    assert "Reconnected to the mail server." in text and "| connected" in text and "retry in" not in text
