"""The largest-remainder split of a target: whole parts, an exact sum, deterministic ties."""

import itertools
import random
from fractions import Fraction

import pytest

from ranks.targets.split import largest_remainder_split


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
