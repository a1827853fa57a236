"""One option parser for the program's options, doctor's and each command's: the same refusals, one sentence each."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from agentmail.agent.args import parse_words
from agentmail.agent.commands import BY_NAME
from agentmail.cli import parse_invocation
from agentmail.errors import AgentmailError, ForbiddenError, UsageError
from agentmail.ops.doctor import _options as doctor_options

SSH = {"SSH_CONNECTION": "127.0.0.1 5555 127.0.0.1 22"}


def _refusal(call, *args) -> AgentmailError:
    with pytest.raises(AgentmailError) as refused:
        call(*args)
    assert "\n" not in str(refused.value)
    return refused.value


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--frobnicate", "list"], "unknown option '--frobnicate'; see agentmail --help"),
        (["-x", "list"], "unknown option '-x'; see agentmail --help"),
        (["--jsonx=1", "list"], "unknown option '--jsonx'; see agentmail --help"),
        (["--member"], "--member needs a value"),
        (["--json=maybe", "list"], "--json must be true or false"),
    ],
)
def test_program_option_refusals_are_usage_errors(argv: list[str], message: str) -> None:
    error = _refusal(parse_invocation, argv, {})
    assert isinstance(error, UsageError) and str(error) == message


def test_program_options_stop_at_the_command() -> None:
    inv = parse_invocation(["-h", "--read-only", "--config=/etc/am.env", "search", "--json", "--", "-x"], {})
    assert (inv.show_help, inv.read_only, inv.config_override, inv.json) == (True, True, "/etc/am.env", False)
    assert (inv.command, inv.words) == ("search", ("--json", "--", "-x"))
    after_dashes = parse_invocation(["--json", "--", "--version"], {})
    assert (after_dashes.json, after_dashes.command, after_dashes.show_version) == (True, "--version", False)
    assert parse_invocation(["--json=false", "-", "x"], {}).json is False
    assert parse_invocation(["read", "INBOX", "1", "--help"], {}).show_help


@pytest.mark.parametrize(
    "argv",
    [["--member", "bob", "whoami"], ["whoami", "--member=bob"], ["search", "--", "--config", "/etc/passwd"]],
)
def test_operator_options_are_refused_anywhere_in_an_ssh_session(argv: list[str]) -> None:
    error = _refusal(parse_invocation, argv, SSH)
    assert isinstance(error, ForbiddenError) and "not over SSH" in str(error)


def test_the_ssh_command_limits_hold() -> None:
    for command, message in [
        ("list " + "A" * 16 * 1024, "the command is longer than 16 KiB"),
        ("list\0", "the command contains a NUL byte"),
        ("list 'INBOX", "the command has unbalanced quotes"),
    ]:
        error = _refusal(parse_invocation, [], {**SSH, "SSH_ORIGINAL_COMMAND": command})
        assert isinstance(error, UsageError) and str(error) == message


def test_command_options_use_the_same_parser() -> None:
    args = BY_NAME["list"].args
    assert parse_words(args, ["INBOX", "--unread=false", "--limit=3"], "list")["limit"] == 3
    error = _refusal(parse_words, args, ["--nope=1"], "list")
    assert isinstance(error, UsageError) and str(error).startswith("list has no option '--nope'; its options are: ")
    assert str(_refusal(parse_words, args, ["--limit"], "list")) == "--limit needs a value"
    assert str(_refusal(parse_words, args, ["--unread=perhaps"], "list")) == "--unread must be true or false"
    query = parse_words(BY_NAME["search"].args, ["--", "--limit", "-x"], "search")
    assert query["query"] == "--limit -x"


def _doctor(*words: str, **before: object) -> tuple[str | None, str | None, bool]:
    given: dict[str, object] = {"member_override": None, "config_override": None, "json": False, **before}
    inv = SimpleNamespace(words=words, **given)
    return doctor_options(inv)


def test_doctor_reads_its_options_with_the_same_parser() -> None:
    assert _doctor("--member", "alice", "--json") == ("alice", None, True)
    assert _doctor("--config=/etc/am.env", member_override="bob") == ("bob", "/etc/am.env", False)
    for words, message in [
        (("--verbose",), "doctor takes --member NAME, --config FILE and --json, not '--verbose'"),
        (("alice",), "doctor takes --member NAME, --config FILE and --json, not 'alice'"),
        (("--member",), "--member needs a value"),
    ]:
        error = _refusal(_doctor, *words)
        assert isinstance(error, UsageError) and str(error) == message


def test_has_control_refuses_exactly_the_c0_c1_controls_del_and_the_line_separators() -> None:
    """The set has_control checks is the character class it replaced, code point by code point."""
    import re

    from agentmail.agent.args import has_control

    pattern = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
    for code in (*range(0x3000), 0xFEFF, 0xFFFD, 0x10FFFF):
        char = chr(code)
        assert has_control(f"in{char}box") is (pattern.search(char) is not None), hex(code)
    assert not has_control("") and not has_control("Archive/2026")
