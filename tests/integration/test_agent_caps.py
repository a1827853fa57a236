"""Hard byte caps on whole answers, reply_text on the first page only, and attachment text."""

from __future__ import annotations

import base64
import json
import uuid
from email.message import EmailMessage

from tests.docbuild import make_docx, make_odt, make_pdf
from tests.integration.strict import validate_strict
from tests.integration.test_agent_commands import make_mail


def run(run_agentmail, member: str, command: str):
    result = run_agentmail(member, ssh_command=command)
    answer = result.json
    validate_strict(answer)
    return answer, result.returncode, len(result.stdout.encode())


def test_read_caps_the_whole_answer_and_pages_on(stack, run_agentmail, member) -> None:
    me = member()
    new = "Here is my answer, short and new.\n"
    quoted = "".join(f"> line {n} of what you wrote before\n" for n in range(8000))  # ~266 KB
    uid = stack.deliver(me, make_mail("long", to=f"{me}@bbs.test", body=f"{new}\nOn Sun, Bob wrote:\n{quoted}"))
    default, rc, size = run(run_agentmail, me, f"read INBOX {uid} --peek")
    assert rc == 0 and size <= 65536 and default["truncated"] is True  # AGENTMAIL_MAX_ANSWER_BYTES, whole answer
    answer, rc, size = run(run_agentmail, me, f"read INBOX {uid} --peek --max-bytes 4000 --html --raw")
    assert rc == 0 and size <= 4000 and answer["truncated"] is True
    content = answer["message"]["content"]
    assert "Here is my answer, short and new." in content["reply_text"] and "line 0" not in content["reply_text"]
    sections = answer["text_sections"]
    assert sections["new_text_length"] == len(new.strip()) and sections["history_offset"] == len(new) + 1
    # The next page: within the cap again, and reply_text is not repeated.
    offset = answer["text_window"]["next_offset"]
    page2, _, size2 = run(run_agentmail, me, f"read INBOX {uid} --peek --max-bytes 4000 --offset {offset}")
    assert size2 <= 4000 and page2["message"]["content"]["reply_text"] == ""
    assert page2["text_window"]["offset"] == offset and page2["text_window"]["length"] > 1000
    off, _, _ = run(run_agentmail, me, f"read INBOX {uid} --peek --max-bytes 4000 --reply-text=false")
    assert off["message"]["content"]["reply_text"] == ""
    assert off["text_window"]["length"] > answer["text_window"]["length"]


def test_changes_cap_keeps_the_rest_for_the_next_call(stack, run_agentmail, member) -> None:
    me = member()
    first, _, _ = run(run_agentmail, me, "changes")
    stack.seed_maildir(me, "INBOX", [make_mail(f"n{i} " + "x" * 200, to=f"{me}@bbs.test") for i in range(30)])
    token, uids = first["token"], []
    for _ in range(30):
        answer, rc, size = run(run_agentmail, me, f"changes --since {token} --max-bytes 4000")
        assert rc == 0 and size <= 4000
        uids += [e["uid"] for e in answer["events"] if e["kind"] == "new"]
        token = answer["token"]
        if not answer["more"]:
            break
    assert len(uids) == 30 and len(set(uids)) == 30


def _documents_mail(to: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "carol@example.org"
    msg["To"] = to
    msg["Subject"] = f"docs {uuid.uuid4().hex[:6]}"
    msg.set_content("see attached")
    msg.add_attachment(
        make_pdf(["Budget 2027", "Travel is capped."]), maintype="application", subtype="pdf", filename="budget.pdf"
    )
    docx_type = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
    msg.add_attachment(
        make_docx(["Minutes of the meeting", "All agreed."]),
        maintype=docx_type[0],
        subtype=docx_type[1],
        filename="minutes.docx",
    )
    msg.add_attachment(
        make_odt(["Agenda: lunch"]), maintype="application", subtype="octet-stream", filename="agenda.odt"
    )
    msg.add_attachment("<p>Visible</p><p style='display:none'>secret</p>", subtype="html", filename="page.html")
    msg.add_attachment(("long line of notes\n" * 2000).encode(), maintype="text", subtype="plain", filename="notes.txt")
    msg.add_attachment(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, maintype="image", subtype="png", filename="pic.png")
    return msg.as_bytes()


def test_attachment_text_of_documents(stack, run_agentmail, member) -> None:
    me = member()
    uid = stack.deliver(me, _documents_mail(f"{me}@bbs.test"))
    read, _, _ = run(run_agentmail, me, f"read INBOX {uid} --peek")
    parts = {p["content"]["filename"]: p["part_id"] for p in read["message"]["content"]["attachments"]}
    expected = {
        "budget.pdf": ("pdf", ["Budget 2027", "Travel is capped."]),
        "minutes.docx": ("docx", ["Minutes of the meeting\nAll agreed."]),
        "agenda.odt": ("odt", ["Agenda: lunch"]),
        "page.html": ("html", ["Visible"]),
    }
    for name, (kind, texts) in expected.items():
        answer, rc, _ = run(run_agentmail, me, f"attachment INBOX {uid} {parts[name]} --text")
        assert rc == 0 and answer["text_kind"] == kind, (name, answer)
        fenced = answer["content"]["text"]
        assert fenced.startswith(f"<<<{answer['fence']}>>>") and all(t in fenced for t in texts), (name, fenced)
    hidden, _, _ = run(run_agentmail, me, f"attachment INBOX {uid} {parts['page.html']} --text")
    assert "secret" not in hidden["content"]["text"] and hidden["notes"]
    # Paged: every piece within the cap, and together exactly the text.
    pieces, offset = [], 0
    while True:
        page, rc, size = run(
            run_agentmail, me, f"attachment INBOX {uid} {parts['notes.txt']} --text --max-bytes 3000 --offset {offset}"
        )
        assert rc == 0 and size <= 3000
        fence = page["fence"]
        pieces.append(page["content"]["text"].removeprefix(f"<<<{fence}>>>\n").removesuffix(f"\n<<</{fence}>>>"))
        if not page["text_window"]["truncated"]:
            break
        offset = page["text_window"]["next_offset"]
    assert "".join(pieces) == "long line of notes\n" * 2000 and len(pieces) > 10
    refused, rc, _ = run(run_agentmail, me, f"attachment INBOX {uid} {parts['pic.png']} --text")
    assert rc != 0 and refused["error"]["code"] == "unsupported"
    # Bytes are paged too: a window per answer, under the cap, that concatenates to the part.
    whole, _, _ = run(run_agentmail, me, f"attachment INBOX {uid} {parts['budget.pdf']}")
    data, offset = b"", 0
    while True:
        page, _, size = run(
            run_agentmail, me, f"attachment INBOX {uid} {parts['budget.pdf']} --max-bytes 1000 --offset {offset}"
        )
        assert size <= 1000
        data += base64.b64decode(page["data_base64"])
        if page["data_window"]["next_offset"] is None:
            break
        offset = page["data_window"]["next_offset"]
    assert data == base64.b64decode(whole["data_base64"])


def test_a_20_mb_pdf_is_refused_before_it_is_read(stack, run_agentmail, member) -> None:
    me = member()
    msg = EmailMessage()
    msg["From"] = "carol@example.org"
    msg["To"] = f"{me}@bbs.test"
    msg["Subject"] = "huge pdf"
    msg.set_content("big")
    msg.add_attachment(
        make_pdf(["Big"], padding=20 * 1024 * 1024), maintype="application", subtype="pdf", filename="big.pdf"
    )
    uid = stack.deliver(me, msg.as_bytes())
    answer, rc, _ = run(run_agentmail, me, f"attachment INBOX {uid} 2 --text")
    assert rc != 0 and answer["error"]["code"] == "limit_exceeded"
    assert json.dumps(answer).count("over the") == 1


def test_search_pages_go_on_through_their_cursor(stack, run_agentmail, member) -> None:
    me = member()
    stack.seed_maildir(me, "INBOX", [make_mail(f"needle {i}", to=f"{me}@bbs.test") for i in range(7)])
    stack.deliver(me, make_mail("hay", to=f"{me}@bbs.test"))
    answer, rc, _ = run(run_agentmail, me, "search subject:needle --limit 3")
    (page,) = answer["results"]
    seen = [i["uid"] for i in page["items"]]
    first_cursor = page["next_cursor"]
    assert rc == 0 and page["total"] == 7 and len(seen) == 3
    while page["next_cursor"]:
        answer, rc, _ = run(
            run_agentmail, me, f"search subject:needle --limit 3 --folder INBOX --cursor {page['next_cursor']}"
        )
        (page,) = answer["results"]
        seen += [i["uid"] for i in page["items"]]
    assert len(seen) == 7 and seen == sorted(seen, reverse=True)
    other, rc, _ = run(run_agentmail, me, f"search subject:hay --folder INBOX --cursor {first_cursor}")
    assert rc != 0 and other["error"]["code"] == "usage"  # a cursor belongs to its own query


def test_a_hostile_header_block_is_trimmed_to_the_cap(stack, run_agentmail, member) -> None:
    me = member()
    to = ", ".join(f"person{n}@example.org" for n in range(1500))
    extra = "".join(f"X-Filler-{n}: {'v' * 60}\r\n" for n in range(400))
    raw = (f"From: carol@example.org\r\nTo: {to}\r\nSubject: many\r\n{extra}\r\nbody text\r\n").encode()
    uid = stack.deliver(me, raw)
    answer, rc, size = run(run_agentmail, me, f"read INBOX {uid} --peek --part headers --max-bytes 3000")
    assert rc == 0 and size <= 3000 and answer["truncated"] is True
    assert {"headers", "to"} <= set(answer["trimmed"])
    whole, _, size = run(run_agentmail, me, f"read INBOX {uid} --peek --part headers --max-bytes 1000000")
    assert "trimmed" not in whole and len(whole["message"]["content"]["to"]) == 1500


def test_one_summary_over_the_cap_is_squeezed(stack, run_agentmail, member) -> None:
    me = member()
    to = ", ".join(f"person{n}@example.org" for n in range(1500))
    stack.deliver(me, f"From: carol@example.org\r\nTo: {to}\r\nSubject: crowd\r\n\r\nhi\r\n".encode())
    for command in ("list --max-bytes 2000", "search crowd --max-bytes 2000"):
        answer, rc, size = run(run_agentmail, me, command)
        assert rc == 0 and size <= 2000 and answer["truncated"] is True, command
