"""A suggested split of a whole number by weights: pure, no Django import.

The largest-remainder method (Hamilton's): each share gets the whole part of its quota
(`total × weight / sum of weights`), then the units still missing go one each to the shares with
the largest remainders. The parts are whole numbers that sum exactly to the total, and each is
its quota rounded down or up. Everything is computed in integers: no float rounding.

Ties (equal remainders) go to the larger weight first, then to the share that comes first in the
order given: the same weights in the same order always give the same split. When every weight is
0 (or there are none to read), the total is split equally, the units left over going to the first
shares in the order given.

A restructure splits a source's target among its targets with it
(`ranks.restructure.targets`); the allocation of a unit's target among its children can suggest
a split with it too.
"""

from __future__ import annotations

from collections.abc import Sequence


def largest_remainder_split(total: int, weights: Sequence[int]) -> list[int]:
    """`total` split in proportion to `weights`, one whole part per weight, summing to `total`."""
    if total < 0:
        raise ValueError("the total must be 0 or more")
    if any(w < 0 for w in weights):
        raise ValueError("a weight must be 0 or more")
    if not weights:
        if total:
            raise ValueError("a total to split needs at least one share")
        return []
    weight_sum = sum(weights)
    if weight_sum == 0:  # nothing to go by: an equal split
        weights = [1] * len(weights)
        weight_sum = len(weights)
    parts = [total * w // weight_sum for w in weights]
    remainders = [total * w % weight_sum for w in weights]
    left = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], -weights[i], i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def split_beyond(total: int, bases: Sequence[int], weights: Sequence[int]) -> list[int]:
    """Each share keeps its base and takes a part of what `total` exceeds the bases by, that
    part in proportion to `weights` (largest remainders). A total below the bases' sum is split
    in proportion to the bases instead. Whole parts summing to `total`.

    A target of places with members (or with a cell) is a count of places, most of them covered
    already: each unit keeps the places it covers and takes a share of the places still to cover
    in proportion to its blank places."""
    if len(bases) != len(weights):
        raise ValueError("one base per weight")
    if any(b < 0 for b in bases):
        raise ValueError("a base must be 0 or more")
    covered = sum(bases)
    if total < covered:
        return largest_remainder_split(total, bases)
    gain = largest_remainder_split(total - covered, weights)
    return [b + g for b, g in zip(bases, gain, strict=True)]
