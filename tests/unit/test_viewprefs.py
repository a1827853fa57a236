"""Remembered folder views (sort, threads) in the state directory: round trip, defaults, and two sessions at once."""

from __future__ import annotations

import threading

from agentmail.config import load_settings
from agentmail.model import ViewPrefs
from agentmail.service import viewprefs

BASE = {
    "AGENTBBS_MAIL_ADDR_DOMAIN": "bbs.example",
    "AGENTBBS_MAIL_MASTER_USER": "gateway",
    "AGENTBBS_MAIL_MASTER_PASS": "s3cret-master-pass",
}


def _settings(tmp_path):
    return load_settings({**BASE, "AGENTMAIL_STATE_DIR": str(tmp_path / "state")}, [])


def test_a_remembered_view_comes_back_per_folder_and_member(tmp_path) -> None:
    settings = _settings(tmp_path)
    assert viewprefs.load(settings, "alice", "INBOX") == ViewPrefs()
    assert viewprefs.save(settings, "alice", "INBOX", ViewPrefs("date", True))
    assert viewprefs.load(settings, "alice", "INBOX") == ViewPrefs("date", True)
    assert viewprefs.load(settings, "alice", "Sent") == ViewPrefs()
    assert viewprefs.load(settings, "bob", "INBOX") == ViewPrefs()
    assert ((settings.state_dir / "views" / "alice").stat().st_mode & 0o777) == 0o600


def test_a_damaged_file_means_the_defaults(tmp_path) -> None:
    settings = _settings(tmp_path)
    path = settings.state_dir / "views" / "alice"
    path.parent.mkdir(parents=True)
    path.write_text('{"INBOX": {"sort": "rm -rf", "threads": true}, "Sent": [1]}')
    assert viewprefs.load(settings, "alice", "INBOX") == ViewPrefs()
    path.write_text("not json")
    assert viewprefs.load(settings, "alice", "INBOX") == ViewPrefs()
    assert viewprefs.save(settings, "alice", "INBOX", ViewPrefs("size"))
    assert viewprefs.load(settings, "alice", "INBOX") == ViewPrefs("size")


def test_an_unwritable_state_dir_is_no_error(tmp_path) -> None:
    (tmp_path / "state").write_text("a file, not a directory")
    settings = _settings(tmp_path)
    assert viewprefs.save(settings, "alice", "INBOX", ViewPrefs("date")) is False
    assert viewprefs.load(settings, "alice", "INBOX") == ViewPrefs()


def test_two_sessions_saving_at_once_keep_both_folders(tmp_path) -> None:
    settings = _settings(tmp_path)
    folders = [f"Folder{n}" for n in range(8)]
    start = threading.Barrier(len(folders))

    def save(folder: str) -> None:
        start.wait()
        viewprefs.save(settings, "alice", folder, ViewPrefs("subject", True))

    threads = [threading.Thread(target=save, args=(f,)) for f in folders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(viewprefs.load(settings, "alice", f) == ViewPrefs("subject", True) for f in folders)
