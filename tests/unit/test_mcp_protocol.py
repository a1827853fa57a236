"""The MCP server's protocol, fed JSON-RPC lines directly: handshake, tool list, tool calls, errors.

Only ``help`` is called, which needs no mailbox, so the Context never logs in.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from agentmail.agent.commands import COMMANDS
from agentmail.agent.handlers import Context
from agentmail.agent.mcp import HANDSHAKE_VERSIONS, MODERN_VERSIONS, VERSION_KEY, serve
from agentmail.config import Settings, load_settings
from tests.integration.contract import validate_answer

MCP_COMMANDS = {c.name: c for c in COMMANDS if c.mcp}
IDENTITY_WORDS = {"member", "config", "path"}


def _init(version: str = "2025-11-25", ident: int = 0) -> dict[str, Any]:
    params = {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}
    return {"jsonrpc": "2.0", "id": ident, "method": "initialize", "params": params}


def _req(ident: int, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": ident, "method": method}
    if params is not None:
        msg["params"] = params
    return msg


def _settings(**environ: str) -> Settings:
    return load_settings({"AGENTBBS_MAIL_ADDR_DOMAIN": "bbs.example.test", **environ}, env_files=[])


def _session(*messages: dict[str, Any] | str, handshake: bool = True, settings: Settings | None = None) -> list[Any]:
    """Run serve() over these lines (after initialize unless told not to) and return every line it wrote."""
    lines = [json.dumps(_init()), json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})]
    lines = lines if handshake else []
    lines += [m if isinstance(m, str) else json.dumps(m) for m in messages]
    out = io.StringIO()
    ctx = Context(settings=settings or _settings(), member=None)  # type: ignore[arg-type]
    status = serve(ctx, io.BytesIO("".join(line + "\n" for line in lines).encode()), out)
    assert status == 0
    assert ctx._mailbox is None  # nothing logged in
    written = out.getvalue().splitlines()
    assert all(line.isascii() for line in written)
    answers = [json.loads(line) for line in written]
    return answers[1:] if handshake else answers


def _tools(version: str = "2025-11-25") -> list[dict[str, Any]]:
    (init, listing) = _session(_init(version), _req(1, "tools/list"), handshake=False)
    assert init["result"]["protocolVersion"] == version
    return listing["result"]["tools"]


@pytest.mark.parametrize("version", HANDSHAKE_VERSIONS)
def test_initialize_agrees_on_the_clients_version(version: str) -> None:
    """A version we speak is echoed; the server says who it is and that it has tools."""
    (answer,) = _session(_init(version), handshake=False)
    result = answer["result"]
    assert answer["id"] == 0
    assert result["protocolVersion"] == version
    assert result["serverInfo"]["name"] == "agentmail"
    assert "tools" in result["capabilities"]


def test_initialize_with_an_unknown_version_offers_our_newest() -> None:
    """A version we do not know is answered with the newest handshake version, for the client to accept or leave."""
    (answer,) = _session(_init("2099-01-01"), handshake=False)
    assert answer["result"]["protocolVersion"] == HANDSHAKE_VERSIONS[-1]


def test_tools_are_the_mcp_commands_with_their_marks() -> None:
    """Every mcp command is a tool with its summary and true annotations; watch, batch, mcp and schema are not."""
    tools = {t["name"]: t for t in _tools()}
    assert set(tools) == set(MCP_COMMANDS)
    assert not {"watch", "batch", "mcp", "schema"} & set(tools)
    defaults = {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": False, "openWorldHint": True}
    for name, t in tools.items():
        cmd = MCP_COMMANDS[name]
        assert t["description"] == cmd.summary
        hints = {**defaults, **t["annotations"]}  # what a client understands, defaults filled in
        assert hints["readOnlyHint"] is cmd.read_only and hints["openWorldHint"] is cmd.open_world
        assert set(t["annotations"]) >= {"readOnlyHint", "openWorldHint"}
        if not cmd.read_only:
            assert hints["destructiveHint"] is cmd.destructive and hints["idempotentHint"] is cmd.idempotent
        assert t["inputSchema"]["type"] == "object"
        Draft202012Validator.check_schema(t["inputSchema"])
    assert all(tools[n]["annotations"]["openWorldHint"] for n in ("send", "reply", "forward", "draft_send"))
    assert tools["draft_delete"]["annotations"]["idempotentHint"] is False  # a repeat answers not_found


def test_under_a_draft_key_the_sends_are_proposals_and_not_open_world() -> None:
    from agentmail.agent.mcp import tools as mcp_tools
    from agentmail.service.scope import Grant

    offered = {t["name"]: t for t in mcp_tools(Grant("draft", "triage-bot"))}
    for name in ("send", "reply", "forward", "draft_send"):
        assert offered[name]["annotations"]["openWorldHint"] is False, name
    assert "proposals" in offered and offered["proposals"]["annotations"]["readOnlyHint"] is True
    sender = {t["name"]: t for t in mcp_tools(Grant("send"))}
    assert sender["send"]["annotations"]["openWorldHint"] is True


def test_tools_are_self_contained_and_small() -> None:
    """Drafts are typed in full, the query language is in search's description, and the whole list is < 20 KB."""
    from agentmail.agent.run import dumps

    tools = {t["name"]: t for t in _tools()}
    for name in ("send", "reply", "forward", "draft_save"):
        schema = tools[name]["inputSchema"]
        draft = schema["$defs"]["DraftInput"]
        fields = {"to", "cc", "bcc", "subject", "text", "html", "attachments", "in_reply_to"}
        assert fields <= set(draft["properties"]) and draft["additionalProperties"] is False
        args = {"folder": "INBOX", "uid": 1, "draft": {"to": [{"name": "A", "email": "a@x.org"}], "text": "x"}}
        Draft202012Validator(schema).validate({k: v for k, v in args.items() if k in schema["properties"]})
    assert "is:unread" in tools["search"]["description"] and "since:" in tools["search"]["description"]
    assert tools["flag"]["inputSchema"]["properties"]["uids"]["type"] == "array"
    text = json.dumps([t["description"] for t in tools.values()]) + json.dumps(
        [t["inputSchema"] for t in tools.values()]
    )
    for cli_only in ("stdin", "man page", "--all", "space or comma", "--part", "--reply-text"):
        assert cli_only not in text, cli_only
    (listing,) = _session(_req(1, "tools/list"))
    assert len(dumps(listing["result"]).encode()) < 20_000


def test_every_schema_ref_resolves_inside_its_own_tool() -> None:
    """Clients resolve $ref only within the tool's schema document, so the $defs travel with it."""

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"]] if "$ref" in node else []
            return own + [r for v in node.values() for r in refs(v)]
        return [r for v in node for r in refs(v)] if isinstance(node, list) else []

    for t in _tools():
        for key in ("inputSchema",):
            for ref in refs(t[key]):
                assert ref.startswith("#/$defs/"), ref
                assert ref.removeprefix("#/$defs/") in t[key].get("$defs", {}), (t["name"], ref)


def test_no_tool_takes_identity_arguments() -> None:
    """The member comes from the SSH account alone: no tool accepts member, config or path, at any depth."""

    def property_names(node: Any) -> set[str]:
        if isinstance(node, dict):
            own = set(node["properties"]) if isinstance(node.get("properties"), dict) else set()
            return own | {n for v in node.values() for n in property_names(v)}
        return {n for v in node for n in property_names(v)} if isinstance(node, list) else set()

    for t in _tools():
        assert not property_names(t["inputSchema"]) & IDENTITY_WORDS, t["name"]


def test_older_clients_get_the_fields_their_version_defines() -> None:
    """2024-11-05 predates annotations and output schemas; 2025-03-26 has annotations only."""
    oldest, middle = _tools("2024-11-05"), _tools("2025-03-26")
    assert all("annotations" not in t and "outputSchema" not in t for t in oldest)
    assert all("annotations" in t and "outputSchema" not in t for t in middle)


def test_call_help_answers_text_and_structured_content_that_fits_the_output_schema() -> None:
    """tools/call runs the command; the JSON answer comes as text and as structuredContent valid for its schema."""
    (listing, answer) = _session(_req(1, "tools/list"), _req(2, "tools/call", {"name": "help", "arguments": {}}))
    assert all("outputSchema" not in t for t in listing["result"]["tools"])
    result = answer["result"]
    assert result["isError"] is False
    structured = result["structuredContent"]
    assert structured["ok"] is True and structured["command"] == "help"
    assert json.loads(result["content"][0]["text"]) == structured
    assert result["content"][0]["type"] == "text"
    validate_answer(structured)
    assert {c["name"] for c in structured["commands"]} == {c.name for c in COMMANDS}


def test_a_failing_command_is_a_tool_error_the_model_can_read() -> None:
    """Bad arguments (here an identity argument) come back as isError with the usual error answer, not an RPC error."""
    (answer,) = _session(_req(1, "tools/call", {"name": "help", "arguments": {"member": "bob"}}))
    result = answer["result"]
    assert result["isError"] is True
    assert result["structuredContent"]["error"]["code"] == "usage"
    assert "member" in result["content"][0]["text"]


@pytest.mark.parametrize("name", ["no_such_tool", "watch", "batch", "mcp", "schema"])
def test_calling_a_tool_that_is_not_offered_is_invalid_params(name: str) -> None:
    """Unknown tools are a protocol error (-32602) in every version."""
    (answer,) = _session(_req(1, "tools/call", {"name": name, "arguments": {}}))
    assert answer["error"]["code"] == -32602
    assert answer["id"] == 1


@pytest.mark.parametrize(
    "params",
    [{"arguments": {}}, {"name": 3}, {"name": "help", "arguments": ["x"]}],
)
def test_malformed_tool_calls_are_invalid_params(params: dict[str, Any]) -> None:
    """A call without a string name or with non-object arguments is -32602."""
    (answer,) = _session(_req(7, "tools/call", params))
    assert answer["error"]["code"] == -32602


def test_protocol_errors() -> None:
    """Unknown method -32601, bad JSON -32700 (id null), not a request -32600; ping answers {}; the session goes on."""
    answers = _session(
        _req(1, "resources/list"),
        "{not json",
        "\xff\xfe",
        json.dumps({"jsonrpc": "1.0", "id": 2, "method": "ping"}),
        json.dumps({"jsonrpc": "2.0", "id": None, "method": "ping"}),
        _req(3, "tools/list") | {"params": "nope"},
        _req(4, "ping"),
    )
    assert [a.get("error", {}).get("code") for a in answers] == [-32601, -32700, -32700, -32600, -32600, -32602, None]
    assert answers[1]["id"] is None
    assert answers[-1] == {"jsonrpc": "2.0", "id": 4, "result": {}}


def test_notifications_and_stray_responses_get_no_answer() -> None:
    """initialized, cancelled and unknown notifications, and responses to nothing, produce no output at all."""
    answers = _session(
        {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}},
        {"jsonrpc": "2.0", "method": "notifications/whatever"},
        {"jsonrpc": "2.0", "id": 9, "result": {}},
        "",
    )
    assert answers == []


def test_a_batch_gets_a_batch_of_answers() -> None:
    """2025-03-26 allows JSON-RPC batches: one array in, one array of answers (notifications left out) out."""
    batch = [_req(1, "ping"), {"jsonrpc": "2.0", "method": "notifications/initialized"}, _req(2, "nope")]
    (answer,) = _session(json.dumps(batch))
    assert [a["id"] for a in answer] == [1, 2]
    assert answer[1]["error"]["code"] == -32601


def test_the_modern_envelope_discover_then_per_request_version() -> None:
    """2026-07-28: server/discover names the versions; each request carries its version and gets resultType."""
    meta = {"_meta": {VERSION_KEY: MODERN_VERSIONS[-1]}}
    discover, listing, call, old = _session(
        _req(1, "server/discover", meta),
        _req(2, "tools/list", meta),
        _req(3, "tools/call", {"name": "help", "arguments": {"command": "read"}, **meta}),
        _req(4, "tools/list", {"_meta": {VERSION_KEY: "1999-01-01"}}),
        handshake=False,
    )
    assert MODERN_VERSIONS[-1] in discover["result"]["supportedVersions"]
    assert set(HANDSHAKE_VERSIONS) <= set(discover["result"]["supportedVersions"])
    assert listing["result"]["resultType"] == "complete"
    assert listing["result"]["ttlMs"] == 0 and listing["result"]["cacheScope"] == "private"
    assert {t["name"] for t in listing["result"]["tools"]} == set(MCP_COMMANDS)
    assert call["result"]["resultType"] == "complete"
    assert call["result"]["structuredContent"]["commands"][0]["name"] == "read"
    assert old["error"]["code"] == -32022
    assert MODERN_VERSIONS[-1] in old["error"]["data"]["supported"]


def test_results_match_the_sdk_wire_types_of_each_version() -> None:
    """The official SDK's own per-version wire models accept what we send (skipped without the SDK)."""
    methods = pytest.importorskip("mcp_types.methods")
    for version in HANDSHAKE_VERSIONS:
        init, listing, call = _session(
            _init(version), _req(1, "tools/list"), _req(2, "tools/call", {"name": "help"}), handshake=False
        )
        methods.validate_server_result("initialize", version, init["result"])
        methods.validate_server_result("tools/list", version, listing["result"])
        methods.validate_server_result("tools/call", version, call["result"])
    modern = MODERN_VERSIONS[-1]
    meta = {"_meta": {VERSION_KEY: modern}}
    listing, call = _session(
        _req(1, "tools/list", meta), _req(2, "tools/call", {"name": "help", **meta}), handshake=False
    )
    methods.validate_server_result("tools/list", modern, listing["result"])
    methods.validate_server_result("tools/call", modern, call["result"])


def test_a_huge_line_is_refused_and_the_session_goes_on() -> None:
    """A line over the size cap is a parse error naming line_too_long; the next request is still answered."""
    settings = _settings(AGENTMAIL_MAX_LINE_BYTES="1024")
    answers = _session("x" * 500_000, _req(1, "ping"), handshake=False, settings=settings)
    assert answers[0]["error"]["code"] == -32700
    assert answers[0]["error"]["data"]["code"] == "line_too_long"
    assert answers[1]["result"] == {}


def test_deep_nesting_is_an_invalid_request_and_the_session_goes_on() -> None:
    """JSON nested 100,000 deep is answered as valid JSON-RPC (not a RecursionError), then the next request."""
    deep = "[" * 100_000 + "]" * 100_000
    nested = json.dumps(_req(2, "tools/call", {"name": "help", "arguments": {"x": 1}})).replace("1}}", deep + "}}")
    answers = _session(deep, nested, _req(1, "ping"), handshake=False)
    assert [a.get("jsonrpc") for a in answers] == ["2.0"] * 3
    assert answers[0]["error"]["code"] == -32600
    assert answers[1]["error"]["code"] == -32600 and answers[1]["error"]["data"]["code"] == "usage"
    assert answers[2]["result"] == {}


def test_a_stray_print_goes_to_stderr_not_into_the_protocol(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Anything printed while a tool runs lands on stderr; stdout carries only JSON-RPC."""
    from agentmail.agent import mcp

    def noisy(ctx: Context, name: str, args: dict[str, Any]) -> dict[str, Any]:
        print("chatter from a library")
        return mcp_execute(ctx, name, args=args)

    mcp_execute = mcp.execute
    monkeypatch.setattr(mcp, "execute", noisy)
    (answer,) = _session(_req(1, "tools/call", {"name": "help", "arguments": {}}))
    assert answer["result"]["isError"] is False
    assert "chatter from a library" in capsys.readouterr().err
