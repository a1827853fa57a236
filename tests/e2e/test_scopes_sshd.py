"""Scoped keys through the real sshd: the scope comes from the key line, and the client cannot set or raise it."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

from tests.stack.servers import Stack
from tests.stack.sshd import SshServer

SPOOFED = ("AGENTMAIL_SCOPE=full", "AGENTMAIL_AGENT=someone-else", "AGENTMAIL_ALLOW_TO=*@example.org")


def _key(sshd: SshServer, member: str, scope: str, *extra: str) -> Path:
    """A key for the member with a scope (and extra environment= options), authorized as the docs say."""
    options = [f'environment="AGENTMAIL_MEMBER={member}"', f'environment="AGENTMAIL_SCOPE={scope}"']
    options += [f'environment="{e}"' for e in extra]
    return sshd.add_key(f"{member}-{scope}-{uuid.uuid4().hex[:6]}", "restrict,pty," + ",".join(options))


def _whoami(sshd: SshServer, key: Path, **kwargs) -> dict:
    result = sshd.ssh("", "whoami", key=key, **kwargs)
    assert result.returncode == 0, result
    return result.json


def test_a_read_key_is_read_only_through_sshd(stack: Stack, sshd: SshServer, member) -> None:
    who = member()
    key = _key(sshd, who, "read", "AGENTMAIL_AGENT=reader-bot")
    uid = stack.deliver(who, f"From: c@example.org\r\nSubject: s {who}\r\n\r\nbody\r\n".encode())
    answer = _whoami(sshd, key)
    assert answer["member"] == who and answer["scope"]["scope"] == "read" and answer["read_only"] is True
    draft = json.dumps({"to": ["bob@bbs.test"], "subject": "no", "text": "x\n"})
    for words, stdin in [(("send",), draft), (("move", "INBOX", str(uid), "--target", "Trash"), None)]:
        result = sshd.ssh("", *words, key=key, stdin=stdin)
        assert result.returncode == 77, result
        assert result.json["error"]["code"] == "forbidden" and "'read'" in result.json["error"]["message"]
    read = sshd.ssh("", "read", "INBOX", str(uid), key=key)
    assert read.returncode == 0 and "\\Seen" not in read.json["message"]["flags"]
    with stack.imap(who) as client:
        client.select_folder("INBOX", readonly=True)
        assert b"\\Seen" not in client.get_flags([uid])[uid]


def test_setenv_cannot_raise_a_scope(sshd: SshServer, member) -> None:
    who = member()
    key = _key(sshd, who, "read", "AGENTMAIL_AGENT=reader-bot")
    options: tuple[str, ...] = ()
    for assignment in SPOOFED:
        options += ("-o", f"SetEnv={assignment}")
    answer = _whoami(sshd, key, options=options)
    assert answer["scope"] == {"scope": "read", "agent": "reader-bot", "allow_to": None}
    refused = sshd.ssh("", "folder", "create", "Spoofed", key=key, options=options)
    assert refused.returncode == 77 and refused.json["error"]["code"] == "forbidden"


def test_sendenv_cannot_raise_a_scope_or_widen_an_allow_list(sshd: SshServer, member) -> None:
    who = member()
    key = _key(sshd, who, "send", "AGENTMAIL_ALLOW_TO=*@bbs.test")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/root"}
    env.update(a.split("=", 1) for a in SPOOFED)
    options = ("-o", "SendEnv=AGENTMAIL_SCOPE AGENTMAIL_AGENT AGENTMAIL_ALLOW_TO")
    answer = _whoami(sshd, key, options=options, env=env)
    assert answer["scope"] == {"scope": "send", "agent": None, "allow_to": ["*@bbs.test"]}
    draft = json.dumps({"to": ["carol@example.org"], "subject": "outside", "text": "x\n"})
    proposed = sshd.ssh("", "send", key=key, options=options, env=env, stdin=draft)
    assert proposed.returncode == 0 and proposed.json["pending_approval"] is True  # outside the list: a proposal


def test_a_draft_key_send_through_sshd_is_a_proposal_and_nothing_is_sent(
    stack: Stack, sshd: SshServer, member, bob: str
) -> None:
    who = member()
    key = _key(sshd, who, "draft", "AGENTMAIL_AGENT=triage-bot")
    draft = json.dumps({"to": [stack.address(bob)], "subject": f"proposal {who}", "text": "x\n"})
    proposed = sshd.ssh("", "send", key=key, stdin=draft)
    assert proposed.returncode == 0 and proposed.json["pending_approval"] is True, proposed
    listed = sshd.ssh("", "proposals", key=key)
    assert [p["id"] for p in listed.json["proposals"]] == [proposed.json["proposal"]["id"]]
    with stack.imap(who) as client:
        client.select_folder("Sent", readonly=True)
        assert client.search(["ALL"]) == []


def test_a_key_without_a_scope_keeps_full_access_and_setenv_cannot_lower_it(sshd: SshServer, alice: str) -> None:
    answer = _whoami(sshd, sshd.key_for(alice), options=("-o", "SetEnv=AGENTMAIL_SCOPE=read"))
    assert answer["scope"] == {"scope": "full", "agent": None, "allow_to": None}
    assert "send" in answer["commands"]


@pytest.mark.parametrize("extra", ['environment="AGENTMAIL_SCOPE=root"', 'environment="AGENTMAIL_AGENT=bot name"'])
def test_a_malformed_scope_on_the_key_line_is_a_config_error(sshd: SshServer, alice: str, extra: str) -> None:
    key = sshd.add_key(f"bad-scope-{uuid.uuid4().hex[:6]}", f'restrict,environment="AGENTMAIL_MEMBER={alice}",{extra}')
    result = sshd.ssh("", "whoami", key=key)
    assert result.returncode == 78 and result.json["error"]["code"] == "config"


def test_a_read_key_over_mcp_through_sshd_lists_read_only_tools(sshd: SshServer, member) -> None:
    import anyio
    from mcp.client import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    who = member()
    argv = [*sshd.ssh_argv(_key(sshd, who, "read")), "mcp"]
    params = StdioServerParameters(command=argv[0], args=argv[1:], env={"PATH": os.environ.get("PATH", "/usr/bin")})

    async def main() -> None:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            tools = (await session.list_tools()).tools
            assert "list" in {t.name for t in tools} and "send" not in {t.name for t in tools}
            assert all(t.annotations is not None and t.annotations.read_only_hint for t in tools)
            sent = await session.call_tool("send", {"draft": {"to": ["bob@bbs.test"], "text": "x"}})
            assert sent.is_error and sent.structured_content["error"]["code"] == "forbidden"

    anyio.run(main)
