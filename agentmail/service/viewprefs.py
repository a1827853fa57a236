"""How each folder was last shown (sort order, thread view), remembered per member across sessions.

IMAP METADATA would keep it in the mailbox, but the test Dovecot does not enable it
(``imap_metadata``) and the host's cannot be assumed to, so it is kept in the state
directory: one small JSON file per member under ``AGENTMAIL_STATE_DIR/views``,
rewritten under an exclusive ``flock`` so two sessions of one member never lose each
other's changes.  Failing to save is logged, never an error: a view not remembered
loses nothing.  The file is ours, but it is still read defensively: anything
unexpected in it means "the defaults".
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from pathlib import Path

from agentmail.config import Settings
from agentmail.model import ViewPrefs

log = logging.getLogger(__name__)

SORTS = ("arrival", "date", "from", "subject", "size")
MAX_FOLDERS = 500  # a bound on the file: the oldest entries go first


def prefs_file(settings: Settings, member: str) -> Path:
    """Where a member's remembered views live."""
    return settings.state_dir / "views" / member


def _parse(text: str) -> dict[str, ViewPrefs]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    out: dict[str, ViewPrefs] = {}
    if isinstance(data, dict):
        for folder, entry in data.items():
            if isinstance(folder, str) and isinstance(entry, dict) and entry.get("sort") in SORTS:
                out[folder] = ViewPrefs(entry["sort"], entry.get("threads") is True)
    return out


def load(settings: Settings, member: str, folder: str) -> ViewPrefs:
    """The folder's remembered view, or the defaults (nothing remembered, or the file unreadable)."""
    try:
        text = prefs_file(settings, member).read_text("utf-8")
    except FileNotFoundError:
        return ViewPrefs()
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("cannot read remembered folder views: %s", exc)
        return ViewPrefs()
    return _parse(text).get(folder, ViewPrefs())


def save(settings: Settings, member: str, folder: str, prefs: ViewPrefs) -> bool:
    """Remember a folder's view (read-modify-write under a lock); False, logged, when the state dir refuses."""
    path = prefs_file(settings, member)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        log.warning("cannot remember the folder view in %s: %s", settings.state_dir, exc.strerror)
        return False
    with os.fdopen(fd, "r+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            entries = _parse(handle.read())
        except UnicodeDecodeError:
            entries = {}
        entries.pop(folder, None)
        if prefs != ViewPrefs():
            entries[folder] = prefs
        kept = list(entries.items())[-MAX_FOLDERS:]
        handle.seek(0)
        handle.truncate()
        json.dump({f: {"sort": p.sort, "threads": p.threads} for f, p in kept}, handle)
    return True
