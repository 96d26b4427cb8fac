"""The largest-remainder split of a target: whole parts, an exact sum, deterministic ties."""

import itertools
import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ranks.targets.split import largest_remainder_split, split_beyond


def test_parts_follow_the_weights_and_sum_exactly():
    assert largest_remainder_split(30, [312, 208]) == [18, 12]
    assert largest_remainder_split(10, [1, 1, 1]) == [4, 3, 3]
    assert largest_remainder_split(7, [5, 0, 2]) == [5, 0, 2]


def test_each_part_is_its_quota_rounded_down_or_up():
    rng = random.Random(15)
    for _ in range(300):
        weights = [rng.randint(0, 500) for _ in range(rng.randint(1, 7))]
        total = rng.randint(0, 1000)
        parts = largest_remainder_split(total, weights)
        assert sum(parts) == total
        weight_sum = sum(weights) or len(weights)
        for part, weight in zip(parts, weights, strict=True):
            quota = Fraction(total * (weight if sum(weights) else 1), weight_sum)
            assert quota - 1 < part < quota + 1


def test_the_largest_remainders_get_the_units_left():
    # Quotas 4.29, 2.86, 2.86 (of 10 by 3:2:2): one unit left, to the first of the two .86.
    assert largest_remainder_split(10, [3, 2, 2]) == [4, 3, 3]
    # Quotas 1.5, 1.5, 3.0: one left, a tie between equal weights: the first given.
    assert largest_remainder_split(6, [1, 1, 2]) == [2, 1, 3]


def test_a_tie_goes_to_the_larger_weight_then_to_the_first():
    # Quotas 0.5 and 1.5 (remainders equal): the larger weight wins the unit left over.
    assert largest_remainder_split(2, [1, 3]) == [0, 2]
    assert largest_remainder_split(2, [3, 1]) == [2, 0]
    # Same weights, same split, whatever the call.
    assert largest_remainder_split(1, [2, 2]) == [1, 0]


def test_zero_weights_split_equally():
    assert largest_remainder_split(7, [0, 0, 0]) == [3, 2, 2]
    assert largest_remainder_split(0, [0, 0]) == [0, 0]
    assert largest_remainder_split(5, [0]) == [5]


def test_the_order_given_only_breaks_ties():
    weights = [5, 3, 2]
    for order in itertools.permutations(range(3)):
        parts = largest_remainder_split(11, [weights[i] for i in order])
        by_weight = dict(zip([weights[i] for i in order], parts, strict=True))
        assert by_weight == {5: 6, 3: 3, 2: 2}


def test_nothing_to_split_and_wrong_input():
    assert largest_remainder_split(0, []) == []
    assert largest_remainder_split(0, [4, 6]) == [0, 0]
    with pytest.raises(ValueError):
        largest_remainder_split(3, [])
    with pytest.raises(ValueError):
        largest_remainder_split(-1, [1])
    with pytest.raises(ValueError):
        largest_remainder_split(3, [1, -1])


# The suggested split of a target among the units below (`targets.suggest`) goes through these
# two: whatever the weights, zeros and ties included, the parts are whole and sum to the total.
weights_st = st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=12)


@given(total=st.integers(min_value=0, max_value=5000), weights=weights_st)
def test_any_weights_sum_to_the_total(total, weights):
    parts = largest_remainder_split(total, weights)
    assert sum(parts) == total and all(p >= 0 for p in parts)
    if sum(weights):
        # A unit with no weight gets nothing; equal weights differ by at most one.
        assert all(p == 0 for p, w in zip(parts, weights, strict=True) if w == 0)
        for (p, w), (q, v) in itertools.combinations(zip(parts, weights, strict=True), 2):
            if w == v:
                assert abs(p - q) <= 1
    else:
        assert max(parts) - min(parts) <= 1


@given(
    total=st.integers(min_value=0, max_value=5000),
    pairs=st.lists(
        st.tuples(st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=60)),
        min_size=1,
        max_size=12,
    ),
)
def test_beyond_the_bases_sums_to_the_total(total, pairs):
    bases = [b for b, _w in pairs]
    weights = [w for _b, w in pairs]
    parts = split_beyond(total, bases, weights)
    assert sum(parts) == total and all(p >= 0 for p in parts)
    if total >= sum(bases):
        # Each keeps what it covers already.
        assert all(p >= b for p, b in zip(parts, bases, strict=True))


def test_beyond_the_bases_shares_the_gain_by_weight():
    # 2 places covered, 6 wanted: the 4 left go 1:3 by the places still blank.
    assert split_beyond(6, [1, 0, 0, 1], [1, 3, 0, 0]) == [2, 3, 0, 1]
    # Fewer wanted than covered: the wanted figure by what each covers.
    assert split_beyond(2, [3, 1], [5, 5]) == [2, 0]
    with pytest.raises(ValueError):
        split_beyond(3, [1], [1, 2])
