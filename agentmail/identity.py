"""Who the session acts for: the member name, validated before any network I/O.

The name is spliced into the Dovecot master login ``<member>@<domain>*<master>``,
so anything beyond a plain lower-case local part is refused outright.
"""

from __future__ import annotations

from dataclasses import dataclass

from agentmail.config import Settings
from agentmail.errors import IdentityError
from agentmail.model import is_member_name


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
    if not is_member_name(raw):
        raise IdentityError("the member name is not acceptable: use 1-64 lower-case letters, digits, '.', '_' or '-'")
    return raw


def member_for(raw: str | None, settings: Settings) -> Member:
    """Validate a member name and bind it to the configured address domain."""
    return Member(validate_member_name(raw), settings.addr_domain)
