"""The TUI's request map (tui/serving.py) against the real Dovecot: a text part comes with its declared charset."""
# The screen's decoding of what comes back is tested in tests/unit/tui/test_tui_attachments.py.

from __future__ import annotations

from email.message import EmailMessage

from agentmail.config import load_settings
from agentmail.identity import member_for
from agentmail.service.mailbox import Mailbox
from agentmail.tui import requests as rq
from agentmail.tui.serving import serve


def test_fetch_part_answers_the_bytes_and_the_declared_charset(stack, member) -> None:
    name = member()
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.org", "b@example.org", "Charsets"
    msg.set_content("body\n")
    msg.add_attachment("Zająć miejsce\n".encode("iso-8859-2"), maintype="text", subtype="plain",
                       filename="pl.txt", params={"charset": "iso-8859-2"})  # fmt: skip
    msg.add_attachment("Grüße\n".encode(), maintype="text", subtype="plain", filename="bare.txt")  # no charset
    uid = stack.deliver(name, bytes(msg))
    settings = load_settings(stack.env(name), [])
    with Mailbox(settings, member_for(name, settings), interactive=True) as mb:
        uidvalidity = mb.view("INBOX").uidvalidity
        declared = serve(mb, rq.FetchPart("INBOX", uid, uidvalidity, "2", 1024 * 1024))
        bare = serve(mb, rq.FetchPart("INBOX", uid, uidvalidity, "3", 1024 * 1024))
    assert isinstance(declared, rq.PartData) and declared.part.filename == "pl.txt"
    assert declared.data == "Zająć miejsce\n".encode("iso-8859-2") and declared.charset.lower() == "iso-8859-2"
    assert bare.data == "Grüße\n".encode() and bare.charset == ""  # the server's us-ascii default is no declaration


def _mail(subject: str) -> bytes:
    return f"From: a@example.org\r\nTo: b@example.org\r\nSubject: {subject}\r\n\r\nbody\r\n".encode()


def test_mail_announced_inside_a_requests_answer_is_caught_up_before_idling(stack, member) -> None:
    """IDLE reports what arrives while idling; mail that arrives while a request runs is announced inside
    that request's answer (EXISTS), and the worker turns it into events before it idles again."""
    from agentmail.service.feed import Watcher

    name = member()
    first = stack.deliver(name, _mail("first"))
    settings = load_settings(stack.env(name), [])
    with Mailbox(settings, member_for(name, settings), interactive=True) as mb:
        mb.view("INBOX")
        watcher = Watcher(mb, "INBOX")
        watcher.start()
        watcher.pause()  # what the worker does before serving a request
        assert watcher.catch_up() == []  # nothing was announced
        later = stack.deliver(name, _mail("during a request"))
        mb.summaries("INBOX", [first])  # the request: Dovecot adds "* 2 EXISTS" to its answer
        events = watcher.catch_up()
        assert [(e.kind, e.uid) for e in events] == [("new", later)]
        assert watcher.catch_up() == []  # each announcement counts once
