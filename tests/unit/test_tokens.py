"""One codec for the tokens agents hold: what was handed out still decodes; tampered or foreign tokens are refused."""

from __future__ import annotations

import base64
import json

import pytest

from agentmail.errors import UsageError
from agentmail.service import tokens
from agentmail.service.feed import Position, decode_token, encode_token

# Tokens as agentmail gave them out before the codec was shared (list cursor, changes token, --all-folders token).
CURSOR = (
    "eyJmYiI6bnVsbCwiayI6NDI0Miwic2hhcGUiOiJ7XCJjXCI6IFtdLCBcInJcIjogZmFsc2UsIFwic1wiOiBcImFycml2YWxcIiwgXC"
    "J0XCI6IGZhbHNlfSIsInV2IjoxNzAwMDAwMDAwfQ"
)
CHANGES = "eyJ2IjoxLCJmIjoiSU5CT1giLCJ1diI6MTcwMDAwMDAwMCwidW4iOjEwMSwibXMiOjUsInBxIjowfQ"
CHANGES_BEFORE_PROPOSALS = "eyJ2IjoxLCJmIjoiQXJiZWl0L1N0cmFcdTAwZGZlIiwidXYiOjMsInVuIjoxLCJtcyI6MH0"  # no "pq"
ALL_FOLDERS = (
    "all.eyJmb2xkZXJzIjp7IklOQk9YIjoiZXlKMklqb3hMQ0ptSWpvaVNVNUNUMWdpTENKMWRpSTZNVGN3TURBd01EQXdNQ3dpZFc0aU9qRXdN"
    "U3dpYlhNaU9qVXNJbkJ4SWpvd2ZRIiwiU2VudCI6ImV5SjJJam94TENKbUlqb2lRWEppWldsMEwxTjBjbUZjZFRBd1pHWmxJaXdpZFhZaU9q"
    "TXNJblZ1SWpveExDSnRjeUk2TUgwIn0sInYiOjF9"
)
KINDS = {"cursor": tokens.CURSOR, "changes": tokens.CHANGES, "all": tokens.ALL_FOLDERS}
HANDED_OUT = {"cursor": CURSOR, "changes": CHANGES, "all": ALL_FOLDERS}


def _token(fields: object, prefix: str = "") -> str:
    return prefix + base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_tokens_handed_out_decode_and_encode_to_the_same_string(kind: str) -> None:
    fields = tokens.decode(KINDS[kind], HANDED_OUT[kind])
    assert tokens.encode(KINDS[kind], fields) == HANDED_OUT[kind]


def test_change_tokens_keep_their_fields() -> None:
    assert decode_token(CHANGES) == Position("INBOX", 1700000000, 101, 5, 0)
    assert decode_token(CHANGES_BEFORE_PROPOSALS) == Position("Arbeit/Straße", 3, 1, 0, 0)
    assert encode_token(Position("INBOX", 1700000000, 101, 5, 0)) == CHANGES
    folders = tokens.decode(tokens.ALL_FOLDERS, ALL_FOLDERS)["folders"]
    assert decode_token(folders["Sent"]).folder == "Arbeit/Straße"


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("other", sorted(KINDS))
def test_a_token_of_another_kind_is_refused(kind: str, other: str) -> None:
    if kind == other:
        return
    with pytest.raises(UsageError) as refused:
        tokens.decode(KINDS[kind], HANDED_OUT[other])
    assert str(refused.value) == KINDS[kind].refusal


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not a token",
        CHANGES[:-7],  # cut short
        CHANGES[:10] + "*" + CHANGES[10:],  # a foreign character base64 would silently skip
        CHANGES + "=",
        "ü" + CHANGES,
        _token([1, 2, 3]),
        _token("INBOX"),
        _token({"v": 2, "f": "INBOX", "uv": 1, "un": 1, "ms": 1}),  # a version we never wrote
        _token({"v": True, "f": "INBOX", "uv": 1, "un": 1, "ms": 1}),
        _token({"v": 1, "f": "INBOX", "uv": "1", "un": 1, "ms": 1}),  # a number as text
        _token({"v": 1, "f": "INBOX", "uv": 1.5, "un": 1, "ms": 1}),
        _token({"v": 1, "f": "INBOX", "uv": 1, "un": -1, "ms": 1}),  # no negative uids
        _token({"v": 1, "f": "INBOX", "uv": 1, "un": 1, "ms": 2**64}),
        _token({"v": 1, "f": 7, "uv": 1, "un": 1, "ms": 1}),
        _token({"v": 1, "f": "INBOX", "uv": 1, "un": 1}),  # a field missing
        _token({"v": 1, "f": "INBOX", "uv": 1, "un": 1, "ms": 1, "pq": "0"}),
        _token({"v": 1, "f": "x" * tokens.MAX_TOKEN, "uv": 1, "un": 1, "ms": 1}),  # well formed, but oversized
    ],
)
def test_malformed_or_oversized_change_tokens_are_usage_errors(token: str) -> None:
    with pytest.raises(UsageError, match=r"^the token is not one agentmail gave out$"):
        decode_token(token)


@pytest.mark.parametrize(
    "fields",
    [
        {"uv": 1, "shape": "{}", "o": "50"},  # a cursor whose offset is text would have crashed the listing
        {"uv": 1, "shape": "{}", "k": [4]},
        {"uv": 1, "shape": "{}", "fb": False},
        {"uv": None, "shape": "{}"},
        {"shape": "{}"},
        {"uv": 1},
    ],
)
def test_tampered_cursors_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(UsageError, match=r"^the cursor is not one agentmail gave out$"):
        tokens.decode(tokens.CURSOR, _token(fields))


@pytest.mark.parametrize(
    "token",
    [
        _token({"v": 1, "folders": {"INBOX": 5}}, "all."),
        _token({"v": 1, "folders": ["INBOX"]}, "all."),
        _token({"v": 1}, "all."),
        "all." + CHANGES + "!",
        ALL_FOLDERS[4:],  # the prefix gone
    ],
)
def test_tampered_all_folder_tokens_are_refused(token: str) -> None:
    with pytest.raises(UsageError, match=r"^the token is not an --all-folders token agentmail gave out$"):
        tokens.decode(tokens.ALL_FOLDERS, token)


def test_the_codec_is_cheap_to_import() -> None:
    import subprocess
    import sys

    code = "import sys, agentmail.service.tokens; print(*sorted(m for m in sys.modules if m.startswith('agentmail')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == ["agentmail", "agentmail.errors", "agentmail.service", "agentmail.service.tokens"]
