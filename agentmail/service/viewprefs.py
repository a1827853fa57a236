"""How each folder was last shown (sort order, thread view), remembered per member across sessions.

IMAP METADATA would keep it in the mailbox, but the test Dovecot does not enable it
(``imap_metadata``) and the host's cannot be assumed to, so it is kept in the state
directory: one small JSON file per member under ``AGENTMAIL_STATE_DIR/views``, made
through :class:`StateDir` (owned by the forced-command user even after a root run) and
rewritten under an exclusive ``flock`` so two sessions of one member never lose each
other's changes.  Failing to save is logged, never an error: a view not remembered
loses nothing.  The file is ours, but it is still read defensively: anything
unexpected in it means "the defaults".
"""

from __future__ import annotations

import json
import logging

from agentmail.config import Settings
from agentmail.errors import AgentmailError
from agentmail.model import ViewPrefs
from agentmail.service.state import StateDir

log = logging.getLogger(__name__)

SORTS = ("arrival", "date", "from", "subject", "size")
MAX_FOLDERS = 500  # a bound on the file: the oldest entries go first


def _parse(data: bytes | None) -> dict[str, ViewPrefs]:
    try:
        parsed = json.loads((data or b"{}").decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    out: dict[str, ViewPrefs] = {}
    if isinstance(parsed, dict):
        for folder, entry in parsed.items():
            if isinstance(folder, str) and isinstance(entry, dict) and entry.get("sort") in SORTS:
                out[folder] = ViewPrefs(entry["sort"], entry.get("threads") is True)
    return out


def load(settings: Settings, member: str, folder: str) -> ViewPrefs:
    """The folder's remembered view, or the defaults (nothing remembered, or the file unreadable)."""
    try:
        data = StateDir(settings).read("views", member)
    except AgentmailError as exc:
        log.warning("cannot read remembered folder views: %s", exc)
        return ViewPrefs()
    return _parse(data).get(folder, ViewPrefs())


def save(settings: Settings, member: str, folder: str, prefs: ViewPrefs) -> bool:
    """Remember a folder's view (read-modify-write under a lock); False, logged, when the state dir refuses."""
    try:
        with StateDir(settings).locked("views", member) as held:
            entries = _parse(held.read())
            entries.pop(folder, None)
            if prefs != ViewPrefs():
                entries[folder] = prefs
            kept = list(entries.items())[-MAX_FOLDERS:]
            held.write(json.dumps({f: {"sort": p.sort, "threads": p.threads} for f, p in kept}).encode("utf-8"))
    except AgentmailError as exc:
        log.warning("cannot remember the folder view: %s", exc)
        return False
    return True
