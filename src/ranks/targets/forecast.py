"""Pure: the figure expected by 31 December with a low–high range, from a unit's seasonal history
and from its pipeline, and the status the range gives against a target. docs/progress.md states
the method in officers' words; `forecast_backtest` checks it on past years.

Signal (a), the history: the seasonal-naive (this year's figure so far plus what last year added
after the same day) and the pooled monthly profile (the figure so far over the share past years
had reached by the day: the unit's own years, or its parent's when the unit has too few), and,
at province level and above with at least three full years of months, Holt-Winters exponential
smoothing (statsmodels, behind `smoothed_months` alone). The point is the mean of those found;
the range spans the projection of every past year's own share, the seasonal-naive and the
smoothing, each end widened by the chance of a count (a Poisson 90 % interval on what is still to
come). Signal (b), the pipeline: candidates now at each stage, times the share that reached
admission from that stage in the unit's past, counted when the median days that took fit in the
days left.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ranks.targets import pace

# Years of monthly history a forecast reads before its year.
FORECAST_YEARS = 5
# A past year counts in the profile when it has this many (as the pace's history does).
MIN_PER_YEAR = pace.MIN_PER_YEAR
MIN_YEARS = pace.MIN_YEARS
# Holt-Winters needs this many months of history (three full years).
SMOOTHING_MIN_MONTHS = 36
# The unit kinds at province level and above, where the smoothing is tried.
SMOOTHING_KINDS = frozenset({"central", "provincial_committee"})
# The chance of a count: the range holds what is still to come with about this probability
# on each side of a past year's pace.
TAIL = 0.05

# How the history part was made.
OWN = "own"  # the unit's own past years
POOLED = "pooled"  # the profile of the unit above it (too few years of its own)
LINEAR = "linear"  # no usable history: an even pace through the year
OVER = "over"  # the year is over: the actual itself

# Statuses from the range (the names of `ranks.targets.results`).
ON_TRACK, AT_RISK, BEHIND, NO_TARGET = "on_track", "at_risk", "behind", "no_target"


@dataclass(frozen=True)
class Forecast:
    """The figure expected by 31 December, and its range."""

    point: float
    low: float
    high: float
    basis: str  # OWN, POOLED, LINEAR or OVER
    years: int  # past years the profile used
    seasonal_naive: float | None  # this year so far + what last year added after the day
    profile: float | None  # the figure so far over the profile's share by the day
    smoothing: float | None  # Holt-Winters, at province level and above with the history


@dataclass(frozen=True)
class StagePast:
    """A stage's past in a unit: candidates who reached it, how many of them were admitted, and
    the days each admitted one took from the stage to the admission decision (days → count)."""

    reached: int
    admitted: int
    days: Mapping[int, int]

    @property
    def share(self) -> float:
        return self.admitted / self.reached if self.reached else 0.0

    @property
    def median_days(self) -> float | None:
        return median_of(self.days)


@dataclass(frozen=True)
class StageOutlook:
    """What the candidates now at a stage are expected to bring by 31 December."""

    stage: str
    now: int  # candidates at the stage on the day
    share: float | None  # the share admitted from the stage in the past (None: no past)
    median_days: float | None
    fits: bool  # the median days fit before 31 December
    expected: float  # now × share, when it fits; else 0


def median_of(counts: Mapping[int, int]) -> float | None:
    """The median of values given as value → how many times (None when there are none)."""
    total = sum(counts.values())
    if not total:
        return None
    ordered = sorted((v, n) for v, n in counts.items() if n)
    middle = [(total - 1) // 2, total // 2]
    found: list[int] = []
    seen = 0
    for value, n in ordered:
        while len(found) < 2 and middle[len(found)] < seen + n:
            found.append(value)
        seen += n
    return (found[0] + found[1]) / 2


def share_by(counts: Sequence[int], on: dt.date) -> float | None:
    """The share of one year's total reached by the end of `on` (the month's count spread evenly
    over its days); None for a year with nothing."""
    total = sum(counts)
    if not total:
        return None
    days = calendar.monthrange(on.year, on.month)[1]
    before = sum(counts[: on.month - 1])
    return (before + counts[on.month - 1] * on.day / days) / total


def poisson_quantile(mean: float, q: float) -> int:
    """The smallest k with P(X ≤ k) ≥ q for X Poisson with the mean (a normal approximation
    above 500)."""
    if mean <= 0:
        return 0
    if mean > 500:
        z = _normal_quantile(q)
        return max(0, math.ceil(mean + z * math.sqrt(mean) - 0.5))
    term = math.exp(-mean)
    total, k = term, 0
    while total < q:
        k += 1
        term *= mean / k
        total += term
    return k


def _normal_quantile(q: float) -> float:
    # The 5 % and 95 % points are all the range asks for; others by bisection on erf.
    low, high = -10.0, 10.0
    for _ in range(80):
        mid = (low + high) / 2
        if 0.5 * (1 + math.erf(mid / math.sqrt(2))) < q:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _usable(history: Mapping[int, Sequence[int]], year: int) -> dict[int, Sequence[int]]:
    return {
        y: c
        for y, c in history.items()
        if year - FORECAST_YEARS <= y < year and sum(c) >= MIN_PER_YEAR
    }


def history_forecast(
    actual: int,
    on: dt.date,
    own: Mapping[int, Sequence[int]],
    pooled: Sequence[Mapping[int, Sequence[int]]] = (),
    *,
    smoothing: float | None = None,
) -> Forecast:
    """Signal (a) for a unit with `actual` so far on `on`: `own` is its monthly history (year →
    12 counts), `pooled` the histories of the units above it, nearest first (the profile of the
    first with enough years stands in when the unit has too few), `smoothing` the Holt-Winters
    year-end figure when one was made (`smoothing_forecast`)."""
    year = on.year
    if on >= dt.date(year, 12, 31):
        figure = float(actual)
        return Forecast(figure, figure, figure, OVER, 0, None, None, None)
    basis, years = LINEAR, _usable(own, year)
    if len(years) >= MIN_YEARS:
        basis = OWN
    else:
        for history in pooled:
            found = _usable(history, year)
            if len(found) >= MIN_YEARS:
                basis, years = POOLED, found
                break
    last = own.get(year - 1)
    last_share = share_by(last, on) if last is not None else None
    naive = None
    if last is not None and last_share is not None:
        naive = actual + sum(last) * (1 - last_share)
    shares = [s for s in (share_by(c, on) for c in years.values()) if s is not None]
    profile = None
    per_year: list[float] = []
    if basis != LINEAR:
        mean_share = sum(shares) / len(shares)
        profile = actual / mean_share if mean_share > 0 else None
        per_year = [actual / s for s in shares if s > 0]
    signals = [f for f in (profile, naive, smoothing) if f is not None]
    if signals:
        point = sum(signals) / len(signals)
    else:  # no history at all: the straight line
        point = pace.projection(actual, pace.linear_share(on))
        basis = LINEAR
    ends = [*per_year, *signals, point]
    low_end, high_end = min(ends), max(ends)
    # What is still to come is a count: widen each end by its chance.
    low = actual + poisson_quantile(max(0.0, low_end - actual), TAIL)
    high = actual + poisson_quantile(max(0.0, high_end - actual), 1 - TAIL)
    if basis == LINEAR:
        # Without a past year's rhythm nothing beyond the actual is assured.
        low = actual
        high = max(high, actual + poisson_quantile(max(1.0, point - actual), 1 - TAIL))
    point = min(max(point, float(low)), float(high))
    return Forecast(
        round(point, 1),
        float(low),
        float(high),
        basis,
        len(years),
        round(naive, 1) if naive is not None else None,
        round(profile, 1) if profile is not None else None,
        round(smoothing, 1) if smoothing is not None else None,
    )


def smoothing_series(
    history: Mapping[int, Sequence[int]], this_year: Sequence[int], on: dt.date
) -> list[int] | None:
    """The monthly series Holt-Winters is fitted on: from the first past year with any figure to
    the last month ended before `on`'s month; None when shorter than three full years."""
    past = [y for y in sorted(history) if y < on.year and any(history[y])]
    if not past:
        return None
    series: list[int] = []
    for y in range(past[0], on.year):
        series.extend(history.get(y, [0] * 12))
    series.extend(this_year[: on.month - 1])
    return series if len(series) >= SMOOTHING_MIN_MONTHS else None


def smoothing_forecast(
    actual: int, on: dt.date, series: Sequence[int] | None, kind: str
) -> float | None:
    """The year-end figure by Holt-Winters at province level and above (`SMOOTHING_KINDS`), with
    three full years of months: what is done so far plus the months still to come (the rest of
    `on`'s month by its days)."""
    if series is None or kind not in SMOOTHING_KINDS or on >= dt.date(on.year, 12, 31):
        return None
    ahead = smoothed_months(series, 13 - on.month)
    if ahead is None:
        return None
    days = calendar.monthrange(on.year, on.month)[1]
    return actual + ahead[0] * (1 - on.day / days) + sum(ahead[1:])


def smoothed_months(series: Sequence[int], months: int) -> list[float] | None:
    """The next `months` of the series by additive Holt-Winters (seasons of 12 months, no trend),
    none below zero; None when it cannot be fitted. The one place statsmodels is used."""
    if len(series) < SMOOTHING_MIN_MONTHS or not any(series):
        return None
    import warnings

    import numpy as np
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = ExponentialSmoothing(
                np.asarray(series, dtype=float),
                trend=None,
                seasonal="add",
                seasonal_periods=12,
                initialization_method="estimated",
            ).fit()
            ahead = model.forecast(months)
        except (ValueError, np.linalg.LinAlgError):
            return None
    values = [max(0.0, float(v)) for v in ahead]
    return values if all(math.isfinite(v) for v in values) else None


def pipeline_outlook(
    on: dt.date, now: Mapping[str, int], past: Mapping[str, StagePast]
) -> tuple[StageOutlook, ...]:
    """Signal (b): for each stage with candidates on `on` (stage → count), the share admitted from
    it in the unit's past, and whether the median days that took fit before 31 December."""
    left = (dt.date(on.year, 12, 31) - on).days
    found = []
    for stage, count in now.items():
        if not count:
            continue
        history = past.get(stage)
        share = history.share if history is not None and history.reached else None
        median = history.median_days if history is not None else None
        fits = median is not None and median <= left
        expected = count * share if share is not None and fits else 0.0
        found.append(StageOutlook(stage, count, share, median, fits, round(expected, 1)))
    return tuple(found)


def pipeline_forecast(actual: int, outlook: Sequence[StageOutlook]) -> float:
    """The actual plus what the candidates in the pipeline are expected to bring by year end."""
    return round(actual + sum(s.expected for s in outlook), 1)


def range_status(target: int | None, low: float, high: float) -> str:
    """On track when the low end reaches the target, behind when the high end does not, at risk
    between."""
    if target is None:
        return NO_TARGET
    if low >= target:
        return ON_TRACK
    if high < target:
        return BEHIND
    return AT_RISK


# --- backtest ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A past year's forecast for a unit against what it admitted by 31 December."""

    level: str  # the unit kind key
    actual: int  # the year's figure at 31 December
    point: float
    low: float
    high: float
    pipeline: float | None = None

    @property
    def inside(self) -> bool:
        return self.low <= self.actual <= self.high


@dataclass(frozen=True)
class LevelScore:
    level: str
    units: int
    inside: int  # the actual fell inside the range
    coverage: float  # inside / units, in percent
    mean_absolute_error: float  # of the point
    mean_width: float  # high − low, on average
    pipeline_error: float | None  # of the pipeline's figure, where it was made


def backtest_scores(checked: Sequence[Checked]) -> list[LevelScore]:
    """Per level (in the order first met) and for all: how often the actual fell inside the
    range, the mean absolute error of the point and of the pipeline's figure."""
    levels: dict[str, list[Checked]] = {}
    for c in checked:
        levels.setdefault(c.level, []).append(c)
    levels["all"] = list(checked)
    found = []
    for level, items in levels.items():
        if not items:
            continue
        inside = sum(1 for c in items if c.inside)
        piped = [c for c in items if c.pipeline is not None]
        found.append(
            LevelScore(
                level=level,
                units=len(items),
                inside=inside,
                coverage=round(inside * 100 / len(items), 1),
                mean_absolute_error=round(
                    sum(abs(c.point - c.actual) for c in items) / len(items), 2
                ),
                mean_width=round(sum(c.high - c.low for c in items) / len(items), 2),
                pipeline_error=(
                    round(sum(abs((c.pipeline or 0) - c.actual) for c in piped) / len(piped), 2)
                    if piped
                    else None
                ),
            )
        )
    return found
