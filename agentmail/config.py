"""Settings built once from env files and the environment, validated, and passed in.

Precedence (decided here and nowhere else): built-in defaults, then
``/etc/agentmail/agentmail.env``, then the file named by ``AGENTMAIL_CONFIG``,
then the process environment.  Each value remembers where it came from so
``doctor`` can explain it.  Secrets never appear in ``repr``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from agentmail.errors import ConfigError

SYSTEM_CONFIG = Path("/etc/agentmail/agentmail.env")

#: Every variable agentmail reads: name -> (default or None, description). Feeds the man page.
VARIABLES: dict[str, tuple[str | None, str]] = {
    "AGENTBBS_MAIL_ADDR_DOMAIN": (None, "the address domain: members are <member>@<this> (required)"),
    "AGENTBBS_MAIL_DOMAIN": ("", "the mail server host name (default: the address domain)"),
    "AGENTBBS_MAIL_IMAP_ADDR": ("127.0.0.1:14143", "Dovecot IMAP host:port"),
    "AGENTBBS_MAIL_IMAP_PLAINTEXT": ("1", "1 for plaintext IMAP (loopback only); anything else uses implicit TLS"),
    "AGENTBBS_MAIL_SMTP_ADDR": ("127.0.0.1:25", "the local relay host:port (unauthenticated)"),
    "AGENTBBS_MAIL_MASTER_USER": ("", "the Dovecot master user name (required to open mailboxes)"),
    "AGENTBBS_MAIL_MASTER_PASS": ("", "the Dovecot master password (secret; required to open mailboxes)"),
    "AGENTBBS_MAIL_ADMIN_URL": ("", "the Mailu admin base URL, for auto-provisioning"),
    "AGENTBBS_MAIL_API_TOKEN": ("", "the Mailu API token (secret); without it provisioning is skipped"),
    "AGENTBBS_WEBMAIL_URL": ("", "webmail URL shown to members (default: https://<mail host>)"),
    "AGENTMAIL_AUTHSERV_ID": ("", "authserv-id of this host's Authentication-Results (default: the mail host)"),
    "AGENTMAIL_TIMEOUT": ("20", "network timeout in seconds"),
    "AGENTMAIL_MAX_RECIPIENTS": ("50", "most recipients in one message"),
    "AGENTMAIL_MAX_MESSAGE_BYTES": ("26214400", "largest outgoing message in bytes"),
    "AGENTMAIL_MAX_ATTACHMENT_BYTES": ("10485760", "largest attachment the attachment command returns"),
    "AGENTMAIL_MAX_ANSWER_BYTES": ("65536", "default cap on one whole agent answer (its JSON), in bytes"),
    "AGENTMAIL_SEND_PER_HOUR": ("100", "messages a member may send per hour (0: no limit)"),
    "AGENTMAIL_SEND_PER_DAY": ("500", "messages a member may send per day (0: no limit)"),
    "AGENTMAIL_STATE_DIR": ("/var/lib/agentmail", "where shared rate-limit state is kept"),
}

SECRETS = frozenset({"AGENTBBS_MAIL_MASTER_PASS", "AGENTBBS_MAIL_API_TOKEN"})

_HOST_RE = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


@dataclass(frozen=True)
class Settings:
    """Validated settings for one process."""

    addr_domain: str
    mail_domain: str
    imap_host: str
    imap_port: int
    imap_plaintext: bool
    smtp_host: str
    smtp_port: int
    master_user: str
    master_pass: str = field(repr=False)
    admin_url: str = ""
    api_token: str = field(default="", repr=False)
    webmail_url: str = ""
    authserv_id: str = ""
    timeout: float = 20.0
    max_recipients: int = 50
    max_message_bytes: int = 25 * 1024 * 1024
    max_attachment_bytes: int = 10 * 1024 * 1024
    max_answer_bytes: int = 64 * 1024
    send_per_hour: int = 100
    send_per_day: int = 500
    state_dir: Path = SYSTEM_CONFIG.parent
    sources: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def require_mailbox_access(self) -> None:
        """Fail before any I/O when the master login cannot be formed."""
        for name, value in (
            ("AGENTBBS_MAIL_MASTER_USER", self.master_user),
            ("AGENTBBS_MAIL_MASTER_PASS", self.master_pass),
        ):
            if not value:
                raise ConfigError(f"{name} is not set, so mailboxes cannot be opened")


def read_layers(environ: Mapping[str, str], env_files: Sequence[Path]) -> tuple[dict[str, str], dict[str, str]]:
    """Merge defaults, env files and the environment; return values and their sources."""
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for name, (default, _) in VARIABLES.items():
        if default is not None:
            values[name], sources[name] = default, "default"
    for path in env_files:
        if not path.is_file():
            continue
        try:
            layer = dotenv_values(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the config file {path}: {exc.__class__.__name__}") from None
        for key, value in layer.items():
            if key in VARIABLES and value is not None:
                values[key], sources[key] = value, str(path)
    for key in VARIABLES:
        if key in environ:
            values[key], sources[key] = environ[key], "environment"
    return values, sources


def default_env_files(environ: Mapping[str, str]) -> list[Path]:
    """The config files in precedence order: the system file, then ``AGENTMAIL_CONFIG``."""
    files = [SYSTEM_CONFIG]
    if environ.get("AGENTMAIL_CONFIG"):
        files.append(Path(environ["AGENTMAIL_CONFIG"]))
    return files


def load_settings(environ: Mapping[str, str], env_files: Sequence[Path] | None = None) -> Settings:
    """Build and validate Settings; raise ConfigError naming the first bad variable."""
    files = default_env_files(environ) if env_files is None else list(env_files)
    values, sources = read_layers(environ, files)
    addr_domain = values.get("AGENTBBS_MAIL_ADDR_DOMAIN", "").strip().lower()
    if not addr_domain:
        raise ConfigError("AGENTBBS_MAIL_ADDR_DOMAIN is not set; it names the domain of member addresses")
    _check_host("AGENTBBS_MAIL_ADDR_DOMAIN", addr_domain)
    mail_domain = values["AGENTBBS_MAIL_DOMAIN"].strip().lower() or addr_domain
    _check_host("AGENTBBS_MAIL_DOMAIN", mail_domain)
    imap_host, imap_port = parse_hostport("AGENTBBS_MAIL_IMAP_ADDR", values["AGENTBBS_MAIL_IMAP_ADDR"])
    smtp_host, smtp_port = parse_hostport("AGENTBBS_MAIL_SMTP_ADDR", values["AGENTBBS_MAIL_SMTP_ADDR"])
    master_user = values["AGENTBBS_MAIL_MASTER_USER"].strip()
    if master_user and not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", master_user):
        raise ConfigError("AGENTBBS_MAIL_MASTER_USER may hold only letters, digits, '.', '_' and '-'")
    admin_url = values["AGENTBBS_MAIL_ADMIN_URL"].strip().rstrip("/")
    if admin_url and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", admin_url):
        raise ConfigError("AGENTBBS_MAIL_ADMIN_URL must be an http:// or https:// URL")
    return Settings(
        addr_domain=addr_domain,
        mail_domain=mail_domain,
        imap_host=imap_host,
        imap_port=imap_port,
        imap_plaintext=values["AGENTBBS_MAIL_IMAP_PLAINTEXT"].strip() == "1",
        smtp_host=smtp_host,
        smtp_port=smtp_port,
        master_user=master_user,
        master_pass=values["AGENTBBS_MAIL_MASTER_PASS"],
        admin_url=admin_url,
        api_token=values["AGENTBBS_MAIL_API_TOKEN"].strip(),
        webmail_url=values["AGENTBBS_WEBMAIL_URL"].strip() or f"https://{mail_domain}",
        authserv_id=values["AGENTMAIL_AUTHSERV_ID"].strip().lower() or mail_domain,
        timeout=_number("AGENTMAIL_TIMEOUT", values, minimum=1, cast=float),
        max_recipients=_number("AGENTMAIL_MAX_RECIPIENTS", values, minimum=1),
        max_message_bytes=_number("AGENTMAIL_MAX_MESSAGE_BYTES", values, minimum=1024),
        max_attachment_bytes=_number("AGENTMAIL_MAX_ATTACHMENT_BYTES", values, minimum=1),
        max_answer_bytes=_number("AGENTMAIL_MAX_ANSWER_BYTES", values, minimum=512),
        send_per_hour=_number("AGENTMAIL_SEND_PER_HOUR", values, minimum=0),
        send_per_day=_number("AGENTMAIL_SEND_PER_DAY", values, minimum=0),
        state_dir=Path(values["AGENTMAIL_STATE_DIR"]),
        sources=sources,
    )


def parse_hostport(name: str, raw: str) -> tuple[str, int]:
    """Split ``host:port``; the host may be a name, an IPv4 address or ``[IPv6]``."""
    raw = raw.strip()
    match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d{1,5})|([^:\s\[\]]+):(\d{1,5})", raw)
    if not match:
        raise ConfigError(f"{name} must be host:port, not {raw!r}")
    host = match.group(1) or match.group(3)
    port = int(match.group(2) or match.group(4))
    if not 0 < port < 65536:
        raise ConfigError(f"{name} has a port outside 1-65535")
    return host, port


def _check_host(name: str, value: str) -> None:
    if not _HOST_RE.match(value):
        raise ConfigError(f"{name} is not a valid domain name")


def _number(name: str, values: Mapping[str, str], *, minimum: float, cast: type = int) -> int:
    raw = values[name].strip()
    try:
        number = cast(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return number
