"""Pure: the share of a year's target expected by a date, the projection to year end, the status.

Committees rush at year end, so a straight line would call most of them behind in June. Where a
unit has enough history (at least `MIN_YEARS` earlier years with `MIN_PER_YEAR` or more), the
expected share on a date is the average share those years had reached by then; otherwise it is
linear in the days of the year. docs/progress.md states the method.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence

MIN_YEARS = 2
MIN_PER_YEAR = 12
HISTORY_YEARS = 3
# Projection at least the target: on track; at least this share of it: at risk; else behind.
AT_RISK_FROM = 0.8


def linear_share(on: dt.date) -> float:
    """The share of the year elapsed at the end of `on`."""
    days = 366 if calendar.isleap(on.year) else 365
    return on.timetuple().tm_yday / days


def month_shares(history: Mapping[int, Sequence[int]]) -> tuple[float, ...] | None:
    """The average cumulative share reached at each month end, from earlier years' monthly
    counts (year → 12 counts); None when too few years have enough admissions."""
    usable = [counts for counts in history.values() if sum(counts) >= MIN_PER_YEAR]
    if len(usable) < MIN_YEARS:
        return None
    shares = []
    for month in range(12):
        shares.append(sum(sum(c[: month + 1]) / sum(c) for c in usable) / len(usable))
    return tuple(shares)


def expected_share(on: dt.date, shares: Sequence[float] | None) -> float:
    """The share of the year's figure expected by the end of `on`: the history's month-end shares,
    linear within the month; the straight line without history."""
    if shares is None:
        return linear_share(on)
    before = shares[on.month - 2] if on.month > 1 else 0.0
    days = calendar.monthrange(on.year, on.month)[1]
    return before + (shares[on.month - 1] - before) * on.day / days


def projection(actual: int, share: float, *, year_over: bool = False) -> float:
    """The year-end figure at the pace so far; the actual itself once the year is over."""
    if year_over or share >= 1:
        return float(actual)
    if share <= 0:
        return float(actual)
    return actual / share


def status(target: int | None, projected: float) -> str:
    if target is None:
        return "no_target"
    if projected >= target:
        return "on_track"
    if projected >= AT_RISK_FROM * target:
        return "at_risk"
    return "behind"
