"""`agentmail mcp` driven by the official MCP SDK's stdio client, against the real Dovecot + Postfix.

The SDK (a test-only dependency) is the referee: it negotiates the version, validates every
structured result against the tool's outputSchema, and fails on anything but JSON-RPC on stdout.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from typing import Any

import anyio
import pytest
from jsonschema import Draft202012Validator
from mcp.client import Client, ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from agentmail.agent.commands import COMMANDS
from tests.conftest import REPO_ROOT
from tests.integration.contract import validate_answer
from tests.stack.servers import Stack

MCP_TOOLS = {c.name for c in COMMANDS if c.mcp}
IDENTITY_WORDS = {"member", "config", "path"}
Session = Any  # ClientSession or Client: both have list_tools and call_tool

# A server that needs no mailbox (only `help` works), to check the handshake without the stack.
NO_MAILBOX_SERVER = (
    "import sys; from agentmail.agent.mcp import serve; from agentmail.agent.handlers import Context; "
    "from agentmail.config import load_settings; "
    "settings = load_settings({'AGENTBBS_MAIL_ADDR_DOMAIN': 'bbs.example.test'}, env_files=[]); "
    "sys.exit(serve(Context(settings, None), sys.stdin.buffer, sys.stdout))"
)


def _env(stack: Stack | None, member: str | None, over_ssh: bool = False) -> dict[str, str]:
    env = stack.env(member) if stack is not None else {}
    env.update(PATH=os.environ.get("PATH", "/usr/bin:/bin"), PYTHONPATH=str(REPO_ROOT), LANG="C.UTF-8")
    if stack is not None:
        env["HOME"] = str(stack.layout.base)
    if over_ssh:  # sshd's ForceCommand: the client's words in SSH_ORIGINAL_COMMAND, none on argv
        env.update(SSH_ORIGINAL_COMMAND="mcp", SSH_CONNECTION="127.0.0.1 5555 127.0.0.1 22")
    return env


def _params(stack: Stack, member: str, over_ssh: bool = False) -> StdioServerParameters:
    args = ["-m", "agentmail"] if over_ssh else ["-m", "agentmail", "mcp"]
    return StdioServerParameters(command=sys.executable, args=args, env=_env(stack, member, over_ssh), cwd=REPO_ROOT)


def _with_session(params: StdioServerParameters, body: Callable[[Session], Awaitable[None]]) -> None:
    """Run body with the SDK's ClientSession over stdio_client, after the initialize handshake."""

    async def main() -> None:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            init = await session.initialize()
            assert init.server_info.name == "agentmail"
            await body(session)

    anyio.run(main)


async def _tools(session: Session) -> dict[str, Any]:
    listing = await session.list_tools()
    return {t.name: t for t in listing.tools}


async def _call(session: Session, tools: dict[str, Any], name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Call a tool, expect success, and validate its structured answer explicitly as well (the SDK already has)."""
    result = await session.call_tool(name, arguments)
    assert not result.is_error, result.content[0].text
    answer = result.structured_content
    assert answer["ok"] is True and answer["command"] == name
    validate_answer(answer)
    return answer


def _check_tools(tools: dict[str, Any]) -> None:
    assert set(tools) == MCP_TOOLS
    for t in tools.values():
        assert t.output_schema is None  # answers' schemas: agentmail schema (they would triple tools/list)
        assert t.input_schema["type"] == "object"
        assert not set(t.input_schema.get("properties", {})) & IDENTITY_WORDS, t.name
        Draft202012Validator.check_schema(t.input_schema)
        assert t.annotations is not None and t.annotations.read_only_hint is not None
        sends = t.name in ("send", "reply", "forward", "draft_send")
        assert t.annotations.open_world_hint is sends
        assert t.annotations.read_only_hint or t.annotations.destructive_hint is not None


def _message(sender: str, to: str, subject: str, body: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
    msg.set_content(body)
    return bytes(msg)


def test_mcp_session_lists_reads_and_sends(stack: Stack, member: Callable[..., str], bob: str) -> None:
    """Over one session: tools with schemas and marks, list INBOX, read a delivered message, send to bob."""
    me = member()
    subject = f"mcp hello {uuid.uuid4().hex[:8]}"
    uid = stack.deliver(me, _message("Carol <carol@example.org>", stack.address(me), subject, "the body, in full\n"))
    outgoing = f"mcp to bob {uuid.uuid4().hex[:8]}"

    async def body(session: Session) -> None:
        tools = await _tools(session)
        _check_tools(tools)
        assert tools["list"].annotations.read_only_hint is True
        assert tools["delete"].annotations.destructive_hint is True

        page = await _call(session, tools, "list", {"folder": "INBOX"})
        row = next(s for s in page["items"] if s["uid"] == uid)
        assert row["content"]["subject"] == subject

        read = await _call(session, tools, "read", {"folder": "INBOX", "uid": uid})
        assert read["message"]["content"]["subject"] == subject
        assert "the body, in full" in read["message"]["content"]["text"]

        draft = {"to": [stack.address(bob)], "subject": outgoing, "text": "sent through MCP\n"}
        sent = await _call(session, tools, "send", {"draft": draft})
        assert sent["recipients"] == 1

        failed = await session.call_tool("read", {"folder": "INBOX", "uid": uid, "member": bob})
        assert failed.is_error and failed.structured_content["error"]["code"] == "usage"

    _with_session(_params(stack, me), body)
    arrived = stack.wait_for_message(bob, "INBOX", outgoing, timeout=20)
    assert stack.address(me).encode() in arrived.raw


def test_mcp_over_ssh_forced_command(stack: Stack, alice: str) -> None:
    """Started as sshd does (SSH_ORIGINAL_COMMAND=mcp, no argv), the server serves the member's mailbox."""

    async def body(session: Session) -> None:
        tools = await _tools(session)
        _check_tools(tools)
        who = await _call(session, tools, "whoami", {})
        assert who["address"] == stack.address(alice)
        await _call(session, tools, "list", {})

    _with_session(_params(stack, alice, over_ssh=True), body)


def test_mcp_default_client_takes_the_modern_path(stack: Stack, alice: str) -> None:
    """The SDK's Client (mode auto) probes server/discover first; we answer it, so it speaks 2026-07-28."""

    async def main() -> None:
        async with Client(_params(stack, alice)) as client:
            assert client.protocol_version == "2026-07-28"
            tools = await _tools(client)
            _check_tools(tools)
            await _call(client, tools, "folders", {})

    anyio.run(main)


@pytest.mark.parametrize(("mode", "version"), [("auto", "2026-07-28"), ("legacy", "2025-11-25")])
def test_sdk_client_handshake_without_a_mailbox(mode: str, version: str) -> None:
    """Both connect paths of the SDK client reach an agreed version and a validated help answer (no stack needed)."""
    params = StdioServerParameters(
        command=sys.executable, args=["-c", NO_MAILBOX_SERVER], env=_env(None, None), cwd=REPO_ROOT
    )

    async def main() -> None:
        async with Client(params, mode=mode) as client:
            assert client.protocol_version == version
            tools = await _tools(client)
            answer = await _call(client, tools, "help", {"command": "send"})
            assert answer["commands"][0]["name"] == "send"

    anyio.run(main)
