"""The state directory module: what a root run creates belongs to the state directory's owner; locks exclude."""

from __future__ import annotations

import dataclasses
import fcntl
import os
from pathlib import Path

import pytest

from agentmail.config import load_settings
from agentmail.errors import ConfigError
from agentmail.service.state import StateDir

OWNER = (4242, 4343)  # a uid/gid no process here runs as (a stand-in for the forced-command user)
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")


def _settings(state: Path, user: str = "mail"):
    base = load_settings({"AGENTBBS_MAIL_ADDR_DOMAIN": "bbs.example"}, [])
    return dataclasses.replace(base, state_dir=state, ssh_user=user)


def _owned_state(tmp_path: Path) -> Path:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    os.chown(state, *OWNER)
    return state


def _owner(path: Path) -> tuple[int, int]:
    st = path.lstat()
    return st.st_uid, st.st_gid


@root_only
def test_a_root_run_creates_everything_with_the_state_dirs_owner(tmp_path: Path) -> None:
    state = _owned_state(tmp_path)
    sd = StateDir(_settings(state))
    with sd.locked("idempotency", "carol", "k.lock") as lock:
        lock.write(b"x")
    sd.write_atomic("idempotency", "carol", "k.json", data=b"{}")
    for path in (state / "idempotency", state / "idempotency" / "carol", state / "idempotency" / "carol" / "k.lock"):
        assert _owner(path) == OWNER
    assert _owner(state / "idempotency" / "carol" / "k.json") == OWNER
    assert (state / "idempotency" / "carol").stat().st_mode & 0o777 == 0o700
    assert sd.read("idempotency", "carol", "k.json") == b"{}"
    assert sorted(p.name for p in (state / "idempotency" / "carol").iterdir()) == ["k.json", "k.lock"]


@root_only
def test_a_root_owned_file_left_behind_is_handed_back(tmp_path: Path) -> None:
    state = _owned_state(tmp_path)
    (state / "sends").mkdir()
    os.chown(state / "sends", *OWNER)
    (state / "sends" / "carol").write_text("")
    with StateDir(_settings(state)).locked("sends", "carol"):
        pass
    assert _owner(state / "sends" / "carol") == OWNER


@root_only
def test_a_missing_state_dir_is_created_for_the_forced_command_user(tmp_path: Path) -> None:
    import pwd

    nobody = pwd.getpwnam("nobody")
    state = tmp_path / "var-lib" / "agentmail"
    StateDir(_settings(state, "nobody")).directory("sends")
    assert _owner(state) == (nobody.pw_uid, nobody.pw_gid)
    assert _owner(state / "sends") == (nobody.pw_uid, nobody.pw_gid)


@root_only
def test_an_unknown_forced_command_user_refuses_to_create_state(tmp_path: Path) -> None:
    state = tmp_path / "agentmail"
    with pytest.raises(ConfigError, match="AGENTMAIL_SSH_USER"):
        StateDir(_settings(state, "no-such-user-here")).directory("sends")
    assert not state.exists()


def test_a_state_dir_that_is_a_file_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="not a directory"), StateDir(_settings(blocker)).locked("sends", "carol"):
        pass


def test_names_are_plain(tmp_path: Path) -> None:
    sd = StateDir(_settings(tmp_path))
    for bad in ("..", ".", "a/b", ""):
        with pytest.raises(ValueError):
            sd.path("sends", bad)


def test_the_lock_excludes_another_open_of_the_same_file(tmp_path: Path) -> None:
    sd = StateDir(_settings(tmp_path))
    with sd.locked("idempotency", "carol", "k.lock"):
        fd = os.open(tmp_path / "idempotency" / "carol" / "k.lock", os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    fd = os.open(tmp_path / "idempotency" / "carol" / "k.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released with the block
    finally:
        os.close(fd)


def test_try_lock_does_not_wait_and_a_released_slot_is_free(tmp_path: Path) -> None:
    sd = StateDir(_settings(tmp_path))
    held = sd.try_lock("sessions", "carol", "slot-0")
    assert held is not None
    assert sd.try_lock("sessions", "carol", "slot-0") is None
    held.close()
    again = sd.try_lock("sessions", "carol", "slot-0")
    assert again is not None
    again.close()
