"""Who the session acts for: the member name, validated before any network I/O.

The name is spliced into the Dovecot master login ``<member>@<domain>*<master>``,
so anything beyond a plain lower-case local part is refused outright.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentmail.config import Settings
from agentmail.errors import IdentityError

# Lower-case letters, digits, '.', '_' and '-'; starts and ends with a letter or digit;
# no '..' (not a valid dot-atom); at most 64 characters (RFC 5321 local-part limit).
_MEMBER_RE = re.compile(r"[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?")


@dataclass(frozen=True, slots=True)
class Member:
    """A validated member and the names derived from it."""

    name: str
    domain: str

    @property
    def address(self) -> str:
        return f"{self.name}@{self.domain}"

    def master_login(self, master_user: str) -> str:
        """The login Dovecot maps to this member's mailbox (auth_master_user_separator = *)."""
        return f"{self.address}*{master_user}"


def validate_member_name(raw: str | None) -> str:
    """Return the name unchanged if it is acceptable; raise IdentityError otherwise."""
    if raw is None or raw == "":
        raise IdentityError("no member is set: AGENTMAIL_MEMBER is empty or missing")
    if not isinstance(raw, str) or not raw.isascii() or not _MEMBER_RE.fullmatch(raw) or ".." in raw:
        raise IdentityError("the member name is not acceptable: use 1-64 lower-case letters, digits, '.', '_' or '-'")
    return raw


def member_for(raw: str | None, settings: Settings) -> Member:
    """Validate a member name and bind it to the configured address domain."""
    return Member(validate_member_name(raw), settings.addr_domain)
