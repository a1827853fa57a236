"""The command table's types: a command, how it runs, and the context its handler gets.

A leaf: the table (commands.py), the handlers, the schema generator and the front ends all share these
types without importing one another, and nothing here imports a handler or IMAP code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agentmail.agent.args import Arg
from agentmail.agent.shape import Sizer
from agentmail.errors import InternalError
from agentmail.service.scope import FULL, Grant

if TYPE_CHECKING:
    from agentmail.config import Settings
    from agentmail.identity import Member
    from agentmail.service.mailbox import Mailbox


@dataclass
class Context:
    """What a handler may use: the session's mailbox (opened on first use) and the request's stdin."""

    settings: Settings | None  # None for help and schema: they run before any configuration is read
    member: Member | None
    read_only: bool = False
    read_stdin: Callable[[], Any] | None = None  # returns the parsed JSON object from stdin
    mailbox_factory: Callable[[], Mailbox] | None = None
    grant: Grant = FULL  # the key line's scope, agent and allow-list (service/scope.py)
    long_lived: bool = False  # batch, mcp, watch: ride out a server restart instead of failing fast
    sizer: Sizer = field(default_factory=Sizer, repr=False)  # measures answers; each is sent as measured
    _mailbox: Mailbox | None = field(default=None, repr=False)

    @property
    def config(self) -> Settings:
        """The settings, which every command but help and schema runs with."""
        if self.settings is None:
            raise InternalError("this command ran without the configuration")
        return self.settings

    @property
    def mailbox(self) -> Mailbox:
        if self._mailbox is None:
            factory = self.mailbox_factory or self._open_mailbox
            self._mailbox = factory()
        return self._mailbox

    def _open_mailbox(self) -> Mailbox:
        from agentmail.service.mailbox import Mailbox  # lazily: help and schema never open a mailbox

        if self.member is None:
            raise InternalError("a mailbox was asked for without a member")
        window = self.config.reconnect_window if self.long_lived else 0.0
        return Mailbox(self.config, self.member, read_only=self.read_only, reconnect_window=window, grant=self.grant)

    def close(self) -> None:
        if self._mailbox is not None:
            self._mailbox.close()
            self._mailbox = None


#: One request, one answer: the arguments as the Arg table checked them in, the command's answer type out.
Handler = Callable[[Context, dict[str, Any]], Any]


@dataclass(frozen=True)
class Command:
    """One agent command: its arguments, what runs it, what it answers and how it may be used."""

    name: str  # canonical, snake_case; "folder create" on a command line is "folder_create"
    summary: str
    handler: Handler | None  # None: the command is a session of its own (runner)
    args: tuple[Arg, ...] = ()
    answer: str = ""  # its answer type: a class in agentmail.agent.answers ("" for a session's free-form lines)
    # The service actions (service/scope.py ACTIONS) it does its work through; none: it only reads.  The key
    # scope that shows a command is the weakest one allowing any of them (agent/scoped.py), so the two can't drift.
    actions: tuple[str, ...] = ()
    read_only: bool = True  # changes nothing
    destructive: bool = False  # may remove or overwrite something
    idempotent: bool = True  # repeating it with the same arguments changes nothing more
    runner: str = ""  # a session of its own (agent/sessions.py: batch, mcp, watch): reads stdin itself, lives long
    needs_member: bool = True  # False: answers before any settings or member are loaded (help)
    streaming: bool = False  # answers with JSON lines until stopped (watch)
    mcp: bool = True  # offered as an MCP tool
    open_world: bool = False  # reaches beyond this mailbox (sends mail to others)

    @property
    def words(self) -> str:
        return self.name.replace("_", " ")
