"""agentmail as sshd's forced command, through a real sshd and the real ssh client: the hardened boundary.

Every hostile input listed in README.rst's boundary table is tried here (or in the operator tests) by name.
"""

from __future__ import annotations

import email.utils
import fcntl
import os
import select
import socket
import struct
import subprocess
import sys
import termios
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

import pyte
import pytest

from tests.stack.servers import Stack
from tests.stack.sshd import SshServer

COLS, ROWS = 100, 30


def _message(subject: str, body: str = "Hello over SSH.\n") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Carol <carol@example.org>"
    msg["To"] = "alice@bbs.test"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg.set_content(body)
    return bytes(msg)


def _ok(result) -> dict:
    assert result.returncode == 0, result
    answer = result.json
    assert answer["ok"] is True, answer
    return answer


def _error(result) -> str:
    answer = result.json
    assert answer["ok"] is False, answer
    assert result.returncode != 0
    return answer["error"]["code"]


# -- it works the way the docs say ---------------------------------------------------------------------------------


def test_the_install_is_byte_compiled_for_the_forced_command_user(sshd: SshServer) -> None:
    """pip installs from a wheel (--use-pep517, as the docs say), which writes every module's .pyc: the forced
    command's user cannot write them into the root-owned venv, so without them every call would compile agentmail."""
    package = next(sshd.venv.glob("lib/python3*/site-packages/agentmail"))
    sources = sorted(package.rglob("*.py"))
    tag = sys.implementation.cache_tag
    missing = [
        str(p.relative_to(package)) for p in sources if not (p.parent / "__pycache__" / f"{p.stem}.{tag}.pyc").is_file()
    ]
    assert sources and not missing, missing
    script = (sshd.venv / "bin" / "agentmail").read_text()
    assert "importlib.metadata" not in script and "pkg_resources" not in script, script


def test_folders_answers_json(sshd: SshServer, alice: str) -> None:
    answer = _ok(sshd.ssh(alice, "folders"))
    assert "INBOX" in {f["name"] for f in answer["folders"]}


def test_json_after_double_dash(sshd: SshServer, alice: str) -> None:
    answer = _ok(sshd.ssh(alice, "--", "--json", "folders"))
    assert answer["command"] == "folders"


def test_whoami_is_the_key_member(sshd: SshServer, alice: str, bob: str) -> None:
    assert _ok(sshd.ssh(alice, "whoami"))["address"] == "alice@bbs.test"
    assert _ok(sshd.ssh(bob, "whoami"))["address"] == "bob@bbs.test"


def test_alice_key_reads_only_alice_mailbox(stack: Stack, sshd: SshServer, alice: str, bob: str) -> None:
    tag = uuid.uuid4().hex[:10]
    stack.deliver(bob, _message(f"for bob only {tag}"))
    stack.deliver(alice, _message(f"for alice only {tag}"))
    found = _ok(sshd.ssh(alice, "search", tag))
    text = str(found)
    assert f"for alice only {tag}" in text
    assert f"for bob only {tag}" not in text


def test_no_command_without_pty_prints_json_help(sshd: SshServer, alice: str) -> None:
    answer = _ok(sshd.ssh(alice))
    assert answer["command"] == "help"
    assert any(c["name"] == "send" for c in answer["commands"])


def test_tty_opens_the_reader(stack: Stack, sshd: SshServer, alice: str, tmp_path: Path) -> None:
    subject = f"Newest over ssh {uuid.uuid4().hex[:8]}"
    stack.deliver(alice, _message(subject))
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/root", "TERM": "xterm-256color"}
    proc = subprocess.Popen(
        sshd.ssh_argv(sshd.key_for(alice), tty=True),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    screen = pyte.Screen(COLS, ROWS)
    stream = pyte.ByteStream(screen)
    try:
        _wait_screen(master, stream, screen, subject, proc)
        os.write(master, b"q")
        deadline = time.monotonic() + 15
        while proc.poll() is None and time.monotonic() < deadline:
            _pump(master, stream)
        assert proc.wait(timeout=1) == 0
    finally:
        if proc.poll() is None:
            proc.kill()  # only the ssh client this test started
            proc.wait(5)
        os.close(master)


def _pump(master: int, stream: pyte.ByteStream, timeout: float = 0.1) -> None:
    while select.select([master], [], [], timeout)[0]:
        try:
            data = os.read(master, 65536)
        except OSError:
            return
        if not data:
            return
        stream.feed(data)
        timeout = 0.01


def _wait_screen(master: int, stream: pyte.ByteStream, screen: pyte.Screen, needle: str, proc) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        _pump(master, stream)
        if needle in "\n".join(screen.display):
            return
        if proc.poll() is not None:
            break
    raise AssertionError(f"{needle!r} never appeared; screen was:\n" + "\n".join(screen.display))


# -- identity cannot be changed by the client ----------------------------------------------------------------------


def test_setenv_member_is_ignored(sshd: SshServer, alice: str) -> None:
    answer = _ok(sshd.ssh(alice, "whoami", options=("-o", "SetEnv=AGENTMAIL_MEMBER=bob")))
    assert answer["member"] == "alice"


def test_sendenv_member_is_ignored(sshd: SshServer, alice: str) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/root", "AGENTMAIL_MEMBER": "bob"}
    answer = _ok(sshd.ssh(alice, "whoami", options=("-o", "SendEnv=AGENTMAIL_MEMBER"), env=env))
    assert answer["member"] == "alice"


def test_setenv_config_is_ignored(sshd: SshServer, alice: str) -> None:
    answer = _ok(sshd.ssh(alice, "whoami", options=("-o", "SetEnv=AGENTMAIL_CONFIG=/etc/passwd")))
    assert answer["member"] == "alice"


@pytest.mark.parametrize(
    "words",
    [
        ("--", "--member=bob", "whoami"),
        ("whoami", "--member=bob"),
        ("whoami", "--member", "bob"),
        ("--", "--member", "bob", "whoami"),
        ("--", "--config", "/etc/passwd", "whoami"),
        ("whoami", "--config=/tmp/evil.env"),
    ],
)
def test_member_and_config_options_are_forbidden(sshd: SshServer, alice: str, words: tuple[str, ...]) -> None:
    """A leading option needs `--` (OpenSSH's client takes it for its own); either way the server refuses it."""
    assert _error(sshd.ssh(alice, *words)) == "forbidden"


def test_doctor_is_forbidden_over_ssh(sshd: SshServer, alice: str) -> None:
    assert _error(sshd.ssh(alice, "doctor")) == "forbidden"


@pytest.mark.parametrize(
    "command",
    [
        "whoami; sh",
        "whoami && id",
        "whoami | sh",
        "whoami $(id)",
        "whoami `id`",
        "whoami 'AGENTMAIL_MEMBER=bob'",
        "AGENTMAIL_MEMBER=bob whoami",
        "whoami\nsh",
        "whoami > /tmp/agentmail-pwned",
    ],
)
def test_shell_syntax_is_inert(sshd: SshServer, alice: str, command: str) -> None:
    """The remote words are never run by a shell: each either fails as a command or leaves alice as alice."""
    result = sshd.ssh(alice, command)
    answer = result.json
    if answer["ok"]:
        assert answer["member"] == "alice"
    else:
        assert answer["error"]["code"] == "usage"
    assert not Path("/tmp/agentmail-pwned").exists()


def test_unbalanced_quotes_are_a_usage_error(sshd: SshServer, alice: str) -> None:
    assert _error(sshd.ssh(alice, "whoami 'unterminated")) == "usage"


def test_very_long_command_is_a_usage_error(sshd: SshServer, alice: str) -> None:
    assert _error(sshd.ssh(alice, "search", "x" * 20000)) == "usage"


def test_long_argument_under_the_cap_is_just_an_argument(sshd: SshServer, alice: str) -> None:
    result = sshd.ssh(alice, "read", "INBOX", "9" * 12000)
    assert result.json["ok"] is False and result.json["error"]["code"] in ("usage", "not_found")


def test_redirect_is_an_argument_not_a_file_write(sshd: SshServer, alice: str, tmp_path: Path) -> None:
    target = tmp_path / "x"
    result = sshd.ssh(alice, "read", "INBOX", "1", "--raw", ">", str(target))
    assert result.json["ok"] is False
    assert not target.exists()


# -- keys that are not bound to a (known) member -------------------------------------------------------------------


def test_key_without_member_environment_is_invalid_member(sshd: SshServer) -> None:
    key = sshd.add_key("no-member", "restrict,pty")
    assert _error(sshd.ssh("", "whoami", key=key)) == "invalid_member"


def test_key_with_hostile_member_name_is_invalid_member(sshd: SshServer) -> None:
    key = sshd.add_key("hostile-member", 'restrict,environment="AGENTMAIL_MEMBER=bob@bbs.test*gateway"')
    assert _error(sshd.ssh("", "whoami", key=key)) == "invalid_member"


def test_member_without_mailbox_is_no_mailbox(sshd: SshServer) -> None:
    assert _error(sshd.ssh("ghost-no-mailbox", "whoami")) == "no_mailbox"


# -- no escape hatch: files, subsystems, forwarding ----------------------------------------------------------------


def test_scp_is_refused(sshd: SshServer, alice: str, tmp_path: Path) -> None:
    source = tmp_path / "payload"
    source.write_text("payload\n")
    target = tmp_path / "scp-target"
    key = sshd.key_for(alice)
    for mode in ((), ("-O",)):  # SFTP-based (OpenSSH 9 default) and the legacy scp protocol
        argv = ["scp", *mode, "-F", "/dev/null", "-i", str(key), "-P", str(sshd.port), "-o", "BatchMode=yes"]
        argv += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
        argv += [str(source), f"{sshd.user}@127.0.0.1:{target}"]
        proc = subprocess.run(argv, capture_output=True, timeout=30, stdin=subprocess.DEVNULL, check=False)
        assert proc.returncode != 0
        assert not target.exists()


def test_sftp_is_refused(sshd: SshServer, alice: str) -> None:
    argv = ["sftp", "-F", "/dev/null", "-i", str(sshd.key_for(alice)), "-P", str(sshd.port), "-o", "BatchMode=yes"]
    argv += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-b", "-"]
    argv += [f"{sshd.user}@127.0.0.1"]
    proc = subprocess.run(argv, input=b"get /etc/passwd /dev/stdout\n", capture_output=True, timeout=30, check=False)
    assert proc.returncode != 0
    assert b"root:x:0:0" not in proc.stdout


def test_local_port_forwarding_is_refused(stack: Stack, sshd: SshServer, alice: str) -> None:
    local = _free_port()
    argv = sshd.ssh_argv(sshd.key_for(alice), options=("-N", "-L", f"{local}:127.0.0.1:{stack.layout.imap_port}"))
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        greeting = b""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", local), timeout=5) as s:
                    s.settimeout(5)
                    try:
                        greeting = s.recv(100)
                    except TimeoutError:
                        greeting = b""
                    break
            except ConnectionRefusedError:
                time.sleep(0.1)  # the client is still setting up its listener
        assert not greeting.startswith(b"* OK")  # Dovecot never answered through the tunnel
    finally:
        proc.kill()  # only the ssh client this test started
        proc.communicate(timeout=5)


def test_remote_port_forwarding_is_refused(sshd: SshServer, alice: str) -> None:
    options = ("-N", "-o", "ExitOnForwardFailure=yes", "-R", f"127.0.0.1:{_free_port()}:127.0.0.1:22")
    proc = subprocess.run(
        sshd.ssh_argv(sshd.key_for(alice), options=options),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode != 0
    assert b"remote port forwarding failed" in proc.stderr, proc.stderr


def test_sh_as_the_command_is_just_an_unknown_command(sshd: SshServer, alice: str) -> None:
    assert _error(sshd.ssh(alice, "sh", "-c", "id")) == "usage"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_mcp_through_the_real_sshd(stack: Stack, sshd: SshServer, alice: str) -> None:
    """An MCP host configured with `ssh -T mail@host mcp` gets the member's tools, and only the member's mailbox."""
    import anyio
    from mcp.client import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    argv = [*sshd.ssh_argv(sshd.key_for(alice)), "mcp"]
    params = StdioServerParameters(command=argv[0], args=argv[1:], env={"PATH": os.environ.get("PATH", "/usr/bin")})

    async def main() -> None:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            names = {t.name for t in (await session.list_tools()).tools}
            assert {"list", "read", "send", "whoami"} <= names
            who = await session.call_tool("whoami", {})
            assert not who.is_error and who.structured_content["address"] == "alice@bbs.test"
            spoof = await session.call_tool("whoami", {"member": "bob"})
            assert spoof.is_error

    anyio.run(main)
