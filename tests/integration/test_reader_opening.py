"""The reader's start against the real Dovecot: the opening thread logs in and fetches the first page, and once its
login has begun it imports nothing (the UI thread does all the importing from there on, tui/start.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Runs start.open_ahead as the reader does, recording every module the opening thread imports after `logging_in`.
PROBE = """
import json, os, sys, threading

late = []

def hook(event, args):
    if event == "import":
        waiting = getattr(threading.current_thread(), "logging_in", None)
        if waiting is not None and waiting.is_set():
            late.append(args[0])

sys.addaudithook(hook)
from agentmail.config import load_settings
from agentmail.identity import member_for
from agentmail.tui import start

settings = load_settings(os.environ)
member = member_for(os.environ["AGENTMAIL_MEMBER"], settings)
opening = start.open_ahead(settings, member, read_only=False)
mailbox, first = opening.first()
rest = opening.rest()
print(json.dumps({"late": late, "subjects": [s.subject for s in first.summaries], "total": first.total,
                  "count": len(rest.view.uids), "trash": rest.roles.role_of("Trash"),
                  "ui": sorted(m for m in ("urwid", "agentmail.tui.app") if m in sys.modules)}))
mailbox.close()
"""


def test_the_opening_thread_fetches_the_first_page_and_imports_nothing_once_its_login_began(stack, member) -> None:
    who = member()
    for n in range(3):
        stack.deliver(
            who, f"From: a@example.org\r\nTo: {who}@bbs.test\r\nSubject: opening {n}\r\n\r\nbody\r\n".encode()
        )
    env = {**stack.env(who), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO_ROOT),
           "LANG": "C.UTF-8", "HOME": str(stack.layout.base)}  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60,
                          check=True)  # fmt: skip
    out = json.loads(proc.stdout)
    assert out["subjects"] == ["opening 2", "opening 1", "opening 0"] and out["total"] == out["count"] == 3
    assert out["trash"] == "trash"
    assert out["late"] == []  # everything it needed was imported before the login, or by the UI thread meanwhile
    assert out["ui"] == []  # urwid is step 3, after open_ahead
