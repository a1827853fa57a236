"""Scopes from the key line: strict parsing (before any network I/O) and the policy table, as plain data."""

from __future__ import annotations

import pytest

from agentmail.agent import commands, scoped
from agentmail.errors import ConfigError, ForbiddenError
from agentmail.service.scope import ACTIONS, FULL, SCOPES, Grant, grant_from_env, parse_allow_list


def test_a_key_without_a_scope_keeps_full_access() -> None:
    grant = grant_from_env({"AGENTMAIL_MEMBER": "alice"})
    assert grant == FULL and grant.scope == "full" and grant.allow_to is None
    assert all(grant.allows(a) for a in ACTIONS)


@pytest.mark.parametrize("scope", SCOPES)
def test_each_scope_includes_the_one_before(scope: str) -> None:
    grant = Grant(scope)
    weaker = SCOPES[: SCOPES.index(scope)]
    for action, (minimum, _) in ACTIONS.items():
        assert grant.allows(action) == (minimum == scope or minimum in weaker)


def test_the_table_says_what_each_scope_may_do() -> None:
    assert not any(Grant("read").allows(a) for a in ACTIONS)
    organize = Grant("organize")
    assert all(organize.allows(a) for a in ("flag", "move", "copy", "trash", "restore", "folder_create", "mark_seen"))
    assert not any(organize.allows(a) for a in ("expunge", "send", "draft", "folder_delete"))
    assert Grant("draft").allows("draft") and not Grant("draft").allows("send")
    assert Grant("send").allows("send") and not Grant("send").allows("expunge")


@pytest.mark.parametrize(
    "env",
    [
        {"AGENTMAIL_SCOPE": "admin"},
        {"AGENTMAIL_SCOPE": ""},
        {"AGENTMAIL_SCOPE": "READ"},
        {"AGENTMAIL_SCOPE": "read "},
        {"AGENTMAIL_SCOPE": "read,send"},
        {"AGENTMAIL_AGENT": ""},
        {"AGENTMAIL_AGENT": "triage bot"},
        {"AGENTMAIL_AGENT": "bot\nsend member=bob"},
        {"AGENTMAIL_AGENT": "-bot"},
        {"AGENTMAIL_AGENT": "b" * 65},
        {"AGENTMAIL_ALLOW_TO": ""},
        {"AGENTMAIL_ALLOW_TO": "bob"},
        {"AGENTMAIL_ALLOW_TO": "*"},
        {"AGENTMAIL_ALLOW_TO": "*@*"},
        {"AGENTMAIL_ALLOW_TO": "bob@bbs.test,"},
        {"AGENTMAIL_ALLOW_TO": "bob@bbs.test;carol@bbs.test"},
        {"AGENTMAIL_ALLOW_TO": "bob@bbs.test carol@bbs.test"},
        {"AGENTMAIL_ALLOW_TO": "b*b@bbs.test"},
        {"AGENTMAIL_ALLOW_TO": "<bob@bbs.test>"},
        {"AGENTMAIL_ALLOW_TO": ",".join(f"u{i}@bbs.test" for i in range(101))},
    ],
)
def test_malformed_key_line_values_are_config_errors(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as info:
        grant_from_env(env)
    assert info.value.exit_status == 78


def test_agent_and_allow_list_are_read() -> None:
    grant = grant_from_env(
        {
            "AGENTMAIL_SCOPE": "send",
            "AGENTMAIL_AGENT": "triage-bot",
            "AGENTMAIL_ALLOW_TO": "*@BBS.test, Boss@corp.example",
        }
    )
    assert grant == Grant("send", "triage-bot", ("*@bbs.test", "boss@corp.example"))


def test_the_allow_list_matches_whole_addresses_or_whole_domains() -> None:
    grant = Grant("send", allow_to=parse_allow_list("*@bbs.test,boss@corp.example"))
    assert grant.allowed_recipient("bob@bbs.test") and grant.allowed_recipient("Bob@BBS.test")
    assert grant.allowed_recipient("boss@corp.example")
    assert not grant.allowed_recipient("other@corp.example")
    assert not grant.allowed_recipient("bob@evil.bbs.test")
    assert not grant.allowed_recipient("bob@bbs.test.evil.example")
    assert not grant.allowed_recipient("bbs.test")
    for trick in ("carol%example.org@bbs.test", "example.org!carol@bbs.test", '"carol@example.org"@bbs.test'):
        assert not grant.allowed_recipient(trick), trick  # the relay might route these elsewhere
    assert Grant("send", allow_to=("carol%example.org@bbs.test",)).allowed_recipient("carol%example.org@bbs.test")
    decision = grant.send_decision(["bob@bbs.test", "eve@example.org"])
    assert not decision.allowed and decision.outside == ("eve@example.org",)
    assert grant.send_decision(["bob@bbs.test", "boss@corp.example"]).allowed


def test_refusals_are_forbidden_and_name_the_scope() -> None:
    with pytest.raises(ForbiddenError) as info:
        Grant("read").require("move")
    assert info.value.code == "forbidden" and info.value.exit_status == 77
    assert "'read'" in str(info.value)
    with pytest.raises(ForbiddenError):
        Grant("organize").send_decision(["bob@bbs.test"])
    decision = Grant("draft").send_decision(["bob@bbs.test"])
    assert not decision.allowed and "'draft'" in decision.reason and "approval" in decision.reason


#: The scope each command shows at, as the policy was agreed: a change here is a change of who may do what.
AGREED = {
    "organize": {"folder_create", "draft_delete", "flag", "unflag", "seen", "unseen", "move", "copy", "delete"}
    | {"restore"},
    "draft": {"send", "reply", "forward", "draft_save", "draft_send", "proposals"},
    "full": {"folder_rename", "folder_delete"},
}


def test_every_command_shows_at_the_scope_its_service_actions_allow() -> None:
    shown = {c.name: scoped.scope_of(c) for c in commands.COMMANDS}
    assert {name for name, scope in shown.items() if scope != "read"} == set().union(*AGREED.values())
    for scope, names in AGREED.items():
        assert {n for n in names if shown[n] != scope} == set(), scope
    for cmd in commands.COMMANDS:
        assert set(cmd.actions) <= set(ACTIONS), cmd.name  # only actions the service enforces
        # read's one change, \Seen, is left out under a read key (EXAMINE/PEEK); sessions (batch, mcp) run the others.
        assert cmd.read_only or cmd.actions or cmd.runner or cmd.name == "read", f"{cmd.name} names no action"


def test_a_changed_action_scope_moves_the_command_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service's ACTIONS table is the one source: no second table in agent/ to forget."""
    move = next(c for c in commands.COMMANDS if c.name == "move")
    assert scoped.usable(move, Grant("organize"))
    monkeypatch.setitem(ACTIONS, "move", ("full", "move messages"))
    assert scoped.scope_of(move) == "full" and not scoped.usable(move, Grant("organize"))


def test_a_read_key_sees_only_commands_that_change_nothing() -> None:
    grant = Grant("read")
    names = {c.name for c in scoped.visible(commands.COMMANDS, grant)}
    assert {"list", "read", "search", "thread", "attachment", "changes", "watch", "quota", "folders"} <= names
    changing = {"send", "reply", "forward", "move", "copy", "flag", "seen", "delete", "restore", "draft_save"}
    assert not names & changing
    assert not names & {"folder_create", "folder_rename", "folder_delete", "draft_send", "draft_delete"}
    assert all(scoped.read_only_under(c, grant) for c in scoped.visible(commands.COMMANDS, grant))


def test_mcp_tools_for_a_read_key_are_all_read_only() -> None:
    from agentmail.agent import mcp

    listed = mcp.tools(Grant("read"))
    assert listed and all(t["annotations"]["readOnlyHint"] is True for t in listed)
    assert {"list", "read", "search"} <= {t["name"] for t in listed}
    full = {t["name"]: t for t in mcp.tools()}
    assert full["read"]["annotations"]["readOnlyHint"] is False  # with a full key, read marks \Seen


def test_help_and_schema_show_only_what_the_scope_allows() -> None:
    from agentmail.agent.handlers import Context
    from agentmail.agent.run import execute

    organize = Context(None, None, grant=Grant("organize"))  # type: ignore[arg-type]
    names = {c["name"] for c in execute(organize, "help")["commands"]}
    assert "move" in names and "send" not in names and "folder_delete" not in names
    refused = execute(organize, "help", args={"command": "send"})
    assert refused["error"]["code"] == "forbidden" and "'organize'" in refused["error"]["message"]
    schema = execute(organize, "schema")["schema"]["commands"]
    assert "move" in schema and "send" not in schema
    full = execute(Context(None, None), "schema")["schema"]["commands"]  # type: ignore[arg-type]
    assert "send" in full


def test_permit_user_environment_lists_the_key_line_names_everywhere() -> None:
    """The man page, the README and the test sshd carry the same PermitUserEnvironment line, naming every variable."""
    from pathlib import Path

    from agentmail.service.scope import KEY_LINE_VARIABLES
    from tests.stack.sshd import sshd_config

    line = "PermitUserEnvironment " + ",".join(KEY_LINE_VARIABLES)
    root = Path(__file__).resolve().parents[2]
    assert line in (root / "man" / "agentmail.1").read_text().splitlines()
    assert "    " + line in (root / "README.rst").read_text().splitlines()
    paths = {name: Path("/x") for name in ("host_key", "pid_file", "keys_file", "config")}
    assert line in sshd_config(port=1, user="u", command="c", **paths).splitlines()
