"""The real test stack: a private Dovecot and Postfix on free loopback ports, started and stopped by PID."""

from __future__ import annotations

import contextlib
import grp
import json
import os
import pwd
import secrets
import subprocess
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

from tests.stack import maildir
from tests.stack.configs import (
    ADDR_DOMAIN,
    MAIL_DOMAIN,
    MAIL_USER,
    MASTER_USER,
    Layout,
    dovecot_conf,
    postfix_header_checks,
    postfix_main_cf,
    postfix_master_cf,
    sink_script,
)
from tests.stack.procs import (
    alive,
    ensure_traversable,
    free_port,
    kill_all,
    kill_pid,
    make_queue_dirs,
    postfix_daemon_dir,
    register_alternate_config,
    tail,
    wait_banner,
)

#: The queues a message sits in until Postfix has delivered it.
POSTFIX_QUEUES = ("maildrop", "incoming", "active", "deferred", "hold")

START_TIMEOUT = 15.0


class StackError(RuntimeError):
    """A daemon of the test stack could not start or answer; the message carries the log tail."""


@dataclass(frozen=True)
class StoredMessage:
    """A message as found in a folder by a test helper."""

    uid: int
    flags: tuple[str, ...]
    raw: bytes


class Stack:
    """A private Dovecot + Postfix under one directory; see tests/stack/README in the report for the API."""

    def __init__(self, layout: Layout, master_password: str, pids: dict[str, int], detached: bool) -> None:
        """Use Stack.start or Stack.load."""
        self.layout = layout
        self.master_password = master_password
        self.pids = pids
        self.detached = detached
        pw = pwd.getpwnam(MAIL_USER)
        self.mail_uid, self.mail_gid = pw.pw_uid, pw.pw_gid
        self._finalizer = None if detached else weakref.finalize(self, kill_all, pids)

    # -- lifecycle ---------------------------------------------------------------------------------------------------

    @classmethod
    def start(cls, base_dir: Path, *, detach: bool = False) -> Stack:
        """Write configs under base_dir, start both daemons, and return once IMAP and SMTP answer."""
        if os.geteuid() != 0:
            raise StackError("the test stack starts Dovecot and Postfix and must run as root")
        base_dir = Path(base_dir).resolve()
        base_dir.mkdir(parents=True, exist_ok=True)
        ensure_traversable(base_dir)
        lay = Layout(base_dir, free_port(), free_port(), free_port())
        stack = cls(lay, secrets.token_urlsafe(18), {}, detach)
        try:
            stack._write_dovecot()
            stack.start_dovecot()
            stack._write_postfix()
            stack.start_postfix()
        except BaseException:
            stack.stop()
            raise
        stack._save()
        return stack

    @classmethod
    def load(cls, base_dir: Path) -> Stack:
        """Attach to a stack started earlier with detach=True (make demo), from its stack.json."""
        base_dir = Path(base_dir).resolve()
        data = json.loads((base_dir / "stack.json").read_text())
        lay = Layout(base_dir, data["imap_port"], data["lmtp_port"], data["smtp_port"])
        return cls(lay, data["master_password"], dict(data["pids"]), detached=True)

    def running(self) -> bool:
        """True when both daemons are alive and answering."""
        return (
            all(alive(p) for p in self.pids.values())
            and len(self.pids) == 2
            and not (
                wait_banner(self.layout.imap_port, b"* OK", 2, lambda: True)
                or wait_banner(self.layout.smtp_port, b"220", 2, lambda: True)
            )
        )

    def stop(self) -> None:
        """Stop Postfix then Dovecot, by PID, and wait for them."""
        self.stop_postfix()
        self.stop_dovecot()
        if self.layout.state_file.exists():
            self._save()

    def _save(self) -> None:
        """Record ports, password and PIDs (0600: it holds the master password)."""
        lay = self.layout
        data = {
            "imap_port": lay.imap_port,
            "lmtp_port": lay.lmtp_port,
            "smtp_port": lay.smtp_port,
            "master_password": self.master_password,
            "pids": self.pids,
        }
        lay.state_file.write_text(json.dumps(data, indent=2))
        lay.state_file.chmod(0o600)

    # -- Dovecot -----------------------------------------------------------------------------------------------------

    def _write_dovecot(self) -> None:
        """Config, empty users file, and the master passdb with a fresh SHA512-CRYPT hash."""
        lay = self.layout
        for d in (lay.dovecot_dir, lay.mail_root):
            d.mkdir(parents=True, exist_ok=True)
        os.chown(lay.mail_root, self.mail_uid, self.mail_gid)
        lay.dovecot_conf.write_text(dovecot_conf(lay))
        if not lay.users_file.exists():
            self._write_users([])
        hashed = self.doveadm("pw", "-s", "SHA512-CRYPT", "-p", self.master_password).stdout.strip()
        lay.master_file.write_text(f"{MASTER_USER}:{hashed}\n")
        lay.master_file.chmod(0o644)

    def start_dovecot(self) -> None:
        """Start `dovecot -F` in its own session and wait for the IMAP greeting."""
        lay = self.layout
        out = open(lay.base / "dovecot.stdout", "ab")  # noqa: SIM115 - handed to the child, closed below
        try:
            proc = subprocess.Popen(
                ["dovecot", "-F", "-c", str(lay.dovecot_conf)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            out.close()
        self.pids["dovecot"] = proc.pid
        why = wait_banner(lay.imap_port, b"* OK", START_TIMEOUT, lambda: proc.poll() is None)
        if why:
            self.stop_dovecot()
            raise StackError(
                f"Dovecot did not start on 127.0.0.1:{lay.imap_port}: {why}\n"
                f"--- {lay.base / 'dovecot.stdout'}\n{tail(lay.base / 'dovecot.stdout')}\n"
                f"--- {lay.dovecot_log}\n{tail(lay.dovecot_log)}"
            )

    def stop_dovecot(self) -> None:
        """Kill the Dovecot master by PID (shutdown_clients ends its imap processes too)."""
        pid = self.pids.pop("dovecot", None)
        if pid:
            kill_pid(pid)

    @contextmanager
    def dovecot_stopped(self) -> Iterator[None]:
        """Dovecot down for the block (every IMAP session ends), then started again and answering.

        Other tests share the stack: it is always restarted, on the same port, before the block's exception is seen.
        """
        self.stop_dovecot()
        try:
            yield
        finally:
            self.start_dovecot()

    def doveadm(self, *args: str, input: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run doveadm against this stack's config; raise with its output when it fails and check is set."""
        proc = subprocess.run(
            ["doveadm", "-c", str(self.layout.dovecot_conf), *args],
            input=input,
            capture_output=True,
            timeout=120,
            check=False,
        )
        result = subprocess.CompletedProcess(
            proc.args, proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")
        )
        if check and proc.returncode != 0:
            raise StackError(f"doveadm {' '.join(args)} failed ({proc.returncode}): {result.stderr}{result.stdout}")
        return result

    # -- Postfix -----------------------------------------------------------------------------------------------------

    def _write_postfix(self) -> None:
        """main.cf, master.cf, queue/data dirs, the capture sink; register the config dir if Postfix asks for it."""
        lay = self.layout
        for d in (lay.postfix_dir, lay.postfix_queue, lay.postfix_data, lay.sink_dir):
            d.mkdir(parents=True, exist_ok=True)
        os.chown(lay.sink_dir, self.mail_uid, self.mail_gid)
        postfix_user = pwd.getpwnam("postfix")
        os.chown(lay.postfix_data, postfix_user.pw_uid, postfix_user.pw_gid)
        make_queue_dirs(lay.postfix_queue, postfix_user.pw_uid, grp.getgrnam("postdrop").gr_gid)
        (lay.postfix_dir / "main.cf").write_text(postfix_main_cf(lay))
        (lay.postfix_dir / "master.cf").write_text(postfix_master_cf(lay))
        (lay.postfix_dir / "header_checks").write_text(postfix_header_checks())
        lay.sink_script.write_text(sink_script())
        lay.sink_script.chmod(0o755)
        lay.postfix_log.touch()

    def start_postfix(self) -> None:
        """`postfix -c <dir> start`, then track the master PID from its pid file and wait for the SMTP banner."""
        lay = self.layout
        pidfile = lay.postfix_queue / "pid" / "master.pid"
        pidfile.unlink(missing_ok=True)
        # master -w returns once the daemon is up: much faster than `postfix start` and its postfix-script checks.
        start = self._postfix_run([str(postfix_daemon_dir() / "master"), "-c", str(lay.postfix_dir), "-w"])
        pid = int(pidfile.read_text().strip()) if pidfile.exists() and pidfile.read_text().strip() else 0
        if pid:
            self.pids["postfix"] = pid
        why = (
            f"postfix start failed ({start.returncode}): {start.stderr}{start.stdout}"
            if start.returncode != 0 or not pid
            else wait_banner(lay.smtp_port, b"220", START_TIMEOUT, lambda: alive(pid))
        )
        if why:
            self.stop_postfix()
            raise StackError(
                f"Postfix did not start on 127.0.0.1:{lay.smtp_port}: {why}\n"
                f"--- {lay.postfix_log}\n{tail(lay.postfix_log)}"
            )

    def _postfix_run(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        """Run a Postfix admin command; if Postfix wants this config dir registered in /etc/postfix, do so and retry."""
        # Output goes to a file, not a pipe: the daemonised master keeps inherited pipes open for seconds.
        out = self.layout.base / "postfix.stdout"
        for _attempt in range(2):
            with open(out, "w+") as f:
                code = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=f, stderr=f, timeout=60, check=False)
                f.seek(0)
                text = f.read()
            run = subprocess.CompletedProcess(command, code.returncode, text, text)
            if run.returncode == 0 or "alternate_config_directories" not in text + tail(self.layout.postfix_log, 5):
                break
            register_alternate_config(self.layout.postfix_dir)
        return run

    def stop_postfix(self) -> None:
        """Kill the Postfix master by PID; its children exit when it does."""
        pid = self.pids.pop("postfix", None)
        if pid:
            kill_pid(pid)

    # -- members -----------------------------------------------------------------------------------------------------

    @staticmethod
    def address(member: str) -> str:
        """name -> name@bbs.test (a full address passes through)."""
        return member if "@" in member else f"{member}@{ADDR_DOMAIN}"

    def master_login(self, member: str) -> str:
        """The login string production uses: <address>*gateway."""
        return f"{self.address(member)}*{MASTER_USER}"

    def _members(self) -> list[str]:
        """Addresses currently in the users file."""
        text = self.layout.users_file.read_text() if self.layout.users_file.exists() else ""
        return [line.split(":", 1)[0] for line in text.splitlines() if line.strip()]

    def _write_users(self, addresses: list[str]) -> None:
        """Rewrite the passwd-file atomically; members have no usable password (the gateway logs in as master)."""
        lay = self.layout
        tmp = lay.users_file.with_suffix(".tmp")
        tmp.write_text("".join(f"{a}:{{CRYPT}}!::::::\n" for a in addresses))
        tmp.chmod(0o644)
        tmp.replace(lay.users_file)

    def add_members(self, names: Iterable[str]) -> list[str]:
        """Add several members in one write and wait until Dovecot's auth sees them all."""
        addrs = [self.address(n) for n in names]
        current = self._members()
        self._write_users(current + [a for a in addrs if a not in current])
        # passwd-file is re-read only when its stat changes and at most once a second: poll a userdb lookup.
        deadline = time.monotonic() + 10
        for a in addrs:
            while self.doveadm("user", a, check=False).returncode != 0:
                if time.monotonic() > deadline:
                    raise StackError(f"Dovecot never saw new member {a}\n{tail(self.layout.dovecot_log)}")
                time.sleep(0.1)
        return addrs

    def add_member(self, name: str) -> str:
        """Add name@bbs.test and return the address once a login for it will work."""
        return self.add_members([name])[0]

    def remove_member(self, name: str, purge: bool = False) -> None:
        """Drop the member from the passwd-file (and its mail when purge is set)."""
        addr = self.address(name)
        self._write_users([a for a in self._members() if a != addr])
        if purge:
            subprocess.run(["rm", "-rf", str(self.home(addr))], check=True)

    def home(self, member: str) -> Path:
        """The member's home: mail/<domain>/<local>."""
        local, _, domain = self.address(member).lower().partition("@")
        return self.layout.mail_root / domain / local

    def maildir_path(self, member: str, folder: str = "INBOX") -> Path:
        """On-disk directory of one of the member's folders."""
        return maildir.folder_dir(self.home(member) / "Maildir", folder)

    def env(self, member: str | None = None) -> dict[str, str]:
        """The environment agentmail reads, pointing at this stack (AGENTMAIL_MEMBER only when a member is given)."""
        lay = self.layout
        state = lay.base / "agentmail-state"
        state.mkdir(exist_ok=True)
        env = {
            "AGENTBBS_MAIL_ADDR_DOMAIN": ADDR_DOMAIN,
            "AGENTBBS_MAIL_DOMAIN": MAIL_DOMAIN,
            "AGENTBBS_MAIL_IMAP_ADDR": f"127.0.0.1:{lay.imap_port}",
            "AGENTBBS_MAIL_IMAP_PLAINTEXT": "1",
            "AGENTBBS_MAIL_SMTP_ADDR": f"127.0.0.1:{lay.smtp_port}",
            "AGENTBBS_MAIL_MASTER_USER": MASTER_USER,
            "AGENTBBS_MAIL_MASTER_PASS": self.master_password,
            "AGENTMAIL_STATE_DIR": str(state),
            "AGENTMAIL_SSH_USER": pwd.getpwuid(os.geteuid()).pw_name,  # the state directory's owner here
            "AGENTMAIL_UNDO_SEND_SECONDS": "0",  # tests of undo send set their own window
        }
        # Every run names its own config file, so the host's /etc/agentmail/agentmail.env is never read.
        config = lay.base / "agentmail.conf"
        if not config.is_file():
            tmp = config.with_suffix(".tmp")
            tmp.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
            tmp.chmod(0o600)
            tmp.replace(config)
        env["AGENTMAIL_CONFIG"] = str(config)
        if member is not None:
            env["AGENTMAIL_MEMBER"] = member
        return env

    def kick(self, member: str) -> None:
        """End the member's IMAP sessions (doveadm kick), as an operator would."""
        self.doveadm("kick", self.address(member), check=False)

    def wait_idling(self, member: str, timeout: float = 20.0) -> None:
        """Wait until one of the member's IMAP sessions is in IDLE, as this Dovecot's process titles say.

        What a test waits on before it changes a mailbox whose change a client must notice by itself
        (the config's verbose_proctitle makes each imap process title "[user ip command]").
        """
        title = f"dovecot-agentmail-test-{self.layout.imap_port}/imap [{self.address(member)} ".encode()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(t.startswith(title) and t.endswith(b" IDLE]") for t in _process_titles()):
                return
            time.sleep(0.05)
        raise TimeoutError(f"no IMAP session of {member} entered IDLE within {timeout}s")

    # -- mail --------------------------------------------------------------------------------------------------------

    def _ensure_folder(self, addr: str, folder: str) -> Path:
        """Make sure the folder exists (created and subscribed through Dovecot) and return its directory."""
        target = self.maildir_path(addr, folder)
        if not (target / "cur").is_dir():
            if folder.upper() == "INBOX":
                self.doveadm("mailbox", "status", "-u", addr, "messages", "INBOX")
            else:
                self.doveadm("mailbox", "create", "-s", "-u", addr, folder, check=False)
            if not (target / "cur").is_dir():
                raise StackError(f"folder {folder!r} of {addr} has no Maildir at {target}")
        return target

    def seed_maildir(
        self,
        member: str,
        folder: str,
        messages: Iterable[bytes],
        flags: Iterable[str] = (),
        start_time: float | None = None,
    ) -> int:
        """Bulk-write messages straight into the Maildir (exact bytes), then make Dovecot resync; returns the count."""
        addr = self.address(member)
        target = self._ensure_folder(addr, folder)
        letters, keywords = maildir.split_flags(flags)
        if start_time is None:
            start_time = time.time() - 1_000_000
        names = maildir.write_messages(target, messages, letters, self.mail_uid, self.mail_gid, start_time)
        self.doveadm("force-resync", "-u", addr, folder)
        if keywords and names:
            self.doveadm("flags", "add", "-u", addr, " ".join(keywords), "mailbox", folder, "all")
        return len(names)

    def deliver(
        self, member: str, raw: bytes, folder: str = "INBOX", flags: Iterable[str] = (), received: float | None = None
    ) -> int:
        """Put one message into a folder without Postfix, stored byte for byte; returns its UID.

        `received` (epoch seconds) becomes the INTERNALDATE; default now.
        """
        addr = self.address(member)
        target = self._ensure_folder(addr, folder)
        letters, keywords = maildir.split_flags(flags)
        (base,) = maildir.write_messages(target, [raw], letters, self.mail_uid, self.mail_gid, received or time.time())
        self.doveadm("force-resync", "-u", addr, folder)
        uid = maildir.uid_of(target, base)
        if uid is None:
            raise StackError(f"Dovecot did not pick up {base} in {target}")
        if keywords:
            self.doveadm("flags", "add", "-u", addr, " ".join(keywords), "mailbox", folder, "uid", str(uid))
        return uid

    def deliver_offline(self, member: str, raw: bytes, folder: str = "INBOX") -> None:
        """Put one message into an existing folder's Maildir without Dovecot (it may be down); it finds it on sync."""
        target = self.maildir_path(self.address(member), folder)
        if not (target / "cur").is_dir():
            raise StackError(f"folder {folder!r} of {member} has no Maildir yet")
        maildir.write_messages(target, [raw], "", self.mail_uid, self.mail_gid, time.time())

    @contextmanager
    def imap(self, member: str) -> Iterator[IMAPClient]:
        """A plain imapclient master-login session (test helper, not agentmail's code)."""
        client = IMAPClient("127.0.0.1", port=self.layout.imap_port, ssl=False, timeout=30)
        try:
            client.login(self.master_login(member), self.master_password)
            yield client
        finally:
            with contextlib.suppress(Exception):  # the session may already be gone (kicked, server stopped)
                client.logout()

    def wait_for_message(
        self, member: str, folder: str = "INBOX", match: str | Callable[[bytes], bool] = "", timeout: float = 10.0
    ) -> StoredMessage:
        """Wait until a message whose Subject contains `match` (or for which match(raw) is true) is in the folder."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            with self.imap(member) as client:
                client.select_folder(folder, readonly=True)
                if isinstance(match, str):
                    uids = client.search(["SUBJECT", match], charset="UTF-8") if match else client.search(["ALL"])
                else:
                    uids = client.search(["ALL"])
                seen = len(client.search(["ALL"]))
                for uid, data in sorted(client.fetch(uids, ["BODY.PEEK[]", "FLAGS"]).items()) if uids else []:
                    raw = data[b"BODY[]"]
                    if isinstance(match, str) or match(raw):
                        flags = tuple(f.decode() if isinstance(f, bytes) else str(f) for f in data[b"FLAGS"])
                        return StoredMessage(uid, flags, raw)
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"no message matching {match!r} in {member}'s {folder} after {timeout}s ({seen} messages there)\n"
                    f"--- {self.layout.postfix_log}\n{tail(self.layout.postfix_log, 15)}"
                )
            time.sleep(0.1)

    def captured(
        self, timeout: float = 5.0, match: str | bytes | Callable[[bytes], bool] | None = None, min_count: int = 1
    ) -> list[bytes]:
        """Messages Postfix routed to the sink (any domain but bbs.test), oldest first, each prefixed with
        Delivered-To and Return-Path; waits up to `timeout` for `min_count` of them to match (never raises)."""
        needle = match.encode() if isinstance(match, str) else match

        def ok(raw: bytes) -> bool:
            if needle is None:
                return True
            return needle(raw) if callable(needle) else needle in raw

        deadline = time.monotonic() + timeout
        while True:
            files = sorted(self.layout.sink_dir.glob("*.eml"))
            found = [raw for raw in (f.read_bytes() for f in files) if ok(raw)]
            if len(found) >= min_count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def wait_queue_empty(self, timeout: float = 30.0) -> None:
        """Wait until Postfix holds no message: everything it accepted so far was delivered (or sunk)."""
        deadline = time.monotonic() + timeout
        queue = self.layout.postfix_queue
        while True:
            left = [f for d in POSTFIX_QUEUES for _, _, files in os.walk(queue / d) for f in files]
            if not left:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"Postfix still holds {len(left)} messages after {timeout}s")
            time.sleep(0.05)

    def clear_captured(self) -> None:
        """Empty the sink (tests normally filter by a unique subject instead)."""
        for f in self.layout.sink_dir.glob("*.eml"):
            f.unlink()


def _process_titles() -> list[bytes]:
    """Every process's title (its command line as it set it), without the trailing NULs."""
    titles = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                titles.append(Path(entry.path, "cmdline").read_bytes().rstrip(b"\0").replace(b"\0", b" "))
    return titles
