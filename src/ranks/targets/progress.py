"""Progress against targets, the composition of admissions and the admission ratio (DESIGN §6).

An admission counts on its decision date for the cell it joined and every unit above that cell
on that date, so a year before the 2025 reform is counted in that year's tree and a year after it
in the new one. Segment metrics read the person as they were on the decision date: the age, and
the occupation, education, ethnicity, religion and Youth Union membership in force that day
(`ranks.people.attributes`).

Admissions, their segments and the members at the start of a year are read from the period
counters (`ranks.counters`, docs/counters.md): their cost is the units shown times the months
asked, and so is the composition's (but ethnicity and religion, free text, counted from the
records under a sensitive grant). So are the pipeline's metrics (candidates added to a source
list, classes passed) and places with members or a cell. Every function runs a fixed number of
queries whatever the size of the subtree. `ADMISSION_METRICS` and `pipeline_events` state the
rules in Python; `ranks counters verify` recounts the counters with them (`targets/recount.py`).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from ranks.access.scope import Scope
from ranks.core.errors import DomainError
from ranks.core.replica import read_connection
from ranks.counters import sql as sql_rules
from ranks.counters.models import ADMISSION_COLUMNS, COLUMNS, PIPELINE_COLUMNS
from ranks.counters.rollup import id_lists
from ranks.counters.selectors import (
    admissions_by_month,
    admissions_by_month_of_cells,
    cell_counts,
    composition_between,
    composition_of_units,
    coverage_sums,
    decided_after_in_month,
    members_on,
    once,
    pipeline_by_month,
    pipeline_by_month_of_cells,
    present_on,
    regrouped,
)
from ranks.counters.sql import fold_value
from ranks.coverage.selectors import Counts, group_counts, restated_coverage
from ranks.org import sql
from ranks.org.models import PlaceVersion, Unit, UnitVersion, valid_on_q
from ranks.org.rollup import VersionTree
from ranks.org.tree import in_force
from ranks.people.attributes import period_on, periods_by_person, values_of
from ranks.people.models import Posting
from ranks.people.status import age_on
from ranks.pipeline.models import Candidate, Stage, StageEvent
from ranks.pipeline.rules.norms import (
    RatioNorm,
    RatioStanding,
    ratio_norm_of_year,
    ratio_standing,
)
from ranks.restructure.successors import Restated, restated_cells
from ranks.targets import forecast as fc
from ranks.targets import pace
from ranks.targets.conversion import candidates_by_stage, stage_past
from ranks.targets.models import Metric, Target
from ranks.targets.results import (
    AGE_BANDS,
    DIMENSIONS,
    SENSITIVE_DIMENSIONS,
    Composition,
    CurvePoint,
    Progress,
    ProgressRow,
    Ratio,
    RatioRow,
)

HOME_PLACES = frozenset(sql_rules.HOME_PLACES)
NO_RELIGION = frozenset(sql_rules.NO_RELIGION)
MAJORITY_ETHNICITY = frozenset(sql_rules.MAJORITY_ETHNICITY)
# Metrics counted from admissions, with the test each admission must pass.
ADMISSION_METRICS = {
    Metric.ADMISSIONS: lambda a: True,
    Metric.ADMISSIONS_VILLAGES: lambda a: bool(a.place_kinds & HOME_PLACES),
    Metric.ADMISSIONS_FARMERS: lambda a: a.occupation == "farmer",
    Metric.ADMISSIONS_WORKERS: lambda a: a.occupation == "worker",
    Metric.ADMISSIONS_AGE_18_30: lambda a: a.age <= 30,
    Metric.ADMISSIONS_ETHNIC_MINORITY: lambda a: fold_value(a.ethnicity) not in MAJORITY_ETHNICITY,
    Metric.ADMISSIONS_RELIGIOUS: lambda a: fold_value(a.religion) not in NO_RELIGION,
    Metric.ADMISSIONS_WOMEN: lambda a: a.gender == "female",
}
# The counter column of each admission metric (`ranks.counters.models.COLUMNS`); keyed by str, as
# the metric comes from forms and commands.
COUNTER_COLUMNS: dict[str, str] = dict(zip(ADMISSION_METRICS, ADMISSION_COLUMNS, strict=True))
# Metrics counted from the pipeline: candidates added to a source list, classes passed.
PIPELINE_METRICS = (Metric.SOURCE_ENTRIES, Metric.CLASS_GRADUATES)
# Their counter columns (`ranks.counters.models.PIPELINE_COLUMNS`).
PIPELINE_COLUMN_OF: dict[str, str] = dict(zip(PIPELINE_METRICS, PIPELINE_COLUMNS, strict=True))
# Metrics that count places on the date (coverage), not events of the year.
PLACE_METRICS: dict[str, Callable[[Counts], int]] = {
    Metric.PLACES_WITH_MEMBERS: lambda c: c.total - c.without_members,
    Metric.PLACES_WITH_CELL: lambda c: c.total - c.without_cell,
}
SUPPORTED_METRICS = (*ADMISSION_METRICS, *PIPELINE_METRICS, *PLACE_METRICS)


# --- admissions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Admission:
    membership_id: int
    day: dt.date
    cell_id: int
    age: int
    gender: str
    ethnicity: str
    religion: str
    occupation: str
    education_general: str
    education_professional: str
    youth_union: bool
    source_group: str
    place_kinds: frozenset[str]


def admissions_between(
    root_ids: list[int] | None,
    start: dt.date,
    end: dt.date,
    *,
    cell_ids: list[int] | None = None,
) -> list[Admission]:
    """Admissions decided from `start` to `end` in cells ever below the roots (anywhere when
    `root_ids` is None), or in the cells `cell_ids`: two queries. A membership with two postings
    on its decision date counts once, in the cell of lower id (as the counters do)."""
    day = F("membership__admission_decision_date")
    postings = Posting.objects.all()
    if root_ids is not None:
        postings = postings.filter(cell_id__in=RawSQL(*sql.subtree_ever_ids(root_ids)))
    if cell_ids is not None:  # one array parameter, however many cells
        postings = postings.filter(cell_id__in=RawSQL(*(id_lists(cell_ids) or [("NULL", [])])[0]))
    admitted = postings.filter(
        membership__admission_decision_date__gte=start,
        membership__admission_decision_date__lte=end,
    ).filter(valid_on_q(day, open_start=False))
    rows = sorted(
        admitted.values(
            "membership_id",
            "cell_id",
            "membership__admission_decision_date",
            "person_id",
            "person__birth_date",
            "person__gender",
            "person__ethnicity",
            "person__religion",
            "person__occupation",
            "person__education_general",
            "person__education_professional",
            "person__youth_union",
            "person__candidacies__source_group",
        ),
        key=lambda r: (r["membership_id"], r["cell_id"]),
    )
    places = _place_kinds({r["cell_id"] for r in rows})
    # The dated attributes as they were on each decision day (`ranks.people.attributes`): the
    # periods of the people admitted, chosen by the same filter, in one query.
    periods = periods_by_person(admitted.values("person_id")) if rows else {}
    found, seen = [], set()
    for r in rows:
        if r["membership_id"] in seen:  # two postings starting the same day: count once
            continue
        seen.add(r["membership_id"])
        decided = r["membership__admission_decision_date"]
        then = period_on(periods.get(r["person_id"], []), decided)
        # The values on the decision day; a person kept without history, as recorded now.
        held = values_of(then) if then is not None else {}
        found.append(
            Admission(
                membership_id=r["membership_id"],
                day=decided,
                cell_id=r["cell_id"],
                age=age_on(r["person__birth_date"], decided),
                gender=r["person__gender"] or "",
                ethnicity=held.get("ethnicity", r["person__ethnicity"]) or "",
                religion=held.get("religion", r["person__religion"]) or "",
                occupation=held.get("occupation", r["person__occupation"]) or "",
                education_general=held.get("education_general", r["person__education_general"])
                or "",
                education_professional=held.get(
                    "education_professional", r["person__education_professional"]
                )
                or "",
                youth_union=bool(held.get("youth_union", r["person__youth_union"])),
                source_group=r["person__candidacies__source_group"] or "",
                place_kinds=frozenset(
                    kind
                    for kind, vf, vt in places.get(r["cell_id"], ())
                    if in_force(vf, vt, decided)
                ),
            )
        )
    return found


def _place_kinds(cell_ids: set[int]) -> dict[int, list[tuple[str, dt.date | None, dt.date | None]]]:
    """For each cell, the kinds of the places it was based at, with the periods: one query."""
    links = PlaceVersion.cells.through.objects.filter(unit_id__in=cell_ids).values_list(
        "unit_id", "placeversion__kind", "placeversion__valid_from", "placeversion__valid_to"
    )
    found: dict[int, list] = defaultdict(list)
    for cell_id, kind, vf, vt in links:
        found[cell_id].append((kind, vf, vt))
    return found


def pipeline_events(
    root_ids: list[int] | None, metric: str, start: dt.date, end: dt.date
) -> list[tuple[dt.date, int]]:
    """(day, cell) of candidates added to a source list, or of classes passed, in the cells ever
    below the roots (or all): one query. The candidate's current cell stands for the cell of the
    day (a handover moves a candidate). The counters keep these (`counters.sql.pipeline_rollup`);
    `ranks counters verify` recounts them with this."""
    candidates = Candidate.objects.all()
    if root_ids is not None:
        candidates = candidates.filter(cell_id__in=RawSQL(*sql.subtree_ever_ids(root_ids)))
    if metric == Metric.SOURCE_ENTRIES:
        rows = candidates.filter(added_on__range=(start, end))
        return list(rows.values_list("added_on", "cell_id"))
    events = StageEvent.objects.filter(
        candidate__in=candidates, stage=Stage.CLASS_PASSED, date__range=(start, end)
    )
    return list(events.values_list("date", "candidate__cell_id"))


# --- progress ---------------------------------------------------------------------------------


def _check_metric(metric: str) -> None:
    if metric not in SUPPORTED_METRICS:
        raise DomainError(
            _("Progress is not counted for %(metric)s yet. Allowed: %(allowed)s.")
            % {"metric": metric, "allowed": ", ".join(SUPPORTED_METRICS)},
            field="metric",
        )


def _shown_tree(unit: Unit, on: dt.date, depth: int | None) -> VersionTree:
    """The versions of the unit and the units below it: all of them ever, or those within
    `depth` levels on `on` (one query a level; read once a page, `counters.selectors.once`)."""
    if depth is None:
        return VersionTree.below([unit.pk])
    return once(("shown_tree", unit.pk, on, depth), lambda: VersionTree.levels(unit.pk, on, depth))


def _counted(
    shown_ids: set[int],
    metric: str,
    on: dt.date,
    first: dt.date,
    restated: Restated | None = None,
) -> tuple[dict[int, dict[int, list[int]]], Callable[[int, dt.date], int]]:
    """From the counters: each unit's monthly history before `on`'s year, and a function giving
    its cumulative count in that year up to a date (a month end, or `on`). Restated in a
    structure, from the counters of the cells that stand below each unit in it."""
    year = on.year
    last = dt.date(year, 12, 31)
    late: dict[int, Any]
    pairs = restated.pairs(shown_ids) if restated is not None else []
    if metric in COUNTER_COLUMNS:
        column = COLUMNS.index(COUNTER_COLUMNS[metric])
        if restated is None:
            by_month = admissions_by_month(shown_ids, first, last)
            late = decided_after_in_month(shown_ids, on)
        else:
            by_month = admissions_by_month_of_cells(pairs, first, last)
            cells = {cell for cell, _unit in pairs}
            late = regrouped(decided_after_in_month(cells, on), pairs)
    else:  # the pipeline's
        column = PIPELINE_COLUMNS.index(PIPELINE_COLUMN_OF[metric])
        if restated is None:
            by_month, late = pipeline_by_month(shown_ids, first, last, on)
        else:
            by_month, late = pipeline_by_month_of_cells(pairs, first, last, on)
    monthly: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0] * 12))
    this_year: dict[int, list[int]] = defaultdict(lambda: [0] * 12)
    for unit_id, months in by_month.items():
        for month, values in months.items():
            if month.year == year:
                this_year[unit_id][month.month - 1] += values[column]
            else:
                monthly[unit_id][month.year][month.month - 1] += values[column]

    def done(unit_id: int, day: dt.date) -> int:
        total = sum(this_year[unit_id][: day.month]) if unit_id in this_year else 0
        if day == on and unit_id in late:
            total -= late[unit_id][column]
        return total

    return monthly, done


def progress(
    *,
    scope: Scope,
    unit: Unit,
    on: dt.date,
    metric: str = Metric.ADMISSIONS,
    depth: int | None = None,
    structure_on: dt.date | None = None,
    pipeline: bool = False,
    smooth_all: bool = False,
) -> Progress:
    """The unit and every unit below it on `on` (or those within `depth` levels): the year's
    target, the actual by `on`, the pace expected by then, the gap, the projection to year end,
    the forecast with its range (`targets.forecast`) and the status the range gives; with the
    unit's curve.

    With `pipeline` (the admissions, as it was), the pipeline's forecast too: the candidates at
    each stage from the stage counters, the unit's past from each stage (two queries more).
    The Holt-Winters smoothing is fitted for the unit asked for (a province or the central
    committee); with `smooth_all`, for every province shown too (about 50 ms each: the backtest).

    Every metric is read from the counters (`ranks.counters`): the cost is the units shown
    times the months of the year and the `HISTORY_YEARS` before it.
    `scope` is the caller's: the unit must be in it (a grant covers everything below).

    With `structure_on`, the figures are restated in the tree of that date: the units shown are
    those of that tree, and each counts the events of the cells that stand below it then
    (`ranks.org.restated`), from the cells' own counters."""
    _check_metric(metric)
    year = on.year
    tree_day = structure_on or on
    tree = _shown_tree(unit, tree_day, depth)
    shown = [(v, d) for v, d in tree.subtree(unit.pk, tree_day) if depth is None or d <= depth]
    if not shown:
        raise DomainError(
            _("%(code)s does not exist on %(date)s.")
            % {"code": unit.code, "date": tree_day.strftime("%d/%m/%Y")},
            field="structure_on" if structure_on else "on",
            code="not_in_force",
        )
    shown_ids = {v.unit_id for v, _depth in shown}
    restated = _restated_cells(unit.pk, structure_on) if structure_on else None
    if metric in PLACE_METRICS:
        return _place_progress(unit, on, metric, tree, shown, restated)
    first = dt.date(year - fc.FORECAST_YEARS, 1, 1)
    head_version = shown[0][0]
    # The unit's parent is read with the units shown: its profile stands in for a short history.
    above = {head_version.parent_id} if head_version.parent_id and restated is None else set()
    monthly, done_by = _counted(shown_ids | above, metric, on, first, restated)
    targets = dict(
        Target.objects.filter(unit_id__in=shown_ids, year=year, metric=metric).values_list(
            "unit_id", "value"
        )
    )
    year_over = on >= dt.date(year, 12, 31)
    outlook_of: dict[int, tuple[fc.StageOutlook, ...]] = {}
    if pipeline and metric == Metric.ADMISSIONS and restated is None:
        past = stage_past(unit.pk, on)
        now = candidates_by_stage(shown_ids, on)
        outlook_of = {uid: fc.pipeline_outlook(on, now.get(uid, {}), past) for uid in shown_ids}
    rows = []
    shares_of: dict[int, tuple[float, ...] | None] = {}
    parent_of = {v.unit_id: v.parent_id for v, _d in shown}
    head_forecast = None
    for version, depth_of in shown:
        uid = version.unit_id
        history = monthly.get(uid, {})
        recent = {y: c for y, c in history.items() if y >= year - pace.HISTORY_YEARS}
        shares = pace.month_shares(recent)
        shares_of[uid] = shares
        share = 1.0 if year_over else pace.expected_share(on, shares)
        target = targets.get(uid)
        done = done_by(uid, on)
        expected = round(target * share, 1) if target is not None else None
        projected = round(pace.projection(done, share, year_over=year_over), 1)
        parent = tree.version(version.parent_id, tree_day) if version.parent_id else None
        smooth = depth_of == 0 or smooth_all
        forecast = _forecast(uid, version.kind.key, done, on, monthly, parent_of, done_by, smooth)
        if depth_of == 0:
            head_forecast = forecast
        outlook = outlook_of.get(uid)
        rows.append(
            ProgressRow(
                code=version.unit.code,
                name=version.name,
                kind=version.kind.key,
                depth=depth_of,
                parent_code=parent.unit.code if parent is not None and depth_of > 0 else None,
                metric=metric,
                target=target,
                actual=done,
                percent=round(done * 100 / target, 1) if target else None,
                expected=expected,
                gap=round(done - expected, 1) if expected is not None else None,
                projection=projected,
                status=fc.range_status(target, forecast.low, forecast.high),
                pace="history" if shares is not None else "linear",
                forecast=forecast.point,
                forecast_low=forecast.low,
                forecast_high=forecast.high,
                forecast_basis=forecast.basis,
                forecast_pipeline=(
                    fc.pipeline_forecast(done, outlook) if outlook is not None else None
                ),
            )
        )
    curve = _curve(
        year, on, lambda day: done_by(unit.pk, day), targets.get(unit.pk), shares_of[unit.pk]
    )
    return Progress(
        code=unit.code,
        name=rows[0].name,
        metric=metric,
        year=year,
        on=on,
        rows=tuple(rows),
        curve=curve,
        structure_on=structure_on,
        forecast=head_forecast,
        outlook=outlook_of.get(unit.pk, ()),
    )


def _forecast(
    uid: int,
    kind: str,
    done: int,
    on: dt.date,
    monthly: dict[int, dict[int, list[int]]],
    parent_of: dict[int, int | None],
    done_by: Callable[[int, dt.date], int],
    smooth: bool,
) -> fc.Forecast:
    """Signal (a) for a unit: its own history, the histories above it read with it (nearest
    first) to pool from, and the smoothing at province level and above."""
    pooled = []
    above = parent_of.get(uid)
    seen = {uid}
    while above is not None and above not in seen:
        seen.add(above)
        if above in monthly:
            pooled.append(monthly[above])
        above = parent_of.get(above)
    smoothing = None
    if smooth and kind in fc.SMOOTHING_KINDS:
        ends = [dt.date(on.year, m, calendar.monthrange(on.year, m)[1]) for m in range(1, 13)]
        cumulative = [0] + [done_by(uid, day) for day in ends[: on.month - 1]]
        this_year = [b - a for a, b in zip(cumulative, cumulative[1:], strict=False)]
        series = fc.smoothing_series(monthly.get(uid, {}), this_year, on)
        smoothing = fc.smoothing_forecast(done, on, series, kind)
    return fc.history_forecast(done, on, monthly.get(uid, {}), pooled, smoothing=smoothing)


def _curve(
    year: int,
    on: dt.date,
    done_by: Callable[[dt.date], int],
    target: int | None,
    shares: tuple[float, ...] | None,
) -> tuple[CurvePoint, ...]:
    """Month ends of the year and `on` itself: the cumulative actual and the expected pace."""
    points = {dt.date(year, m, calendar.monthrange(year, m)[1]) for m in range(1, 13)}
    points.add(on)
    found = []
    for point in sorted(p for p in points if p.year == year):
        expected = round(target * pace.expected_share(point, shares), 1) if target else None
        done = done_by(point) if point <= on else None
        found.append(CurvePoint(point, done, expected))
    return tuple(found)


def _place_progress(
    unit: Unit,
    on: dt.date,
    metric: str,
    tree: VersionTree,
    shown,
    restated: Restated | None = None,
) -> Progress:
    """Places with members (or a cell) on `on` against the year's target: the way from the
    figure of 1 January to the target is expected to be covered linearly over the year. From
    the coverage counters: one query for the units shown on both days, one for the curve.
    Restated in a structure, from the places of each day (`restated_coverage`)."""
    count = PLACE_METRICS[metric]
    year = on.year
    first = dt.date(year, 1, 1) - dt.timedelta(days=1)
    ids = {v.unit_id for v, _d in shown}
    tree_day = restated.day if restated is not None else on
    points = {dt.date(year, m, calendar.monthrange(year, m)[1]) for m in range(1, 13)} | {on}
    if restated is not None:
        asked = sorted({first, on} | {p for p in points if p <= on})
        restated_by = {c.on: c.by_unit for c in restated_coverage(unit, asked, restated.day)}

    def figure(unit_id: int, day: dt.date) -> int:
        if restated is not None:
            return count(restated_by[day].get(unit_id, Counts()))
        vector = sums.get((unit_id, day))
        return count(group_counts(vector, "all") if vector is not None else Counts())

    sums = coverage_sums(ids, [first, on]) if restated is None else {}

    targets = dict(
        Target.objects.filter(unit_id__in=ids, year=year, metric=metric).values_list(
            "unit_id", "value"
        )
    )
    share = pace.linear_share(on)
    year_over = on >= dt.date(year, 12, 31)
    rows = []
    for version, depth in shown:
        uid = version.unit_id
        done, base = figure(uid, on), figure(uid, first)
        target = targets.get(uid)
        expected = round(base + (target - base) * share, 1) if target is not None else None
        gained = done - base
        projected = float(done) if year_over else round(base + gained / share, 1)
        parent = tree.version(version.parent_id, tree_day) if version.parent_id else None
        rows.append(
            ProgressRow(
                code=version.unit.code, name=version.name, kind=version.kind.key, depth=depth,
                parent_code=parent.unit.code if parent is not None and depth > 0 else None,
                metric=metric, target=target, actual=done,
                percent=round(done * 100 / target, 1) if target else None,
                expected=expected,
                gap=round(done - expected, 1) if expected is not None else None,
                projection=projected, status=pace.status(target, projected), pace="linear",
            )
        )  # fmt: skip
    curve = []
    target = targets.get(unit.pk)
    base = figure(unit.pk, first)
    more = (
        coverage_sums([unit.pk], sorted(p for p in points if p <= on)) if restated is None else {}
    )
    for point in sorted(points):
        reached = None
        if point <= on and restated is not None:
            reached = figure(unit.pk, point)
        elif point <= on:
            vector = more.get((unit.pk, point))
            reached = count(group_counts(vector, "all") if vector is not None else Counts())
        expected = None
        if target is not None:
            expected = round(base + (target - base) * pace.linear_share(point), 1)
        curve.append(CurvePoint(point, reached, expected))
    return Progress(
        unit.code, rows[0].name, metric, year, on, tuple(rows), tuple(curve),
        structure_on=restated.day if restated is not None else None,
    )  # fmt: skip


# --- composition ------------------------------------------------------------------------------


def _age_band(age: int) -> str:
    if age <= 30:
        return AGE_BANDS[0]
    if age <= 40:
        return AGE_BANDS[1]
    if age <= 50:
        return AGE_BANDS[2]
    if age <= 60:
        return AGE_BANDS[3]
    return AGE_BANDS[4]


def _place_kind(kinds: frozenset[str]) -> str:
    """One kind per admission: a village or residential group first, else the first by name."""
    for kind in ("village", "residential_group"):
        if kind in kinds:
            return kind
    return min(kinds) if kinds else ""


def composition_value(admission: Admission, dimension: str) -> str:
    """The value of an admission in a dimension of the composition."""
    if dimension == "age_band":
        return _age_band(admission.age)
    if dimension == "youth_union":
        return "true" if admission.youth_union else "false"
    if dimension == "place_kind":
        return _place_kind(admission.place_kinds)
    return getattr(admission, dimension)


def _periods_below(root_id: int) -> dict[int, list[tuple[dt.date, dt.date]]]:
    """For each unit ever below the root, the periods during which it was (one query of plain
    rows: a unit is below the root on a day inside one of them)."""
    cte, params = sql.subtree_ever_cte([root_id])
    with read_connection().cursor() as cursor:
        cursor.execute(f"{cte} SELECT unit_id, vf, vt FROM ever_sub", params)
        rows = cursor.fetchall()
    found: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for unit_id, vf, vt in rows:
        found[unit_id].append((_day(vf), _day(vt)))
    return found


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def composition(
    *,
    scope: Scope,
    unit: Unit,
    start: dt.date,
    end: dt.date,
    sensitive: bool,
    structure_on: dt.date | None = None,
) -> Composition:
    """Admissions decided from `start` to `end` for the unit (below it on their decision date),
    counted by each dimension. Ethnicity and religion only when `sensitive` (the caller checks
    the user's sensitive grant covers the unit).

    Read from the counters (`counters.selectors.composition_between`): the cost is the months
    asked. Ethnicity and religion are free text, so they have no counters: under a sensitive
    grant they are counted from the records of the period below the unit. A cell's composition
    is counted from its own records (the counters keep the units above the cells)."""
    if end < start:
        raise DomainError(_("The end of the period is before its start."), field="to")
    if structure_on is not None:
        return _restated_composition(unit, start, end, sensitive, structure_on)
    own = VersionTree(UnitVersion.objects.filter(unit=unit).select_related("kind"))
    version = own.version(unit.pk, end) or own.version(unit.pk, start)
    name = version.name if version else unit.code
    dimensions = [d for d in DIMENSIONS if sensitive or d not in SENSITIVE_DIMENSIONS]
    cell = version is not None and version.kind.holds_members
    recorded: dict[str, dict[str, int]] = {}
    total, counted = (0, {}) if cell else composition_between(unit.pk, start, end)
    if sensitive or cell:  # a cell has no composition counters: its own records are few
        below = _periods_below(unit.pk)
        found = [
            a
            for a in admissions_between([unit.pk], start, end)
            if any(vf <= a.day <= vt for vf, vt in below.get(a.cell_id, ()))
        ]
        recorded = {
            d: dict(Counter(composition_value(a, d) for a in found).most_common())
            for d in (dimensions if cell else SENSITIVE_DIMENSIONS)
        }
        total = len(found) if cell else total
    by = {d: recorded[d] if d in recorded else counted.get(d, {}) for d in dimensions}
    return Composition(unit.code, name, start, end, total, by, sensitive)


def _restated_cells(unit_id: int, structure_on: dt.date) -> Restated:
    """`restated_cells`, read once a page (`counters.selectors.reading`): the dashboard asks it
    for the progress, each segment, the composition and the ratio."""
    return once(("restated", unit_id, structure_on), lambda: restated_cells(unit_id, structure_on))


def _restated(unit: Unit, structure_on: dt.date) -> tuple[Restated, UnitVersion]:
    """The cells standing below the unit in the tree of `structure_on`, and its version then;
    refused when the unit is not in force that day."""
    version = UnitVersion.objects.valid_on(structure_on).filter(unit=unit).first()
    if version is None:
        raise DomainError(
            _("%(code)s does not exist on %(date)s.")
            % {"code": unit.code, "date": structure_on.strftime("%d/%m/%Y")},
            field="structure_on",
            code="not_in_force",
        )
    return _restated_cells(unit.pk, structure_on), version


def _restated_composition(
    unit: Unit, start: dt.date, end: dt.date, sensitive: bool, structure_on: dt.date
) -> Composition:
    """The composition of the admissions decided in the cells that stand below the unit in
    the tree of `structure_on`. The composition counters keep the units above the cells, not
    the cells: the units holding exactly some of those cells over the period are read from their
    counters (`Restated.whole_units`), the other cells from their admissions of the period
    (through the postings' cell index), never their members."""
    restated, version = _restated(unit, structure_on)
    cells = restated.cells_of(unit.pk)
    dimensions = [d for d in DIMENSIONS if sensitive or d not in SENSITIVE_DIMENSIONS]
    # Units whose counters hold exactly some of those cells over the period (the central
    # committee in any tree, a new commune for the old communes merged into it) are read from
    # their composition counters; ethnicity and religion have none, so a sensitive composition
    # reads every cell's admissions.
    whole = {} if sensitive else restated.whole_units(cells, start, end)
    held = set().union(*whole.values()) if whole else set()
    rest = sorted(cells - held)
    found = admissions_between(None, start, end, cell_ids=rest) if rest else []
    counted = {d: Counter(composition_value(a, d) for a in found) for d in dimensions}
    total = len(found)
    if whole:
        from_counters, by_counters = composition_of_units(whole, start, end)
        total += from_counters
        for d in dimensions:
            counted[d].update(by_counters.get(d, {}))
    by = {d: dict(counted[d].most_common()) for d in dimensions}
    return Composition(
        unit.code, version.name, start, end, total, by, sensitive, structure_on=structure_on
    )


# --- admission ratio ---------------------------------------------------------------------------


def admission_ratio(
    *, scope: Scope, unit: Unit, year: int, structure_on: dt.date | None = None
) -> Ratio:
    """Admissions in `year` over members on 1 January (against R16 in force that year), for the unit, its siblings
    (ranked) and its children (ranked), in the tree of 1 January (or of the unit's first day that
    year, for a unit created during it). Siblings outside the scope are ranked but not shown.

    With `structure_on`, in the tree of that date: each unit counts the admissions of the year
    and the members on 1 January of the cells that stand below it then."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if structure_on is not None:
        return _restated_ratio(scope, unit, year, structure_on)
    norm = ratio_norm_of_year(year)
    own_versions = UnitVersion.objects.filter(unit=unit).select_related("unit", "kind")
    own = VersionTree(own_versions)
    first_day = min(
        (max(v.valid_from or start, start) for v in own.by_unit.get(unit.pk, ())
         if (v.valid_from or dt.date.min) <= end and (v.valid_to or dt.date.max) >= start),
        default=None,
    )  # fmt: skip
    if first_day is None:
        raise DomainError(
            _("%(code)s does not exist in %(year)s.") % {"code": unit.code, "year": year},
            field="year",
            code="not_in_force",
        )
    version = own.version(unit.pk, first_day)
    parent_id = version.parent_id if version else None
    # The units ranked: the parent's children (the unit's siblings) and the unit's children.
    tree = None
    if parent_id:
        around = _shown_tree(Unit(pk=parent_id), first_day, 1)
        if around.version(parent_id, first_day) is not None:
            below = _shown_tree(unit, first_day, 1)
            tree = VersionTree(
                [v for vs in around.by_unit.values() for v in vs]
                + [v for uid, vs in below.by_unit.items() if uid != unit.pk for v in vs]
            )
    if tree is None:
        # No parent, or it had closed (a district after the 2025 reform): ranked alone.
        parent_id, tree = None, _shown_tree(unit, first_day, 1)
    root_id = parent_id or unit.pk
    levels = {v.unit_id: depth for v, depth in tree.subtree(root_id, first_day)}
    versions = {v.unit_id: v for v, _depth in tree.subtree(root_id, first_day)}
    ranked_ids = {uid for uid, v in versions.items() if v.parent_id in (parent_id, unit.pk)}
    ranked_ids |= {unit.pk}
    if first_day.day == 1:
        members = Counter(members_on(ranked_ids, first_day))
    else:  # a unit created in the middle of a month: that day's members
        members = Counter({uid: n for uid, (n, _o) in present_on(ranked_ids, first_day).items()})
    admitted: Counter[int] = Counter()
    for uid, months in admissions_by_month(ranked_ids, start, end).items():
        admitted[uid] = sum(values[0] for values in months.values())

    def row(uid: int) -> RatioRow:
        v = versions[uid]
        base = members[uid]
        ratio = round(admitted[uid] * 100 / base, 2) if base else None
        return RatioRow(
            code=v.unit.code,
            name=v.name,
            admissions=admitted[uid],
            members_at_start=base,
            ratio=ratio,
            rank=None,
            within_norm=norm.within(ratio) if norm else None,
        )

    def ranked(ids: list[int]) -> list[RatioRow]:
        rows = [row(uid) for uid in ids]
        # Only the rows with a ratio are ordered.
        order = sorted(
            (r for r in rows if r.ratio is not None), key=lambda r: (-(r.ratio or 0.0), r.code)
        )
        ranks = {r.code: i + 1 for i, r in enumerate(order)}
        return sorted(
            (RatioRow(**{**r.__dict__, "rank": ranks.get(r.code)}) for r in rows),
            key=lambda r: (r.rank is None, r.rank or 0, r.code),
        )

    unit_depth = levels.get(unit.pk, 0)
    sibling_ids = [
        uid
        for uid, depth in levels.items()
        if depth == unit_depth and (not parent_id or versions[uid].parent_id == parent_id)
    ]
    children_ids = [uid for uid, v in versions.items() if v.parent_id == unit.pk]
    siblings = ranked(sibling_ids)
    me = next(r for r in siblings if r.code == unit.code)
    visible = {versions[uid].unit.code for uid in scope.covered_ids(sibling_ids)}
    return Ratio(
        code=unit.code,
        name=me.name,
        year=year,
        unit=me,
        siblings=tuple(r for r in siblings if r.code in visible),
        children=tuple(ranked(children_ids)),
        ranked_among=sum(1 for r in siblings if r.rank is not None),
        **_norm_fields(norm),
    )


def _restated_ratio(scope: Scope, unit: Unit, year: int, structure_on: dt.date) -> Ratio:
    """`admission_ratio` in the tree of `structure_on`: the unit, its siblings under its parent
    that day and its children that day, each counting the cells that stand below it then
    (`ranks.org.restated`). The admissions are the cells' counters of the year, added up by unit
    in one grouped query; the members on 1 January are the cells' own (`cell_counts`)."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    norm = ratio_norm_of_year(year)
    _restated_root, version = _restated(unit, structure_on)
    parent_id = version.parent_id
    root_id = parent_id or unit.pk
    restated = _restated_cells(root_id, structure_on) if parent_id else _restated_root
    below = _shown_tree(unit, structure_on, 1)
    shown = [v for vs in below.by_unit.values() for v in vs]
    if parent_id:
        around = _shown_tree(Unit(pk=parent_id), structure_on, 1)
        shown += [v for uid, vs in around.by_unit.items() if uid not in below.by_unit for v in vs]
    tree = VersionTree(shown)
    versions = {v.unit_id: v for v, _depth in tree.subtree(root_id, structure_on)}
    sibling_ids = (
        [uid for uid, v in versions.items() if v.parent_id == parent_id] if parent_id
        else [unit.pk]
    )  # fmt: skip
    children_ids = [uid for uid, v in versions.items() if v.parent_id == unit.pk]
    ranked_ids = {*sibling_ids, *children_ids}
    pairs = restated.pairs(ranked_ids)
    admitted: Counter[int] = Counter()
    for uid, months in admissions_by_month_of_cells(pairs, start, end).items():
        admitted[uid] = sum(values[0] for values in months.values())
    cells = sorted({cell for cell, _uid in pairs})
    on_cells = cell_counts(cells, start)
    members: Counter[int] = Counter()
    for cell, uid in pairs:
        members[uid] += on_cells[cell]["members"]

    def row(uid: int) -> RatioRow:
        v = versions[uid]
        base = members[uid]
        ratio = round(admitted[uid] * 100 / base, 2) if base else None
        return RatioRow(
            code=v.unit.code,
            name=v.name,
            admissions=admitted[uid],
            members_at_start=base,
            ratio=ratio,
            rank=None,
            within_norm=norm.within(ratio) if norm else None,
        )

    siblings = _ranked([row(uid) for uid in sibling_ids])
    me = next(r for r in siblings if r.code == unit.code)
    visible = {versions[uid].unit.code for uid in scope.covered_ids(sibling_ids)}
    return Ratio(
        code=unit.code,
        name=me.name,
        year=year,
        unit=me,
        siblings=tuple(r for r in siblings if r.code in visible),
        children=tuple(_ranked([row(uid) for uid in children_ids])),
        ranked_among=sum(1 for r in siblings if r.rank is not None),
        structure_on=structure_on,
        **_norm_fields(norm),
    )


def ratio_norm_standing(ratio: Ratio, projected: float | None = None) -> RatioStanding | None:
    """How far the unit's admissions of the ratio's year stand from R16 in force that year;
    `projected`, the admissions expected by the year's end at the unit's pace (`progress`).
    None before the norm, or without members on 1 January."""
    norm = ratio_norm_of_year(ratio.year)
    if norm is None:
        return None
    u = ratio.unit
    return ratio_standing(norm, ratio.year, u.admissions, u.members_at_start, projected)


def _norm_fields(norm: RatioNorm | None) -> dict[str, Any]:
    """R16 as a `Ratio` carries it: (low, high) and its citation, or nothing before it."""
    if norm is None:
        return {}
    return {
        "norm": (float(norm.low), float(norm.high)),
        "norm_document": norm.document,
        "norm_clause": norm.clause,
    }


def _ranked(rows: list[RatioRow]) -> list[RatioRow]:
    """The rows with a ratio ranked, highest first (then by code); those without come last."""
    order = sorted(
        (r for r in rows if r.ratio is not None), key=lambda r: (-(r.ratio or 0.0), r.code)
    )
    ranks = {r.code: i + 1 for i, r in enumerate(order)}
    return sorted(
        (RatioRow(**{**r.__dict__, "rank": ranks.get(r.code)}) for r in rows),
        key=lambda r: (r.rank is None, r.rank or 0, r.code),
    )
