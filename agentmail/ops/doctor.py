"""``agentmail doctor``: check the setup piece by piece and say how to fix what is broken.

Each check is independent and prints one line (OK/FAIL/WARN, what was found, the
fix).  Without a member, the master password is still checked: Dovecot answers a
master login for an unknown user with [UNAVAILABLE] when the password is right
and [AUTHENTICATIONFAILED] when it is wrong.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import stat
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from agentmail import options, provision, smtp
from agentmail.config import Settings, default_env_files, load_settings
from agentmail.errors import AgentmailError, NoMailboxError, UsageError
from agentmail.identity import Member, member_for
from agentmail.imap.session import ImapSession
from agentmail.ops import state_check

PROBE_MEMBER = "agentmail-doctor-probe"
REQUIRED_CAPS = ("IDLE", "UIDPLUS", "MOVE", "SPECIAL-USE")
#: What doctor reads after its name: the operator options and --json (the same rows as before the command).
DOCTOR_OPTIONS = options.pick(options.GLOBAL, "json", "member", "config")
USEFUL_CAPS = ("LIST-STATUS", "ESEARCH", "SORT", "THREAD=REFERENCES", "CONDSTORE", "QRESYNC", "QUOTA", "PREVIEW")


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str
    status: str  # "ok" | "fail" | "warn" | "skip"
    detail: str
    fix: str = ""


def run_doctor(inv: Any) -> int:
    """Run every check; print a line each (or one JSON object); exit 1 if any failed."""
    member, config, as_json = _options(inv)
    checks = collect(dict(inv.env), member, config)
    failed = any(c.status == "fail" for c in checks)
    if as_json:
        payload = {"ok": not failed, "api_version": 1, "command": "doctor", "checks": [asdict(c) for c in checks]}
        sys.stdout.write(json.dumps(payload) + "\n")
    else:
        for c in checks:
            fix = f" -- fix: {c.fix}" if c.fix and c.status != "ok" else ""
            sys.stdout.write(f"{c.status.upper():4} {c.name:12} {c.detail}{fix}\n")
    return 1 if failed else 0


def _options(inv: Any) -> tuple[str | None, str | None, bool]:
    """Options given before ``doctor`` or after it (``agentmail doctor --member NAME --json``, as documented)."""

    def refuse(word: str) -> str:
        return f"doctor takes --member NAME, --config FILE and --json, not {word[:40]!r}"

    values, rest = options.scan(DOCTOR_OPTIONS, inv.words, refuse)
    if rest:
        raise UsageError(refuse(rest[0]))
    member = values.get("member", inv.member_override)
    return member, values.get("config", inv.config_override), values.get("json", inv.json)


def collect(environ: Mapping[str, str], member_name: str | None, config: str | None) -> list[Check]:
    env = dict(environ)
    if config:
        env["AGENTMAIL_CONFIG"] = config
    checks: list[Check] = []
    try:
        checks += _file_checks(env)
        settings = load_settings(env)
    except AgentmailError as exc:
        return [*checks, Check("config", "fail", str(exc), "set it in the config file (see man agentmail)")]
    checks.append(Check("config", "ok", f"address domain {settings.addr_domain}, mail host {settings.mail_domain}"))
    name = member_name or env.get("AGENTMAIL_MEMBER")
    steps: list[Callable[[], Check]] = [
        lambda: _imap_reachable(settings),
        lambda: _imap_transport(settings),
        lambda: _master_login(settings, name),
        lambda: _capabilities(settings, name),
        lambda: _smtp(settings),
        lambda: _admin_api(settings),
        lambda: _state_dir(settings),
    ]
    for step in steps:
        try:
            checks.append(step())
        except AgentmailError as exc:
            checks.append(Check("internal", "fail", str(exc)))
    return checks


def _file_checks(env: Mapping[str, str]) -> list[Check]:
    out = []
    for path in default_env_files(env):
        if not path.exists():
            continue
        try:
            st = path.stat()
            text = path.read_text(errors="replace")
        except OSError as exc:
            out.append(Check("config-file", "fail", f"{path} cannot be read ({exc.strerror})", f"chmod 640 {path}"))
            continue
        secret = "AGENTBBS_MAIL_MASTER_PASS" in text or "AGENTBBS_MAIL_API_TOKEN" in text
        if secret and st.st_mode & stat.S_IROTH:
            out.append(
                Check(
                    "config-file",
                    "fail",
                    f"{path} holds secrets and is world-readable",
                    f"chmod 640 {path} and chgrp it to the group agentmail runs as",
                )
            )
        elif st.st_mode & stat.S_IWOTH:
            out.append(Check("config-file", "fail", f"{path} is world-writable", f"chmod 640 {path}"))
        else:
            out.append(Check("config-file", "ok", f"{path} mode {stat.filemode(st.st_mode)} uid {st.st_uid}"))
    return out


def _imap_reachable(settings: Settings) -> Check:
    where = f"{settings.imap_host}:{settings.imap_port}"
    try:
        with socket.create_connection((settings.imap_host, settings.imap_port), timeout=settings.timeout) as sock:
            sock.settimeout(settings.timeout)
            greeting = sock.recv(512).decode("ascii", "replace").strip()
    except OSError as exc:
        return Check(
            "imap",
            "fail",
            f"cannot connect to {where} ({exc.strerror or exc})",
            "start Dovecot or fix AGENTBBS_MAIL_IMAP_ADDR",
        )
    if not greeting.startswith("* OK"):
        return Check("imap", "fail", f"{where} did not greet like an IMAP server", "check AGENTBBS_MAIL_IMAP_ADDR")
    return Check("imap", "ok", f"{where} answers ({greeting[:60]})")


def _master_login(settings: Settings, member_name: str | None) -> Check:
    if not settings.master_user or not settings.master_pass:
        return Check(
            "master-login",
            "fail",
            "the master user or password is not set",
            "set AGENTBBS_MAIL_MASTER_USER and AGENTBBS_MAIL_MASTER_PASS",
        )
    probe = member_name is None
    member = Member(PROBE_MEMBER, settings.addr_domain) if probe else member_for(member_name, settings)
    session = ImapSession(settings, member, read_only=True)
    try:
        session.connect()
    except NoMailboxError:
        if probe:
            return Check("master-login", "ok", f"master user {settings.master_user} accepted (probed an unknown user)")
        return Check(
            "master-login",
            "fail",
            f"the master login works but there is no mailbox for {member.address}",
            "create the mailbox (or set AGENTBBS_MAIL_API_TOKEN for auto-provisioning)",
        )
    except AgentmailError as exc:
        return Check(
            "master-login",
            "fail",
            str(exc),
            "check the master user in Dovecot's master-users file and AGENTBBS_MAIL_MASTER_PASS",
        )
    finally:
        session.close()
    return Check("master-login", "ok", f"opened the mailbox of {member.address} as master user {settings.master_user}")


def _capabilities(settings: Settings, member_name: str | None) -> Check:
    """Dovecot lists its extensions only after login, so this needs a member whose mailbox opens."""
    if member_name is None:
        return Check("capabilities", "skip", "give --member NAME to check the extensions offered after login")
    session = ImapSession(settings, member_for(member_name, settings), read_only=True)
    try:
        caps = session.capabilities
    except AgentmailError as exc:
        return Check("capabilities", "fail", f"cannot log in to read capabilities ({exc})", "see master-login")
    finally:
        session.close()
    missing = [c for c in (*REQUIRED_CAPS, *USEFUL_CAPS) if c not in caps]
    if any(c in REQUIRED_CAPS for c in missing):
        return Check("capabilities", "fail", f"the server lacks {', '.join(missing)}", "use Dovecot 2.3 or newer")
    if missing:
        return Check("capabilities", "warn", f"missing {', '.join(missing)}: slower listing or no change feed")
    return Check("capabilities", "ok", "every extension agentmail uses is offered")


def _smtp(settings: Settings) -> Check:
    try:
        greeting = smtp.check_relay(settings)
    except AgentmailError as exc:
        return Check("smtp", "fail", str(exc), "start Postfix or fix AGENTBBS_MAIL_SMTP_ADDR")
    return Check("smtp", "ok", f"{settings.smtp_host}:{settings.smtp_port} EHLO {greeting[:60]}")


def _admin_api(settings: Settings) -> Check:
    if not provision.is_configured(settings):
        return Check("admin-api", "skip", "no AGENTBBS_MAIL_API_TOKEN/ADMIN_URL: auto-provisioning is off")
    try:
        status = provision.check_api(settings)
    except AgentmailError as exc:
        return Check("admin-api", "fail", str(exc), "start Mailu's admin or fix AGENTBBS_MAIL_ADMIN_URL")
    if status in (401, 403):
        return Check("admin-api", "fail", f"the token was refused (HTTP {status})", "set the Mailu API_TOKEN")
    if status >= 500:
        return Check("admin-api", "fail", f"the admin API failed (HTTP {status})", "check Mailu's admin logs")
    return Check("admin-api", "ok", f"{settings.admin_url} answered HTTP {status} with the token")


def _state_dir(settings: Settings) -> Check:
    """Checked as the forced-command user: a root-owned file there breaks every member's send."""
    path, user = Path(settings.state_dir), settings.ssh_user
    fix = f"install -d -o {user} -g {user} -m 700 {path}; chown -R {user}: {path}"
    try:
        problems = state_check.problems_as(user, path)
    except KeyError:
        return Check("state-dir", "fail", f"the forced-command user {user} does not exist", "set AGENTMAIL_SSH_USER")
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return Check("state-dir", "fail", f"{path} is not usable by {user}: {problems[0]}{more}", fix)
    return Check("state-dir", "ok", f"{path} is usable by {user} (send limits and idempotency keys are kept there)")


def _imap_transport(settings: Settings) -> Check:
    """Plaintext IMAP carries the master password: only over loopback."""
    where = f"{settings.imap_host}:{settings.imap_port}"
    if not settings.imap_plaintext:
        return Check("imap-tls", "ok", f"{where} is reached over TLS")
    if _is_loopback(settings.imap_host):
        return Check("imap-tls", "ok", f"plaintext IMAP stays on loopback ({where})")
    return Check(
        "imap-tls",
        "warn",
        f"plaintext IMAP to {where}, which is not a loopback address: the master password crosses the network",
        "set AGENTBBS_MAIL_IMAP_PLAINTEXT=0 (implicit TLS) or point AGENTBBS_MAIL_IMAP_ADDR at 127.0.0.1",
    )


def _is_loopback(host: str) -> bool:
    """An address literal is judged as it is; a name only when every address it resolves to is loopback."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)
