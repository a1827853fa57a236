"""No escape hatch from the forced command: agentmail never starts a program and touches only its own files.

A member reaches agentmail through sshd's ForceCommand; any shell, editor, pager, mailcap or browser it could start,
or any path a member could name for reading or writing, would be a way out.  This walks the package's source (ast).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "agentmail"
#: Modules that start other programs or hand text to them.
FORBIDDEN_MODULES = {"subprocess", "pty", "mailcap", "webbrowser", "pexpect", "code", "pdb", "runpy"}
#: os functions that start programs.
FORBIDDEN_OS = {"system", "popen", "fork", "forkpty", "posix_spawn", "posix_spawnp"}
FORBIDDEN_OS_PREFIXES = ("exec", "spawn")
#: Local file access, allowed only where the path comes from the operator's settings, never from a member.
FILE_CALLS = {"open", "read_text", "write_text", "read_bytes", "write_bytes", "unlink", "rename", "replace", "mkdir"}
FILE_ACCESS_ALLOWED = {
    "config.py",  # the operator's env files (dotenv)
    "docs.py",  # the man page, a developer tool
    "ops/doctor.py",  # the operator's config files and AGENTMAIL_STATE_DIR
    "ops/state_check.py",  # doctor's probe file in AGENTMAIL_STATE_DIR
    "service/state.py",  # every file under AGENTMAIL_STATE_DIR (send stamps, idempotency records, locks)
}


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_program_is_started(path: Path) -> None:
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names = {(node.module or "").split(".")[0]}
            if node.module == "os":
                names |= {a.name for a in node.names if a.name in FORBIDDEN_OS or a.name.startswith("exec")}
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os":
            names = {node.attr} if node.attr in FORBIDDEN_OS or node.attr.startswith(FORBIDDEN_OS_PREFIXES) else set()
        else:
            continue
        bad = names & (FORBIDDEN_MODULES | FORBIDDEN_OS) or {n for n in names if n.startswith(FORBIDDEN_OS_PREFIXES)}
        assert not bad, f"{path.relative_to(PACKAGE)}:{node.lineno} uses {sorted(bad)}"


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_local_files_only_where_the_operator_names_them(path: Path) -> None:
    relative = str(path.relative_to(PACKAGE))
    if relative in FILE_ACCESS_ALLOWED:
        return
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "open":
            raise AssertionError(f"{relative}:{node.lineno} opens a local file")
        if isinstance(func, ast.Attribute) and func.attr in FILE_CALLS - {"open", "replace"}:
            raise AssertionError(f"{relative}:{node.lineno} calls .{func.attr}() on a path")
        if isinstance(func, ast.Attribute) and func.attr == "open" and isinstance(func.value, ast.Name):
            assert func.value.id not in ("os", "io", "Path"), f"{relative}:{node.lineno} opens a local file"
