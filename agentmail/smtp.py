"""Submission to the local relay (unauthenticated, loopback); the envelope sender is always the member."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Sequence

from agentmail.config import Settings
from agentmail.errors import InvalidAddressError, SendError, SmtpUnavailableError


def submit(settings: Settings, envelope_from: str, recipients: Sequence[str], raw: bytes) -> None:
    """Hand one message to Postfix; raise SendError/UnavailableError with a one-sentence reason.

    Every recipient must be accepted or nothing is sent: a partial refusal aborts with RSET.
    """
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise SmtpUnavailableError(f"the mail relay at {where} cannot be reached ({_reason(exc)})") from None
    try:
        client.ehlo_or_helo_if_needed()
        options = ["SMTPUTF8"] if client.has_extn("smtputf8") and not raw.isascii() else []
        refused = _send(client, envelope_from, recipients, raw, options)
    except smtplib.SMTPRecipientsRefused as exc:
        bad = ", ".join(sorted(exc.recipients))
        raise InvalidAddressError(f"the relay refused every recipient ({bad}); nothing was sent") from None
    except smtplib.SMTPSenderRefused as exc:
        raise SendError(f"the relay refused the sender {envelope_from} ({_smtp_text(exc.smtp_error)})") from None
    except smtplib.SMTPDataError as exc:
        raise SendError(f"the relay refused the message ({_smtp_text(exc.smtp_error)})") from None
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        # Lost before the relay's answer to the message: it may or may not have been accepted.
        raise SendError(
            f"the connection to the relay at {where} was lost ({_reason(exc)})", details={"outcome": "unknown"}
        ) from None
    except smtplib.SMTPException as exc:
        raise SendError(f"the relay refused the message ({_reason(exc)})") from None
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
    if refused:
        bad = ", ".join(sorted(refused))
        raise InvalidAddressError(f"the relay refused {bad}; nothing was sent")


def _send(client: smtplib.SMTP, sender: str, recipients: Sequence[str], raw: bytes, options: list[str]) -> dict:
    """MAIL, RCPT each, and DATA only when every RCPT was accepted (smtplib alone would send a partial)."""
    code, resp = client.mail(sender, options)
    if code != 250:
        client.rset()
        raise smtplib.SMTPSenderRefused(code, resp, sender)
    refused = {}
    for rcpt in recipients:
        code, resp = client.rcpt(rcpt)
        if code not in (250, 251):
            refused[rcpt] = (code, resp)
    if refused:
        client.rset()
        return refused
    code, resp = client.data(raw)
    if code != 250:
        client.rset()
        raise smtplib.SMTPDataError(code, resp)
    return {}


def check_relay(settings: Settings) -> str:
    """EHLO the relay and return its greeting line (for doctor)."""
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout) as client:
            code, text = client.ehlo()
    except (OSError, smtplib.SMTPException) as exc:
        raise SmtpUnavailableError(
            f"the mail relay at {settings.smtp_host}:{settings.smtp_port} cannot be reached ({_reason(exc)})"
        ) from None
    return f"{code} {_smtp_text(text).splitlines()[0] if text else ''}".strip()


def _smtp_text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())[:200]


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    return " ".join(str(exc).split())[:120] or type(exc).__name__
