"""Settings built once from env files and the environment, validated, and passed in.

Precedence (decided here and nowhere else): built-in defaults, then one config
file, then the process environment.  The config file is the one named by
``AGENTMAIL_CONFIG`` (or ``--config``) when one is named, and only otherwise the
system file ``/etc/agentmail/agentmail.env`` (as ``ssh -F`` replaces the system
file): a run that names its own config never reads the host's.  The system path
is a parameter of the loader, so tests can prove that.  Each value remembers
where it came from so ``doctor`` can explain it.  Secrets never appear in ``repr``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

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
    "AGENTMAIL_MTA_HOSTNAME": ("", "Postfix's myhostname, as in its Received lines (default: the mail host)"),
    "AGENTMAIL_SIGNING_KEY": ("", "sender-signature key (secret, 16+ characters; default: from the master password)"),
    "AGENTMAIL_TIMEOUT": ("20", "network timeout in seconds"),
    "AGENTMAIL_RECONNECT_WINDOW": ("120", "seconds a long-lived session keeps retrying a mail server that went away"),
    "AGENTMAIL_MAX_RECIPIENTS": ("50", "most recipients in one message"),
    "AGENTMAIL_MAX_MESSAGE_BYTES": ("26214400", "largest outgoing message in bytes"),
    "AGENTMAIL_MAX_ATTACHMENT_BYTES": ("10485760", "largest attachment the attachment command returns"),
    "AGENTMAIL_MAX_ANSWER_BYTES": ("65536", "default cap on one whole agent answer (its JSON), in bytes"),
    "AGENTMAIL_SEND_PER_HOUR": ("100", "messages a member may send per hour (0: no limit)"),
    "AGENTMAIL_SEND_PER_DAY": ("500", "messages a member may send per day (0: no limit)"),
    "AGENTMAIL_STATE_DIR": (
        "/var/lib/agentmail",
        "where shared state (send limits, idempotency keys, session slots, remembered folder views) is kept",
    ),
    "AGENTMAIL_SSH_USER": ("mail", "the forced-command user: owner of the state directory, checked by doctor"),
    "AGENTMAIL_MAX_LINE_BYTES": ("41943040", "longest request line batch and mcp accept, in bytes"),
    "AGENTMAIL_IDLE_TIMEOUT": ("900", "seconds batch and mcp wait for a request before they end"),
    "AGENTMAIL_MAX_SESSIONS": ("10", "agentmail sessions one member may have open at once (0: no limit)"),
    "AGENTMAIL_UNDO_SEND_SECONDS": ("10", "seconds a message sent in the reader waits, undoable with u (0: off)"),
}

SECRETS = frozenset({"AGENTBBS_MAIL_MASTER_PASS", "AGENTBBS_MAIL_API_TOKEN", "AGENTMAIL_SIGNING_KEY"})

MIN_SIGNING_KEY = 16

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
    mta_hostname: str = ""
    signing_key: str = field(default="", repr=False)
    timeout: float = 20.0
    reconnect_window: float = 120.0
    max_recipients: int = 50
    max_message_bytes: int = 25 * 1024 * 1024
    max_attachment_bytes: int = 10 * 1024 * 1024
    max_answer_bytes: int = 64 * 1024
    send_per_hour: int = 100
    send_per_day: int = 500
    state_dir: Path = Path("/var/lib/agentmail")
    ssh_user: str = "mail"
    max_line_bytes: int = 40 * 1024 * 1024
    idle_timeout: float = 900.0
    max_sessions: int = 10
    undo_send_seconds: int = 10
    sources: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def require_mailbox_access(self) -> None:
        """Fail before any I/O when the master login cannot be formed."""
        for name, value in (
            ("AGENTBBS_MAIL_MASTER_USER", self.master_user),
            ("AGENTBBS_MAIL_MASTER_PASS", self.master_pass),
        ):
            if not value:
                raise ConfigError(f"{name} is not set, so mailboxes cannot be opened")


#: A file of only these lines reads the same by python-dotenv and by :func:`_plain_values`: comments, blank
#: lines and ``NAME=value`` where the value has no space, quote, backslash, ``$`` or ``#`` (nothing it would
#: unquote, unescape, interpolate or cut as a comment).
_PLAIN_ENV = re.compile(r"(?:(?:#[ -~]*|[A-Za-z_][A-Za-z0-9_]*=[!%-&(-\[\]-~]*)?\r?\n)*")


def dotenv_values(path: Path) -> dict[str, str | None]:
    """python-dotenv's reading of one env file; a file of plain ``NAME=value`` lines is read without it.

    python-dotenv's import (shutil, tempfile, the compression modules) cost about 5 ms of every start-up
    on a host with a config file, which nearly every host has; files it would read differently go to it.
    """
    with open(path, encoding="utf-8") as stream:
        text = stream.read()
    plain = _plain_values(text)
    if plain is not None:
        return plain
    from dotenv import dotenv_values as read

    return dict(read(path))


def _plain_values(text: str) -> dict[str, str | None] | None:
    """The values of a file of plain lines (see _PLAIN_ENV), or None when it holds anything else."""
    if not _PLAIN_ENV.fullmatch(text if text.endswith("\n") or not text else text + "\n"):
        return None
    values: dict[str, str | None] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


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


def default_env_files(environ: Mapping[str, str], system_config: Path = SYSTEM_CONFIG) -> list[Path]:
    """The config file to read: the one ``AGENTMAIL_CONFIG`` names, else the system file (never both)."""
    named = environ.get("AGENTMAIL_CONFIG")
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"AGENTMAIL_CONFIG names {path}, which is not a file")
        return [path]
    return [system_config]


def load_settings(
    environ: Mapping[str, str], env_files: Sequence[Path] | None = None, *, system_config: Path = SYSTEM_CONFIG
) -> Settings:
    """Build and validate Settings; raise ConfigError naming the first bad variable."""
    files = default_env_files(environ, system_config) if env_files is None else list(env_files)
    values, sources = read_layers(environ, files)
    addr_domain, mail_domain = _domains(values)
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
        mta_hostname=_mta_hostname(values, mail_domain),
        signing_key=_signing_key(values),
        timeout=_number("AGENTMAIL_TIMEOUT", values, minimum=1, cast=float),
        max_recipients=_number("AGENTMAIL_MAX_RECIPIENTS", values, minimum=1),
        max_message_bytes=_number("AGENTMAIL_MAX_MESSAGE_BYTES", values, minimum=1024),
        max_attachment_bytes=_number("AGENTMAIL_MAX_ATTACHMENT_BYTES", values, minimum=1),
        max_answer_bytes=_number("AGENTMAIL_MAX_ANSWER_BYTES", values, minimum=512),
        send_per_hour=_number("AGENTMAIL_SEND_PER_HOUR", values, minimum=0),
        send_per_day=_number("AGENTMAIL_SEND_PER_DAY", values, minimum=0),
        state_dir=Path(values["AGENTMAIL_STATE_DIR"]),
        ssh_user=_user_name("AGENTMAIL_SSH_USER", values),
        max_line_bytes=_number("AGENTMAIL_MAX_LINE_BYTES", values, minimum=1024),
        idle_timeout=_number("AGENTMAIL_IDLE_TIMEOUT", values, minimum=1, cast=float),
        max_sessions=_number("AGENTMAIL_MAX_SESSIONS", values, minimum=0),
        undo_send_seconds=_number("AGENTMAIL_UNDO_SEND_SECONDS", values, minimum=0),
        sources=sources,
    )


def _domains(values: Mapping[str, str]) -> tuple[str, str]:
    """The member addresses' domain (required) and the mail host's (defaults to it), both checked."""
    addr_domain = values.get("AGENTBBS_MAIL_ADDR_DOMAIN", "").strip().lower()
    if not addr_domain:
        raise ConfigError("AGENTBBS_MAIL_ADDR_DOMAIN is not set; it names the domain of member addresses")
    _check_host("AGENTBBS_MAIL_ADDR_DOMAIN", addr_domain)
    mail_domain = values["AGENTBBS_MAIL_DOMAIN"].strip().lower() or addr_domain
    _check_host("AGENTBBS_MAIL_DOMAIN", mail_domain)
    return addr_domain, mail_domain


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


def _signing_key(values: Mapping[str, str]) -> str:
    key = values["AGENTMAIL_SIGNING_KEY"].strip()
    if key and len(key) < MIN_SIGNING_KEY:
        raise ConfigError(f"AGENTMAIL_SIGNING_KEY must be at least {MIN_SIGNING_KEY} characters (it is not shown)")
    return key


def _mta_hostname(values: Mapping[str, str], mail_domain: str) -> str:
    name = values["AGENTMAIL_MTA_HOSTNAME"].strip().lower().rstrip(".") or mail_domain
    _check_host("AGENTMAIL_MTA_HOSTNAME", name)
    return name


def _user_name(name: str, values: Mapping[str, str]) -> str:
    raw = values[name].strip()
    if not re.fullmatch(r"[a-z_][a-z0-9_.-]{0,31}", raw):
        raise ConfigError(f"{name} must be a system user name, such as mail")
    return raw


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
