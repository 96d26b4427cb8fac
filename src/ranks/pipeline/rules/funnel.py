"""Pure: the pipeline funnel's arithmetic, from the tallies the database groups (entries into each
stage, how many went further, the days each stay lasted) to the figures of each stage.

The database hands over counts, never candidacies: one tally per stage, source group, whether
the stage was entered in the period, whether the candidacy went further, and the whole days of
a stay that ended in the period. The percentiles are read from that histogram here, so their
cost follows the distinct day counts, not the candidates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from .timeline import MAIN

# The stages a candidacy passes through, from the source list to official recognition: the
# funnel's steps. "identified" has no event of its own, and removal is no step forward.
FUNNEL_STAGES: tuple[str, ...] = MAIN[1:-1]
MEDIAN = 50
USUAL = 90  # the percentile of days in a stage taken as the unit's usual time


@dataclass(frozen=True)
class Tally:
    """Candidacies counted alike: their stage and source group, whether they entered the stage
    in the period, whether they went further by its end, and the days of their stay in it when
    that stay ended in the period (None otherwise)."""

    stage: str
    group: str
    entered: bool
    moved_on: bool
    days: int | None
    count: int


@dataclass(frozen=True)
class StageFigures:
    """One step of the funnel: how many entered it in the period, how many of those went
    further by the period's end, and the days of the stays in it that ended in the period."""

    stage: str
    entered: int
    moved_on: int
    stays: int  # stays in the stage that ended in the period
    median_days: int | None
    usual_days: int | None  # the 90th percentile

    @property
    def conversion(self) -> float | None:
        """The share of those who entered that went further, in percent, one decimal; None for
        none entered, and for the last stage (official recognition), beyond which none goes."""
        if not self.entered or self.stage == FUNNEL_STAGES[-1]:
            return None
        return round(self.moved_on * 100 / self.entered, 1)


def percentile(histogram: Mapping[int, int], p: int) -> int | None:
    """The `p`th percentile (nearest rank) of values given as {value: how many}: the smallest
    value at or below which at least `p` % of them lie. None for no value."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank = max(1, -(-p * total // 100))  # ceil(p × total / 100), in whole numbers
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None  # pragma: no cover - the loop reaches the total


def stage_figures(
    tallies: Iterable[Tally], groups: Collection[str] | None = None
) -> tuple[StageFigures, ...]:
    """Every funnel stage's figures from the tallies of `groups` (None: every group)."""
    entered: dict[str, int] = defaultdict(int)
    moved: dict[str, int] = defaultdict(int)
    days: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for t in tallies:
        if groups is not None and t.group not in groups:
            continue
        if t.entered:
            entered[t.stage] += t.count
            if t.moved_on:
                moved[t.stage] += t.count
        if t.days is not None:
            days[t.stage][t.days] += t.count
    return tuple(
        StageFigures(
            stage=stage,
            entered=entered[stage],
            moved_on=moved[stage],
            stays=sum(days[stage].values()),
            median_days=percentile(days[stage], MEDIAN),
            usual_days=percentile(days[stage], USUAL),
        )
        for stage in FUNNEL_STAGES
    )
