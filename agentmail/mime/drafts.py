"""A stored draft (bytes from the Drafts folder) back into a Draft, so it can be sent or edited."""

from __future__ import annotations

from agentmail.mime.compose import attachments_of
from agentmail.mime.headers import parse_addresses
from agentmail.mime.parse import parse_message
from agentmail.model import Draft


def draft_from_bytes(raw: bytes) -> Draft:
    """Recover recipients (Bcc included: drafts keep it), subject, text, HTML, attachments and threading."""
    message = parse_message(raw, uid=0, folder="", uidvalidity=0)
    bcc = tuple(a for h in message.headers if h.name.lower() == "bcc" for a in parse_addresses(h.value))
    return Draft(
        to=message.to,
        cc=message.cc,
        bcc=bcc,
        subject=message.subject,
        text=message.text,
        html=message.html,
        attachments=attachments_of(raw),
        in_reply_to=message.in_reply_to,
        references=message.references,
    )
