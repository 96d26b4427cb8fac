"""Reads of term targets: a congress term's admissions from its first day to its last (or the
date asked), from the counters, restated in the unit's structure at the end of what is counted;
and the yearly targets of its years checked against it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from ranks.counters.models import COLUMNS
from ranks.counters.selectors import (
    admissions_by_month,
    admissions_by_month_of_cells,
    decided_outside,
    regrouped,
)
from ranks.org.models import Unit, UnitVersion
from ranks.org.tree import in_force
from ranks.restructure.successors import restated_cells
from ranks.targets.metrics import TERM_METRICS
from ranks.targets.models import Target, TermTarget
from ranks.targets.progress import COUNTER_COLUMNS
from ranks.targets.results import Progress, TermProgress
from ranks.targets.termcheck import term_years, yearly_check


def term_structure_day(unit: Unit, through: dt.date) -> tuple[dt.date, dt.date]:
    """The day whose tree a term is counted in, and the last day counted: `through` when the
    unit is in force then; its last day in force when it closed before (a district dissolved in
    the 2025 reform: its term ends with it); its first day when it opened after `through` (a
    commune formed by a merger: what its cells admitted before). One query."""
    spans = list(UnitVersion.objects.filter(unit=unit).values_list("valid_from", "valid_to"))
    if not spans or any(in_force(vf, vt, through) for vf, vt in spans):
        return through, through
    ended = [vt for _vf, vt in spans if vt is not None and vt < through]
    if ended:
        return max(ended), max(ended)
    return min(vf for vf, _vt in spans if vf is not None), through


def term_count(
    unit: Unit, metric: str, start: dt.date, end: dt.date, structure_on: dt.date | None
) -> int:
    """The metric's admissions decided from `start` to `end` in the cells that stand below the
    unit in the tree of `structure_on` (each cell's own counters: a new commune counts what the
    communes merged into it admitted before the merge), or below the unit as it was (None).
    The cost is the cells times the months, and the admissions of the days that cut the first
    and last months."""
    column = COLUMNS.index(COUNTER_COLUMNS[metric])
    cut: Sequence[int] | None
    if structure_on is None:
        months = admissions_by_month([unit.pk], start, end).get(unit.pk, {})
        cut = decided_outside([unit.pk], start, end).get(unit.pk)
    else:
        pairs = restated_cells(unit.pk, structure_on).pairs({unit.pk})
        months = admissions_by_month_of_cells(pairs, start, end).get(unit.pk, {})
        cells = {cell for cell, _unit in pairs}
        cut = regrouped(decided_outside(cells, start, end), pairs).get(unit.pk) if cells else None
    return sum(v[column] for v in months.values()) - (cut[column] if cut else 0)


def term_progress(
    *,
    unit: Unit,
    on: dt.date,
    metric: str | None = None,
    holding: bool = True,
    structure_on: dt.date | None = None,
) -> tuple[TermProgress, ...]:
    """The unit's term targets (of `metric`, or all) whose term holds `on` (or, not `holding`,
    that began by then), each with its admissions from its first day to `on` or its last day,
    and its years' yearly targets against it. Counted in the tree of `structure_on` when the
    unit is in force then, else of the term's `term_structure_day`. The caller checks the
    scope."""
    terms = TermTarget.objects.filter(unit=unit, starts_on__lte=on)
    if holding:
        terms = terms.filter(ends_on__gte=on)
    if metric is not None:
        terms = terms.filter(metric=metric)
    found = list(terms.order_by("metric", "starts_on"))
    if not found:
        return ()
    years_of = {t.pk: term_years(t.starts_on, t.ends_on) for t in found}
    wanted = {year for years in years_of.values() for year in years}
    yearly: dict[str, dict[int, int]] = {}
    for m, year, value in Target.objects.filter(
        unit=unit, metric__in={t.metric for t in found}, year__in=wanted
    ).values_list("metric", "year", "value"):
        yearly.setdefault(m, {})[year] = value
    return tuple(_one(unit, t, on, years_of[t.pk], yearly.get(t.metric, {}), structure_on)
                 for t in found)  # fmt: skip


def _one(
    unit: Unit,
    term: TermTarget,
    on: dt.date,
    years: Sequence[int],
    yearly: dict[int, int],
    structure_on: dt.date | None,
) -> TermProgress:
    """One term's figures; a term not begun by `through` counts nothing."""
    day, through = term_structure_day(unit, min(on, term.ends_on))
    if structure_on is not None and term_structure_day(unit, structure_on)[0] == structure_on:
        day = structure_on  # the figures restated in a tree the unit stands in
    check = yearly_check(term.value, tuple(years), yearly)
    return TermProgress(
        code=unit.code,
        metric=term.metric,
        starts_on=term.starts_on,
        ends_on=term.ends_on,
        target=term.value,
        through=through,
        structure_on=day,
        actual=term_count(unit, term.metric, term.starts_on, through, day)
        if through >= term.starts_on
        else 0,
        years=check.years,
        yearly_total=check.total,
        yearly_missing=check.missing,
        yearly_short=check.short,
    )


def with_terms(result: Progress, *, unit: Unit) -> Progress:
    """`progress`'s result with the unit's term targets of its metric whose term holds its date
    (the progress report and the API carry them beside the year's figures)."""
    if result.metric not in TERM_METRICS:
        return result
    found = term_progress(
        unit=unit, on=result.on, metric=result.metric, structure_on=result.structure_on
    )
    return replace(result, terms=found)
