"""Each command imports only what it uses: the modules a fresh interpreter has loaded after one real command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Runs one command through cli.main in this interpreter, then prints its answer and the modules loaded.
PROBE = """
import io, json, sys
from agentmail.cli import main
sys.stdout = io.StringIO()
status = main(sys.argv[1:])
answer, sys.stdout = sys.stdout.getvalue(), sys.__stdout__
print(json.dumps({"status": status, "ok": json.loads(answer)["ok"], "modules": sorted(sys.modules)}))
"""

#: Never needed before an answer to these commands (the reader, sending, rendering, the metadata machinery).
NEVER = {
    "urwid",
    "html2text",
    "email_validator",
    "importlib.metadata",
    "urllib.request",
    "smtplib",
    "agentmail.tui",
    "agentmail.service.sending",
    "agentmail.mime.render",
    "agentmail.mime.compose",
}


def _loaded(stack, who: str, *args: str) -> set[str]:
    env = {**stack.env(who), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO_ROOT),
           "LANG": "C.UTF-8", "HOME": str(stack.layout.base)}  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, timeout=60,
                          check=True)  # fmt: skip
    out = json.loads(proc.stdout)
    assert out["status"] == 0 and out["ok"], proc.stderr
    return set(out["modules"])


@pytest.mark.parametrize("args", [("--json", "help"), ("--json", "schema"), ("--json", "help", "list")])
def test_help_and_schema_load_no_imap_code(stack, member, args) -> None:
    loaded = _loaded(stack, member(), *args)
    assert not loaded & (NEVER | {"imapclient", "imaplib", "agentmail.imap", "agentmail.service.mailbox"})


def test_help_reads_no_settings(stack, member) -> None:
    assert not _loaded(stack, member(), "--json", "help") & {"dotenv", "agentmail.config"}


def test_list_loads_the_imap_path_and_nothing_a_listing_does_not_need(stack, member) -> None:
    who = member()
    stack.deliver(who, b"From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n")
    loaded = _loaded(stack, who, "--json", "list", "INBOX")
    assert "imapclient" in loaded  # the probe did talk to Dovecot
    assert not loaded & (NEVER | {"email.policy", "agentmail.mime.authres", "agentmail.provision", "secrets"}), sorted(
        loaded & (NEVER | {"email.policy", "agentmail.mime.authres", "agentmail.provision", "secrets"})
    )


def test_list_leaves_previews_signatures_and_syslog_for_the_runs_that_need_them(stack, member) -> None:
    """The new-text split (previews), the sender signature (hashlib, hmac) and the syslog handler of the audit
    records (about 11 ms of a listing's start-up together) and the model types a listing never builds (model_more,
    a send's SendDecision: creating their dataclasses takes several ms) wait for the runs that use them."""
    who = member()
    stack.deliver(who, b"From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n")
    loaded = _loaded(stack, who, "--json", "list", "INBOX")
    assert "imapclient" in loaded
    later = {"agentmail.mime.newtext", "agentmail.mime.preview", "agentmail.mime.signature", "hmac", "logging.handlers",
             "agentmail.model_more", "agentmail.service.decision"}  # fmt: skip
    assert not loaded & later, sorted(loaded & later)


def test_list_loads_no_batch_reader_no_change_code_and_no_view_memory(stack, member) -> None:
    """A listing's own start-up: the batch line reader, the search parser, the message-changing IMAP code (its
    Copied type and patterns) and the reader's remembered views wait for the commands that use them."""
    who = member()
    stack.deliver(who, b"From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n")
    loaded = _loaded(stack, who, "--json", "list", "INBOX")
    assert "agentmail.imap.listing" in loaded
    later = {"agentmail.agent.lines", "agentmail.imap.mutations", "agentmail.service.viewprefs"}
    later |= {"agentmail.mime.query", "agentmail.imap.criteria"}  # a plain listing parses no query
    assert not loaded & later, sorted(loaded & later)


def test_list_loads_no_message_reading_code(stack, member) -> None:
    """A listing builds index rows from header fields and BODYSTRUCTURE (mime/summary.py, mime/bodystructure.py):
    the whole-message parser, the email package's parser and message class (mime.headers splits a header block
    itself), the body layout, the structure-first reader and the reconnect backoff (their dataclasses and
    patterns) wait for the commands that read a message or keep a session open."""
    who = member()
    stack.deliver(who, b"From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n")
    loaded = _loaded(stack, who, "--json", "list", "INBOX")
    assert "agentmail.mime.summary" in loaded
    later = {"agentmail.mime.parse", "agentmail.mime.layout", "agentmail.mime.structure", "agentmail.mime.assemble",
             "agentmail.imap.fetch", "agentmail.imap.backoff"}  # fmt: skip
    later |= {"email.parser", "email.feedparser", "email.message"}
    assert not loaded & later, sorted(loaded & later)
