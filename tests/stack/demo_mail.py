"""Deterministic demo mailbox content: plain/HTML, attachments, every common charset, threads, flags, Sent, Drafts."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.message import EmailMessage
from email.mime.text import MIMEText
from email.utils import format_datetime

DEMO = "demo"
CORRESPONDENTS = ("ada", "grace")
_START = datetime(2024, 3, 4, 9, 15, tzinfo=UTC)


@dataclass(frozen=True)
class DemoMessage:
    """One message to seed: its bytes, folder and flags."""

    raw: bytes
    folder: str = "INBOX"
    flags: tuple[str, ...] = field(default_factory=tuple)


def _png() -> bytes:
    """A valid 2x2 PNG built by hand (no image library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    rows = b"".join(b"\x00" + b"\xff\x00\x00\x00\x80\xff" for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", bytes([0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0]))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _base(n: int, sender: str, to: str, subject: str | Header) -> EmailMessage:
    """Headers every demo message has, with a fixed date and Message-ID derived from n."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(_START + timedelta(hours=7 * n))
    msg["Message-ID"] = f"<demo-{n:03d}@bbs.test>"
    return msg


def messages() -> Iterator[DemoMessage]:
    """The demo corpus, the same on every run."""
    ada, grace, me = "Ada Lovelace <ada@bbs.test>", "Grace Hopper <grace@bbs.test>", "Demo User <demo@bbs.test>"
    n = 0

    def nxt() -> int:
        nonlocal n
        n += 1
        return n

    # A thread of five, with In-Reply-To/References.
    refs: list[str] = []
    for i, (who, text) in enumerate(
        [
            (ada, "Shall we meet on Thursday to review the engine notes?"),
            (me, "Thursday works. 10:00?"),
            (ada, "10:00 it is. I'll bring the diagrams."),
            (grace, "Mind if I join? I have compiler questions."),
            (ada, "Of course, Grace. See you both then."),
        ]
    ):
        k = nxt()
        msg = _base(k, who, me if who != me else ada, ("Re: " if i else "") + "Engine review")
        if refs:
            msg["In-Reply-To"] = refs[-1]
            msg["References"] = " ".join(refs)
        refs.append(msg["Message-ID"])
        msg.set_content(text + "\n")
        yield DemoMessage(msg.as_bytes(), "Sent" if who == me else "INBOX", ("\\Seen",) if i < 3 else ())

    # Non-ASCII: RFC 2047 subjects, UTF-8, Latin-1, CJK, emoji bodies.
    samples = [
        ("Grüße aus München", "Schöne Grüße, bis bald!\n", "utf-8"),
        ("Café crème à volonté", "Le café est prêt, façon française.\n", "iso-8859-1"),
        ("会議の議事録", "本日の会議の議事録を添付します。よろしくお願いします。\n", "utf-8"),
        ("你好，世界", "这是一封测试邮件。\n", "utf-8"),
        ("Launch day 🚀🎉", "We shipped! 🎉 Thanks everyone 🙏\n", "utf-8"),
        ("Ελληνικά και русский", "Καλημέρα! Доброе утро!\n", "utf-8"),
    ]
    for subject, body, charset in samples:
        msg = _base(nxt(), grace, me, Header(subject, "utf-8").encode())
        msg.set_content(body, charset=charset, cte="quoted-printable" if charset != "utf-8" else "8bit")
        yield DemoMessage(msg.as_bytes(), flags=("\\Flagged",) if "🚀" in subject else ())

    # HTML with a plain alternative, and HTML only.
    msg = _base(nxt(), ada, me, "Newsletter: March")
    msg.set_content("March news\n\n* Item one\n* Item two\n")
    html = (
        "<html><body><h1>March news</h1><ul><li>Item <b>one</b></li><li>Item two</li></ul>"
        '<p><a href="https://example.com/more">Read more</a></p></body></html>'
    )
    msg.add_alternative(html, subtype="html")
    yield DemoMessage(msg.as_bytes())
    html_only = _base(nxt(), grace, me, "HTML only")
    html_only.set_content("<p>This message has <i>only</i> an HTML part.</p>", subtype="html")
    yield DemoMessage(html_only.as_bytes())

    # Attachments: a small PDF and a PNG.
    msg = _base(nxt(), ada, me, "Diagrams attached")
    msg.set_content("The diagrams and the report are attached.\n")
    msg.add_attachment(_PDF, maintype="application", subtype="pdf", filename="report.pdf")
    msg.add_attachment(_png(), maintype="image", subtype="png", filename="diagram.png")
    yield DemoMessage(msg.as_bytes(), flags=("\\Flagged", "\\Seen"))
    msg = _base(nxt(), grace, me, "Fotos vom Ausflug")
    msg.set_content("Anbei ein Foto.\n")
    msg.add_attachment(_png(), maintype="image", subtype="png", filename="Ausflug-Übersicht.png")
    yield DemoMessage(msg.as_bytes())

    # A legacy message: raw Latin-1 body with a MIMEText, base64 encoded.
    legacy = MIMEText("Réunion reportée à mardi.\n", "plain", "iso-8859-1")
    legacy["From"], legacy["To"] = grace, me
    legacy["Subject"] = Header("Réunion reportée", "iso-8859-1").encode()
    legacy["Date"] = format_datetime(_START + timedelta(hours=7 * nxt()))
    legacy["Message-ID"] = f"<demo-{n:03d}@bbs.test>"
    yield DemoMessage(legacy.as_bytes(), flags=("\\Seen", "\\Answered"))

    # A second thread and filler so the index scrolls.
    topics = [
        "Lunch?",
        "Build is green",
        "Quarterly numbers",
        "Office plants",
        "Book club",
        "Server maintenance",
        "Re: Book club",
        "Travel plans",
        "Password reset (not really)",
        "Weekly digest",
    ]
    for i in range(30):
        k = nxt()
        who = (ada, grace)[i % 2]
        msg = _base(k, who, me, f"{topics[i % len(topics)]} #{i + 1}")
        msg.set_content(f"Message {i + 1} of the filler set.\n\n" + "Lorem ipsum dolor sit amet. " * (1 + i % 5) + "\n")
        yield DemoMessage(msg.as_bytes(), flags=("\\Seen",) if i % 3 else ())

    # A draft and an archived message.
    draft = _base(nxt(), me, ada, "Draft: notes for Thursday")
    draft.set_content("- bring diagrams\n- ask about the loop\n")
    yield DemoMessage(draft.as_bytes(), "Drafts", ("\\Draft", "\\Seen"))
    archived = _base(nxt(), ada, me, "Old announcement")
    archived.set_content("This one was archived.\n")
    yield DemoMessage(archived.as_bytes(), "Archive", ("\\Seen",))
    junk = _base(nxt(), "Totally Legit <win@prize.example>", me, "YOU WON!!!")
    junk.set_content(base64.b64encode(b"not really").decode() + "\n")
    yield DemoMessage(junk.as_bytes(), "Junk")
