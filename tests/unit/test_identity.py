"""Member names are validated strictly before they are spliced into the master login."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentmail.config import load_settings
from agentmail.errors import IdentityError
from agentmail.identity import member_for, validate_member_name

SETTINGS = load_settings({"AGENTBBS_MAIL_ADDR_DOMAIN": "bbs.example"}, [])


@pytest.mark.parametrize("name", ["alice", "bob.smith", "a_b-c", "x", "a1", "0day", "a" * 64])
def test_plain_names_pass(name: str) -> None:
    assert validate_member_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        None,
        "Alice",
        "ALICE",
        "al ice",
        "al*ice",
        "alice*gateway",
        "al@ice",
        "alice@bbs.example",
        "alice\n",
        "\nalice",
        "ali\tce",
        "al\x00ice",
        ".alice",
        "alice.",
        "al..ice",
        "-alice",
        "a" * 65,
        "ålice",
        "alıce",
        "ａlice",
        "alice\u200b",
        "alice/..",
        "../alice",
        "al\\ice",
        "al%ice",
        "al'ice",
        'al"ice',
        "al;ice",
    ],
)
def test_trickery_is_refused(name: str | None) -> None:
    with pytest.raises(IdentityError):
        validate_member_name(name)


def test_master_login_shape() -> None:
    m = member_for("alice", SETTINGS)
    assert m.address == "alice@bbs.example"
    assert m.master_login("gateway") == "alice@bbs.example*gateway"


@given(st.text(max_size=80))
def test_any_accepted_name_is_safe_to_splice(name: str) -> None:
    try:
        validate_member_name(name)
    except IdentityError:
        return
    assert name.isascii() and name == name.lower()
    assert not any(ch in name for ch in "*@ \t\r\n\x00/\\\"'")
