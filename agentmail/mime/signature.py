"""agentmail's sender signature: the only evidence that a member of this host sent a message.

When agentmail sends, it adds ``X-Agentmail-Signature: v=1; m=<member>; s=<HMAC>``.  The HMAC-SHA256
covers the member name, the address domain, every header that changes what a reader sees or where a
reply goes (From, Sender, Reply-To, To, Cc, Subject, Date, Message-ID, In-Reply-To, References and the
MIME headers; every occurrence, so an added second From breaks it) and a digest of the body.  So a
recipient cannot paste a genuine signature onto another message, or change the text under it, or add
a Reply-To; a verbatim re-send stays what it is: a message that member wrote.

The key is a secret only agentmail reads: ``AGENTMAIL_SIGNING_KEY`` when set, otherwise derived from
the Dovecot master password (HMAC-SHA256(master password, "agentmail sender signature v1")), which no
member can read.  Both sides compute the input from the message bytes with the same header decoder
(:mod:`agentmail.mime.headers`), so Postfix's added trace headers and refolding change nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from email.message import EmailMessage

from agentmail.mime.headers import envelope_from_bytes
from agentmail.model import Header, is_member_name

HEADER = "X-Agentmail-Signature"
VERSION = "1"
_KEY_LABEL = b"agentmail sender signature v1"
SIGNED_HEADERS = (
    "from",
    "sender",
    "reply-to",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_TRAILING_SPACE = re.compile(rb"[ \t]+$", re.MULTILINE)
_TAG = re.compile(r"^\s*([a-z])\s*=\s*([A-Za-z0-9._+/=-]*)\s*$")


def derive_key(master_pass: str, override: str = "") -> bytes:
    """The signing key: the dedicated setting when given, else derived from the master password; b"" if neither."""
    if override:
        return override.encode("utf-8")
    if not master_pass:
        return b""
    return hmac.new(master_pass.encode("utf-8"), _KEY_LABEL, hashlib.sha256).digest()


def body_of(raw: bytes) -> bytes:
    """The body of a raw message: everything after the first empty line."""
    match = _HEADER_END.search(raw)
    return raw[match.end() :] if match else b""


def _body_digest(body: bytes) -> str:
    """SHA-256 of the body with line ends unified, trailing blanks and empty last lines dropped (transport noise)."""
    text = _TRAILING_SPACE.sub(b"", body.replace(b"\r\n", b"\n")).rstrip(b"\n")
    return hashlib.sha256(text).hexdigest()


def _signing_input(member: str, domain: str, headers: Sequence[Header], body: bytes) -> bytes:
    fields = [[name, [" ".join(h.value.split()) for h in headers if h.name.lower() == name]] for name in SIGNED_HEADERS]
    return json.dumps(["v" + VERSION, member, domain.lower(), fields, _body_digest(body)]).encode("utf-8")


def _mac(key: bytes, member: str, domain: str, headers: Sequence[Header], body: bytes) -> str:
    digest = hmac.new(key, _signing_input(member, domain, headers, body), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def sign(message: EmailMessage, key: bytes, member: str, domain: str) -> None:
    """Add our signature to an outgoing message (replacing any the message carried); no key, no signature."""
    del message[HEADER]
    if not key or not is_member_name(member):
        return
    raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    envelope = envelope_from_bytes(raw[: len(raw) - len(body_of(raw))])
    mac = _mac(key, member, domain, envelope.headers, body_of(raw))
    message[HEADER] = f"v={VERSION}; m={member}; s={mac}"


def _tags(value: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for piece in value.split(";"):
        match = _TAG.match(piece)
        if not match or match.group(1) in tags:
            return {}
        tags[match.group(1)] = match.group(2)
    return tags


def verified_member(headers: Sequence[Header], body: bytes | None, key: bytes, domain: str) -> str:
    """The member whose genuine signature this message carries, or "" (no key, no body, or any doubt)."""
    if not key or body is None or not domain:
        return ""
    found = [h.value for h in headers if h.name.lower() == HEADER.lower()]
    if len(found) != 1:
        return ""
    tags = _tags(found[0])
    member = tags.get("m", "")
    if tags.get("v") != VERSION or not is_member_name(member) or not tags.get("s"):
        return ""
    froms = [h.value for h in headers if h.name.lower() == "from"]
    if len(froms) != 1 or _from_address(froms[0]) != f"{member}@{domain.lower()}":
        return ""
    expected = _mac(key, member, domain, headers, body)
    return member if hmac.compare_digest(expected, tags["s"]) else ""


def _from_address(value: str) -> str:
    """The one addr-spec in a From value (lower-cased), or "" when there is not exactly one."""
    found = re.findall(r"<([^<>\s]+)>", value)
    if not found:
        bare = value.strip()
        found = [bare] if bare and " " not in bare and "<" not in bare else []
    return found[0].lower() if len(found) == 1 else ""
