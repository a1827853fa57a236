"""doctor's state-directory check, made for the forced-command user (``AGENTMAIL_SSH_USER``).

The question is not "can whoever runs doctor write there" (root always can) but
"can every member's ``ssh mail@host`` session use what is there".  Each entry is
judged with that user's uid and groups against its owner and mode (the kernel's
rule, without ACLs), every directory above must let the user through, and when
doctor runs as that user (or as root) a file is really created there too.  No
process is started and no identity is changed.
"""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path

PROBE_LIMIT = 20000  # entries walked at most: the check stays quick on a big state directory
READ, WRITE, SEARCH = 4, 2, 1


def problems_as(user: str, root: Path) -> list[str]:
    """What the user cannot do in the state directory (empty: nothing).  KeyError: no such user."""
    entry = pwd.getpwnam(user)
    uid, groups = entry.pw_uid, set(os.getgrouplist(entry.pw_name, entry.pw_gid))
    try:
        st = root.stat()
    except OSError as exc:
        return [f"{root} cannot be reached ({exc.strerror})"]
    if not stat.S_ISDIR(st.st_mode):
        return [f"{root} is not a directory"]
    out = [f"cannot enter {p}" for p in reversed(root.absolute().parents) if not _may(p, uid, groups, SEARCH)]
    if os.geteuid() in (0, uid):
        out += _create(root)
    seen = 0
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        if not _may(here, uid, groups, READ | WRITE | SEARCH):
            out.append(f"cannot write in {here}")
        for name in files:
            path = here / name
            if not _may(path, uid, groups, READ | WRITE):
                out.append(f"cannot open {path} read-write")
        seen += len(dirs) + len(files)
        if seen > PROBE_LIMIT:
            break
    return out


def _may(path: Path, uid: int, groups: set[int], want: int) -> bool:
    """The permission bits that apply to this user (owner, else group, else other) allow `want`."""
    try:
        st = path.stat()
    except OSError:
        return False
    if uid == 0:
        return True
    if st.st_uid == uid:
        bits = st.st_mode >> 6
    elif st.st_gid in groups:
        bits = st.st_mode >> 3
    else:
        bits = st.st_mode
    return bits & want == want


def _create(root: Path) -> list[str]:
    """Really create and remove a file (a read-only mount or a full disk shows here)."""
    test = root / f".doctor-{os.getpid()}"
    try:
        fd = os.open(test, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        test.unlink()
    except OSError as exc:
        return [f"cannot create a file in {root} ({exc.strerror})"]
    return []
