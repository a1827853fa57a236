"""A deterministic, varied mail corpus written as raw bytes (fast enough for 100,000 messages in seconds).

Mix: plain text, HTML with a text alternative, attachments, non-ASCII (encoded words,
UTF-8 and Latin-1 bodies) and reply threads.  Every subject ends with ``#<n>`` so the
newest and oldest are unique strings to wait for on a screen.  Message ``BIG_INDEX``
is the ~50 KB one the ``read`` benchmark fetches.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import formatdate

DOMAIN = "example.org"
SUBJECT_WORD = "budget"  # the word the search benchmark looks for (in about 1 subject in 9)
BODY_MARKER = "This is the newest message of the benchmark corpus."

_SENDERS = (
    ("Alice Martin", "alice"),
    ("Bob Okafor", "bob"),
    ("Chloé Dubois", "chloe"),
    ("Dmitri Ivanov", "dmitri"),
    ("Eve Tanaka", "eve"),
    ("Frank Müller", "frank"),
    ("Grace Hopper", "grace"),
    ("Håkon Berg", "hakon"),
    ("Ivy Chen", "ivy"),
    ("José Álvarez", "jose"),
    ("Build Robot", "ci"),
    ("Newsletter", "news"),
)
_TOPICS = (
    "Quarterly budget review",
    "Deployment plan for Friday",
    "Lunch on Thursday?",
    "Invoice 2024-117",
    "Weekly status report",
    "Build failed on main",
    "Trip photos",
    "Re-org announcement",
    "Budget numbers for Q3",
    "Über die Präsentation",
    "Réunion de l'équipe",
    "会议纪要",
    "Server maintenance window",
    "Design review notes",
    "Welcome to the project",
    "Conference travel budget",
    "Password expiry reminder",
    "Новости недели",
)
_WORDS = [
    "the",
    "project",
    "schedule",
    "moves",
    "forward",
    "as",
    "planned",
    "and",
    "the",
    "team",
    "agreed",
    "on",
    "the",
    "next",
    "steps",
    "please",
    "review",
    "the",
    "attached",
    "figures",
    "before",
    "the",
    "meeting",
    "and",
    "send",
    "comments",
    "by",
    "friday",
    "we",
    "found",
    "a",
    "regression",
    "in",
    "the",
    "parser",
    "which",
    "is",
    "fixed",
    "on",
    "the",
    "branch",
    "and",
    "needs",
    "a",
    "review",
    "thanks",
    "for",
    "the",
    "quick",
    "turnaround",
    "everyone",
    "the",
    "release",
    "notes",
    "are",
    "in",
    "the",
    "usual",
    "place",
]


@dataclass(frozen=True)
class Corpus:
    """Folder contents of one size; ``big_index`` is the position of the ~50 KB message (0 = oldest)."""

    size: int

    @property
    def big_index(self) -> int:
        return self.size // 2

    def newest_subject(self) -> str:
        return subject_of(self.size - 1)

    def oldest_subject(self) -> str:
        return subject_of(0)

    def messages(self, start_time: float) -> Iterator[bytes]:
        for n in range(self.size):
            yield message(n, self.size, start_time + n, big=n == self.big_index)


def subject_of(n: int) -> str:
    """The subject text of message n (the topic is chosen by n alone, so it is stable)."""
    topic = _TOPICS[(n * 7) % len(_TOPICS)]
    return f"{'Re: ' if n % 5 in (1, 2) and n > 2 else ''}{topic} #{n}"


def _encode_header(text: str) -> str:
    """RFC 2047 encoded word for non-ASCII header text."""
    if text.isascii():
        return text
    return "=?UTF-8?B?" + base64.b64encode(text.encode()).decode() + "?="


def _paragraphs(rng: random.Random, count: int) -> str:
    out = [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(20, 60))).capitalize() + "." for _ in range(count)]
    return "\n\n".join(out)


def _wrap(text: str, width: int = 72) -> str:
    lines = []
    for para in text.split("\n"):
        line = ""
        for word in para.split(" "):
            if len(line) + len(word) + 1 > width and line:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return "\r\n".join(lines)


def message(n: int, total: int, when: float, *, big: bool = False) -> bytes:
    """Message n of a folder of `total`: headers and a body of one of several shapes, CRLF line ends."""
    rng = random.Random(n * 7919 + 13)
    name, local = _SENDERS[rng.randrange(len(_SENDERS))]
    subject = subject_of(n)
    msgid = f"<bench.{n}@{DOMAIN}>"
    headers = [
        f"From: {_encode_header(name)} <{local}@{DOMAIN}>",
        "To: Benchmark Member <member@bbs.test>",
        f"Subject: {_encode_header(subject)}",
        f"Date: {formatdate(when)}",
        f"Message-ID: {msgid}",
        "MIME-Version: 1.0",
    ]
    if subject.startswith("Re: ") and n > 2:
        parent = f"<bench.{n - rng.randint(1, 2)}@{DOMAIN}>"
        headers += [f"In-Reply-To: {parent}", f"References: {parent}"]
    text = _paragraphs(rng, rng.randint(1, 4))
    if n == total - 1:
        text = f"{BODY_MARKER}\n\n{text}"
        shape = "plain"
    elif big:
        shape = "big"
    else:
        shape = ("plain", "plain", "plain", "html", "html", "attachment", "latin1", "plain")[rng.randrange(8)]
    if shape == "plain":
        headers += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
        body = _wrap(text)
    elif shape == "latin1":
        headers += ["Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: 8bit"]
        return ("\r\n".join(headers) + "\r\n\r\n").encode() + (_wrap("Grüße aus Köln.\n" + text) + "\r\n").encode(
            "latin-1"
        )
    elif shape == "html":
        boundary = f"alt-{n}"
        paras = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
        html = f"<html><body><h2>{subject}</h2>{paras}<p><a href='https://{DOMAIN}/x/{n}'>link</a></p></body></html>"
        headers.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
        body = "\r\n".join(
            [
                f"--{boundary}",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit",
                "",
                _wrap(text),
                f"--{boundary}",
                "Content-Type: text/html; charset=utf-8",
                "Content-Transfer-Encoding: 8bit",
                "",
                _wrap(html, 200),
                f"--{boundary}--",
            ]
        )
    else:
        size = 36_000 if shape == "big" else rng.choice((800, 2_000, 6_000))
        data = rng.randbytes(size)
        encoded = base64.encodebytes(data).decode().replace("\n", "\r\n").rstrip()
        if shape == "big":
            text = _paragraphs(rng, 30)
        boundary = f"mix-{n}"
        headers.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
        body = "\r\n".join(
            [
                f"--{boundary}",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit",
                "",
                _wrap(text),
                f"--{boundary}",
                f'Content-Type: application/pdf; name="report-{n}.pdf"',
                "Content-Transfer-Encoding: base64",
                f'Content-Disposition: attachment; filename="report-{n}.pdf"',
                "",
                encoded,
                f"--{boundary}--",
            ]
        )
    return ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode()
