"""Idempotency keys: one lock and one record per member and key, so a key sends at most once.

The record (``idempotency/<member>/<sha256 of key>.json``) holds the member, the
key, a digest of the draft, the Message-ID and how far the send got:

- ``pending``: written before SMTP submission;
- ``submitted``: the relay accepted the message;
- ``sent``: the Sent copy is stored (its folder, uid and uidvalidity are kept).

The lock (``<digest>.lock`` beside it) is held from the duplicate check through
submission and the Sent append, so concurrent sends with one key (other SSH
sessions, batch sessions, MCP) wait and then answer ``duplicate``.

A ``pending`` record found by a later send means the earlier one stopped (a
crash, a lost connection during submission) without learning whether the relay
took the message.  Unless its copy is found in Sent, it may or may not have gone
out, so the key refuses with ``idempotency_conflict`` (reason ``unfinished``)
instead of risking a second delivery; the agent checks and sends with a new key.
A send that failed before the relay could accept it removes its record, so a
retry with the same key sends.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace

from agentmail.errors import IdempotencyConflictError
from agentmail.model import Draft, SendResult
from agentmail.service.state import StateDir

PENDING, SUBMITTED, SENT = "pending", "submitted", "sent"


@dataclass(frozen=True)
class Record:
    """What the state directory remembers about one key."""

    member: str
    key: str
    draft: str  # digest_draft() of the message sent with this key
    message_id: str
    recipients: int
    state: str = PENDING
    started: float = 0.0
    source: str = ""  # for a stored draft: "<folder>/<uidvalidity>/<uid>" it was sent from
    folder: str = ""
    uid: int | None = None
    uidvalidity: int | None = None

    def result(self) -> SendResult:
        """The answer for a later send with the same key."""
        return SendResult(self.message_id, self.recipients, 0, self.folder, self.uid, self.uidvalidity, duplicate=True)


class Claim:
    """The held lock of one member and key, and its record (None when the key is new)."""

    def __init__(self, state: StateDir, member: str, key: str) -> None:
        self._state = state
        self.member = member
        self.key = key
        name = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        self._parts = ("idempotency", member, f"{name}.json")
        self.lock_parts = ("idempotency", member, f"{name}.lock")
        self.record: Record | None = None

    def load(self) -> None:
        raw = self._state.read(*self._parts)
        self.record = _parse(raw, self.member, self.key) if raw is not None else None

    def check(self, draft_digest: str) -> None:
        """Refuse a key that already belongs to a different message (or whose record cannot be read)."""
        if self.record is not None and not self.record.draft:
            raise self.unfinished()
        if self.record is not None and self.record.draft != draft_digest:
            raise IdempotencyConflictError(
                "this idempotency key was already used for a different message; nothing was sent (use a new key)",
                details={"reason": "different_draft", "message_id": self.record.message_id},
            )

    def unfinished(self) -> IdempotencyConflictError:
        assert self.record is not None
        return IdempotencyConflictError(
            "an earlier send with this idempotency key stopped before its outcome was known and may have gone out; "
            "nothing was sent (check, then use a new key)",
            details={"reason": "unfinished", "message_id": self.record.message_id},
        )

    def begin(self, draft_digest: str, message_id: str, recipients: int, source: str = "") -> None:
        """Write the record before submission."""
        self._save(Record(self.member, self.key, draft_digest, message_id, recipients, PENDING, time.time(), source))

    def advance(self, state: str, folder: str = "", uid: int | None = None, uidvalidity: int | None = None) -> None:
        assert self.record is not None
        self._save(replace(self.record, state=state, folder=folder, uid=uid, uidvalidity=uidvalidity))

    def abandon(self) -> None:
        """The relay cannot have taken the message: forget the key so a retry sends."""
        self._state.remove(*self._parts)
        self.record = None

    def _save(self, record: Record) -> None:
        self._state.write_atomic(*self._parts, data=json.dumps(asdict(record), sort_keys=True).encode())
        self.record = record


@contextmanager
def claim(state: StateDir, member: str, key: str) -> Iterator[Claim]:
    """Hold the member's lock for this key for the whole block, with its record loaded."""
    held = Claim(state, member, key)
    with state.locked(*held.lock_parts):
        held.load()
        yield held


def digest_draft(draft: Draft) -> str:
    """A stable digest of what a draft would send (recipients, subject, bodies, attachments, threading)."""
    h = hashlib.sha256()

    def put(*values: object) -> None:
        for value in values:
            data = value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")
            h.update(len(data).to_bytes(8, "big"))
            h.update(data)

    for field in (draft.to, draft.cc, draft.bcc):
        put(len(field), *(x for a in field for x in (a.name, a.email.lower())))
    put(draft.subject, draft.text, draft.html, draft.in_reply_to, len(draft.references), *draft.references)
    put(len(draft.attachments), *(x for a in draft.attachments for x in (a.filename, a.content_type, a.data)))
    put(draft.forward)
    return h.hexdigest()


def _parse(raw: bytes, member: str, key: str) -> Record:
    """A record that cannot be read is treated as unfinished: it never allows a second send."""
    try:
        data = json.loads(raw)
        record = Record(**data)
    except (ValueError, TypeError):
        return Record(member, key, "", "", 0, PENDING)
    if record.member != member or record.key != key:
        return Record(member, key, "", record.message_id, 0, PENDING)
    return record
