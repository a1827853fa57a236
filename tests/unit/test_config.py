"""Settings: precedence, defaults, validation before any I/O, and secrets kept out of sight."""

from pathlib import Path

import pytest

from agentmail.config import load_settings, parse_hostport
from agentmail.errors import ConfigError

BASE = {
    "AGENTBBS_MAIL_ADDR_DOMAIN": "bbs.example",
    "AGENTBBS_MAIL_MASTER_USER": "gateway",
    "AGENTBBS_MAIL_MASTER_PASS": "s3cret-master-pass",
}


def test_defaults_follow_the_deployment_document() -> None:
    s = load_settings(BASE, [])
    assert (s.imap_host, s.imap_port, s.imap_plaintext) == ("127.0.0.1", 14143, True)
    assert (s.smtp_host, s.smtp_port) == ("127.0.0.1", 25)
    assert s.mail_domain == "bbs.example"
    assert s.webmail_url == "https://bbs.example"
    assert s.sources["AGENTBBS_MAIL_IMAP_ADDR"] == "default"


def test_environment_wins_over_files_and_later_files_win(tmp_path: Path) -> None:
    system = tmp_path / "system.env"
    system.write_text("AGENTBBS_MAIL_DOMAIN=mail.one\nAGENTBBS_MAIL_SMTP_ADDR=127.0.0.1:2525\n")
    local = tmp_path / "local.env"
    local.write_text("AGENTBBS_MAIL_DOMAIN=mail.two\n")
    s = load_settings({**BASE, "AGENTBBS_MAIL_SMTP_ADDR": "127.0.0.1:26"}, [system, local])
    assert s.mail_domain == "mail.two"
    assert s.sources["AGENTBBS_MAIL_DOMAIN"] == str(local)
    assert s.smtp_port == 26
    assert s.sources["AGENTBBS_MAIL_SMTP_ADDR"] == "environment"
    assert s.webmail_url == "https://mail.two"


def test_the_config_file_does_not_leak_into_the_process_environment(tmp_path: Path) -> None:
    import os

    f = tmp_path / "a.env"
    f.write_text("AGENTBBS_MAIL_DOMAIN=leak.example\n")
    load_settings(BASE, [f])
    assert "leak.example" not in os.environ.get("AGENTBBS_MAIL_DOMAIN", "")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AGENTBBS_MAIL_ADDR_DOMAIN", ""),
        ("AGENTBBS_MAIL_ADDR_DOMAIN", "bad domain"),
        ("AGENTBBS_MAIL_IMAP_ADDR", "localhost"),
        ("AGENTBBS_MAIL_IMAP_ADDR", "127.0.0.1:99999"),
        ("AGENTBBS_MAIL_SMTP_ADDR", "127.0.0.1:x"),
        ("AGENTBBS_MAIL_MASTER_USER", "gate*way"),
        ("AGENTMAIL_TIMEOUT", "soon"),
        ("AGENTMAIL_MAX_RECIPIENTS", "0"),
        ("AGENTBBS_MAIL_ADMIN_URL", "ftp://x"),
    ],
)
def test_a_bad_value_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({**BASE, name: value}, [])
    assert name in str(err.value)
    assert err.value.exit_status == 78


def test_missing_master_password_is_refused_before_io() -> None:
    s = load_settings({"AGENTBBS_MAIL_ADDR_DOMAIN": "bbs.example"}, [])
    with pytest.raises(ConfigError, match="AGENTBBS_MAIL_MASTER_USER"):
        s.require_mailbox_access()


def test_secrets_never_in_repr() -> None:
    s = load_settings(
        {**BASE, "AGENTBBS_MAIL_API_TOKEN": "tok-123456", "AGENTMAIL_SIGNING_KEY": "sk-0123456789abcdef"}, []
    )
    assert "s3cret-master-pass" not in repr(s)
    assert "tok-123456" not in repr(s)
    assert "sk-0123456789abcdef" not in repr(s)


def test_a_short_signing_key_is_refused_without_showing_it() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({**BASE, "AGENTMAIL_SIGNING_KEY": "short-key"}, [])
    assert "AGENTMAIL_SIGNING_KEY" in str(err.value) and "short-key" not in str(err.value)


def test_the_mta_hostname_defaults_to_the_mail_host() -> None:
    assert load_settings(BASE, []).mta_hostname == load_settings(BASE, []).mail_domain
    assert load_settings({**BASE, "AGENTMAIL_MTA_HOSTNAME": "MX1.Example.ORG."}, []).mta_hostname == "mx1.example.org"


def test_hostport_accepts_ipv6_brackets() -> None:
    assert parse_hostport("X", "[::1]:143") == ("::1", 143)


def _hostile_system_file(tmp_path: Path) -> Path:
    """What a deployed host has at /etc/agentmail/agentmail.env, with values that would break a test run."""
    system = tmp_path / "etc-agentmail.env"
    system.write_text(
        "AGENTBBS_MAIL_ADDR_DOMAIN=hostile.example\nAGENTBBS_MAIL_IMAP_ADDR=127.0.0.1:1\n"
        "AGENTMAIL_STATE_DIR=/var/lib/agentmail\nAGENTMAIL_SEND_PER_HOUR=1\n"
    )
    return system


def test_a_named_config_replaces_the_system_file(tmp_path: Path) -> None:
    system = _hostile_system_file(tmp_path)
    own = tmp_path / "own.env"
    own.write_text("AGENTBBS_MAIL_ADDR_DOMAIN=bbs.example\n")
    s = load_settings({"AGENTMAIL_CONFIG": str(own)}, system_config=system)
    assert s.addr_domain == "bbs.example" and s.imap_port == 14143 and s.send_per_hour == 100
    assert str(system) not in s.sources.values()


def test_an_unreadable_system_file_is_never_opened_when_a_config_is_named(tmp_path: Path) -> None:
    system = _hostile_system_file(tmp_path)
    system.chmod(0o000)  # root:mail 640 as seen by another user: reading it would fail
    own = tmp_path / "own.env"
    own.write_text("AGENTBBS_MAIL_ADDR_DOMAIN=bbs.example\n")
    opened: list[str] = []
    import agentmail.config as config

    real = config.dotenv_values

    def spy(path, *args, **kwargs):
        opened.append(str(path))
        return real(path, *args, **kwargs)

    config.dotenv_values = spy
    try:
        load_settings({"AGENTMAIL_CONFIG": str(own)}, system_config=system)
    finally:
        config.dotenv_values = real
    assert opened == [str(own)]


def test_without_a_named_config_the_system_file_is_read(tmp_path: Path) -> None:
    s = load_settings({}, system_config=_hostile_system_file(tmp_path))
    assert s.addr_domain == "hostile.example"


def test_a_named_config_that_is_missing_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="AGENTMAIL_CONFIG"):
        load_settings({**BASE, "AGENTMAIL_CONFIG": str(tmp_path / "nope.env")}, system_config=tmp_path / "x")


def test_the_forced_command_user_is_a_setting() -> None:
    assert load_settings(BASE, []).ssh_user == "mail"
    assert load_settings({**BASE, "AGENTMAIL_SSH_USER": "agentmail"}, []).ssh_user == "agentmail"
    with pytest.raises(ConfigError, match="AGENTMAIL_SSH_USER"):
        load_settings({**BASE, "AGENTMAIL_SSH_USER": "root; id"}, [])
