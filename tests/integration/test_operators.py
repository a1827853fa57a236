"""Operator tooling and abuse limits on the real stack: --member, --read-only, doctor, provisioning, audit, limits."""

from __future__ import annotations

import email.utils
import json
import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.stack.mailu import fake_mailu
from tests.stack.servers import Stack


def _message(subject: str, body: str = "Hello.\n") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Carol <carol@example.org>"
    msg["To"] = "someone@bbs.test"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg.set_content(body)
    return bytes(msg)


def _draft(to: str, subject: str, text: str = "Hi.\n") -> str:
    return json.dumps({"to": [to], "subject": subject, "text": text})


# -- --member: operators on the host only ----------------------------------------------------------------------------


def test_member_option_works_outside_ssh(run_agentmail, alice) -> None:
    result = run_agentmail(None, "--member", alice, "--json", "whoami")
    assert result.returncode == 0, result
    assert result.json["address"] == "alice@bbs.test"


def test_member_option_overrides_the_environment_for_operators(run_agentmail, alice, bob) -> None:
    result = run_agentmail(alice, "--member", bob, "--json", "whoami")
    assert result.json["address"] == "bob@bbs.test"


@pytest.mark.parametrize(
    "ssh_env",
    [
        {"SSH_CONNECTION": "127.0.0.1 5555 127.0.0.1 22"},
        {"SSH_CLIENT": "127.0.0.1 5555 22"},
        {"SSH_ORIGINAL_COMMAND": "whoami"},
    ],
)
@pytest.mark.parametrize("option", [("--member", "bob"), ("--member=bob",), ("--config", "/tmp/evil.env")])
def test_operator_options_are_refused_inside_ssh(run_agentmail, alice, ssh_env, option) -> None:
    result = run_agentmail(alice, *option, "--json", "whoami", env_extra=ssh_env)
    assert result.returncode == 77
    assert result.json["error"]["code"] == "forbidden"


# -- --read-only: EXAMINE, and every change refused --------------------------------------------------------------


@pytest.fixture
def read_only_box(stack: Stack, member) -> tuple[str, int]:
    who = member()
    return who, stack.deliver(who, _message("Read me but do not touch"))


def _flags(stack: Stack, who: str, uid: int, folder: str = "INBOX") -> set[str]:
    """The message's stored flags (\\Recent is session state, not stored); fails if the message is gone."""
    with stack.imap(who) as client:
        client.select_folder(folder, readonly=True)
        data = client.fetch([uid], ["FLAGS"])
        assert uid in data, f"message {uid} is no longer in {folder}"
        return {f.decode() for f in data[uid][b"FLAGS"]} - {"\\Recent"}


@pytest.mark.parametrize(
    ("words", "stdin"),
    [
        (("flag", "INBOX", "{uid}"), None),
        (("seen", "INBOX", "{uid}"), None),
        (("move", "INBOX", "{uid}", "--target", "Archive"), None),
        (("delete", "INBOX", "{uid}"), None),
        (("send",), _draft("bob@bbs.test", "read-only send")),
        (("draft", "save"), _draft("bob@bbs.test", "read-only draft")),
        (("folder", "create", "Nope"), None),
    ],
)
@pytest.mark.parametrize("via_ssh", [False, True])
def test_read_only_refuses_every_change(stack, run_agentmail, read_only_box, words, stdin, via_ssh) -> None:
    who, uid = read_only_box
    argv = [w.format(uid=uid) for w in words]
    if via_ssh:
        result = run_agentmail(who, stdin=stdin, ssh_command=" ".join(["--read-only", *argv]))
    else:
        result = run_agentmail(who, "--read-only", "--json", *argv, stdin=stdin)
    assert result.json["error"]["code"] == "forbidden", result
    assert result.returncode == 77
    assert _flags(stack, who, uid) == set()  # still there, nothing set
    with stack.imap(who) as client:
        assert client.select_folder("Drafts", readonly=True)[b"EXISTS"] == 0
        assert client.select_folder("Sent", readonly=True)[b"EXISTS"] == 0
        assert "Nope" not in {name for _, _, name in client.list_folders()}


def test_read_only_read_does_not_mark_seen(stack, run_agentmail, read_only_box) -> None:
    who, uid = read_only_box
    result = run_agentmail(who, "--read-only", "--json", "read", "INBOX", str(uid))
    assert result.returncode == 0, result
    assert "Read me but do not touch" in result.stdout
    assert "\\Seen" not in _flags(stack, who, uid)
    # ... whereas a normal read does (so the check above means something)
    assert run_agentmail(who, "--json", "read", "INBOX", str(uid)).returncode == 0
    assert "\\Seen" in _flags(stack, who, uid)


def test_read_only_whoami_says_so(run_agentmail, alice) -> None:
    assert run_agentmail(alice, ssh_command="--read-only whoami").json["read_only"] is True


# -- doctor ------------------------------------------------------------------------------------------------------


def _doctor(run_agentmail, *args: str, env_extra: dict[str, str] | None = None) -> tuple[int, dict[str, dict]]:
    result = run_agentmail(None, "doctor", "--json", *args, env_extra=env_extra)
    answer = result.json
    assert answer["ok"] is (result.returncode == 0)
    return result.returncode, {c["name"]: c for c in answer["checks"]}


def _config_file(stack: Stack, path: Path, mode: int) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in stack.env(None).items() if k != "AGENTMAIL_CONFIG"))
    path.chmod(mode)
    return path


def test_doctor_all_ok(stack, run_agentmail, alice, tmp_path) -> None:
    conf = _config_file(stack, tmp_path / "agentmail.env", 0o640)
    status, checks = _doctor(run_agentmail, "--member", alice, env_extra={"AGENTMAIL_CONFIG": str(conf)})
    assert status == 0, checks
    for name in ("config-file", "config", "imap", "master-login", "capabilities", "smtp", "state-dir"):
        assert checks[name]["status"] == "ok", checks[name]
    assert checks["admin-api"]["status"] == "skip"


def test_doctor_text_output_has_ok_lines(run_agentmail, alice) -> None:
    result = run_agentmail(None, "doctor", "--member", alice)
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert any(line.startswith("OK   imap") for line in lines), lines
    assert any(line.startswith("OK   smtp") for line in lines), lines


def test_doctor_without_member_probes_the_master_password(run_agentmail) -> None:
    status, checks = _doctor(run_agentmail)
    assert status == 0 and checks["master-login"]["status"] == "ok"
    assert checks["capabilities"]["status"] == "skip"


def test_doctor_dovecot_stopped(stack, run_agentmail, alice) -> None:
    stack.stop_dovecot()
    try:
        status, checks = _doctor(run_agentmail, "--member", alice)
    finally:
        stack.start_dovecot()
    assert status == 1
    assert checks["imap"]["status"] == "fail" and "cannot connect" in checks["imap"]["detail"]
    assert "Dovecot" in checks["imap"]["fix"]
    assert checks["smtp"]["status"] == "ok"


def test_doctor_wrong_master_password(stack, run_agentmail) -> None:
    """Without --member doctor probes an unknown user: only a wrong password is refused (each costs ~2 s)."""
    wrong = "not-the-" + secrets.token_hex(6)
    result = run_agentmail(None, "doctor", "--json", env_extra={"AGENTBBS_MAIL_MASTER_PASS": wrong})
    checks = {c["name"]: c for c in result.json["checks"]}
    assert result.returncode == 1
    assert checks["imap"]["status"] == "ok" and checks["smtp"]["status"] == "ok"
    assert checks["master-login"]["status"] == "fail", checks["master-login"]
    assert "AGENTBBS_MAIL_MASTER_PASS" in checks["master-login"]["fix"]
    assert wrong not in result.stdout + result.stderr
    assert stack.master_password not in result.stdout + result.stderr


def test_doctor_postfix_stopped(stack, run_agentmail, alice) -> None:
    stack.stop_postfix()
    try:
        status, checks = _doctor(run_agentmail, "--member", alice)
    finally:
        stack.start_postfix()
    assert status == 1
    assert checks["smtp"]["status"] == "fail" and "Postfix" in checks["smtp"]["fix"]
    assert checks["imap"]["status"] == "ok" and checks["master-login"]["status"] == "ok"


def test_doctor_world_readable_config_file(stack, run_agentmail, alice, tmp_path) -> None:
    conf = _config_file(stack, tmp_path / "agentmail.env", 0o644)
    status, checks = _doctor(run_agentmail, "--member", alice, env_extra={"AGENTMAIL_CONFIG": str(conf)})
    assert status == 1
    assert checks["config-file"]["status"] == "fail"
    assert "world-readable" in checks["config-file"]["detail"] and "chmod 640" in checks["config-file"]["fix"]


def test_doctor_member_without_mailbox(run_agentmail) -> None:
    status, checks = _doctor(run_agentmail, "--member", "nobody-here")
    assert status == 1
    assert checks["master-login"]["status"] == "fail" and "no mailbox" in checks["master-login"]["detail"]


def test_doctor_state_dir_not_writable(run_agentmail, tmp_path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    status, checks = _doctor(run_agentmail, env_extra={"AGENTMAIL_STATE_DIR": str(blocker)})
    assert status == 1 and checks["state-dir"]["status"] == "fail"


@pytest.fixture
def ssh_user_state(tmp_path) -> Iterator[tuple[str, Path]]:
    """A state directory owned by the sshd tests' forced-command user, reachable by that user."""
    from tests.stack.sshd import DEFAULT_USER, ensure_user

    entry = ensure_user(DEFAULT_USER)
    base = Path(tempfile.mkdtemp(prefix="agentmail-doctor-"))
    try:
        base.chmod(0o755)
        state = base / "state"
        state.mkdir(mode=0o700)
        os.chown(state, entry.pw_uid, entry.pw_gid)
        yield DEFAULT_USER, state
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="a root run of doctor")
def test_doctor_as_root_checks_the_state_dir_as_the_forced_command_user(run_agentmail, ssh_user_state) -> None:
    user, state = ssh_user_state
    env = {"AGENTMAIL_STATE_DIR": str(state), "AGENTMAIL_SSH_USER": user}
    status, checks = _doctor(run_agentmail, env_extra=env)
    assert status == 0 and checks["state-dir"]["status"] == "ok", checks["state-dir"]
    (state / "sends").mkdir(mode=0o700)  # what a root run of an older version left: root-owned, 700
    status, checks = _doctor(run_agentmail, env_extra=env)
    assert status == 1 and checks["state-dir"]["status"] == "fail", checks["state-dir"]
    assert user in checks["state-dir"]["detail"] and f"chown -R {user}" in checks["state-dir"]["fix"]


def test_doctor_admin_api(stack, run_agentmail) -> None:
    with fake_mailu("right-token", "bbs.test", lambda email: None) as api:
        ok_status, ok = _doctor(
            run_agentmail, env_extra={"AGENTBBS_MAIL_ADMIN_URL": api.url, "AGENTBBS_MAIL_API_TOKEN": "right-token"}
        )
        bad_status, bad = _doctor(
            run_agentmail, env_extra={"AGENTBBS_MAIL_ADMIN_URL": api.url, "AGENTBBS_MAIL_API_TOKEN": "wrong-token"}
        )
    assert ok_status == 0 and ok["admin-api"]["status"] == "ok", ok["admin-api"]
    assert "HTTP 200" in ok["admin-api"]["detail"]
    assert bad_status == 1 and bad["admin-api"]["status"] == "fail", bad["admin-api"]


# -- auto-provisioning through (a stand-in for) Mailu's admin API --------------------------------------------------


def _new_name() -> str:
    return f"prov-{uuid.uuid4().hex[:10]}"


def test_provisioning_creates_the_mailbox_once(stack, run_agentmail) -> None:
    who = _new_name()
    token = secrets.token_urlsafe(16)
    with fake_mailu(token, "bbs.test", lambda email: stack.add_member(email)) as api:
        env = {"AGENTBBS_MAIL_ADMIN_URL": api.url, "AGENTBBS_MAIL_API_TOKEN": token}
        first = run_agentmail(who, "--json", "whoami", env_extra=env)
        assert first.returncode == 0, first
        assert first.json["address"] == f"{who}@bbs.test"
        posts = [body for method, _, body in api.requests if method == "POST"]
        assert len(posts) == 1 and posts[0]["email"] == f"{who}@bbs.test"
        password = posts[0]["raw_password"]
        assert len(password) >= 16
        second = run_agentmail(who, "--json", "folders", env_extra=env)
        assert second.returncode == 0, second
        assert api.count("POST") == 1
    for result in (first, second):
        assert password not in result.stdout + result.stderr
        assert token not in result.stdout + result.stderr


def test_provisioning_with_a_wrong_token_is_a_clear_error(stack, run_agentmail) -> None:
    who = _new_name()
    with fake_mailu("the-right-token", "bbs.test", lambda email: stack.add_member(email)) as api:
        env = {"AGENTBBS_MAIL_ADMIN_URL": api.url, "AGENTBBS_MAIL_API_TOKEN": "a-wrong-token"}
        result = run_agentmail(who, "--json", "whoami", env_extra=env)
    assert result.returncode == 69
    error = result.json["error"]
    assert error["code"] == "provision_failed"
    assert "token" in error["message"] and "403" in error["message"]
    assert "a-wrong-token" not in result.stdout + result.stderr
    assert api.count("POST") == 0


def test_provisioning_without_a_token_is_skipped(stack, run_agentmail) -> None:
    who = _new_name()
    with fake_mailu("t", "bbs.test", lambda email: stack.add_member(email)) as api:
        result = run_agentmail(who, "--json", "whoami", env_extra={"AGENTBBS_MAIL_ADMIN_URL": api.url})
    assert result.json["error"]["code"] == "no_mailbox"
    assert result.returncode == 67
    assert api.requests == []


def test_provisioning_race_duplicate_counts_as_created(stack, run_agentmail) -> None:
    """Another session created the user between our GET and POST: a 409 answer is success."""
    who = _new_name()
    with fake_mailu("tok", "bbs.test", lambda email: stack.add_member(email)) as api:
        api.created_elsewhere.add(f"{who}@bbs.test")
        env = {"AGENTBBS_MAIL_ADMIN_URL": api.url, "AGENTBBS_MAIL_API_TOKEN": "tok"}
        result = run_agentmail(who, "--json", "whoami", env_extra=env)
    assert result.returncode == 0, result
    assert result.json["address"] == f"{who}@bbs.test"
    assert api.count("POST") == 1


# -- audit ---------------------------------------------------------------------------------------------------------


@pytest.mark.skipif(os.path.exists("/dev/log"), reason="audit records go to syslog where /dev/log exists")
def test_each_send_is_audited_without_body_or_secrets(stack, run_agentmail, member) -> None:
    who = member()
    body = f"the secret body text {uuid.uuid4().hex}"
    subject = f"audited {uuid.uuid4().hex[:8]}"
    result = run_agentmail(who, "--json", "send", stdin=_draft("carol@example.org", subject, body))
    assert result.returncode == 0, result
    message_id = result.json["message_id"]
    lines = [line for line in result.stderr.splitlines() if "send member=" in line]
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert f"member={who}@bbs.test" in line and f"message_id={message_id}" in line
    assert "recipients=1" in line and "result=sent" in line
    size = int(line.split("size=")[1].split()[0])
    assert size > len(body)
    assert body not in result.stderr and subject not in result.stderr
    assert stack.master_password not in result.stderr + result.stdout


@pytest.mark.skipif(os.path.exists("/dev/log"), reason="audit records go to syslog where /dev/log exists")
def test_failed_and_refused_sends_are_audited(stack, run_agentmail, member) -> None:
    who = member()
    env = {"AGENTMAIL_SEND_PER_HOUR": "1"}
    assert run_agentmail(who, "--json", "send", stdin=_draft("carol@example.org", "one"), env_extra=env).returncode == 0
    refused = run_agentmail(who, "--json", "send", stdin=_draft("carol@example.org", "two"), env_extra=env)
    assert refused.json["error"]["code"] == "rate_limited"
    assert "result=refused:rate_limited" in refused.stderr
    stack.stop_postfix()
    try:
        failed = run_agentmail(who, "--json", "send", stdin=_draft("carol@example.org", "three"))
    finally:
        stack.start_postfix()
    assert failed.returncode != 0
    assert "result=failed:" in failed.stderr, failed.stderr


# -- abuse limits --------------------------------------------------------------------------------------------------


def test_hourly_limit_holds_across_concurrent_sessions(stack, run_agentmail, member) -> None:
    who = member()
    tag = uuid.uuid4().hex[:10]
    env = {"AGENTMAIL_SEND_PER_HOUR": "3"}

    def send(i: int):
        return run_agentmail(
            who, "--json", "send", stdin=_draft(f"limit-{tag}@example.org", f"limit {tag} {i}"), env_extra=env
        )

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(send, range(6)))
    codes = sorted("ok" if r.json["ok"] else r.json["error"]["code"] for r in results)
    assert codes == ["ok"] * 3 + ["rate_limited"] * 3, [r.stdout for r in results]
    assert all(r.returncode == 75 for r in results if not r.json["ok"])
    stack.wait_queue_empty()  # the three accepted sends are delivered by now, and a fourth would be
    assert len(stack.captured(timeout=0, match=f"limit {tag}")) == 3


def test_daily_limit(run_agentmail, member) -> None:
    who = member()
    env = {"AGENTMAIL_SEND_PER_HOUR": "0", "AGENTMAIL_SEND_PER_DAY": "2"}
    answers = [
        run_agentmail(who, "--json", "send", stdin=_draft("carol@example.org", f"day {i}"), env_extra=env).json
        for i in range(3)
    ]
    assert [a["ok"] for a in answers] == [True, True, False]
    assert answers[2]["error"]["code"] == "rate_limited"


def test_recipients_per_message_limit(stack, run_agentmail, member) -> None:
    who = member()
    tag = uuid.uuid4().hex[:10]
    draft = json.dumps({"to": [f"r{i}-{tag}@example.org" for i in range(3)], "subject": f"many {tag}", "text": "x"})
    result = run_agentmail(who, "--json", "send", stdin=draft, env_extra={"AGENTMAIL_MAX_RECIPIENTS": "2"})
    assert result.json["error"]["code"] == "limit_exceeded"
    assert result.returncode == 75
    stack.wait_queue_empty()  # whatever Postfix accepted is delivered by now
    assert stack.captured(timeout=0, match=f"many {tag}") == []
