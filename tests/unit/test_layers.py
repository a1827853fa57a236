"""Imports point down the layers (DESIGN.md); the agent, mime and service paths never import urwid."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "agentmail"
RANK = {
    "errors": 0,
    "model": 1,
    "config": 1,
    "options": 1,
    "identity": 2,
    "mime": 2,
    "imap": 3,
    "smtp": 3,
    "provision": 3,
    "service": 4,
    "ops": 4,
    "agent": 5,
    "tui": 5,
    "cli": 6,
    "docs": 6,
    "__main__": 7,
    "__init__": 0,
}
#: Modules that belong to another's layer: model_more holds the model types a listing never builds, uidlist the
#: compact uid sequence of a View.
SAME_LAYER = {"model_more": "model", "uidlist": "model"}


def layer_of(path: Path) -> str:
    rel = path.relative_to(PKG)
    name = rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 else rel.stem
    return SAME_LAYER.get(name, name)


def imports(path: Path) -> tuple[set[str], set[str]]:
    """(agentmail layers, third-party top-level modules) a file imports, lazily or not."""
    ours, theirs = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "agentmail":
                layer = SAME_LAYER.get(parts[1], parts[1]) if len(parts) > 1 else ""
                if layer in RANK:
                    ours.add(layer)
            else:
                theirs.add(parts[0])
    return ours, theirs


FILES = sorted(PKG.rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PKG)))
def test_imports_point_down(path: Path) -> None:
    own = layer_of(path)
    ours, theirs = imports(path)
    for dep in ours:
        assert dep == own or RANK[dep] < RANK[own], f"{path.name} ({own}) imports {dep}"
    if own in ("agent", "mime", "service", "imap", "model", "errors", "config", "identity", "smtp", "ops"):
        assert "urwid" not in theirs, f"{path.name} imports urwid"
    # start.py makes the Mailbox the worker then owns: it logs in before the worker's modules are even imported
    if own == "tui" and path.name not in ("worker.py", "serving.py", "start.py"):
        assert "service" not in ours, f"{path.name}: only tui/worker.py, serving.py and start.py may import the service"
    if own != "imap":
        assert "imapclient" not in theirs, f"{path.name}: only imap/ talks IMAP"


def test_agent_path_does_not_import_urwid_at_run_time() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from agentmail.agent import run, commands, schema, handlers; import agentmail.cli;"
        "print('urwid' in sys.modules, 'html2text' in sys.modules, 'email_validator' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "False"]


def test_model_hands_out_exactly_the_types_model_more_defines() -> None:
    import dataclasses
    import typing

    from agentmail import model, model_more

    defined = {
        name
        for name, value in vars(model_more).items()
        if not name.startswith("_")
        and getattr(value, "__module__", None) == model_more.__name__
        and (dataclasses.is_dataclass(value) or callable(value))
    }
    defined |= {"EventKind", "FAILING_RESULTS"}  # a Literal alias and a constant: no __module__ to go by
    assert defined <= model._MORE, defined - model._MORE
    assert all(getattr(model, name) is getattr(model_more, name) for name in model._MORE)
    assert typing.get_args(model.EventKind)
