"""Triage in one bounded call: list --preview N with a whole-answer byte cap (issue 14's acceptance)."""

from __future__ import annotations

import base64
import json
import uuid

from tests.integration.strict import validate_strict


def _mail(index: int, to: str) -> bytes:
    """Fifty kinds of mail: plain, quoted replies, HTML, base64 and quoted-printable, up to 1 MB."""
    head = (
        f"From: Sender {index} <s{index}@example.org>\r\nTo: {to}\r\nSubject: triage {index}\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@example.org>\r\nDate: Mon, 23 Nov 2026 10:{index:02d}:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
    )
    new = f"Message {index} says something new. " * 3
    kind = index % 5
    if kind == 0:  # a 1 MB plain body
        body = new + "\r\n" + ("filler line of a very long report\r\n" * 29_000)
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()
    if kind == 1:  # a reply quoting a long history
        quoted = "".join(f"> old line {n} of the earlier message\r\n" for n in range(2000))
        body = f"{new}\r\n\r\nOn Sun, 22 Nov 2026, Bob <b@example.org> wrote:\r\n{quoted}"
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()
    if kind == 2:  # HTML only, heavy markup, a style block longer than the partial fetch
        rows = "".join(f"<tr><td style='padding:4px'>cell {n}</td></tr>" for n in range(5000))
        style = "".join(f".c{n} {{color: red; margin: {n}px}}\n" for n in range(600 if index % 10 == 2 else 1))
        html = f"<html><head><style>{style}</style></head><body><p>{new}</p><table>{rows}</table></body></html>"
        return (head + "Content-Type: text/html; charset=utf-8\r\n\r\n" + html).encode()
    if kind == 3:  # base64 text with a 900 KB attachment
        text = base64.encodebytes((new + "\n").encode()).decode().replace("\n", "\r\n")
        blob = base64.encodebytes(b"\x00" * 700_000).decode().replace("\n", "\r\n")
        return (
            head + 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            f"{text}--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; "
            f"filename=blob.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n{blob}--b--\r\n"
        ).encode()
    body = (new + " caf=C3=A9 =\r\n") * 40  # quoted-printable, soft line breaks
    return (
        head + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + body
    ).encode()


def test_fifty_unread_in_one_bounded_answer(stack, run_agentmail, member) -> None:
    me = member()
    messages = [_mail(i, f"{me}@bbs.test") for i in range(50)]
    stack.seed_maildir(me, "INBOX", messages)
    result = run_agentmail(me, ssh_command="list INBOX --unread --preview 300 --max-bytes 32000")
    assert result.returncode == 0, result.stdout
    assert len(result.stdout.encode()) < 32_000
    page = result.json
    validate_strict(page)
    assert page["truncated"] is True and page["next_cursor"]
    seen = []
    while True:
        for item in page["items"]:
            preview = item["content"]["preview"]
            number = int(item["content"]["subject"].split()[-1])
            assert preview.startswith(f"Message {number} says something new."), (number, preview)
            assert len(preview) <= 300 and "old line" not in preview and "<" not in preview
            seen.append(number)
        if not page["next_cursor"]:
            break
        result = run_agentmail(
            me, ssh_command=f"list INBOX --unread --preview 300 --max-bytes 32000 --cursor {page['next_cursor']}"
        )
        assert len(result.stdout.encode()) < 32_000
        page = result.json
    assert sorted(seen) == list(range(50))


def test_short_previews_use_the_server_preview_and_search_and_thread_take_it(stack, run_agentmail, member) -> None:
    me = member()
    stack.deliver(me, _mail(1, f"{me}@bbs.test"))
    stack.deliver(me, _mail(4, f"{me}@bbs.test"))
    for command in ("list --preview 40", "search triage --preview 40", "thread INBOX 1 --preview 40"):
        answer = json.loads(run_agentmail(me, ssh_command=command).stdout)
        validate_strict(answer)
        items = answer["items"] if "items" in answer else [i for p in answer["results"] for i in p["items"]]
        assert items and all(len(i["content"]["preview"]) <= 40 for i in items), command
        assert all(i["content"]["preview"].startswith("Message ") for i in items), command
    plain = json.loads(run_agentmail(me, ssh_command="list").stdout)
    assert all(i["content"]["preview"] == "" for i in plain["items"])
