"""Invocation parsing: SSH_ORIGINAL_COMMAND is split, never run; identity options are refused over SSH."""

import pytest

from agentmail.cli import parse_invocation
from agentmail.errors import ForbiddenError, UsageError

SSH = {"SSH_CONNECTION": "127.0.0.1 5555 127.0.0.1 22"}


def ssh(command: str) -> dict[str, str]:
    return {**SSH, "SSH_ORIGINAL_COMMAND": command}


def test_bare_command_word_over_ssh() -> None:
    inv = parse_invocation([], ssh("list INBOX --limit 5"))
    assert (inv.command, inv.words, inv.over_ssh) == ("list", ("INBOX", "--limit", "5"), True)


def test_json_after_double_dash_over_ssh() -> None:
    inv = parse_invocation([], ssh("--json list INBOX"))
    assert inv.json and inv.command == "list"


def test_two_word_commands() -> None:
    assert parse_invocation([], ssh("folder create Work")).command == "folder_create"
    assert parse_invocation(["draft", "send", "3"], {}).command == "draft_send"


@pytest.mark.parametrize(
    "command",
    [
        "--member bob list",
        "list --member bob",
        "--member=bob whoami",
        "--config /tmp/x whoami",
        "list INBOX --config=/etc/passwd",
        "read INBOX 1 --member=bob",
    ],
)
def test_identity_and_config_options_are_refused_over_ssh(command: str) -> None:
    with pytest.raises(ForbiddenError):
        parse_invocation([], ssh(command))


def test_member_option_allowed_for_local_operators() -> None:
    inv = parse_invocation(["--member", "bob", "--json", "whoami"], {})
    assert inv.member_override == "bob" and inv.command == "whoami"


def test_member_option_refused_in_any_ssh_session() -> None:
    with pytest.raises(ForbiddenError):
        parse_invocation(["--member", "bob", "whoami"], SSH)


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("list; sh", ["list;", "sh"]),
        ("list $(id)", ["list", "$(id)"]),
        ("list `id`", ["list", "`id`"]),
        ("whoami && sh", ["whoami", "&&", "sh"]),
        ("list | cat", ["list", "|", "cat"]),
    ],
)
def test_shell_syntax_stays_literal_words(command: str, words: list[str]) -> None:
    inv = parse_invocation([], ssh(command))
    assert [inv.command, *inv.words] == words


def test_unbalanced_quotes_and_huge_commands_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        parse_invocation([], ssh("list 'INBOX"))
    with pytest.raises(UsageError):
        parse_invocation([], ssh("list " + "A" * 20000))


def test_no_command_means_tui() -> None:
    assert parse_invocation([], SSH).command is None


def test_over_ssh_an_internal_error_is_one_json_line_and_no_traceback(capsys, monkeypatch) -> None:
    import agentmail.cli as cli

    def explode(inv):
        raise RuntimeError("boom /secret/path")

    monkeypatch.setattr(cli, "_dispatch", explode)
    status = cli.main([], {**ssh("whoami")})
    out, err = capsys.readouterr()
    assert status == 70
    assert '"code":"internal"' in out and "boom" not in out
    assert "Traceback" not in err
