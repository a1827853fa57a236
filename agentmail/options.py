"""Options read from command-line words one way, driven by declared tables.

The global options (cli.py), doctor's options (ops/doctor.py) and every agent command's
arguments (agent/args.py, the ``Arg`` table) go through :func:`scan`.  No argparse: it
prints to stderr and exits, and every refusal here must be one JSON error with the
``usage`` code.  A leaf module (errors only), so the operator tools below the agent layer
can use it and ``--json help`` stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from agentmail.errors import UsageError


class Spec(Protocol):
    """What scan needs of a table row: agent/args.py's Arg and the Option below both are one."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def positional(self) -> bool: ...
    @property
    def option(self) -> str: ...


class Option:
    """An option of the program itself (``--json``, ``--member NAME``); ``operator`` ones are refused over SSH."""

    __slots__ = ("help", "kind", "name", "operator")
    positional = False

    def __init__(self, name: str, kind: str, help: str, *, operator: bool = False) -> None:
        self.name, self.kind, self.help, self.operator = name, kind, help, operator

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


#: The program's own options, given before the command (``agentmail --json list``).
GLOBAL = (
    Option("json", "boolean", "answer in JSON"),
    Option("read_only", "boolean", "change nothing in this session"),
    Option("help", "boolean", "show the usage (or a command's help)"),
    Option("version", "boolean", "show the version"),
    Option("member", "string", "act as this member (operators on the host only)", operator=True),
    Option("config", "string", "read settings from this file (operators on the host only)", operator=True),
)
#: Short spellings of global options.
SHORT = {"-h": "--help"}


def pick(table: Iterable[Option], *names: str) -> tuple[Option, ...]:
    """The rows of a table with these names (doctor takes three of the global options)."""
    return tuple(o for o in table if o.name in names)


def scan(
    table: Iterable[Spec],
    words: Sequence[str],
    refuse: Callable[[str], str],
    *,
    dash: str = "--",
    first_positional_ends: bool = False,
    short: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Split words into option values (by name: a flag's bool or the text given) and the other words, in order.

    A word starting with ``dash`` is an option (``--name value`` or ``--name=value``); ``--`` ends the
    options, and so does the first other word when ``first_positional_ends``.  ``refuse`` turns an unknown
    option word into the usage error's one sentence.
    """
    by_option = {s.option: s for s in table if not s.positional}
    by_option.update({alias: by_option[long] for alias, long in (short or {}).items()})
    values: dict[str, Any] = {}
    rest: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if first_positional_ends and rest:  # the command's own words, "--" and all
            return values, [*rest, *words[i - 1 :]]
        if word == "--":
            return values, [*rest, *words[i:]]
        if not word.startswith(dash) or word == "-":
            rest.append(word)
            continue
        name, eq, text = word.partition("=")
        spec = by_option.get(name)
        if spec is None:
            raise UsageError(refuse(word))
        if spec.kind == "boolean":
            values[spec.name] = truth(text, spec.option) if eq else True
            continue
        if not eq:
            if i >= len(words):
                raise UsageError(f"{spec.option} needs a value")
            text, i = words[i], i + 1
        values[spec.name] = text
    return values, rest


def truth(text: str, label: str) -> bool:
    """A yes/no given as text (``--dry-run=false``, a batch argument "true")."""
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise UsageError(f"{label} must be true or false")
