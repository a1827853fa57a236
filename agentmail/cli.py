"""Entry point: argv or SSH_ORIGINAL_COMMAND -> Invocation -> a front end -> exit status.

Under sshd's ForceCommand the client's words arrive in ``SSH_ORIGINAL_COMMAND``;
they are split like a shell would (``shlex``) but never run by one, and only the
agent command set is accepted from them.  The member always comes from
``AGENTMAIL_MEMBER``; ``--member`` is for operators outside any SSH session.
"""

from __future__ import annotations

import logging
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from agentmail import __version__
from agentmail.errors import AgentmailError, ForbiddenError, InternalError, UsageError

#: Options a member may give over SSH (they change presentation or restrict the session, never identity).
SSH_OPTIONS = frozenset({"--json", "--read-only", "--help", "-h", "--version"})
#: Options only an operator on the host may give.
OPERATOR_OPTIONS = frozenset({"--member", "--config"})
#: Commands that are not agent commands in the table.
SPECIAL = frozenset({"batch", "doctor", "mcp", "tui"})
MAX_SSH_COMMAND = 16 * 1024


@dataclass(frozen=True)
class Invocation:
    """What was asked, after parsing and before any I/O."""

    command: str | None = None  # None: the TUI (or help when there is no terminal)
    words: tuple[str, ...] = ()
    json: bool = False
    read_only: bool = False
    member_override: str | None = None
    config_override: str | None = None
    over_ssh: bool = False
    show_help: bool = False
    show_version: bool = False
    env: Mapping[str, str] = field(default_factory=dict, repr=False)


def is_forced_command(environ: Mapping[str, str]) -> bool:
    """Inside an SSH session (forced command or not) operator options are refused."""
    return any(k in environ for k in ("SSH_ORIGINAL_COMMAND", "SSH_CONNECTION", "SSH_CLIENT"))


def parse_invocation(argv: Sequence[str], environ: Mapping[str, str]) -> Invocation:
    """Turn argv (and SSH_ORIGINAL_COMMAND) into an Invocation; refuse identity changes over SSH."""
    over_ssh = is_forced_command(environ)
    words = list(argv)
    if "SSH_ORIGINAL_COMMAND" in environ:
        original = environ["SSH_ORIGINAL_COMMAND"]
        if len(original) > MAX_SSH_COMMAND:
            raise UsageError("the command is longer than 16 KiB")
        if "\0" in original:
            raise UsageError("the command contains a NUL byte")
        try:
            client_words = shlex.split(original, posix=True)
        except ValueError:
            raise UsageError("the command has unbalanced quotes") from None
        _refuse_operator_options(client_words)
        words += client_words
    options: dict[str, str | bool] = {}
    rest: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if rest or not word.startswith("-") or word == "-":
            rest.append(word)
        elif word == "--":
            rest.extend(words[i + 1 :])
            break
        else:
            name, eq, value = word.partition("=")
            if name in ("--json", "--read-only", "--help", "-h", "--version"):
                options[name] = True
            elif name in OPERATOR_OPTIONS:
                if over_ssh:
                    raise ForbiddenError(f"{name} is for operators on the host, not over SSH")
                if not eq:
                    i += 1
                    if i >= len(words):
                        raise UsageError(f"{name} needs a value")
                    value = words[i]
                options[name] = value
            else:
                raise UsageError(f"unknown option {name[:40]!r}; see agentmail --help")
        i += 1
    command = rest[0] if rest else None
    args = rest[1:]
    # "folder create X" and "draft send 3" are two-word commands.
    if command in ("folder", "draft") and args and not args[0].startswith("-"):
        command, args = f"{command}_{args[0]}", args[1:]
    before_dashes = args[: args.index("--")] if "--" in args else args
    if command and "--help" in before_dashes:  # "read --help" as well as "--help read"
        options["--help"] = True
    return Invocation(
        command=command,
        words=tuple(args),
        json=bool(options.get("--json")),
        read_only=bool(options.get("--read-only")),
        member_override=_str_or_none(options.get("--member")),
        config_override=_str_or_none(options.get("--config")),
        over_ssh=over_ssh,
        show_help=bool(options.get("--help") or options.get("-h")),
        show_version=bool(options.get("--version")),
        env=environ,
    )


def _refuse_operator_options(words: Sequence[str]) -> None:
    for word in words:
        name = word.partition("=")[0]
        if name in OPERATOR_OPTIONS:
            raise ForbiddenError(f"{name} is for operators on the host, not over SSH")


def _str_or_none(value: str | bool | None) -> str | None:
    return value if isinstance(value, str) else None


USAGE = """\
usage: agentmail [--json] [--read-only] [--member NAME] [--config FILE] [COMMAND [ARGS...]]

With no command, agentmail opens the mail reader (a terminal is needed).
With a command, it answers in JSON: agentmail --json help lists the commands.
Over SSH: ssh mail@HOST list INBOX   (or: ssh mail@HOST -- --json list INBOX)
Operators: agentmail doctor [--member NAME]; see man agentmail.
"""


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run agentmail; return the exit status (sysexits codes, see the man page)."""
    env = dict(os.environ if environ is None else environ)
    words = list(sys.argv[1:] if argv is None else argv)
    configure_logging(over_ssh=is_forced_command(env))
    try:
        inv = parse_invocation(words, env)
    except AgentmailError as exc:
        return _fail(None, exc)
    if inv.show_version:
        sys.stdout.write(f"agentmail {__version__}\n")
        return 0
    if inv.show_help and inv.command is None:
        sys.stdout.write(USAGE)
        return 0
    try:
        return _dispatch(inv)
    except AgentmailError as exc:
        return _fail(inv.command, exc)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the process boundary: never a traceback on stdout
        logging.getLogger(__name__).exception("internal error")
        return _fail(inv.command, InternalError.wrap(exc))


class _OneLineFormatter(logging.Formatter):
    """Log records without tracebacks: what a member's terminal may see over SSH."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return super().format(record)


def configure_logging(*, over_ssh: bool) -> None:
    """Logs go to stderr; inside SSH, tracebacks go to syslog only (stderr reaches the member)."""
    root = logging.getLogger()
    root.setLevel(logging.WARNING)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    console = logging.StreamHandler(sys.stderr)
    fmt = "agentmail: %(levelname)s: %(message)s"
    console.setFormatter(_OneLineFormatter(fmt) if over_ssh else logging.Formatter(fmt))
    root.addHandler(console)
    if over_ssh and os.path.exists("/dev/log"):
        from logging.handlers import SysLogHandler  # lazily: most runs have no use for it

        syslog = SysLogHandler(address="/dev/log")
        syslog.setFormatter(logging.Formatter("agentmail[%(process)d]: %(levelname)s: %(message)s"))
        root.addHandler(syslog)


def _fail(command: str | None, exc: AgentmailError) -> int:
    from agentmail.agent.run import failure, write_answer

    write_answer(failure(command, exc))
    return exc.exit_status


def _dispatch(inv: Invocation) -> int:
    if inv.command == "doctor":
        if inv.over_ssh:
            raise ForbiddenError("doctor is for operators on the host, not over SSH")
        from agentmail.ops.doctor import run_doctor

        return run_doctor(inv)
    from agentmail.service.scope import grant_from_env

    if inv.command is None and not sys.stdin.isatty():
        inv = Invocation(command="help", json=True, env=inv.env, over_ssh=inv.over_ssh)
    grant = grant_from_env(inv.env)  # the key line's scope, like the member: validated before any I/O
    if inv.command == "help" or (inv.show_help and inv.command):
        return _run_agent(inv, settings=None, member=None, grant=grant)
    from agentmail.config import load_settings
    from agentmail.identity import member_for

    settings = load_settings(_settings_env(inv))
    raw_member = inv.member_override if inv.member_override is not None else inv.env.get("AGENTMAIL_MEMBER")
    member = member_for(raw_member, settings)
    settings.require_mailbox_access()
    from agentmail.service.slots import acquire_slot

    slot = acquire_slot(settings, member)  # held until this process ends, whichever front end runs
    try:
        if inv.command is None or inv.command == "tui":
            from agentmail.tui.start import run as run_tui  # logs in while it imports urwid

            return run_tui(settings, member, read_only=inv.read_only or grant.read_only, grant=grant)
        return _run_agent(inv, settings, member, grant=grant)
    finally:
        slot.close()


def _settings_env(inv: Invocation) -> dict[str, str]:
    env = dict(inv.env)
    if inv.config_override is not None:
        env["AGENTMAIL_CONFIG"] = inv.config_override
    return env


def _run_agent(inv: Invocation, settings: object, member: object, *, grant: object) -> int:
    from agentmail.agent import run as agent_run
    from agentmail.agent.handlers import Context

    command = inv.command or "help"
    if inv.show_help:
        words: tuple[str, ...] = (command,)
        command = "help"
    else:
        words = inv.words
    ctx = Context(
        settings=settings,
        member=member,
        read_only=inv.read_only,  # type: ignore[arg-type]
        read_stdin=agent_run.stdin_json_reader(sys.stdin.buffer),
        grant=grant,  # type: ignore[arg-type]
    )
    ctx.long_lived = command in ("batch", "mcp", "watch")
    if ctx.long_lived:
        from agentmail.startup import collect_from_now_on

        collect_from_now_on()
    try:
        if command == "batch":
            ctx.read_stdin = None
            return agent_run.run_batch(ctx, sys.stdin.buffer, sys.stdout)
        if command == "mcp":
            from agentmail.agent.mcp import serve

            ctx.read_stdin = None
            return serve(ctx, sys.stdin.buffer, sys.stdout)
        if command in ("watch",):
            from agentmail.agent.feed import run_watch

            return run_watch(ctx, words, sys.stdout)
        answer = agent_run.execute(ctx, command, words=words)
        agent_run.write_answer(answer)
        return agent_run.exit_status(answer)
    finally:
        ctx.close()
