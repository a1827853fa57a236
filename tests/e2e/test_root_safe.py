"""A deployment a root run cannot break: an operator's run as root, then members' runs through the real sshd.

The sshd fixture deploys as the README says: the forced command runs as the system user ``agentmail-test``,
which owns the state directory; its settings are in a root:<group> 640 config file.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.stack.sshd import SshServer

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="an operator's root run needs root")


def _root_run(sshd: SshServer, *args: str, stdin: str) -> dict:
    """The installed agentmail run by root on the host, with the deployment's config file."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": "/root"}
    env["AGENTMAIL_CONFIG"] = str(sshd.config)
    proc = subprocess.run(
        [*shlex.split(sshd.command), *args], input=stdin.encode(), capture_output=True, env=env, timeout=60, check=False
    )
    return json.loads(proc.stdout)


def _owners(root: Path) -> set[tuple[str, int, int]]:
    out = set()
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            st = (Path(folder) / name).lstat()
            out.add((str(Path(folder, name).relative_to(root)), st.st_uid, st.st_gid))
    return out


def test_a_root_run_then_member_runs_both_work(stack, sshd: SshServer, member) -> None:
    who, to = member(), member()
    key = f"root-{uuid.uuid4().hex}"
    draft = json.dumps({"to": [f"{to}@bbs.test"], "subject": f"as root {key}", "text": "from the operator"})
    first = _root_run(sshd, "--member", who, "--json", "send", "--idempotency-key", key, stdin=draft)
    assert first["ok"] and not first["duplicate"], first
    # Everything the root run created belongs to the forced-command user.
    assert {(uid, gid) for _, uid, gid in _owners(sshd.state_dir)} == {(sshd.uid, sshd.gid)}
    # The member's own sessions keep working: a new send, and the root run's key is seen as sent.
    again = sshd.ssh(who, "send", "--idempotency-key", key, stdin=draft)
    assert again.returncode == 0, again
    assert again.json["duplicate"] is True and again.json["message_id"] == first["message_id"]
    other = json.dumps({"to": [f"{to}@bbs.test"], "subject": f"as member {key}", "text": "from the member"})
    mine = sshd.ssh(who, "send", stdin=other)
    assert mine.returncode == 0, mine
    assert mine.json["ok"] and not mine.json["duplicate"]


def test_a_root_run_repairs_what_an_older_root_run_left(stack, sshd: SshServer, member) -> None:
    """A root-owned send-stamp file (left by a version before this fix) is handed back to the forced-command user."""
    who, to = member(), member()
    sends = sshd.state_dir / "sends"
    sends.mkdir(mode=0o700, exist_ok=True)
    os.chown(sends, sshd.uid, sshd.gid)
    stamps = sends / who
    stamps.write_text("")
    stamps.chmod(0o600)  # root:root 600, as the old code left it
    draft = json.dumps({"to": [f"{to}@bbs.test"], "subject": "repair", "text": "x"})
    assert _root_run(sshd, "--member", who, "--json", "send", stdin=draft)["ok"]
    assert (stamps.stat().st_uid, stamps.stat().st_gid) == (sshd.uid, sshd.gid)
    assert sshd.ssh(who, "send", stdin=draft).returncode == 0
