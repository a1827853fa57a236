"""Scopes: what one SSH key may do with the mailbox, set by the server's key line and enforced here.

The key line names the scope beside the member (``environment="AGENTMAIL_SCOPE=draft"``), the agent
(``AGENTMAIL_AGENT=triage-bot``) and an optional recipient allow-list
(``AGENTMAIL_ALLOW_TO=*@bbs.test,boss@corp.example``).
They are validated before any network I/O, like the member: a malformed value stops the session with ``config``.
Each scope includes the one before it; a key without a scope keeps full access.  Every service entry point that
changes something calls ``Grant.require`` (or ``Grant.send_decision`` for a send), so every front end (one-shot,
batch, MCP, TUI) gets the same answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agentmail.errors import ConfigError, ForbiddenError

if TYPE_CHECKING:
    from agentmail.service.decision import SendDecision

#: The scopes, weakest first; each includes everything before it.
SCOPES: tuple[str, ...] = ("read", "organize", "draft", "send", "full")

#: What each scope is for (help, whoami, the man page).
SCOPE_HELP: dict[str, str] = {
    "read": "list, read, search and watch; nothing changes on the server, not even \\Seen",
    "organize": "read, plus flags, move, copy, delete to Trash, restore and folder create; never expunge or send",
    "draft": "organize, plus saving drafts; a send needs the member's approval",
    "send": "draft, plus sending (only to AGENTMAIL_ALLOW_TO when the key line sets it)",
    "full": "everything (the default for a key without AGENTMAIL_SCOPE)",
}

#: Each changing action -> the weakest scope that allows it, and how a refusal names it.
ACTIONS: dict[str, tuple[str, str]] = {
    "mark_seen": ("organize", "mark messages read"),
    "flag": ("organize", "change flags"),
    "move": ("organize", "move messages"),
    "copy": ("organize", "copy messages"),
    "trash": ("organize", "move messages to Trash"),
    "restore": ("organize", "restore messages from Trash"),
    "folder_create": ("organize", "create folders"),
    "draft": ("draft", "save drafts"),
    "send": ("send", "send mail"),
    "expunge": ("full", "delete messages for good"),
    "folder_rename": ("full", "rename folders"),
    "folder_delete": ("full", "delete folders"),
}

ENV_SCOPE, ENV_AGENT, ENV_ALLOW_TO = (
    "AGENTMAIL_SCOPE",
    "AGENTMAIL_AGENT",
    "AGENTMAIL_ALLOW_TO",
)
#: The names sshd's PermitUserEnvironment must list (and nothing a client may set).
KEY_LINE_VARIABLES = ("AGENTMAIL_MEMBER", ENV_SCOPE, ENV_AGENT, ENV_ALLOW_TO)

MAX_ALLOW_ENTRIES = 100
# Patterns, compiled (and cached by re) on first use: most sessions carry neither an agent name nor an allow-list.
_AGENT = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
_LOCAL = r"[A-Za-z0-9!#$%&'+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'+/=?^_`{|}~-]+)*"
_PLAIN_LOCAL = r"[a-z0-9_+=-]+(?:\.[a-z0-9_+=-]+)*"
_DOMAIN = (
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)


@dataclass(frozen=True)
class Grant:
    """The session's scope, agent name and allow-list (None: no list, every recipient allowed)."""

    scope: str = "full"
    agent: str = ""
    allow_to: tuple[str, ...] | None = None

    @property
    def rank(self) -> int:
        return SCOPES.index(self.scope)

    @property
    def read_only(self) -> bool:
        """A `read` key changes nothing: folders are EXAMINEd and reading never sets \\Seen."""
        return self.scope == "read"

    def allows(self, action: str) -> bool:
        return self.rank >= SCOPES.index(ACTIONS[action][0])

    def require(self, action: str) -> None:
        """Raise forbidden, naming the scope, unless the scope allows the action."""
        if not self.allows(action):
            raise ForbiddenError(
                f"this key's scope is {self.scope!r}, which does not allow it to {ACTIONS[action][1]}",
                details={"scope": self.scope},
            )

    def send_decision(self, recipients: Iterable[str]) -> SendDecision:
        """May a message to these addresses go out directly?  Refusals below `draft` are raised at once."""
        from agentmail.service.decision import SendDecision  # lazily: only a send asks (see decision.py)

        if self.rank < SCOPES.index("draft"):
            self.require("send")
        if not self.allows("send"):
            return SendDecision(
                False,
                f"this key's scope is {self.scope!r}: what it sends needs the member's approval",
            )
        outside = tuple(a for a in recipients if not self.allowed_recipient(a))
        if outside:
            return SendDecision(
                False,
                f"this key (scope {self.scope!r}) may send only to the addresses on its allow-list",
                outside,
            )
        return SendDecision(True)

    def allowed_recipient(self, address: str) -> bool:
        """On the list by exact address, or by domain when the local part is a plain one.

        A domain entry never admits a routing trick the relay might honour (``carol%example.org@bbs.test``,
        ``example.org!carol@bbs.test``, a quoted local part): those must be listed exactly.
        """
        if self.allow_to is None:
            return True
        address = address.lower()
        if address in self.allow_to:
            return True
        local, _, domain = address.rpartition("@")
        return f"*@{domain}" in self.allow_to and bool(re.fullmatch(_PLAIN_LOCAL, local))

    def to_json(self) -> dict[str, object]:
        return {
            "scope": self.scope,
            "agent": self.agent or None,
            "allow_to": list(self.allow_to or []) or None,
        }


FULL = Grant()


def grant_from_env(environ: Mapping[str, str]) -> Grant:
    """The key line's scope, agent and allow-list, validated strictly; no network I/O."""
    scope = environ.get(ENV_SCOPE)
    if scope is None:
        scope = "full"
    elif scope not in SCOPES:
        raise ConfigError(f"{ENV_SCOPE} must be one of {', '.join(SCOPES)} (the key line sets it)")
    agent = environ.get(ENV_AGENT)
    if agent is not None and not re.fullmatch(_AGENT, agent):
        raise ConfigError(f"{ENV_AGENT} must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    allow = environ.get(ENV_ALLOW_TO)
    return Grant(scope, agent or "", None if allow is None else parse_allow_list(allow))


def parse_allow_list(raw: str) -> tuple[str, ...]:
    """``*@domain`` or ``local@domain`` entries, comma separated, lower-cased; anything else is refused."""
    entries = [e.strip() for e in raw.split(",")]
    if not raw.strip() or len(entries) > MAX_ALLOW_ENTRIES:
        raise ConfigError(f"{ENV_ALLOW_TO} must list 1-{MAX_ALLOW_ENTRIES} addresses or *@domain, comma separated")
    out = []
    for entry in entries:
        local, at, domain = entry.rpartition("@")
        if not at or not re.fullmatch(_DOMAIN, domain) or not (local == "*" or re.fullmatch(_LOCAL, local)):
            raise ConfigError(f"{ENV_ALLOW_TO} holds an entry that is neither an address nor *@domain")
        out.append(entry.lower())
    return tuple(dict.fromkeys(out))
