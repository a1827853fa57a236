"""doctor's pure checks: plaintext IMAP off loopback is warned about."""

from __future__ import annotations

import dataclasses

import pytest

from agentmail.config import load_settings
from agentmail.ops.doctor import _imap_transport

BASE = load_settings({"AGENTBBS_MAIL_ADDR_DOMAIN": "bbs.example"}, [])


@pytest.mark.parametrize(
    ("host", "plaintext", "status"),
    [
        ("127.0.0.1", True, "ok"),
        ("127.8.9.10", True, "ok"),
        ("::1", True, "ok"),
        ("localhost", True, "ok"),
        ("10.0.0.5", True, "warn"),
        ("192.0.2.1", True, "warn"),
        ("2001:db8::1", True, "warn"),
        ("10.0.0.5", False, "ok"),
    ],
)
def test_plaintext_imap_off_loopback_is_warned_about(host: str, plaintext: bool, status: str) -> None:
    check = _imap_transport(dataclasses.replace(BASE, imap_host=host, imap_plaintext=plaintext))
    assert check.status == status, check
    if status == "warn":
        assert "AGENTBBS_MAIL_IMAP_PLAINTEXT" in check.fix and host in check.detail
