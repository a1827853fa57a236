"""Real-world and hostile mail through the real Dovecot: every message reads, safely; sends round-trip exactly."""

from __future__ import annotations

import base64
import importlib.util
import json
import re
import time
import uuid
from pathlib import Path

import pytest

from tests.integration.contract import validate_answer

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
# Raw control characters a terminal would act on: the JSON must carry them escaped, never raw.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def generated() -> dict[str, bytes]:
    spec = importlib.util.spec_from_file_location("corpus_generate", CORPUS / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {
        "many-parts": module.many_parts(1000),
        "deep-nesting": module.deep_nesting(40),
        "big-attachment": module.big_attachment(20),
    }


@pytest.fixture(scope="module")
def corpus_box(stack):
    """A member whose INBOX holds the whole corpus: {name: uid}."""
    name = f"corpus{uuid.uuid4().hex[:6]}"
    stack.add_member(name)
    uids = {path.stem: stack.deliver(name, path.read_bytes()) for path in sorted(CORPUS.glob("*.eml"))}
    uids.update({label: stack.deliver(name, raw) for label, raw in generated().items()})
    return name, uids


def test_every_corpus_message_reads_safely(run_agentmail, corpus_box) -> None:
    name, uids = corpus_box
    requests = [json.dumps({"id": label, "cmd": "read", "args": {"folder": "INBOX", "uid": uid}}) for label, uid in
                uids.items()]  # fmt: skip
    started = time.monotonic()
    result = run_agentmail(name, "batch", stdin="\n".join(requests) + "\n", timeout=300)
    elapsed = time.monotonic() - started
    lines = result.stdout.splitlines()
    assert len(lines) == len(uids), result.stderr[-2000:]
    for line in lines:
        assert not RAW_CONTROL.search(line), f"a raw control character reached the output: {line[:200]!r}"
        answer = json.loads(line)
        assert answer["ok"], answer
        validate_answer(answer)
    answers = {json.loads(line)["id"]: json.loads(line) for line in lines}
    subject = answers["escape-subject"]["message"]
    assert subject["sanitized"] is True
    assert "\x1b" not in subject["content"]["subject"]
    big = answers["big-attachment"]["message"]
    assert any(p["size"] > 10_000_000 for p in big["content"]["attachments"])
    many = answers["many-parts"]["message"]
    assert many["notes"], "a limit that cut parts says so"
    assert elapsed < 120


def test_list_of_the_corpus_is_safe(run_agentmail, corpus_box) -> None:
    name, uids = corpus_box
    result = run_agentmail(name, "list", "INBOX", "--limit", "100")
    assert result.returncode == 0
    assert not RAW_CONTROL.search(result.stdout)
    assert result.json["total"] == len(uids)


SAMPLES = {
    "ascii": ("Plain report", "Ann Example", "Hello,\nthe numbers are in.\n"),
    "latin1": ("Réunion à Noël", "François Müller", "Grüße aus Köln, ça va?\nÀ bientôt.\n"),
    "cjk-emoji": ("会議の議題 🚀", "山田 太郎", "こんにちは世界 👋🏽\n中文测试，한국어 테스트.\n"),
}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_send_store_read_round_trip(stack, run_agentmail, member, kind) -> None:
    sender, rcpt = member(), member()
    subject, display, body = SAMPLES[kind]
    subject = f"{subject} {uuid.uuid4().hex[:6]}"
    blobs = {"notes.txt": "Grüße 👋\n".encode(), "data.bin": bytes(range(256)) * 40, "Résumé 東京.pdf": b"%PDF-1.4\n"}
    draft = {
        "to": [{"name": display, "email": f"{rcpt}@bbs.test"}],
        "subject": subject,
        "text": body,
        "attachments": [
            {"filename": n, "content_type": "application/octet-stream", "data_base64": base64.b64encode(d).decode()}
            for n, d in blobs.items()
        ],
    }
    sent = run_agentmail(sender, "send", stdin=json.dumps(draft))
    assert sent.json["ok"], sent.stdout
    stored = stack.wait_for_message(rcpt, "INBOX", lambda raw: sent.json["message_id"].encode() in raw, timeout=20)
    answer = run_agentmail(rcpt, "read", "INBOX", str(stored.uid)).json
    validate_answer(answer)
    content = answer["message"]["content"]
    fence = answer["fence"]
    text = content["text"][len(f"<<<{fence}>>>\n") : -len(f"\n<<</{fence}>>>")]
    assert content["subject"] == subject
    assert content["to"] == [{"name": display, "email": f"{rcpt}@bbs.test"}]
    assert text == body
    parts = {p["content"]["filename"]: p for p in content["attachments"]}
    assert set(parts) == set(blobs)
    for filename, data in blobs.items():
        got = run_agentmail(rcpt, "attachment", "INBOX", str(stored.uid), parts[filename]["part_id"]).json
        assert base64.b64decode(got["data_base64"]) == data
