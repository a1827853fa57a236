"""Idempotency records: the draft digest, and what an existing record means (pure logic, plain files)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from agentmail.config import load_settings
from agentmail.errors import IdempotencyConflictError
from agentmail.model import Address, Attachment, Draft
from agentmail.service import idempotency
from agentmail.service.state import StateDir

DRAFT = Draft(to=(Address("Bob", "bob@bbs.example"),), subject="hi", text="hello")


def _state(tmp_path: Path) -> StateDir:
    base = load_settings({"AGENTBBS_MAIL_ADDR_DOMAIN": "bbs.example"}, [])
    return StateDir(dataclasses.replace(base, state_dir=tmp_path))


@pytest.mark.parametrize(
    "other",
    [
        dataclasses.replace(DRAFT, text="hello!"),
        dataclasses.replace(DRAFT, subject="hi "),
        dataclasses.replace(DRAFT, to=(Address("Bob", "carol@bbs.example"),)),
        dataclasses.replace(DRAFT, cc=(Address("", "bob@bbs.example"),), to=()),
        dataclasses.replace(DRAFT, attachments=(Attachment("a.txt", "text/plain", b"x"),)),
        dataclasses.replace(DRAFT, in_reply_to="<a@b>"),
    ],
)
def test_the_digest_tells_drafts_apart(other: Draft) -> None:
    assert idempotency.digest_draft(other) != idempotency.digest_draft(DRAFT)


def test_the_digest_is_stable() -> None:
    assert idempotency.digest_draft(dataclasses.replace(DRAFT)) == idempotency.digest_draft(DRAFT)


def test_a_record_is_written_before_and_followed_to_sent(tmp_path: Path) -> None:
    state = _state(tmp_path)
    digest = idempotency.digest_draft(DRAFT)
    with idempotency.claim(state, "carol", "job 1") as claim:
        assert claim.record is None
        claim.begin(digest, "<m@x>", 1)
    with idempotency.claim(state, "carol", "job 1") as claim:
        assert claim.record is not None and claim.record.state == idempotency.PENDING
        claim.check(digest)
        claim.advance(idempotency.SENT, "Sent", 7, 99)
    with idempotency.claim(state, "carol", "job 1") as claim:
        assert claim.record.result().duplicate and claim.record.result().sent_uid == 7
        with pytest.raises(IdempotencyConflictError) as err:
            claim.check(idempotency.digest_draft(dataclasses.replace(DRAFT, text="other")))
        assert err.value.code == "idempotency_conflict" and err.value.details["reason"] == "different_draft"


def test_keys_are_per_member_and_an_abandoned_key_is_free_again(tmp_path: Path) -> None:
    state = _state(tmp_path)
    with idempotency.claim(state, "carol", "k") as claim:
        claim.begin("d", "<m@x>", 1)
    with idempotency.claim(state, "dave", "k") as claim:
        assert claim.record is None
    with idempotency.claim(state, "carol", "k") as claim:
        claim.abandon()
    with idempotency.claim(state, "carol", "k") as claim:
        assert claim.record is None


def test_an_unreadable_record_never_allows_a_send(tmp_path: Path) -> None:
    state = _state(tmp_path)
    with idempotency.claim(state, "carol", "k") as claim:
        claim.begin("d", "<m@x>", 1)
    (record,) = (tmp_path / "idempotency" / "carol").glob("*.json")
    record.write_bytes(b"{half a rec")
    with idempotency.claim(state, "carol", "k") as claim, pytest.raises(IdempotencyConflictError) as err:
        claim.check("d")
    assert err.value.details["reason"] == "unfinished"
