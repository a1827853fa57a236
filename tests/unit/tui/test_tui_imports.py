"""The TUI's import boundary: screens post requests; only the worker may load the service and its network stack."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import agentmail

SCREENS = sorted(p.stem for p in (Path(agentmail.__file__).parent / "tui" / "screens").glob("*.py"))
FORBIDDEN = ("agentmail.service", "imapclient", "smtplib", "agentmail.tui.worker", "agentmail.tui.serving")


def test_importing_every_screen_loads_no_service_imap_or_smtp_code() -> None:
    modules = [f"agentmail.tui.screens.{name}" for name in SCREENS if name != "__init__"]
    modules += ["agentmail.tui.requests", "agentmail.tui.dispatch", "agentmail.tui.app"]
    assert len(modules) >= 10
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    loaded = json.loads(out.stdout)
    bad = [m for m in loaded if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert not bad, f"a screen import loaded {bad}"
