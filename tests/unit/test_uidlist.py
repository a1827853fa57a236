"""UidList behaves as the tuple of its uids would, while holding them in four bytes each."""

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentmail.model import View
from agentmail.uidlist import MAX_UID, UidList

UIDS = st.integers(min_value=0, max_value=MAX_UID)
SMALL = st.integers(min_value=1, max_value=40)  # small values: lookups hit and miss often
ORDERS = st.one_of(
    st.lists(SMALL, unique=True).map(sorted),
    st.lists(SMALL, unique=True).map(lambda xs: sorted(xs, reverse=True)),
    st.lists(SMALL, max_size=30),  # any order, repeats allowed
    st.lists(UIDS, max_size=10),
)


@given(ORDERS, st.data())
def test_reads_like_the_tuple(values: list[int], data: st.DataObject) -> None:
    model, uids = tuple(values), UidList(values)
    assert uids == model and model == uids and uids == list(model)
    assert hash(uids) == hash(model)
    assert len(uids) == len(model) and list(uids) == list(model) and list(reversed(uids)) == list(reversed(model))
    probe = data.draw(st.one_of(SMALL, UIDS, st.integers(-3, 0)))
    assert (probe in uids) == (probe in model)
    assert uids.count(probe) == model.count(probe)
    if probe in model:
        start = data.draw(st.integers(-len(model) - 1, len(model) + 1))
        expected = model.index(probe, start) if probe in model[start:] else None
        assert (uids.index(probe, start) if expected is not None else None) == expected
        assert uids.removed(probe) == tuple(v for i, v in enumerate(model) if i != model.index(probe))
    else:
        with pytest.raises(ValueError):
            uids.index(probe)
    assert uids.count_above(probe) == sum(1 for v in model if v > probe)
    assert uids.highest() == max(model, default=0)
    assert uids.intersection(range(probe, probe + 6)) == set(model) & set(range(probe, probe + 6))


@given(ORDERS, st.data())
def test_indexes_slices_and_changes_like_the_tuple(values: list[int], data: st.DataObject) -> None:
    model, uids = tuple(values), UidList(values)
    n = len(model)
    if n:
        at = data.draw(st.integers(-n, n - 1))
        assert uids[at] == model[at]
        assert uids.deleted_at(at) == model[:at] + model[at:][1:]
    with pytest.raises(IndexError):
        uids[n]
    cut = slice(*data.draw(st.tuples(st.integers(-n - 2, n + 2) | st.none(), st.integers(-n - 2, n + 2) | st.none(),
                                      st.sampled_from([None, 1, 2, -1, -3]))))  # fmt: skip
    part = uids[cut]
    assert isinstance(part, UidList) and part == model[cut]
    where, uid = data.draw(st.integers(-n - 2, n + 2)), data.draw(SMALL)
    changed, expected = uids.inserted(where, uid), list(model)
    expected.insert(where, uid)
    assert changed == expected
    assert (uid in changed) and changed.index(uid) == expected.index(uid)  # order is known again after an insert
    assert uids == model  # unchanged: every change is a new list


@given(st.lists(st.tuples(SMALL, SMALL), min_size=1, max_size=8), st.booleans())
def test_sequence_sets_expand_sorted_without_repeats(runs: list[tuple[int, int]], descending: bool) -> None:
    text = ",".join(f"{a}:{b}" if a != b else str(a) for a, b in runs)
    expected = sorted({u for a, b in runs for u in range(min(a, b), max(a, b) + 1)}, reverse=descending)
    assert UidList.from_sequence_set(text, descending=descending) == expected


def test_esearch_answers_build_directly() -> None:
    assert UidList.from_sequence_set("1:4,9,12:13") == (1, 2, 3, 4, 9, 12, 13)
    assert UidList.from_sequence_set("1:100000", descending=True)[:3] == (100000, 99999, 99998)
    assert 1 in UidList.from_sequence_set("1:100000", descending=True)
    assert UidList.from_numbers(b"5 3 9") == (5, 3, 9) and UidList.from_numbers(b"") == ()


@pytest.mark.parametrize("text", ["", "1:*", "a", "1,,2", "4294967296", "1:4294967296"])
def test_malformed_sequence_sets_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        UidList.from_sequence_set(text)


def test_uids_out_of_range_are_refused() -> None:
    for bad in (-1, MAX_UID + 1):
        with pytest.raises(ValueError):
            UidList([bad])
    assert -1 not in UidList([1]) and MAX_UID + 1 not in UidList([1])


def test_it_is_compact_and_survives_pickling() -> None:
    uids = UidList.from_sequence_set("1:100000", descending=True)
    assert len(uids._data) == 400_000  # four bytes a uid, where a tuple of ints takes ~36
    again = pickle.loads(pickle.dumps(uids))  # noqa: S301  # our own bytes
    assert again == uids and again.index(1) == 99_999


def test_repr_is_short_for_long_lists() -> None:
    assert repr(UidList((3, 2, 1))) == "UidList((3, 2, 1))"
    long = repr(UidList.from_sequence_set("1:100000", descending=True))
    assert long.startswith("UidList(<100000 uids: 100000, 99999,") and long.endswith("2, 1>)") and len(long) < 120


def test_a_view_holds_its_uids_compactly_and_still_equals_tuples() -> None:
    view = View("INBOX", 7, (3, 2, 1), (0, 1, 0))
    assert isinstance(view.uids, UidList)
    assert view.uids == (3, 2, 1) and view == View("INBOX", 7, UidList((3, 2, 1)), (0, 1, 0))
    assert hash(view) == hash(View("INBOX", 7, UidList([3, 2, 1]), (0, 1, 0)))
    assert View("INBOX", 7).uids == ()
