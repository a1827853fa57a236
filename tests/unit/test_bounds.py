"""Pure pieces of bounded sessions and reconnects: line reading, depth, digits, criteria quoting, backoff."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from agentmail.agent.args import Arg, check_values
from agentmail.agent.lines import TooLong, check_depth, parse_json, read_lines
from agentmail.errors import AuthError, NoMailboxError, TooManyConnectionsError, UnavailableError, UsageError
from agentmail.imap import backoff
from agentmail.imap.criteria import encode
from agentmail.mime.query import parse_query


class _Chunks(io.RawIOBase):
    """A stream that hands out at most `size` bytes per read and counts the largest buffer asked for."""

    def __init__(self, data: bytes, size: int) -> None:
        self._data, self._size = data, size

    def readable(self) -> bool:
        return True

    def read1(self, n: int = -1) -> bytes:
        chunk, self._data = self._data[: min(n, self._size)], self._data[min(n, self._size) :]
        return chunk


@pytest.mark.parametrize("size", [1, 7, 65536])
def test_lines_split_in_any_chunking(size: int) -> None:
    data = b"a\n\nbb\n" + b"c" * 50 + b"\nlast"
    assert list(read_lines(_Chunks(data, size), 100)) == [b"a\n", b"\n", b"bb\n", b"c" * 50 + b"\n", b"last"]


@pytest.mark.parametrize("size", [1, 7, 65536])
def test_an_oversized_line_is_skipped_to_its_newline(size: int) -> None:
    data = b"ok\n" + b"x" * 1000 + b"\nafter\n" + b"y" * 11
    items = list(read_lines(_Chunks(data, size), 10))
    assert items == [b"ok\n", TooLong(2, 10), b"after\n", TooLong(4, 10)]
    assert items[1].error().code == "line_too_long"


def test_a_line_exactly_at_the_cap_is_kept() -> None:
    assert list(read_lines(io.BytesIO(b"x" * 10 + b"\n"), 10)) == [b"x" * 10 + b"\n"]


def test_depth_limit() -> None:
    check_depth([[[1]]], limit=3)
    with pytest.raises(UsageError):
        check_depth([[[[1]]]], limit=3)
    with pytest.raises(UsageError):
        parse_json(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(UsageError):
        parse_json(b'{"a":' * 100 + b"1" + b"}" * 100)


@pytest.mark.parametrize("value", ["²", "١٢", "𝟙", "1²", " ", "", "+1", "-1", "1_000", "9" * 19])
def test_only_ascii_digits_are_numbers(value: str) -> None:
    with pytest.raises(UsageError):
        check_values([Arg("uid", "integer", "x", positional=True)], {"uid": value}, "read")


def test_ascii_digits_are_numbers() -> None:
    assert check_values([Arg("uid", "integer", "x", positional=True)], {"uid": " 42 "}, "read") == {"uid": 42}


@pytest.mark.parametrize("folder", ["a\rb", "a\nb", "\x00", "a\x1b[0m", "\x85", "a\u2028b", "\x7f"])
def test_folder_arguments_refuse_control_characters(folder: str) -> None:
    with pytest.raises(UsageError) as info:
        check_values([Arg("folder", "string", "x", positional=True, folder=True)], {"folder": folder}, "list")
    assert "folder" in str(info.value) and folder not in str(info.value)


@pytest.mark.parametrize(
    ("query", "wire"),
    [
        ('subject:"\\""', [b"SUBJECT", b'"\\""']),
        ('subject:"\\\\"', [b"SUBJECT", b'"\\\\"']),
        ("a*b", [b"TEXT", b'"a*b"']),
        ("{5}", [b"TEXT", b'"{5}"']),
        ("from:bob", [b"FROM", b'"bob"']),
        ("uid:1:5 is:unread", [b"UID", b"1:5", b"UNSEEN"]),
        ("larger:1k", [b"LARGER", b"1024"]),
        ("(from:a to:b) OR cc:c", [b"OR", b"(FROM", b'"a"', b"TO", b'"b")', b"CC", b'"c"']),
    ],
)
def test_every_value_goes_out_quoted(query: str, wire: list[bytes]) -> None:
    args, utf8 = encode(parse_query(query))
    assert args == wire and utf8 is False


def test_non_ascii_values_are_literals_and_never_swallow_a_parenthesis() -> None:
    args, utf8 = encode(parse_query("(from:a subject:café) OR to:b"))
    assert utf8 is True
    assert args == [b"OR", b"(FROM", b'"a"', b"SUBJECT", "café".encode(), b"ALL)", b"TO", b'"b"']


def test_our_own_words_stay_atoms_and_odd_ones_are_quoted() -> None:
    args, _ = encode(["HEADER", "Message-ID", '<a"b@x>', "SINCE", date(2024, 1, 2)])
    assert args == [b"HEADER", b"Message-ID", b'"<a\\"b@x>"', b"SINCE", b"2-Jan-2024"]


# -- backoff --------------------------------------------------------------------------------------------------------
class _Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def _backoff(clock: _Clock, window: float, rand: float = 1.0) -> backoff.Backoff:
    return backoff.Backoff(window, sleep=clock.sleep, clock=lambda: clock.now, rand=lambda: rand)


def test_backoff_grows_is_capped_and_stops_at_the_window() -> None:
    clock = _Clock()
    calls = []

    def down() -> None:
        calls.append(clock.now)
        raise UnavailableError("connection refused")

    notices: list[tuple[int, float]] = []
    with pytest.raises(UnavailableError):
        backoff.retry(down, _backoff(clock, 60), on_wait=lambda n, wait, why: notices.append((n, wait)))
    assert clock.waits[:6] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert max(clock.waits) == 8.0 and clock.now == pytest.approx(60)
    assert [n for n, _ in notices] == list(range(1, len(calls)))


def test_backoff_jitter_stays_within_half_and_all_of_the_step() -> None:
    clock = _Clock()
    assert _backoff(clock, 10, rand=0.0).delay(3) == 1.0
    assert _backoff(clock, 10, rand=1.0).delay(3) == 2.0


def test_backoff_returns_once_the_server_is_back() -> None:
    clock = _Clock()
    attempts = iter([UnavailableError("refused"), UnavailableError("reset"), None])

    def flaky() -> str:
        failure = next(attempts)
        if failure is not None:
            raise failure
        return "connected"

    assert backoff.retry(flaky, _backoff(clock, 120)) == "connected"
    assert len(clock.waits) == 2


@pytest.mark.parametrize("error", [AuthError("no"), TooManyConnectionsError("full"), NoMailboxError("none")])
def test_refusals_are_not_retried(error: Exception) -> None:
    clock = _Clock()

    def refused() -> None:
        raise error

    with pytest.raises(type(error)):
        backoff.retry(refused, _backoff(clock, 120))
    assert clock.waits == []


def test_a_zero_window_fails_at_once() -> None:
    clock = _Clock()

    def down() -> None:
        raise UnavailableError("refused")

    with pytest.raises(UnavailableError):
        backoff.retry(down, _backoff(clock, 0))
    assert clock.waits == []


# -- session slots -----------------------------------------------------------------------------------------------------
def test_slots_are_taken_once_and_released(tmp_path: Path) -> None:
    from agentmail.config import load_settings
    from agentmail.errors import TooManySessionsError
    from agentmail.identity import member_for
    from agentmail.service.slots import acquire_slot

    env = {"AGENTBBS_MAIL_ADDR_DOMAIN": "bbs.example.test", "AGENTMAIL_STATE_DIR": str(tmp_path)}
    settings = load_settings({**env, "AGENTMAIL_MAX_SESSIONS": "2"}, env_files=[])
    member = member_for("carol", settings)
    first, second = acquire_slot(settings, member), acquire_slot(settings, member)
    assert {first.index, second.index} == {0, 1}
    with pytest.raises(TooManySessionsError) as info:
        acquire_slot(settings, member)
    assert info.value.code == "too_many_sessions"
    first.close()
    assert acquire_slot(settings, member).index == 0
    unlimited = load_settings({**env, "AGENTMAIL_MAX_SESSIONS": "0"}, env_files=[])
    assert acquire_slot(unlimited, member).index == -1
