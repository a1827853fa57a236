"""Writing Maildir files directly: exact bytes for hostile-corpus tests and fast bulk seeding for benchmarks."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterable
from pathlib import Path

from imapclient import imap_utf7

# Maildir "info" letters for the IMAP system flags (Maildir spec; Dovecot keeps them in the file name).
SYSTEM_FLAG_LETTERS = {"\\Draft": "D", "\\Flagged": "F", "\\Answered": "R", "\\Seen": "S", "\\Deleted": "T"}


def folder_dir(maildir: Path, folder: str, separator: str = ".") -> Path:
    """Directory of an IMAP folder in Maildir++ layout: INBOX is the root, others are .Name (modified UTF-7)."""
    if folder.upper() == "INBOX":
        return maildir
    encoded = imap_utf7.encode(folder).decode("ascii")
    if separator != ".":
        encoded = encoded.replace(separator, ".")
    return maildir / f".{encoded}"


def split_flags(flags: Iterable[str]) -> tuple[str, list[str]]:
    """Split IMAP flags into the Maildir info letters and the keywords Dovecot must set itself."""
    letters: set[str] = set()
    keywords: list[str] = []
    for flag in flags:
        letter = SYSTEM_FLAG_LETTERS.get(flag.capitalize() if flag.startswith("\\") else flag)
        if letter:
            letters.add(letter)
        else:
            keywords.append(flag)
    return "".join(sorted(letters)), keywords


def write_messages(
    target: Path, messages: Iterable[bytes], letters: str, uid: int, gid: int, start_time: float
) -> list[str]:
    """Write each message as cur/<unique>:2,<letters> with increasing mtimes (Dovecot orders new UIDs by that time)."""
    cur = target / "cur"
    host = socket.gethostname().replace("/", "_").replace(":", "_")
    pid = os.getpid()
    token = secrets.token_hex(4)  # unique per call: two calls in one second must not collide
    names: list[str] = []
    for n, raw in enumerate(messages):
        stamp = start_time + n
        base = f"{int(stamp)}.M{n % 1000000}P{pid}Q{n}R{token}.{host},S={len(raw)}"
        path = cur / f"{base}:2,{letters}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            _write_all(fd, raw)
            os.fchown(fd, uid, gid)
        finally:
            os.close(fd)
        os.utime(path, (stamp, stamp))
        names.append(base)
    return names


def _write_all(fd: int, raw: bytes) -> None:
    """os.write may write less than asked for large buffers; loop until done."""
    view = memoryview(raw)
    while view:
        view = view[os.write(fd, view) :]


def uid_of(target: Path, base: str) -> int | None:
    """Find the UID Dovecot gave a file, from dovecot-uidlist (lines: `<uid> [ext] :<filename>`)."""
    uidlist = target / "dovecot-uidlist"
    if not uidlist.exists():
        return None
    for line in uidlist.read_text(errors="replace").splitlines()[1:]:
        head, sep, name = line.partition(":")
        if sep and name.startswith(base):
            return int(head.split()[0])
    return None
