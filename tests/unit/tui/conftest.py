"""A stand-in Host for screen tests: records the typed requests screens post; tests answer them with canned replies.

No test here fakes a mailbox: a screen's contract is the request it posts (asserted
by equality) and what it does with the one reply (given as a plain value).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from agentmail.errors import AgentmailError
from agentmail.model import Address, Draft, Summary
from agentmail.tui.requests import Request


@dataclass
class Posted:
    """One request a screen posted, with the callbacks it expects."""

    request: Request[Any]
    on_done: Callable[[Any], None]
    slot: str
    on_error: Callable[[AgentmailError], None] | None

    def reply(self, value: Any) -> None:
        """Answer the request as the worker would."""
        self.on_done(value)

    def fail(self, exc: AgentmailError) -> None:
        """Answer the request with an error, as the worker would."""
        assert self.on_error is not None, "this screen leaves errors to the host"
        self.on_error(exc)


@dataclass
class RecordingHost:
    """Implements the screens' Host protocol in memory."""

    member_address: str = "alice@bbs.test"
    read_only: bool = False
    webmail_url: str = "https://mail.bbs.test"
    roles: dict[str, str] = field(default_factory=lambda: {"INBOX": "inbox", "Trash": "trash", "Drafts": "drafts"})
    overviews: int = 0
    drafts_resumed: list[int | None] = field(default_factory=list)
    posted: list[Posted] = field(default_factory=list)
    notes: list[tuple[str, bool]] = field(default_factory=list)
    stack: list[Any] = field(default_factory=list)
    composed: list[Draft] = field(default_factory=list)
    confirms: list[tuple[str, Callable[[], None]]] = field(default_factory=list)
    prompts: list[tuple[str, Callable[[str], None]]] = field(default_factory=list)
    seen: list[Address] = field(default_factory=list)

    def post(self, request: Request[Any], on_done: Any, *, slot: str = "", on_error: Any = None) -> int:
        assert isinstance(request, Request), f"screens post typed requests, not {type(request).__name__}"
        self.posted.append(Posted(request, on_done, slot, on_error))
        return len(self.posted)

    @property
    def requests(self) -> list[Request[Any]]:
        """Every request posted so far, in order."""
        return [p.request for p in self.posted]

    def notify(self, text: str, *, error: bool = False) -> None:
        self.notes.append((text, error))

    def fail(self, exc: AgentmailError) -> None:
        self.notes.append((str(exc), True))

    def push(self, screen: Any) -> None:
        self.stack.append(screen)

    def pop(self, screen: Any) -> None:
        if screen in self.stack:
            self.stack.remove(screen)

    def prompt(self, caption: str, on_done: Any, *, text: str = "", complete: Any = None) -> None:
        self.prompts.append((caption, on_done))

    def confirm(self, question: str, on_yes: Any, on_no: Any = None) -> None:
        self.confirms.append((question, on_yes))

    def pick_folder(self, title: str, on_pick: Any) -> None:
        self.prompts.append((title, on_pick))

    def compose(self, draft: Draft, *, answered: Any = None, flag: str = "", draft_uid: int | None = None) -> None:
        self.composed.append(draft)
        self.drafts_resumed.append(draft_uid)

    def role_of(self, folder: str) -> str | None:
        return self.roles.get(folder)

    def expunges(self, folder: str) -> bool:
        return self.roles.get(folder) == "trash"

    def refresh_overview(self) -> None:
        self.overviews += 1

    def folder_gone(self, folder: str) -> None:
        self.notes.append((f"gone {folder}", False))

    def open_folder(self, folder: str) -> None:
        self.notes.append((f"open {folder}", False))

    def seen_addresses(self) -> list[Address]:
        return list(self.seen)

    def remember(self, addresses: list[Address]) -> None:
        self.seen.extend(addresses)


@pytest.fixture
def host() -> RecordingHost:
    return RecordingHost()


def summary(uid: int, subject: str = "hello", *, unread: bool = False, sender: str = "Bob") -> Summary:
    """A plain index row for tests."""
    return Summary(
        uid=uid,
        flags=() if unread else ("\\Seen",),
        size=1200,
        date=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        sender=Address(sender, "bob@bbs.test"),
        subject=subject,
    )


def screen_text(widget: Any, size: tuple[int, int] = (80, 12)) -> str:
    """What the widget shows, as one string (rows joined by newlines)."""
    return "\n".join(row.decode("utf-8") for row in widget.render(size, focus=True).text)


@pytest.fixture
def make_summary() -> Callable[..., Summary]:
    return summary


@pytest.fixture
def text_of() -> Callable[..., str]:
    return screen_text


def attrs_by_row(canvas: Any) -> list[tuple[str, set[str]]]:
    """Each rendered row's text and the attributes used on it."""
    out = []
    for row in canvas.content():
        text = b"".join(seg for _, _, seg in row).decode("utf-8")
        out.append((text, {attr for attr, _, _ in row if attr}))
    return out


@pytest.fixture
def attrs_of() -> Callable[[Any], list[tuple[str, set[str]]]]:
    return attrs_by_row
