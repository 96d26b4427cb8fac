"""The planning norms (R16, R17) in force on a day, and how far a unit stands from each of them."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from .config import RULE_SETS, RuleSet, rules_on

# The pace towards a coverage norm is read over this many years before the day.
PACE_YEARS = 3

# What a coverage norm asks of the places of its kinds.
MEMBERS = "members"  # every place has a party member living or working there
CELL = "cell"  # every place has a cell based there


@dataclass(frozen=True)
class RatioNorm:
    """R16: each year, admissions of `low`–`high` % of the members at its start."""

    low: int
    high: int
    document: str
    clause: str
    rule: str = "R16"

    def within(self, ratio: float | None) -> bool | None:
        return None if ratio is None else self.low <= ratio <= self.high


@dataclass(frozen=True)
class CoverageNorm:
    """R17: every place of `kinds` with members (`what` = MEMBERS) or with a cell (CELL) by the
    end of `year`."""

    what: str
    kinds: tuple[str, ...]
    year: int
    document: str
    clause: str
    rule: str = "R17"


def ratio_norm(day: dt.date, rule_sets: tuple[RuleSet, ...] = RULE_SETS) -> RatioNorm | None:
    """R16 in force on `day`, or None when no document then states it (before 21-NQ/TW)."""
    cited = rules_on(day, rule_sets).get("admission_norm_percent")
    if cited is None:
        return None
    low, high = cited.value
    return RatioNorm(low, high, cited.document, cited.clause)


def ratio_norm_of_year(year: int, rule_sets: tuple[RuleSet, ...] = RULE_SETS) -> RatioNorm | None:
    """The norm a year's admissions are held to: the one in force on its last day."""
    return ratio_norm(dt.date(year, 12, 31), rule_sets)


def coverage_norms(
    day: dt.date, rule_sets: tuple[RuleSet, ...] = RULE_SETS
) -> tuple[CoverageNorm, ...]:
    """R17's two norms in force on `day`: places with members, then places with a cell."""
    values = rules_on(day, rule_sets)
    found = []
    for what, prefix in ((MEMBERS, "members_norm"), (CELL, "cell_norm")):
        kinds, year = values.get(f"{prefix}_kinds"), values.get(f"{prefix}_year")
        if kinds is None or year is None:
            continue
        found.append(CoverageNorm(what, tuple(kinds.value), year.value, year.document, year.clause))
    return tuple(found)


# --- how far a unit stands from a norm ---------------------------------------------------------


class KindCounts(Protocol):
    @property
    def total(self) -> int: ...
    @property
    def without_members(self) -> int: ...
    @property
    def without_cell(self) -> int: ...


class CoveragePoint(Protocol):
    """A unit's coverage on a day (`ranks.coverage.selectors.Coverage`): its counts by kind."""

    @property
    def on(self) -> dt.date: ...
    @property
    def by_kind(self) -> Mapping[str, KindCounts]: ...


# A coverage standing's status.
MET = "met"  # no place of the kinds is left short
ON_TIME = "on_time"  # at the pace of the last years, reached by the norm's year
LATE = "late"  # at that pace, reached after the norm's year
STALLED = "stalled"  # no fewer places short than at the start of the pace's years
NO_PACE = "no_pace"  # no earlier year to read a pace from


@dataclass(frozen=True)
class CoverageStanding:
    """How far a unit stands from a coverage norm on `on`: the places of the norm's kinds still
    `short` of it, the pace (places fewer a year over `pace_years`), and the year it would be
    reached at that pace."""

    norm: CoverageNorm
    on: dt.date
    places: int  # places of the norm's kinds
    short: int
    pace: Fraction | None
    pace_years: int
    reached: int | None
    status: str


def _short(point: CoveragePoint, norm: CoverageNorm) -> tuple[int, int]:
    places = short = 0
    for kind in norm.kinds:
        counts = point.by_kind.get(kind)
        if counts is None:
            continue
        places += counts.total
        short += counts.without_members if norm.what == MEMBERS else counts.without_cell
    return places, short


def coverage_standing(
    norm: CoverageNorm, trend: Sequence[CoveragePoint], years: int = PACE_YEARS
) -> CoverageStanding | None:
    """The standing on the last point of `trend` (coverage at each year's end, the last on the
    day), its pace read from the point `years` earlier (or the earliest, when fewer years are
    recorded). None when the unit has no place of the norm's kinds that day."""
    if not trend:
        return None
    last = trend[-1]
    places, short = _short(last, norm)
    if not places:
        return None
    now = last.on.year
    if short == 0:
        return CoverageStanding(norm, last.on, places, 0, None, 0, None, MET)
    earlier = [p for p in trend[:-1] if now - years <= p.on.year < now]
    if not earlier:
        return CoverageStanding(norm, last.on, places, short, None, 0, None, NO_PACE)
    first = earlier[0]
    span = now - first.on.year
    pace = Fraction(_short(first, norm)[1] - short, span)
    if pace <= 0:
        return CoverageStanding(norm, last.on, places, short, pace, span, None, STALLED)
    reached = now + math.ceil(short / pace)
    status = ON_TIME if reached <= norm.year else LATE
    return CoverageStanding(norm, last.on, places, short, pace, span, reached, status)


def coverage_standings(
    day: dt.date, trend: Sequence[CoveragePoint], rule_sets: tuple[RuleSet, ...] = RULE_SETS
) -> tuple[CoverageStanding, ...]:
    """The standing from each coverage norm in force on `day` that the unit has places for."""
    found = (coverage_standing(norm, trend) for norm in coverage_norms(day, rule_sets))
    return tuple(s for s in found if s is not None)


@dataclass(frozen=True)
class RatioStanding:
    """How far a year's admissions stand from R16: `needed` admissions make `low` % of the
    members at the start of the year; `short` are still missing; `projected` (when a projection
    to the year's end is known) and the ratio it would make."""

    norm: RatioNorm
    year: int
    admissions: int
    members: int
    needed: int
    short: int
    projected: int | None
    projected_ratio: float | None
    projected_within: bool | None


def ratio_standing(
    norm: RatioNorm, year: int, admissions: int, members: int, projected: float | None = None
) -> RatioStanding | None:
    """None without members at the start of the year (no ratio)."""
    if not members:
        return None
    needed = math.ceil(Fraction(norm.low * members, 100))
    whole = None if projected is None else max(admissions, round(projected))
    ratio = None if whole is None else round(whole * 100 / members, 2)
    return RatioStanding(
        norm,
        year,
        admissions,
        members,
        needed,
        max(0, needed - admissions),
        whole,
        ratio,
        norm.within(ratio),
    )
