"""The reader's first screen loads no composing machinery (email.policy, the composer's MIME code), no text split."""

from __future__ import annotations

import json
import subprocess
import sys

LATER = (
    "email.policy",
    "email.headerregistry",
    "agentmail.mime.compose",
    "agentmail.mime.drafts",
    "agentmail.mime.newtext",
)


def test_the_reader_loads_no_composing_code_before_its_first_screen() -> None:
    code = (
        "import json, sys\n"
        "import agentmail.tui.start, agentmail.tui.worker, agentmail.tui.run\n"  # what tui/start.py runs imports
        f"print(json.dumps([m for m in {LATER!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(out.stdout) == []
