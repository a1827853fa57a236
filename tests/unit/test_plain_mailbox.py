"""The plain-mailbox shortcut of mime/headers.parse_addresses gives what email.utils.getaddresses gives."""

from __future__ import annotations

import email.utils
import random
import string

from agentmail.mime.headers import _PLAIN_MAILBOX, _plain_pair, parse_addresses
from agentmail.model import Address

ATEXT = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"
OTHER = '.@ <>"()[],;:\\'


def test_shortcut_agrees_with_getaddresses() -> None:
    rng = random.Random(5)

    def word(alphabet: str) -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5)))

    matched = 0
    for _ in range(30000):
        alphabet = ATEXT + (OTHER if rng.random() < 0.3 else ".")
        name = " ".join(word(alphabet) for _ in range(rng.randint(0, 3)))
        addr = f"{word(alphabet)}@{word(alphabet)}"
        text = f"{name} <{addr}>" if name and rng.random() < 0.8 else addr
        plain = _PLAIN_MAILBOX.fullmatch(text)
        if plain:
            matched += 1
            assert [_plain_pair(plain)] == email.utils.getaddresses([text]), text
    assert matched > 10000


def test_other_forms_go_the_long_way() -> None:
    for text in ('"Tanaka, Eve" <eve@example.org>', "Eve <eve@example.org>, bob@example.org", "eve@example.org (Eve)",
                 "Eve  Tanaka <eve@example.org>", "a..b@example.org", "Bob <bob@[127.0.0.1]>"):  # fmt: skip
        assert _PLAIN_MAILBOX.fullmatch(text) is None
    assert parse_addresses("=?utf-8?q?H=C3=A5kon?= Berg <hakon@example.org>") == (
        Address("Håkon Berg", "hakon@example.org"),
    )
