"""Fixtures of the end-to-end tests: one real sshd per run with agentmail as its forced command."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stack.servers import Stack
from tests.stack.sshd import SshServer


@pytest.fixture(scope="session")
def sshd(stack: Stack, alice: str) -> Iterator[SshServer]:
    """One sshd per run (and one venv install), stopped by PID at the end.

    Its directory is its own, not pytest's basetemp: another pytest run makes that 0700 again, and the
    forced-command user must keep reaching the venv and the config file.
    """
    base = Path(tempfile.mkdtemp(prefix="agentmail-sshd-"))
    server = SshServer(base, stack.env(None))
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
