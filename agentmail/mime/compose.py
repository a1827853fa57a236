"""Outgoing mail: Draft, reply and forward to a strict EmailMessage; header injection is refused.

Every header value is checked before the email package sees it: CR, LF, NUL or any other
control character in a subject, name, address or msg-id raises InvalidMessageError, so no
sender-controlled text (a hostile subject we reply to, say) can add a header.  Reply and
forward drafts clean such text first, so replying to hostile mail still works.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.parser import BytesParser

from agentmail.errors import InvalidAddressError, InvalidMessageError
from agentmail.mime.render import html_to_text
from agentmail.mime.sanitize import clean_filename, clean_line, clean_text
from agentmail.model import Address, Attachment, Draft, Message

OUTGOING_POLICY = policy.SMTP.clone(raise_on_defect=True)
MAX_REFERENCES = 20
MAX_FORWARD_ATTACHMENTS = 100

_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_MSG_ID = re.compile(r"<[!-;=?-~]{1,994}>")  # printable ASCII, no '<' or '>' inside
_TOKEN = re.compile(r"[A-Za-z0-9!#$&^_.+-]{1,127}")
_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_REPLY_PREFIX = re.compile(r"^\s*(?:re|aw|sv|antw|vs)\s*(?:\[\d+\])?\s*:", re.IGNORECASE)
_FORWARD_PREFIX = re.compile(r"^\s*(?:fwd?|wg|tr|vb)\s*:", re.IGNORECASE)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _check_header_text(what: str, value: str) -> str:
    """Refuse line breaks, NUL and other controls in a header value (no injection possible)."""
    if _CONTROLS.search(value):
        raise InvalidMessageError(f"the {what} contains a line break or control character")
    return value


def _header_address(address: Address, what: str) -> HeaderAddress:
    _check_header_text(f"{what} name", address.name)
    _check_header_text(f"{what} address", address.email)
    local, at, domain = address.email.strip().rpartition("@")
    if not at or not local or not domain or any(c in address.email for c in ' <>,;"()[]\\'):
        raise InvalidAddressError(f"{address.email!r} is not a valid address", details={"address": address.email})
    if not local.isascii():
        raise InvalidAddressError(
            f"{address.email!r} has a non-ASCII local part, which needs SMTPUTF8", details={"address": address.email}
        )
    try:
        ascii_domain = domain if domain.isascii() else domain.encode("idna").decode("ascii")
        return HeaderAddress(display_name=address.name, username=local, domain=ascii_domain)
    except (ValueError, UnicodeError, IndexError) as exc:
        raise InvalidAddressError(
            f"{address.email!r} is not a valid address", details={"address": address.email}
        ) from exc


_ADDR_SPEC = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@" + _DOMAIN.pattern)


def addr_spec(address: Address) -> str:
    """The address as a strict ASCII dot-atom addr-spec (IDN domain in A-labels), or "" when it is not one."""
    local, _, domain = address.email.strip().rpartition("@")
    try:
        domain = domain if domain.isascii() else domain.encode("idna").decode("ascii")
    except UnicodeError:
        return ""
    value = f"{local}@{domain}"
    return value if len(value) <= 254 and _ADDR_SPEC.fullmatch(value) else ""


def _set_addresses(msg: EmailMessage, name: str, addresses: Sequence[Address]) -> None:
    if addresses:
        msg[name] = [_header_address(a, name) for a in addresses]


def _check_msg_id(value: str, what: str) -> str:
    if not _MSG_ID.fullmatch(value):
        raise InvalidMessageError(f"the {what} {value!r} is not a valid <msg-id>")
    return value


def _content_type(value: str) -> tuple[str, str]:
    maintype, _, subtype = value.strip().lower().partition("/")
    if not _TOKEN.fullmatch(maintype) or not _TOKEN.fullmatch(subtype) or maintype in ("multipart", "message"):
        return "application", "octet-stream"
    return maintype, subtype


def build_message(draft: Draft, *, sender: Address, message_id: str, date: datetime | None = None) -> EmailMessage:
    """The wire form of a draft; Bcc recipients are never written into the headers."""
    msg = EmailMessage(policy=OUTGOING_POLICY)
    try:
        _set_addresses(msg, "From", (sender,))
        _set_addresses(msg, "To", draft.to)
        _set_addresses(msg, "Cc", draft.cc)
        for hidden in draft.bcc:
            _header_address(hidden, "Bcc")  # validated, never written
        msg["Subject"] = _check_header_text("subject", draft.subject)
        msg["Date"] = email.utils.format_datetime((date or datetime.now(UTC)).astimezone())
        msg["Message-ID"] = _check_msg_id(message_id, "Message-ID")
        if draft.in_reply_to:
            msg["In-Reply-To"] = _check_msg_id(draft.in_reply_to, "In-Reply-To")
        references = [_check_msg_id(r, "reference") for r in bound_references(draft.references)]
        if references:
            msg["References"] = " ".join(references)
        _set_body(msg, draft)
    except (ValueError, TypeError) as exc:  # the email package refused a value: say so in our terms
        if isinstance(exc, InvalidAddressError | InvalidMessageError):
            raise
        raise InvalidMessageError(f"the draft cannot be turned into a message: {exc}") from exc
    return msg


def _set_body(msg: EmailMessage, draft: Draft) -> None:
    text = draft.text.replace("\r\n", "\n").replace("\r", "\n")
    if draft.html and not text.strip():  # HTML only: the plain alternative is the HTML as a reader sees it
        text = html_to_text(draft.html)[0] + "\n"
    msg.set_content(text, charset="utf-8")
    if draft.html:
        msg.add_alternative(draft.html.replace("\r\n", "\n"), subtype="html", charset="utf-8")
    for attachment in draft.attachments:
        _add_attachment(msg, attachment)
    if draft.forward:
        forwarded = BytesParser(policy=policy.default).parsebytes(draft.forward)
        msg.add_attachment(forwarded, disposition="attachment")
    if msg.is_multipart() and "MIME-Version" not in msg:
        msg["MIME-Version"] = "1.0"


def _add_attachment(msg: EmailMessage, attachment: Attachment) -> None:
    _check_header_text("attachment filename", attachment.filename)
    maintype, subtype = _content_type(attachment.content_type)
    filename = clean_filename(attachment.filename)
    msg.add_attachment(bytes(attachment.data), maintype=maintype, subtype=subtype, filename=filename)


def bound_references(references: Sequence[str]) -> tuple[str, ...]:
    """Keep the thread root and the most recent ancestors (RFC 5322 3.6.4 allows trimming)."""
    refs = tuple(dict.fromkeys(r for r in references if r))
    if len(refs) <= MAX_REFERENCES:
        return refs
    return refs[:1] + refs[-(MAX_REFERENCES - 1) :]


def make_message_id(address: str, domain: str, key: str | None = None) -> str:
    """A new ``<id@domain>``; with an idempotency key the same member and key give the same id."""
    host = domain.strip().lower()
    if not host.isascii():
        host = host.encode("idna").decode("ascii")
    if not _DOMAIN.fullmatch(host):
        raise InvalidMessageError(f"{domain!r} is not usable as a Message-ID domain")
    if key is None:
        token = secrets.token_hex(16)
    else:
        token = hashlib.sha256(f"{address.strip().lower()}\x00{key}".encode()).hexdigest()[:40]
    return f"<{token}@{host}>"


def _same(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


def _clean_address(address: Address) -> Address:
    return Address(clean_line(address.name), clean_line(address.email))


def _unique(addresses: Iterable[Address], exclude: Iterable[str]) -> tuple[Address, ...]:
    seen = {e.strip().lower() for e in exclude}
    result: list[Address] = []
    for address in addresses:
        key = address.email.strip().lower()
        if key and key not in seen:
            seen.add(key)
            result.append(_clean_address(address))
    return tuple(result)


def _format_date(value: datetime | None) -> str:
    if value is None:
        return ""
    return f"{_DAYS[value.weekday()]}, {value.day} {_MONTHS[value.month - 1]} {value.year} at {value:%H:%M}"


def quote(text: str) -> str:
    """Quote a body for a reply: ``> `` before each line, ``>`` before an already quoted one."""
    lines = clean_text(text).rstrip("\n").split("\n")
    return "\n".join(">" + line if line.startswith(">") else ("> " + line if line else ">") for line in lines)


def reply_draft(original: Message, *, member_address: str, reply_all: bool, text: str = "") -> Draft:
    """A reply: Re: subject, threading headers, the original quoted below the new text."""
    subject = clean_line(original.subject)
    if not _REPLY_PREFIX.match(subject):
        subject = f"Re: {subject}" if subject else "Re:"
    from_member = original.sender is not None and _same(original.sender.email, member_address)
    if from_member:
        primary: Sequence[Address] = original.to
    else:
        primary = original.reply_to or ((original.sender,) if original.sender else ())
    to = _unique(primary, [member_address] if not from_member else [])
    if not to and original.sender:
        to = (_clean_address(original.sender),)
    cc: tuple[Address, ...] = ()
    if reply_all:
        cc = _unique((*original.to, *original.cc), [member_address, *(a.email for a in to)])
    references = list(original.references)
    if not references and original.in_reply_to:
        references.append(original.in_reply_to)
    if original.message_id:
        references.append(original.message_id)
    who = original.sender.formatted() if original.sender else "someone"
    when = _format_date(original.date)
    attribution = f"On {when}, {clean_line(who)} wrote:" if when else f"{clean_line(who)} wrote:"
    body = (
        f"{text.rstrip()}\n\n{attribution}\n{quote(original.text)}\n"
        if text.strip()
        else (f"\n\n{attribution}\n{quote(original.text)}\n")
    )
    return Draft(
        to=to,
        cc=cc,
        subject=subject,
        text=body,
        in_reply_to=original.message_id,
        references=bound_references(references),
    )


def forward_draft(original: Message, raw: bytes, *, as_attachment: bool, text: str = "") -> Draft:
    """A forward: Fwd: subject; the original attached whole, or quoted inline with its attachments."""
    subject = clean_line(original.subject)
    if not _FORWARD_PREFIX.match(subject):
        subject = f"Fwd: {subject}" if subject else "Fwd:"
    if as_attachment:
        return Draft(subject=subject, text=text, forward=raw)
    lines = ["---------- Forwarded message ----------"]
    if original.sender:
        lines.append(f"From: {clean_line(original.sender.formatted())}")
    if original.date:
        lines.append(f"Date: {_format_date(original.date)}")
    lines.append(f"Subject: {clean_line(original.subject)}")
    if original.to:
        lines.append("To: " + ", ".join(clean_line(a.formatted()) for a in original.to))
    if original.cc:
        lines.append("Cc: " + ", ".join(clean_line(a.formatted()) for a in original.cc))
    intro = f"{text.rstrip()}\n\n" if text.strip() else ""
    body = intro + "\n".join(lines) + "\n\n" + clean_text(original.text)
    return Draft(subject=subject, text=body, attachments=attachments_of(raw))


def attachments_of(raw: bytes) -> tuple[Attachment, ...]:
    """The attachments of a raw message, to carry along in an inline forward."""
    try:
        msg = BytesParser(policy=policy.compat32).parsebytes(raw)
        found: list[Attachment] = []
        for part in msg.walk():
            if part.is_multipart() or part.get_content_disposition() != "attachment":
                continue
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                name = clean_filename(part.get_filename() or "")
                found.append(Attachment(name, part.get_content_type(), data))
            if len(found) >= MAX_FORWARD_ATTACHMENTS:
                break
        return tuple(found)
    except (ValueError, LookupError, TypeError, IndexError, RecursionError):
        return ()


def validate_addresses(addresses: Iterable[Address | str], *, local_domains: Sequence[str] = ()) -> None:
    """Refuse the first malformed address (syntax only, no DNS); ``local_domains`` may be special-use."""
    from email_validator import EmailNotValidError, validate_email  # lazily: only sending needs it

    own = {d.strip().lower() for d in local_domains}
    for item in addresses:
        value = item.email if isinstance(item, Address) else str(item)
        if not value.strip():
            raise InvalidAddressError("an address is empty", details={"address": value})
        domain = value.rpartition("@")[2].strip().lower()
        try:
            validate_email(
                value,
                check_deliverability=False,
                allow_smtputf8=False,
                globally_deliverable=domain not in own,
                test_environment=domain in own,
            )
        except EmailNotValidError as exc:
            raise InvalidAddressError(f"{value!r} is not a valid address: {exc}", details={"address": value}) from exc
