"""Shared fixtures: one real Dovecot + Postfix per run (only for tests that ask) and a runner for the real program."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

from tests.stack.servers import Stack

REPO_ROOT = Path(__file__).resolve().parent.parent
SPARE_BATCH = 16


@dataclass(frozen=True)
class Result:
    """What one run of agentmail produced."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        """stdout parsed as JSON (the agent interface's only output)."""
        return json.loads(self.stdout)


class RunAgentmail(Protocol):
    """Signature of the run_agentmail fixture."""

    def __call__(
        self,
        member: str | None,
        *args: str,
        stdin: str | bytes | None = None,
        env_extra: dict[str, str] | None = None,
        ssh_command: str | None = None,
        timeout: float = 60.0,
    ) -> Result: ...


def pytest_configure(config: pytest.Config) -> None:
    """With pytest-xdist installed, `-n N --dist loadgroup` keeps the sshd files on one worker (tests/xdist_plan.py)."""
    if config.pluginmanager.hasplugin("xdist"):
        from tests.xdist_plan import XdistPlan

        config.pluginmanager.register(XdistPlan(), "agentmail-xdist-plan")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the stack, so `-m "not stack"` selects the pure ones."""
    for item in items:
        if "stack" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.stack)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """The real Dovecot + Postfix, started once per run and stopped (by PID) at the end.

    Its directory is its own (not pytest's numbered tmp dirs, which a second pytest run
    prunes while the first still uses them); it is removed when the run ends.
    """
    base = Path(tempfile.mkdtemp(prefix="agentmail-stack-"))
    s = Stack.start(base)
    try:
        yield s
    finally:
        s.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def alice(stack: Stack) -> str:
    """A fixed member shared by the whole run (do not rely on her mailbox being empty)."""
    stack.add_members(["alice", "bob"])
    return "alice"


@pytest.fixture(scope="session")
def bob(stack: Stack, alice: str) -> str:
    """Alice's fixed correspondent (created with her in one passwd-file write)."""
    return "bob"


@pytest.fixture(scope="session")
def _spare_members(stack: Stack) -> Iterator[str]:
    """Fresh member names, provisioned in batches: each passwd-file change costs Dovecot up to a second to notice."""

    def gen() -> Iterator[str]:
        for batch in itertools.count():
            names = [f"m{batch:03d}x{i:02d}" for i in range(SPARE_BATCH)]
            stack.add_members(names)
            yield from names

    return gen()


@pytest.fixture
def member(stack: Stack, _spare_members: Iterator[str]) -> Callable[..., str]:
    """Factory: member() -> a fresh, empty, uniquely named member; member("name") creates that one."""

    def make(name: str | None = None) -> str:
        if name is None:
            return next(_spare_members)
        stack.add_member(name)
        return name

    return make


@pytest.fixture
def run_agentmail(stack: Stack) -> RunAgentmail:
    """Run the real program as a subprocess against the stack (ssh_command: the sshd ForceCommand entry point)."""

    def run(
        member: str | None,
        *args: str,
        stdin: str | bytes | None = None,
        env_extra: dict[str, str] | None = None,
        ssh_command: str | None = None,
        timeout: float = 60.0,
    ) -> Result:
        env = stack.env(member)
        env["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
        env["PYTHONPATH"] = str(REPO_ROOT)
        env["LANG"] = "C.UTF-8"
        env["HOME"] = str(stack.layout.base)
        argv = [sys.executable, "-m", "agentmail"]
        if ssh_command is not None:
            env["SSH_ORIGINAL_COMMAND"] = ssh_command
            env["SSH_CONNECTION"] = "127.0.0.1 5555 127.0.0.1 22"
        else:
            argv += list(args)
        env.update(env_extra or {})
        data = stdin.encode() if isinstance(stdin, str) else stdin
        proc = subprocess.run(
            argv,
            input=data,
            capture_output=True,
            env=env,
            cwd=REPO_ROOT,
            timeout=timeout,
            check=False,
            stdin=None if data is not None else subprocess.DEVNULL,
        )
        return Result(proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"))

    return run
