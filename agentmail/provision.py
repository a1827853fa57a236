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
from agentmail.errors import ProvisionError
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
    _refuse_auth(status)
    if status != 404:
        raise ProvisionError(f"the mail admin API answered {status} when looking up {email}")
    body = {
        "email": email,
        "raw_password": secrets.token_urlsafe(24),
        "comment": "created by agentmail",
        "enabled": True,
        "enable_imap": True,
    }
    status, answer = _request(settings, "POST", "/user", body)
    _refuse_auth(status)
    if status in (200, 201, 409) or (status == 400 and "exist" in answer.lower()):
        log.info("provisioned mailbox %s", email)
        return True
    raise ProvisionError(f"the mail admin API answered {status} when creating {email}")


def _refuse_auth(status: int) -> None:
    """401/403: the token is missing or wrong, which only the operator can fix."""
    if status in (401, 403):
        raise ProvisionError(
            f"the mail admin API refused the token (HTTP {status}); the operator must fix AGENTBBS_MAIL_API_TOKEN"
        )


def check_api(settings: Settings) -> int:
    """GET the API's user list root with the token, for doctor: the HTTP status."""
    status, _ = _request(settings, "GET", "/user")
    return status


def _request(settings: Settings, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
    url = f"{settings.admin_url}/api/v1{path}"
    if not url.startswith(("http://", "https://")):
        raise ProvisionError("AGENTBBS_MAIL_ADMIN_URL is not an http(s) URL")
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
        raise ProvisionError(f"the mail admin API at {settings.admin_url} cannot be reached ({reason})") from None
