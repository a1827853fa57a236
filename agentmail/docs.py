"""Generate the man page's tables from the code that defines them, and check that they agree.

``python -m agentmail.docs --write man/agentmail.1`` regenerates the COMMANDS,
ENVIRONMENT, EXIT STATUS, KEYS and QUERY LANGUAGE sections between their markers;
``--check`` fails (exit 1) when the file differs, so the docs cannot drift.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from agentmail.mime.roff import roff_escape


def commands_section() -> str:
    from agentmail.agent.commands import COMMANDS
    from agentmail.agent.typeschema import usage

    lines = []
    for cmd in COMMANDS:
        marks = [
            m
            for m, on in (
                ("read-only", cmd.read_only),
                ("destructive", cmd.destructive),
                ("idempotent", cmd.idempotent),
                ("streaming", cmd.streaming),
            )
            if on
        ]
        lines += [
            ".TP",
            f".B {roff_escape(usage(cmd))}",
            f"{roff_escape(cmd.summary)} ({', '.join(marks) or 'changes mail'})",
        ]
        for arg in cmd.args:
            label = arg.name.upper() if arg.positional else arg.option
            if arg.stdin:
                label = "stdin"
            lines += [".RS", ".TP", f".I {roff_escape(label)}", roff_escape(arg.help), ".RE"]
    return "\n".join(lines)


def environment_section() -> str:
    from agentmail.config import VARIABLES
    from agentmail.service.scope import SCOPES

    lines = []
    for name, (default, help_text) in VARIABLES.items():
        suffix = f" Default: {default}." if default else ""
        lines += [".TP", f".B {roff_escape(name)}", roff_escape(help_text + "." + suffix)]
    lines += [
        ".TP",
        ".B AGENTMAIL_MEMBER",
        "The member this session acts for; set per SSH key by sshd, never by the client.",
        ".TP",
        ".B AGENTMAIL_SCOPE",
        roff_escape(
            f"What this SSH key may do: {', '.join(SCOPES)} (see Scopes under DEPLOYMENT); set by the key line, "
            "never by the client. Without it: full."
        ),
        ".TP",
        ".B AGENTMAIL_AGENT",
        "The agent's name (1\\-64 letters, digits, '.', '_', '\\-'), written into the audit line of everything "
        "it changes or sends; set by the key line.",
        ".TP",
        ".B AGENTMAIL_ALLOW_TO",
        "The only recipients this key may send to: addresses or *@domain, comma separated; set by the key line.",
        ".TP",
        ".B AGENTMAIL_CONFIG",
        "The config file to read instead of /etc/agentmail/agentmail.env (the system file is then not read).",
    ]
    return "\n".join(lines)


def exit_section() -> str:
    from agentmail.agent.run import BATCH_FAILED_STATUS
    from agentmail.errors import ERROR_CLASSES

    lines = [".TP", ".B 0", "Success."]
    lines += [
        ".TP",
        f".B {BATCH_FAILED_STATUS}",
        "batch only: at least one request failed; its answer line carries the error code.",
    ]
    seen: dict[int, list[str]] = {}
    for cls in ERROR_CLASSES:
        seen.setdefault(cls.exit_status, []).append(cls.code)
    for status in sorted(seen):
        codes = ", ".join(seen[status])
        lines += [".TP", f".B {status}", roff_escape(f"Error codes: {codes}.")]
    return "\n".join(lines)


def keys_section() -> str:
    from agentmail.tui.keys import render_man_keys

    return render_man_keys().strip()


def query_section() -> str:
    from agentmail.mime.query import describe

    lines = []
    for form, meaning in describe():
        quoted = roff_escape(form).replace('"', '""')  # a literal quote inside a quoted roff argument
        lines += [".TP", f".B {roff_escape(form)}" if " " not in form else f'.B "{quoted}"']
        lines.append(roff_escape(meaning + "."))
    return "\n".join(lines)


SECTIONS: dict[str, Callable[[], str]] = {
    "query": query_section,
    "commands": commands_section,
    "environment": environment_section,
    "exit-status": exit_section,
    "keys": keys_section,
}


def regenerate(text: str) -> str:
    for name, make in SECTIONS.items():
        pattern = re.compile(
            rf"(^\.\\\" BEGIN GENERATED {name}\n)(.*?)(^\.\\\" END GENERATED {name}$)", re.MULTILINE | re.DOTALL
        )
        if not pattern.search(text):
            raise SystemExit(f"man page lacks the markers for the generated {name} section")
        text = pattern.sub(_between_markers(make()), text)
    return text


def _between_markers(body: str) -> Callable[[re.Match[str]], str]:
    """The replacement that keeps a section's two markers and puts body between them."""
    return lambda m: m.group(1) + body + "\n" + m.group(3)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("--check", "--write"):
        sys.stderr.write("usage: python -m agentmail.docs --check|--write man/agentmail.1\n")
        return 64
    path = Path(argv[1])
    current = path.read_text()
    fresh = regenerate(current)
    if argv[0] == "--write":
        path.write_text(fresh)
        return 0
    if fresh != current:
        sys.stderr.write(f"{path} is out of date: run python -m agentmail.docs --write {path}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
