"""`UidSet`: the ranges a server reports stay ranges in Python. Every operation here runs
on a set of four billion UIDs as fast as on a small one, because nothing expands it."""

from __future__ import annotations

import itertools

import pytest

import mailwire
from mailwire import UidSet

MAX = 2**32 - 1


# conformance: imap.uids.ranges
def test_ranges_len_str_and_repr() -> None:
    s = UidSet([(7, 7), (3, 1), (4, 5)])  # any order, backwards, adjacent: merged
    assert s.ranges == [(1, 5), (7, 7)]
    assert len(s) == 6
    assert str(s) == "1:5,7"
    assert repr(s) == "UidSet('1:5,7')"
    assert bool(s) and not bool(UidSet()) and len(UidSet()) == 0 and str(UidSet()) == ""


def test_membership_never_fails_on_odd_values() -> None:
    s = UidSet([(10, 20)])
    assert 10 in s and 20 in s and 15 in s
    assert 9 not in s and 21 not in s
    for odd in (0, -1, 2**40, "15", 15.0, None):
        assert odd not in s


def test_iteration_is_lazy_and_ascending() -> None:
    s = UidSet([(5, 6), (1, 2), (MAX - 1, MAX)])
    assert list(s) == [1, 2, 5, 6, MAX - 1, MAX]
    assert list(itertools.islice(UidSet([(1, MAX)]), 3)) == [1, 2, 3]
    it = iter(UidSet([(1, 1)]))
    assert iter(it) is it and next(it) == 1
    with pytest.raises(StopIteration):
        next(it)


# conformance: imap.uids.ranges
def test_a_server_sized_range_is_one_range() -> None:
    everything = UidSet([(1, MAX)])
    assert len(everything) == MAX
    assert everything.ranges == [(1, MAX)]
    assert str(everything) == "1:*"
    assert MAX in everything
    assert everything == range(1, MAX + 1)
    assert everything != [1, 2, 3]
    assert everything != {1, 2, 3}


def test_equality_with_sets_and_sequences() -> None:
    s = UidSet([(1, 3), (7, 7)])
    assert s == UidSet([(7, 7), (1, 3)]) and hash(s) == hash(UidSet([(1, 3), (7, 7)]))
    assert s != UidSet([(1, 3)])
    assert s == [1, 2, 3, 7] and s == (1, 2, 3, 7)
    assert s != [7, 1, 2, 3]  # a sequence is compared in order, like list(s)
    assert s != [1, 2, 3, 3]  # same length, but a duplicate is not 7
    assert s != [1, 2, 3, 7, 8] and s != [1, 2, 3]
    assert s == {7, 3, 2, 1} and s == frozenset({1, 2, 3, 7})
    assert s != {1, 2, 3, 8}
    assert s != ["1", "2", "3", "7"]
    assert UidSet([(4, 6)]) == range(4, 7) and UidSet([(4, 6)]) != range(4, 8)
    assert UidSet([(2, 2), (4, 4)]) == range(2, 5, 2)
    assert UidSet() == [] and UidSet() == range(0) and UidSet() == set()
    assert s != "1:3,7" and s != 1


def test_it_is_immutable_and_accepted_back_as_uids() -> None:
    s = UidSet([(1, 2)])
    with pytest.raises(AttributeError):
        s.ranges = []  # type: ignore[misc]
    assert {s: "ok"}[UidSet([(1, 2)])] == "ok"
    assert mailwire.UidSet is mailwire._core.UidSet
    with pytest.raises(TypeError):
        UidSet([1, 2])  # type: ignore[list-item]
