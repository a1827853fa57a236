"""The command table drives parsing, help, schema and the man page; they cannot drift apart."""

import typing
from pathlib import Path

import jsonschema
import pytest

from agentmail.agent import answers, commands, schema, typeschema
from agentmail.agent.args import parse_words
from agentmail.agent.shape import fence_text, window
from agentmail.errors import UsageError

MAN = Path(__file__).resolve().parents[2] / "man" / "agentmail.1"


def test_every_command_is_documented_in_the_man_page() -> None:
    from agentmail.docs import regenerate

    text = MAN.read_text()
    assert regenerate(text) == text, "run: python -m agentmail.docs --write man/agentmail.1"
    for cmd in commands.COMMANDS:
        assert schema.usage(cmd).replace("-", "\\-") in text


def test_every_command_has_a_result_schema_and_safety_marks() -> None:
    full = schema.full_schema()
    jsonschema.Draft202012Validator.check_schema(full["error"])
    for cmd in commands.COMMANDS:
        assert cmd.name in full["commands"]
        if cmd.runner not in ("batch", "mcp"):  # their lines are other commands' answers, or JSON-RPC
            assert isinstance(typeschema.answer_type(cmd), type), cmd.name
        assert not (cmd.read_only and cmd.destructive), cmd.name
        jsonschema.Draft202012Validator.check_schema({**full["commands"][cmd.name]["answer"], "$defs": full["$defs"]})


def test_each_handler_returns_the_answer_type_its_command_names() -> None:
    """The schema is generated from the type the table names; mypy holds the handler to its return annotation."""
    for cmd in commands.COMMANDS:
        if cmd.handler is None:
            assert cmd.runner, cmd.name  # a session of its own
            continue
        returns = typing.get_type_hints(cmd.handler, localns=vars(answers))["return"]
        assert returns is typeschema.answer_type(cmd), cmd.name


def test_no_command_accepts_identity_servers_or_paths() -> None:
    forbidden = {"member", "config", "path", "file", "server", "host", "imap", "smtp", "user"}
    for cmd in commands.COMMANDS:
        assert not forbidden & {a.name for a in cmd.args}, cmd.name


def test_parse_words_positionals_options_and_uids() -> None:
    cmd = commands.find("move")
    args = parse_words(cmd.args, ["INBOX", "1,2", "3", "--target", "Archive"], "move")
    assert args["uids"] == [1, 2, 3] and args["target"] == "Archive" and args["folder"] == "INBOX"
    listing = commands.find("list")
    args = parse_words(listing.args, ["--limit=5", "--unread"], "list")
    assert args == {**args, "limit": 5, "unread": True, "folder": "INBOX", "sort": "arrival"}


@pytest.mark.parametrize(
    "words", [["--limit", "0"], ["--limit", "x"], ["--sort", "random"], ["--bogus"], ["A", "B"], ["--limit"]]
)
def test_bad_arguments_are_usage_errors(words: list[str]) -> None:
    with pytest.raises(UsageError):
        parse_words(commands.find("list").args, words, "list")


def test_search_takes_the_rest_of_the_words_as_its_query() -> None:
    args = parse_words(commands.find("search").args, ["from:bob", "is:unread", "--limit", "3"], "search")
    assert args["query"] == "from:bob is:unread" and args["limit"] == 3


def test_window_pages_by_characters_within_a_byte_budget() -> None:
    text = "héllo wörld ✓ " * 100
    pieces, offset = [], 0
    while True:
        piece, info = window(text, offset, 50)
        assert len(piece.encode()) <= 50
        pieces.append(piece)
        if not info["truncated"]:
            break
        offset = info["next_offset"]
    assert "".join(pieces) == text


def test_fence_wraps_with_the_marker() -> None:
    assert fence_text("x", "m") == "<<<m>>>\nx\n<<</m>>>"
