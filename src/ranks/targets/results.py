"""What progress, composition and the admission ratio answer: plain data for pages, commands and
reports (JSON, CSV, Excel, PDF). Built by `ranks.targets.progress`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ranks.targets.forecast import Forecast, StageOutlook

# Progress statuses.
ON_TRACK = "on_track"
AT_RISK = "at_risk"
BEHIND = "behind"
NO_TARGET = "no_target"
STATUSES = (ON_TRACK, AT_RISK, BEHIND, NO_TARGET)

# Composition dimensions, in the order reports show them; religion and ethnicity only with a
# sensitive grant.
DIMENSIONS = (
    "occupation",
    "gender",
    "ethnicity",
    "religion",
    "age_band",
    "education_general",
    "education_professional",
    "youth_union",
    "source_group",
    "place_kind",
)
SENSITIVE_DIMENSIONS = ("ethnicity", "religion")
AGE_BANDS = ("18-30", "31-40", "41-50", "51-60", "over_60")


@dataclass(frozen=True)
class TermProgress:
    """A term target and the admissions from the term's first day to `through` (its last day,
    or the date asked within it), counted in the unit's structure of `structure_on`; and the
    yearly targets of the term's years against it."""

    code: str
    metric: str
    starts_on: dt.date
    ends_on: dt.date
    target: int
    through: dt.date
    structure_on: dt.date  # counted in the cells standing below the unit on this day
    actual: int
    years: tuple[int, ...]
    yearly_total: int  # the yearly targets of `years`, added up
    yearly_missing: tuple[int, ...]  # years with no yearly target
    yearly_short: int  # how far the yearly targets fall below `target` (0: they reach it)

    @property
    def label(self) -> str:
        return f"{self.starts_on.year}–{self.ends_on.year}"

    @property
    def percent(self) -> float | None:
        return round(self.actual * 100 / self.target, 1) if self.target else None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "metric": self.metric,
            "term": self.label,
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "target": self.target,
            "through": self.through.isoformat(),
            "structure_on": self.structure_on.isoformat(),
            "actual": self.actual,
            "percent": self.percent,
            "years": list(self.years),
            "yearly_total": self.yearly_total,
            "yearly_missing": list(self.yearly_missing),
            "yearly_short": self.yearly_short,
        }


@dataclass(frozen=True)
class ProgressRow:
    """One unit's figures for one metric and year on a date."""

    code: str
    name: str
    kind: str  # the unit kind key on the date
    depth: int  # 0 for the unit asked for, 1 for its children, ...
    parent_code: str | None
    metric: str
    target: int | None
    actual: int
    percent: float | None  # actual / target × 100, None without a target
    expected: float | None  # what the pace expects by the date, None without a target
    gap: float | None  # actual - expected
    projection: float  # the year-end figure at the unit's pace
    status: str  # one of STATUSES
    pace: str  # "history" (the unit's own monthly history) or "linear"
    # The year-end forecast and its range (`targets.forecast`; None for the places' metrics),
    # how its history part was made, and the pipeline's own figure (when asked for).
    forecast: float | None = None
    forecast_low: float | None = None
    forecast_high: float | None = None
    forecast_basis: str | None = None
    forecast_pipeline: float | None = None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "depth": self.depth,
            "parent_code": self.parent_code,
            "metric": self.metric,
            "target": self.target,
            "actual": self.actual,
            "percent": self.percent,
            "expected": self.expected,
            "gap": self.gap,
            "projection": self.projection,
            "status": self.status,
            "pace": self.pace,
            "forecast": self.forecast,
            "forecast_low": self.forecast_low,
            "forecast_high": self.forecast_high,
            "forecast_basis": self.forecast_basis,
            "forecast_pipeline": self.forecast_pipeline,
        }


@dataclass(frozen=True)
class CurvePoint:
    """The unit's cumulative figure and the expected pace at the end of a month (or on the date)."""

    day: dt.date
    actual: int | None  # None after the date asked for
    expected: float | None  # None without a target


@dataclass(frozen=True)
class Progress:
    code: str
    name: str
    metric: str
    year: int
    on: dt.date
    rows: tuple[ProgressRow, ...]  # rows[0] is the unit asked for, then the units below it
    curve: tuple[CurvePoint, ...] = ()  # for rows[0]: month ends of the year, and the date
    # The figures are restated in the tree of this date (None: as it was, docs/progress.md).
    structure_on: dt.date | None = None
    # The unit's term targets for the metric whose term holds `on` (`ranks.targets.terms`).
    terms: tuple[TermProgress, ...] = ()
    # For rows[0]: the history's signals in detail, and the pipeline's stage by stage.
    forecast: Forecast | None = None
    outlook: tuple[StageOutlook, ...] = ()

    @property
    def unit(self) -> ProgressRow:
        return self.rows[0]

    @property
    def children(self) -> tuple[ProgressRow, ...]:
        return tuple(r for r in self.rows if r.depth == 1)


@dataclass(frozen=True)
class Composition:
    """Admissions decided from `start` to `end` (inclusive) in the unit's subtree, counted by
    dimension → value → count. Values are keys (occupation keys, "female", "18-30", ...) or, for
    ethnicity and religion, the text as recorded; "" means not recorded."""

    code: str
    name: str
    start: dt.date
    end: dt.date
    total: int
    by: dict[str, dict[str, int]] = field(default_factory=dict)
    sensitive: bool = False  # ethnicity and religion included
    structure_on: dt.date | None = None  # restated in the tree of this date


@dataclass(frozen=True)
class RatioRow:
    code: str
    name: str
    admissions: int  # decided in the year
    members_at_start: int  # party members (probationary and official) on 1 January
    ratio: float | None  # admissions / members_at_start × 100
    rank: int | None  # 1 = highest ratio among the siblings
    within_norm: bool | None  # within R16's norm (3–4 %); None without members or norm

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "admissions": self.admissions,
            "members_at_start": self.members_at_start,
            "ratio": self.ratio,
            "rank": self.rank,
            "within_norm": self.within_norm,
        }


@dataclass(frozen=True)
class Ratio:
    """The unit's admission ratio for a year, ranked among its siblings (under the same parent on
    1 January), and its children's."""

    code: str
    name: str
    year: int
    unit: RatioRow
    siblings: tuple[RatioRow, ...]  # including the unit itself, by rank
    children: tuple[RatioRow, ...]  # by rank
    # R16 in force in the year (low, high %), with its document and clause; None before it.
    norm: tuple[float, float] | None = None
    norm_document: str = ""
    norm_clause: str = ""
    # How many siblings (the unit included) have a ratio: the unit is `unit.rank` of these, even
    # when some are outside the user's units and not in `siblings`.
    ranked_among: int = 0
    structure_on: dt.date | None = None  # restated in the tree of this date
