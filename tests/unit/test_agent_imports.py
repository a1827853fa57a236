"""The agent layer has no import cycle, its table types are a leaf, and help and schema load no IMAP code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from agentmail.agent.commands import COMMANDS
from agentmail.agent.sessions import RUNNERS

AGENT = Path(__file__).resolve().parents[2] / "agentmail" / "agent"


def _agent_imports(path: Path) -> set[str]:
    """The agent modules a file imports, at the top or inside a function (not under ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text())
    hidden = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for n in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in hidden or not isinstance(node, ast.ImportFrom) or node.level or not node.module:
            continue
        if node.module == "agentmail.agent":
            found |= {a.name for a in node.names}
        elif node.module.startswith("agentmail.agent."):
            found.add(node.module.split(".")[2])
    return found - {path.stem}


def test_no_agent_module_imports_back_into_one_that_imports_it() -> None:
    graph = {p.stem: _agent_imports(p) for p in AGENT.glob("*.py")}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        deps = graph.get(start, set())
        return goal in deps or any(reaches(dep, goal, seen | {dep}) for dep in deps - seen)

    cycles = sorted(name for name in graph if reaches(name, name, {name}))
    assert not cycles, cycles


def test_the_table_types_and_the_schema_generator_import_no_handler() -> None:
    handlers = {"handlers", "attachments", "commands", "run", "mcp", "sessions", "watch", "reading"}
    assert not _agent_imports(AGENT / "table.py") - {"args", "shape"}
    assert not _agent_imports(AGENT / "typeschema.py") & handlers


def test_each_session_command_names_a_runner_that_exists() -> None:
    for cmd in COMMANDS:
        assert (cmd.handler is None) == bool(cmd.runner), cmd.name
    assert {c.runner for c in COMMANDS if c.runner} == set(RUNNERS)


def test_help_and_schema_answer_without_loading_imap_code() -> None:
    code = (
        "import sys; from agentmail.agent.table import Context; from agentmail.agent.run import execute;"
        "answers = [execute(Context(None, None), name) for name in ('help', 'schema')];"
        "assert all(a['ok'] for a in answers), answers;"
        "print(sorted(m for m in sys.modules if m in ('imapclient', 'imaplib', 'smtplib')"
        " or m.startswith(('agentmail.imap', 'agentmail.service.mailbox'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
