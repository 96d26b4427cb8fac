"""A suggested split of a unit's target among the units directly below it (docs/progress.md,
"A suggested split"): a visible weight read from the counters for each child, the parent's figure
split by largest remainders (`targets.split`), and each child's reason in words.

Reads only, and a fixed number of queries whatever the members below: the counters of the
children, never their people. The manager adopts, edits or ignores it; `target_allocate` records
it with the revisions when a split that came from it is saved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.counters.selectors import admitted_between, in_pipeline, members_on, stages_on
from ranks.coverage.selectors import counted_coverage
from ranks.org.models import Unit
from ranks.pipeline.rules.norms import ratio_norm
from ranks.targets.metrics import Metric, Weight
from ranks.targets.selectors import Allocation, allocation_on
from ranks.targets.services import allocation_day
from ranks.targets.split import largest_remainder_split, split_beyond


def norm_per_mille(day: dt.date) -> int | None:
    """R16 in force on `day` (the dated rules: 3–4 % of the members a year under Resolution
    21-NQ/TW 2022), taken at its middle, in tenths of a percent so that the split stays in whole
    numbers; None before any document states it."""
    norm = ratio_norm(day)
    return None if norm is None else (norm.low + norm.high) * 5


COVERAGE_METRICS = (Metric.PLACES_WITH_MEMBERS, Metric.PLACES_WITH_CELL)
# The weight offered first for each metric: the norm for admissions (what the resolution asks of
# every unit), the pipeline for what the pipeline yields, the blank places for coverage.
DEFAULT_WEIGHT: dict[str, str] = {
    **{m: Weight.NORM for m in Metric.values if m.startswith("admissions")},
    Metric.SOURCE_ENTRIES: Weight.MEMBERS,
    Metric.CLASS_GRADUATES: Weight.CANDIDATES,
    Metric.PLACES_WITH_MEMBERS: Weight.BLANK_PLACES,
    Metric.PLACES_WITH_CELL: Weight.BLANK_PLACES,
}


@dataclass(frozen=True)
class SuggestedPart:
    code: str
    name: str
    value: int
    reason: str
    weight: int | float  # the count the part went by (the norm: members × 3.5 %)

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "value": self.value,
            "reason": self.reason,
            "weight": self.weight,
        }


@dataclass(frozen=True)
class Suggestion:
    unit: str
    year: int
    metric: str
    weight: str  # a `Weight`
    day: dt.date  # the tree the children are read in (`allocation_day`)
    counted_on: dt.date  # the day members, candidates and places are counted on
    value: int  # the parent's figure split
    parts: list[SuggestedPart]
    equal: bool  # no child had any weight: split equally

    @property
    def weight_label(self) -> str:
        return str(Weight(self.weight).label)

    def values(self) -> dict[str, int]:
        return {p.code: p.value for p in self.parts}


def weight_for(metric: str, weight: str | None) -> str:
    """The weight asked for, or the metric's default; an unknown one is refused, worded."""
    if not weight:
        return DEFAULT_WEIGHT.get(metric, Weight.MEMBERS)
    if weight not in Weight.values:
        raise DomainError(
            _("Unknown weight: %(weight)s. Allowed: %(allowed)s.")
            % {"weight": weight, "allowed": ", ".join(Weight.values)},
            field="weight",
        )
    return weight


def counting_day(year: int) -> dt.date:
    """1 January of the year, or the first day of this month for a year not begun yet."""
    now = today()
    return min(dt.date(year, 1, 1), now.replace(day=1))


def _decimal(value: Decimal) -> str:
    """At most two decimals, none trailing, in the language's notation: 1,4; 0,63; 7."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return number_format(Decimal(text))


def _day(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def allocation_suggested(
    *,
    unit: Unit,
    year: int,
    metric: str,
    weight: str | None = None,
    allocation: Allocation | None = None,
) -> Suggestion:
    """The unit's target of `year` and `metric` split among the units directly below it on
    `allocation_day(year)`, by `weight` (or the metric's default). Refused, worded, when the unit
    did not exist then, has no unit below, or has no target to split. Access is the caller's.
    `allocation`: the page's own `allocation_on` of that day, year and metric, not read again."""
    if metric not in Metric.values:
        raise DomainError(
            _("Unknown metric: %(metric)s. Allowed: %(allowed)s.")
            % {"metric": metric, "allowed": ", ".join(Metric.values)},
            field="metric",
        )
    how = weight_for(metric, weight)
    day = allocation_day(year)
    if allocation is None:
        allocation = allocation_on(unit=unit, day=day, year=year, metric=metric)
    if allocation.version is None:
        raise DomainError(
            _("%(code)s did not exist on %(day)s: there is nothing to allocate.")
            % {"code": unit.code, "day": _day(day)},
            field="unit",
        )
    if not allocation.children:
        raise DomainError(
            _("%(code)s has no units below on %(day)s.") % {"code": unit.code, "day": _day(day)},
            field="unit",
        )
    if allocation.unit_value is None:
        raise DomainError(
            _("%(code)s has no %(year)s target for %(metric)s to split.")
            % {"code": unit.code, "year": year, "metric": Metric(metric).label},
            field="unit",
        )
    total = allocation.unit_value
    ids = allocation.unit_ids[1:]  # the children's, in the order of `allocation.children`
    on = counting_day(year)
    bases: list[int] | None = None
    per_mille = norm_per_mille(day) if how == Weight.NORM else None
    if how == Weight.NORM and per_mille is None:
        raise DomainError(
            _("No admission norm was in force on %(day)s: choose another weight.")
            % {"day": _day(day)},
            field="weight",
        )
    if how in (Weight.MEMBERS, Weight.NORM):
        members = members_on(ids, on)
        counts = [members.get(i, 0) for i in ids]
    elif how == Weight.CANDIDATES:
        on = min(day, today())
        stages = stages_on(ids, on)
        counts = [in_pipeline(stages.get(i, {})) for i in ids]
    elif how == Weight.LAST_ADMISSIONS:
        admitted = admitted_between(ids, dt.date(year - 1, 1, 1), dt.date(year - 1, 12, 31))
        counts = [admitted.get(i, 0) for i in ids]
    else:
        on = day  # the places blank as the units stand on the allocation day
        coverage = counted_coverage(unit, [on])[0].by_child
        codes = [code for code, _name, _value in allocation.children]
        without_cell = metric == Metric.PLACES_WITH_CELL
        blank = [
            (c.without_cell if without_cell else c.without_members) if c else 0
            for c in (coverage.get(code) for code in codes)
        ]
        counts = blank
        if metric in COVERAGE_METRICS:
            bases = [
                (c.total - b) if c else 0
                for c, b in zip((coverage.get(code) for code in codes), blank, strict=True)
            ]
    weights = [n * per_mille for n in counts] if per_mille is not None else counts
    values = (
        split_beyond(total, bases, weights)
        if bases is not None
        else largest_remainder_split(total, weights)
    )
    equal = not any(weights) and not (bases is not None and total < sum(bases))
    kept: list[int | None] = list(bases) if bases is not None else [None] * len(counts)
    parts = [
        SuggestedPart(
            code=code,
            name=name,
            value=value,
            reason=_reason(
                how,
                metric,
                n=n,
                of=sum(counts),
                value=value,
                on=on,
                year=year,
                base=base,
                per_mille=per_mille or 0,
            )
            + (" " + _("(no unit below has any: split equally)") if equal else ""),
            weight=float(Decimal(n * per_mille) / 1000) if per_mille is not None else n,
        )
        for (code, name, _current), n, value, base in zip(
            allocation.children, counts, values, kept, strict=True
        )
    ]
    return Suggestion(
        unit=unit.code,
        year=year,
        metric=metric,
        weight=how,
        day=day,
        counted_on=on,
        value=total,
        parts=parts,
        equal=equal,
    )


def _reason(
    how: str,
    metric: str,
    *,
    n: int,
    of: int,
    value: int,
    on: dt.date,
    year: int,
    base: int | None,
    per_mille: int,
) -> str:
    """What a child got and why, e.g. "12 of 40 members on 01/01/2026 → 3"."""
    figures = {"n": n, "of": of, "value": value, "day": _day(on), "year": year - 1}
    if how == Weight.MEMBERS:
        return _("%(n)s of %(of)s members on %(day)s → %(value)s") % figures
    if how == Weight.CANDIDATES:
        return _("%(n)s of %(of)s candidates in the pipeline on %(day)s → %(value)s") % figures
    if how == Weight.LAST_ADMISSIONS:
        return _("%(n)s of %(of)s admissions in %(year)s → %(value)s") % figures
    if how == Weight.NORM:
        return _(
            "%(share)s%% of %(n)s members on %(day)s = %(norm)s (of %(total)s) → %(value)s"
        ) % {
            **figures,
            "share": _decimal(Decimal(per_mille) / 10),
            "norm": _decimal(Decimal(n * per_mille) / 1000),
            "total": _decimal(Decimal(of * per_mille) / 1000),
        }
    without_cell = metric == Metric.PLACES_WITH_CELL
    if base is None:
        text = (
            _("%(n)s of %(of)s places without a cell on %(day)s → %(value)s")
            if without_cell
            else _("%(n)s of %(of)s places without members on %(day)s → %(value)s")
        )
        return text % figures
    text = (
        _("%(base)s places with a cell and %(n)s of %(of)s without one on %(day)s → %(value)s")
        if without_cell
        else _(
            "%(base)s places with members and %(n)s of %(of)s without any on %(day)s → %(value)s"
        )
    )
    return text % {**figures, "base": base}
