"""Auto-provisioning through Mailu's admin REST API: make sure ``<member>@<domain>`` exists.

Called only when Dovecot says the mailbox is unknown (a master login answered
``[UNAVAILABLE]``), so the common path costs no HTTP round trip.  The password
given at creation is random and never used or logged: members reach their
mailbox through the Dovecot master user.
"""

from __future__ import annotations

import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request

from agentmail.config import Settings
from agentmail.errors import UnavailableError
from agentmail.identity import Member

log = logging.getLogger(__name__)
TIMEOUT = 5.0


def is_configured(settings: Settings) -> bool:
    return bool(settings.api_token and settings.admin_url)


def ensure_mailbox(settings: Settings, member: Member) -> bool:
    """Create the member's mailbox if it is missing; True when it exists afterwards.

    An existing user (200 on GET, or 409 on POST after a race) is success.
    """
    if not is_configured(settings):
        return False
    email = member.address
    status, _ = _request(settings, "GET", f"/user/{urllib.parse.quote(email, safe='@')}")
    if status == 200:
        return True
    if status != 404:
        raise UnavailableError(f"the mail admin API answered {status} when looking up {email}", code="provision_failed")
    body = {
        "email": email,
        "raw_password": secrets.token_urlsafe(24),
        "comment": "created by agentmail",
        "enabled": True,
        "enable_imap": True,
    }
    status, answer = _request(settings, "POST", "/user", body)
    if status in (200, 201, 409) or (status == 400 and "exist" in answer.lower()):
        log.info("provisioned mailbox %s", email)
        return True
    raise UnavailableError(f"the mail admin API answered {status} when creating {email}", code="provision_failed")


def check_api(settings: Settings) -> int:
    """GET the API's user list root with the token, for doctor: the HTTP status."""
    status, _ = _request(settings, "GET", "/user")
    return status


def _request(settings: Settings, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
    url = f"{settings.admin_url}/api/v1{path}"
    if not url.startswith(("http://", "https://")):
        raise UnavailableError("AGENTBBS_MAIL_ADMIN_URL is not an http(s) URL", code="provision_failed")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 -- scheme checked above
    request.add_header("Authorization", settings.api_token)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 -- scheme checked above
            return response.status, response.read(65536).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(65536).decode("utf-8", "replace") if exc.fp else ""
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UnavailableError(
            f"the mail admin API at {settings.admin_url} cannot be reached ({reason})", code="provision_failed"
        ) from None
