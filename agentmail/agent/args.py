"""Arguments declared once per command, parsed from a command line or a JSON object the same way.

Command-line words go through the one option scanner (agentmail/options.py) that
also reads the program's and doctor's options; an agent gets a JSON error with a
stable code, never argparse's stderr.  The same Arg table produces ``help``, the
JSON Schema and the MCP tool input schemas.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agentmail.errors import UsageError
from agentmail.options import scan, truth

#: A number is ASCII digits only (str.isdigit also accepts '²' and other digits int() refuses), at most 18.
_DIGITS = re.compile(r"[0-9]{1,18}")
#: C0 and C1 controls, DEL and the line/paragraph separators.  A set, not a pattern: a character class beyond
#: Latin-1 costs re about 2 million instructions to compile, at every start-up, for one check of a folder name.
_CONTROL = frozenset(map(chr, (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)))


def has_control(text: str) -> bool:
    """True when text holds a C0/C1 control, DEL or a line/paragraph separator."""
    return not _CONTROL.isdisjoint(text)


#: A JSON object given as an option value (--draft) travels in argv: keep it to what a command line holds.
MAX_OPTION_JSON = 1024 * 1024


@dataclass(frozen=True)
class Arg:
    """One argument: positional (``folder``) or option (``--limit``)."""

    name: str  # the JSON name, snake_case; the option is --name-with-dashes
    kind: str
    help: str
    positional: bool = False
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    stdin: bool = False  # an object read as JSON from standard input on the command line
    rest: bool = False  # a positional string that takes every remaining word (a search query)
    folder: bool = False  # a folder name: control characters are refused before any IMAP command
    json_help: str = ""  # the help for JSON callers (batch, MCP) when the command-line wording does not fit
    json_self_evident: bool = False  # the JSON name says it all (folder, uid): no description in the schema
    schema_ref: str = ""  # an object argument's schema in $defs (DraftInput)
    max_length: int = 4096  # a string's longest value (tokens for many folders are longer)

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


def parse_words(args: Sequence[Arg], words: Sequence[str], command: str) -> dict[str, Any]:
    """Parse command-line words against the table; unknown options are usage errors."""
    positionals = [a for a in args if a.positional]

    def refuse(word: str) -> str:
        known = ", ".join(sorted(a.option for a in args if not a.positional)) or "none"
        return f"{command} has no option {word.partition('=')[0][:60]!r}; its options are: {known}"

    values, free = scan(args, words, refuse)
    for arg in positionals:
        if not free:
            break
        if arg.kind == "uids":
            values[arg.name], free = list(free), []
        elif arg.rest:
            values[arg.name], free = " ".join(free), []
        else:
            values[arg.name] = free.pop(0)
    if free:
        raise UsageError(f"{command} takes no more arguments (got {len(free)} extra, starting {free[0][:60]!r})")
    return check_values(args, values, command)


def check_values(args: Sequence[Arg], values: Mapping[str, Any], command: str) -> dict[str, Any]:
    """Type-check and default a JSON-style argument object (batch, MCP, and parsed words)."""
    known = {a.name: a for a in args}
    extra = sorted(set(values) - set(known))
    if extra:
        names = ", ".join(known) or "none"
        raise UsageError(f"{command} has no argument {extra[0][:60]!r}; its arguments are: {names}")
    out: dict[str, Any] = {}
    for arg in args:
        if arg.name in values and values[arg.name] is not None:
            out[arg.name] = _coerce(arg, values[arg.name])
        elif arg.required and not arg.stdin:
            raise UsageError(f"{command} needs {arg.name if arg.positional else arg.option}")
        else:
            out[arg.name] = arg.default
    return out


def _coerce(arg: Arg, value: Any) -> Any:
    label = arg.name if arg.positional else arg.option
    if arg.kind == "string":
        if not isinstance(value, str):
            raise UsageError(f"{label} must be a string")
        if arg.choices and value not in arg.choices:
            raise UsageError(f"{label} must be one of: {', '.join(arg.choices)}")
        if len(value) > arg.max_length:
            raise UsageError(f"{label} is too long")
        if arg.folder and has_control(value):
            raise UsageError(f"{label} contains a control character; a folder name cannot")
        return value
    if arg.kind == "integer":
        number = _int(value, label)
        if arg.minimum is not None and number < arg.minimum:
            raise UsageError(f"{label} must be at least {arg.minimum}")
        if arg.maximum is not None and number > arg.maximum:
            raise UsageError(f"{label} must be at most {arg.maximum}")
        return number
    if arg.kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            return truth(value, label)
        raise UsageError(f"{label} must be true or false")
    if arg.kind == "uids":
        items = value if isinstance(value, list) else [value]
        uids: list[int] = []
        for item in items:
            if isinstance(item, str) and "," in item:
                uids.extend(_int(x, label) for x in item.split(",") if x)
            else:
                uids.append(_int(item, label))
        if not uids or len(uids) > 1000 or any(u < 1 for u in uids):
            raise UsageError(f"{label} takes 1 to 1000 positive message uids")
        return uids
    if arg.kind == "object":
        if isinstance(value, str) and not arg.positional:  # --draft '{"to": ...}' on a command line
            value = _json_object(value, label)
        if not isinstance(value, dict):
            raise UsageError(f"{label} must be a JSON object")
        return value
    raise UsageError(f"{label} has an unknown kind")


def _json_object(text: str, label: str) -> Any:
    if len(text) > MAX_OPTION_JSON:
        raise UsageError(f"{label} is longer than {MAX_OPTION_JSON} bytes; give it on standard input instead")
    try:
        return json.loads(text)
    except ValueError:
        raise UsageError(f"{label} is not valid JSON") from None


def _int(value: Any, label: str) -> int:
    if isinstance(value, bool):
        raise UsageError(f"{label} must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        return int(value)
    raise UsageError(f"{label} must be a whole number, not {str(value)[:40]!r}")
