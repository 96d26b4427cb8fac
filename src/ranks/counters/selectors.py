"""Reads of the counters: the cost is the units asked times the months asked."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.db import connection
from django.db.models import Q, Sum
from django.db.models.expressions import RawSQL

from ranks.core.replica import read_connection
from ranks.counters import sql as counters_sql
from ranks.counters.models import (
    ALL_COLUMNS,
    COLUMNS,
    COMPOSITION,
    COMPOSITION_COLUMNS,
    COVERAGE_COLUMNS,
    IN_PIPELINE_COLUMNS,
    MOVEMENT_COLUMNS,
    PIPELINE_COLUMNS,
    STAGE_COLUMNS,
    STAGE_SIDES,
    STAGES_ALONE,
    STAGES_BY_SIDE,
    AdmissionCount,
    CellStartCount,
    CompositionCount,
    CoverageCount,
    FoldMark,
    MovementCount,
    PipelineCount,
    StageCount,
)
from ranks.counters.rollup import Key, Vector, counts_of, id_lists

ZERO: Vector = (0,) * len(COLUMNS)
T = TypeVar("T")


# A page's reads, by what was read: values of several shapes, each read back by its own key.
_read: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("counters_read", default=None)


@contextmanager
def reading() -> Iterator[None]:
    """One page's reads: what it read of the counters once is taken again from memory (a page
    asks the unit's months for its progress, each segment's and the ratio's). Only around a
    read that writes nothing."""
    token = _read.set({})
    try:
        yield
    finally:
        _read.reset(token)


def once(key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """Within `reading()`, what `compute` gave for `key` the first time (the tree of the units a
    page shows, read for its progress and again for each segment); outside it, computed."""
    cache = _read.get()
    if cache is None:
        return compute()
    key = ("once", *key)
    if key not in cache:
        cache[key] = compute()
    return cast(T, cache[key])  # what `compute` gave under this key


# The triggers of `FigureGeneration` (counters migrations 0014 and 0015).
_FIGURE_TRIGGERS = ", ".join(
    f"{table}_{column}_changed"
    for column, tables in (
        (
            "admissions",
            (
                "counters_admissioncount",
                "counters_compositioncount",
                "counters_movementcount",
                "counters_cellstartcount",
                "people_membership",
                "targets_target",
                "targets_termtarget",  # migration 0015
            ),
        ),
        (
            "pipeline",
            (
                "counters_pipelinecount",
                "counters_stagecount",
                "pipeline_candidate",
                "pipeline_stageevent",
                "targets_target",
            ),
        ),
    )
    for table in tables
)


# The triggers of the tree's generation (restructure migration 0004).
_TREE_TRIGGERS = ", ".join(
    f"{table}_tree_changed"
    for table in (
        "org_unit",
        "org_unitkind",
        "org_unitversion",
        "restructure_restructure",
        "restructure_restructureunit",
    )
)


# The three generations, each a scalar sub-select: read on their own, or on another query's row.
_GENERATIONS = {
    "tree_generation": "(SELECT generation FROM restructure_treegeneration WHERE id = 1)",
    "admissions_generation": "(SELECT admissions FROM counters_figuregeneration WHERE id = 1)",
    "pipeline_generation": "(SELECT pipeline FROM counters_figuregeneration WHERE id = 1)",
}


def generations_alongside() -> dict[str, RawSQL] | None:
    """The generations as annotations, to be read on the row of a query a page makes anyway (its
    unit's) instead of a round trip of their own; read them back with `generations_of`. None
    where they must be read on their own (`generations`): on PostgreSQL inside a transaction,
    whose own triggers are fired first."""
    db = read_connection()
    if db.vendor == "postgresql" and db.in_atomic_block:
        return None
    return {name: RawSQL(select, []) for name, select in _GENERATIONS.items()}


def generations_of(row: Any) -> tuple[int, int, int]:
    """The generations annotated on `row` by `generations_alongside`, else read now."""
    if not hasattr(row, "tree_generation"):
        return generations()
    return tuple(getattr(row, name) or 0 for name in _GENERATIONS)  # type: ignore[return-value]


def generations() -> tuple[int, int, int]:
    """The generations of the tree (`restructure.TreeGeneration`), of the admissions' figures and
    of the pipeline's (`FigureGeneration`), in one query: numbers that change whenever a unit, a
    counter, a record counted or a target they watch changes. Read from the connection the
    figures are read from (a replica's own, behind it as its figures are).

    On PostgreSQL, inside a transaction that wrote, the triggers of its writes are fired first
    (they wait for the commit otherwise) and its flags cleared, so that a write after this read
    raises them again: a test, or a request that reads what it has just written, sees it."""
    db = read_connection()
    select = "SELECT " + ", ".join(_GENERATIONS.values())
    with db.cursor() as cursor:
        if db.vendor == "postgresql" and db.in_atomic_block:
            triggers = f"{_TREE_TRIGGERS}, {_FIGURE_TRIGGERS}"
            cursor.execute(f"SET CONSTRAINTS {triggers} IMMEDIATE")
            cursor.execute(
                f"{select}, set_config('ranks.tree_changed', '', true),"
                " set_config('ranks.figures_admissions', '', true),"
                " set_config('ranks.figures_pipeline', '', true)"
            )
            row = cursor.fetchone()
            cursor.execute(f"SET CONSTRAINTS {triggers} DEFERRED")
        else:
            cursor.execute(select)
            row = cursor.fetchone()
    return row[0] or 0, row[1] or 0, row[2] or 0


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def admissions_by_month(
    unit_ids: Collection[int], first: dt.date, last: dt.date
) -> dict[int, dict[dt.date, Vector]]:
    """For each unit: the counts of each month from `first`'s month to `last`'s (months with
    nothing left out), in the order of `COLUMNS`. One query, read as plain rows (a province's
    children over four years are thousands of them)."""
    found: dict[int, dict[dt.date, Vector]] = defaultdict(dict)
    cache = _read.get()
    held: dict[int, dict[dt.date, Vector]] = {}
    if cache is not None:
        held = cache.setdefault(("months", month_of(first), month_of(last)), {})
        for unit_id in set(unit_ids) & held.keys():
            if held[unit_id]:
                found[unit_id] = held[unit_id]
    wanted = sorted(set(unit_ids) - held.keys())
    if not wanted:
        return found
    sums = ", ".join(f"SUM({c})" for c in COLUMNS)
    marks = ", ".join(["%s"] * len(wanted))
    with read_connection().cursor() as cursor:
        cursor.execute(
            f"SELECT unit_id, month, {sums} FROM {AdmissionCount._meta.db_table}"
            f" WHERE unit_id IN ({marks}) AND month >= %s AND month <= %s"
            " GROUP BY unit_id, month",
            [*wanted, _day_param(month_of(first)), _day_param(month_of(last))],
        )
        rows = cursor.fetchall()
    for unit_id, month, *values in rows:
        vector = tuple(int(v or 0) for v in values)
        if any(vector):
            found[unit_id][_as_date(month)] = vector
    if cache is not None:
        for unit_id in wanted:
            held[unit_id] = found.get(unit_id, {})
    return found


def _day_param(day: dt.date) -> dt.date | str:
    # SQLite keeps dates as ISO text: compare text with text, as Django does.
    return day.isoformat() if connection.vendor == "sqlite" else day


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def decided_after_in_month(unit_ids: Collection[int], day: dt.date) -> dict[int, Vector]:
    """What the counters of `day`'s month hold for admissions decided after `day`: to take away
    for a figure on `day` that is not a month end (the admission columns of `ALL_COLUMNS`)."""
    return decided_outside(unit_ids, month_of(day), day)


def _month_end(day: dt.date) -> dt.date:
    return (month_of(day) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def decided_outside(unit_ids: Collection[int], start: dt.date, end: dt.date) -> dict[int, Vector]:
    """What the counters of the months from `start`'s to `end`'s hold for admissions decided
    before `start` or after `end`: to take away for a period that does not start on the first of
    a month or end on a month's last day. Only the admission columns of `ALL_COLUMNS` are
    meaningful (the members column holds those admissions' presence). Reads the admissions of
    those few days in the whole database (through the index on the decision date), not the
    units' members."""
    from ranks.people.models import Membership

    first, last = month_of(start), _month_end(end)
    days = Q(admission_decision_date__gte=first, admission_decision_date__lt=start) | Q(
        admission_decision_date__gt=end, admission_decision_date__lte=last
    )
    if start <= first and end >= last:
        return {}
    cache = _read.get()
    key = ("outside", first, start, end, last)
    if cache is not None and key in cache:
        counts: dict[Key, Vector] = cache[key]
    else:
        ids = Membership.objects.filter(days).values_list("pk", flat=True)
        counts = counts_of(list(ids))
        if cache is not None:
            cache[key] = counts
    wanted = set(unit_ids)
    months = {first, month_of(end)}
    found: dict[int, list[int]] = {}
    for (unit_id, month), values in counts.items():
        if month in months and unit_id in wanted:
            into = found.setdefault(unit_id, [0] * len(ALL_COLUMNS))
            for i, v in enumerate(values):
                into[i] += v
    return {unit_id: tuple(v) for unit_id, v in found.items()}


def pipeline_by_month(
    unit_ids: Collection[int], first: dt.date, last: dt.date, on: dt.date
) -> tuple[dict[int, dict[dt.date, Vector]], dict[int, Vector]]:
    """For each unit: the pipeline's counts (`PIPELINE_COLUMNS`) of each month from `first`'s
    month to `last` (months with nothing left out), and what `on`'s month holds after `on` (to
    take away for a figure on `on`). One query, whose cost is the units asked times the days
    with an event in the period."""
    by_month: dict[int, dict[dt.date, Vector]] = defaultdict(dict)
    late: dict[int, Vector] = {}
    wanted = sorted(set(unit_ids))
    if not wanted:
        return by_month, late
    parts = counters_sql.vendor_parts(connection.vendor)
    month = parts["month"].format(x="day")
    sums = ", ".join(f"SUM({c})" for c in PIPELINE_COLUMNS)
    after = ", ".join(f"SUM(CASE WHEN day > %s THEN {c} ELSE 0 END)" for c in PIPELINE_COLUMNS)
    marks = ", ".join(["%s"] * len(wanted))
    with read_connection().cursor() as cursor:
        cursor.execute(
            f"SELECT unit_id, {month}, {sums}, {after} FROM {PipelineCount._meta.db_table}"
            f" WHERE unit_id IN ({marks}) AND day >= %s AND day <= %s GROUP BY unit_id, {month}",
            [*([_day_param(on)] * len(PIPELINE_COLUMNS)), *wanted]
            + [_day_param(month_of(first)), _day_param(last)],
        )
        rows = cursor.fetchall()
    width = len(PIPELINE_COLUMNS)
    for unit_id, when, *values in rows:
        vector = tuple(int(v or 0) for v in values[:width])
        if any(vector):
            by_month[unit_id][_as_date(when)] = vector
        taken = tuple(int(v or 0) for v in values[width:])
        if any(taken) and _as_date(when) == month_of(on):
            late[unit_id] = taken
    return by_month, late


def admitted_between(unit_ids: Collection[int], start: dt.date, end: dt.date) -> dict[int, int]:
    """The admissions decided below each unit from `start` to `end`: its months, less the days
    of the first and last month outside the period (`decided_outside`)."""
    found = {
        unit_id: sum(v[0] for v in months.values())
        for unit_id, months in admissions_by_month(unit_ids, start, end).items()
    }
    for unit_id, cut in decided_outside(unit_ids, start, end).items():
        found[unit_id] = found.get(unit_id, 0) - cut[0]
    return found


def movement_between(unit_ids: Collection[int], start: dt.date, end: dt.date) -> dict[int, Vector]:
    """The members transferred in and out of each unit and those who left, from `start` to
    `end` (`MOVEMENT_COLUMNS`). One query over the units' days in the period."""
    sums = (
        MovementCount.objects.filter(unit_id__in=list(unit_ids), day__gte=start, day__lte=end)
        .values("unit_id")
        .annotate(**{c: Sum(c) for c in MOVEMENT_COLUMNS})
    )
    return {
        row["unit_id"]: tuple(int(row[c] or 0) for c in MOVEMENT_COLUMNS)  # type: ignore[literal-required]  # annotated by name above
        for row in sums.order_by()
    }


@dataclass(frozen=True)
class YearToDate:
    """A unit's year from 1 January to a day: the admissions below it and its movement."""

    start: dt.date
    admitted: int
    transfers_in: int
    transfers_out: int
    leavings: int


def unit_year_to_date(*, unit_id: int, day: dt.date) -> YearToDate:
    """The admissions decided below the unit and its movement (`MOVEMENT_COLUMNS`) from the first
    of `day`'s year to `day`, from the counters."""
    start = dt.date(day.year, 1, 1)
    moved = movement_between([unit_id], start, day).get(unit_id, (0, 0, 0))
    return YearToDate(
        start=start,
        admitted=admitted_between([unit_id], start, day).get(unit_id, 0),
        **dict(zip(MOVEMENT_COLUMNS, moved, strict=True)),
    )


def composition_between(
    unit_id: int, start: dt.date, end: dt.date
) -> tuple[int, dict[str, dict[str, int]]]:
    """The admissions decided below the unit from `start` to `end`, and their count by each
    value of each dimension of `COMPOSITION` (values with none left out). Three queries, and the
    admissions of the days that cut a month (`decided_outside`)."""
    return composition_of_units([unit_id], start, end)


def composition_of_units(
    unit_ids: Collection[int], start: dt.date, end: dt.date
) -> tuple[int, dict[str, dict[str, int]]]:
    """`composition_between` of several units added up (units no cell is below at once: a
    figure restated in another tree, `ranks.targets.progress`). Three queries, whatever the
    number of units."""
    ids = sorted(unit_ids)
    rows = CompositionCount.objects.filter(
        unit_id__in=ids, month__gte=month_of(start), month__lte=month_of(end)
    ).aggregate(**{c: Sum(c) for c in COMPOSITION_COLUMNS})
    sums = {c: int(rows[c] or 0) for c in COMPOSITION_COLUMNS}
    total = sum(admitted_between(ids, start, end).values())
    for cut in decided_outside(ids, start, end).values():
        for c in COMPOSITION_COLUMNS:
            sums[c] -= cut[ALL_COLUMNS.index(c)]
    by: dict[str, dict[str, int]] = defaultdict(dict)
    ranked = sorted(COMPOSITION, key=lambda x: -sums[x[2]])  # most first, then in list order
    for dimension, value, column in ranked:
        if sums[column]:
            by[dimension][value] = sums[column]
    return total, by


def members_on(unit_ids: Collection[int], day: dt.date) -> dict[int, int]:
    """Party members (probationary or official) below each unit on `day`, the first day of a
    month: the sum of the presence deltas of the months before it. One query."""
    if day.day != 1:
        raise ValueError("members_on counts on the first day of a month")
    found: dict[int, int] = defaultdict(int)
    if not unit_ids:
        return found
    rows = (
        AdmissionCount.objects.filter(unit_id__in=list(unit_ids), month__lt=day)
        .values("unit_id")
        .annotate(n=Sum("members"))
        .order_by()
    )
    for row in rows:
        found[row["unit_id"]] = int(row["n"] or 0)
    return found


def present_on(unit_ids: Collection[int], day: dt.date) -> dict[int, tuple[int, int]]:
    """Party members (probationary or official) below each unit on `day`, and the official ones
    among them: the counters' figure on the first day of the nearer month (`day`'s or the
    next), plus or minus what the days between changed, counted from the few memberships those
    days touch (found through the indexes on the dates that start or end a presence, and the
    units whose versions start or end then). The cost is the units asked times the months, and
    the country's changes of at most half a month; never the members below the units."""
    wanted = sorted(set(unit_ids))
    found: dict[int, list[int]] = {unit_id: [0, 0] for unit_id in wanted}
    if not wanted:
        return {}
    first = month_of(day)
    following = _month_end(day) + dt.timedelta(days=1)
    forward = (day - first) <= (following - day)
    base = first if forward else following
    rows = (
        AdmissionCount.objects.filter(unit_id__in=wanted, month__lt=base)
        .values("unit_id")
        .annotate(n=Sum("members"), o=Sum("official"))
        .order_by()
    )
    for row in rows:
        found[row["unit_id"]] = [int(row["n"] or 0), int(row["o"] or 0)]
    if day != base:
        sign = 1 if forward else -1
        low, high = (first, day) if forward else (day, following)
        for unit_id, members, official in _changed_between(low, high):
            if unit_id in found:
                found[unit_id][0] += sign * int(members or 0)
                found[unit_id][1] += sign * int(official or 0)
    return {unit_id: (n, o) for unit_id, (n, o) in found.items()}


# Units with fewer members than this between them are counted from their records (a commune's
# few hundred, read through the postings' cell index, cost less than the country's changes of
# a few days that `present_on` reads).
RECORDS_LIMIT = 5_000


def member_counts(unit_ids: Collection[int], day: dt.date) -> dict[int, dict[str, int]]:
    """For each unit: its official, probationary and all members on `day`: from the counters
    (`present_on`), or, for units with fewer than `RECORDS_LIMIT` members between them on the
    first of the month, from their records (`people.selectors.member_counts_below`), whichever
    reads less."""
    from ranks.people.selectors import member_counts_below

    wanted = sorted(set(unit_ids))
    if sum(members_on(wanted, month_of(day)).values()) < RECORDS_LIMIT:
        return member_counts_below(wanted, day)
    return {
        unit_id: {"official": official, "probationary": total - official, "total": total}
        for unit_id, (total, official) in present_on(wanted, day).items()
    }


def _changed_between(first: dt.date, day: dt.date) -> list[tuple[int, int, int]]:
    """(unit, members, official) changed from `first` to `day` (`counters_sql.presence_window`),
    over every membership a presence of which starts or ends within those days."""
    after, before = first + dt.timedelta(days=1), day - dt.timedelta(days=1)
    f, d, a, b = (_day_param(x) for x in (first, day, after, before))
    # The units whose versions start or end within the days clip the presences of every cell
    # ever below them (more memberships than needed only adds presences that do not change).
    below = (
        "SELECT DISTINCT p.membership_id FROM people_posting p WHERE p.cell_id IN ("
        " WITH RECURSIVE below(unit_id) AS ("
        " SELECT unit_id FROM org_unitversion WHERE valid_from BETWEEN %s AND %s"
        " OR valid_to BETWEEN %s AND %s"
        " UNION SELECT v.unit_id FROM org_unitversion v JOIN below b ON v.parent_id = b.unit_id)"
        " SELECT unit_id FROM below)"
    )
    ids = (
        "SELECT id FROM people_membership WHERE admission_decision_date BETWEEN %s AND %s"
        " UNION SELECT id FROM people_membership WHERE left_date BETWEEN %s AND %s"
        " UNION SELECT id FROM people_membership WHERE official_date BETWEEN %s AND %s"
        " UNION SELECT membership_id FROM people_posting WHERE valid_from BETWEEN %s AND %s"
        " UNION SELECT membership_id FROM people_posting WHERE valid_to BETWEEN %s AND %s"
        f" UNION {below}"
    )
    params = [a, d, a, d, a, d, a, d, f, b, a, d, f, b]
    cache = _read.get()
    key = ("window", first, day)
    if cache is not None and key in cache:
        return cast(list[tuple[int, int, int]], cache[key])  # the rows kept below
    rows: list[tuple[int, int, int]] = []
    with read_connection().cursor() as cursor:
        # The ids first, then the window over them as a list: planned over the whole union,
        # PostgreSQL guessed a hundred times the memberships and scanned every posting.
        cursor.execute(ids, params)
        found = [row[0] for row in cursor.fetchall()]
        for chosen, more in id_lists(found):
            window = counters_sql.presence_window(chosen, connection.vendor)
            cursor.execute(window, [*more, f, d])
            rows += cursor.fetchall()
    if cache is not None:
        cache[key] = rows
    return rows


def coverage_sums(
    unit_ids: Collection[int], days: Collection[dt.date]
) -> dict[tuple[int, dt.date], tuple[int, ...]]:
    """For each unit and each day: its places, those with a member and those with a cell on
    that day, in all, by kind and by flag (the order of `COVERAGE_COLUMNS`); units with no
    place left out. One query: each unit's delta rows up to each day, added up."""
    found: dict[tuple[int, dt.date], tuple[int, ...]] = {}
    wanted, chosen = sorted(set(unit_ids)), sorted(set(days))
    if not wanted or not chosen:
        return found
    day = "CAST(%s AS date)" if connection.vendor == "postgresql" else "%s"
    picked = " UNION ALL ".join(f"SELECT %s AS i, {day} AS day" for _ in chosen)
    sums = ", ".join(f"SUM(c.{c})" for c in COVERAGE_COLUMNS)
    marks = ", ".join(["%s"] * len(wanted))
    params: list[Any] = [x for i, d in enumerate(chosen) for x in (i, d)]
    with read_connection().cursor() as cursor:
        cursor.execute(
            f"SELECT d.i, c.unit_id, {sums} FROM ({picked}) d"
            f" JOIN {CoverageCount._meta.db_table} c ON c.day <= d.day"
            f" WHERE c.unit_id IN ({marks}) GROUP BY d.i, c.unit_id",
            [*params, *wanted],
        )
        for i, unit_id, *values in cursor.fetchall():
            vector = tuple(int(v or 0) for v in values)
            if vector[COVERAGE_COLUMNS.index("all_places")]:
                found[(unit_id, chosen[i])] = vector
    return found


def stages_on(unit_ids: Collection[int], day: dt.date) -> dict[int, dict[str, int]]:
    """For each unit: its candidates on `day` by the columns of `STAGE_COLUMNS` (those with none
    left out), counted from the day each was added to a source list. One query: each unit's
    delta rows up to the day, added up."""
    found: dict[int, dict[str, int]] = {}
    if not unit_ids:
        return found
    sums = (
        StageCount.objects.filter(unit_id__in=sorted(set(unit_ids)), day__lte=day)
        .values("unit_id")
        .annotate(**{c: Sum(c) for c in STAGE_COLUMNS})
        .order_by()
    )
    for row in sums:
        counts = {c: int(row[c] or 0) for c in STAGE_COLUMNS if row[c]}  # type: ignore[literal-required]  # annotated by name above
        if counts:
            found[row["unit_id"]] = counts
    return found


def by_stage(counts: dict[str, int]) -> dict[str, int]:
    """A unit's candidates by main stage (every side state together), from `stages_on`."""
    found = dict.fromkeys(STAGES_BY_SIDE + STAGES_ALONE, 0)
    for stage in STAGES_ALONE:
        found[stage] = counts.get(f"stage_{stage}", 0)
    for stage in STAGES_BY_SIDE:
        found[stage] = sum(counts.get(f"stage_{stage}_{side}", 0) for side in STAGE_SIDES)
    return found


def in_pipeline(counts: dict[str, int]) -> int:
    """A unit's candidates still in the pipeline (`IN_PIPELINE_COLUMNS`), from `stages_on`."""
    return sum(counts.get(c, 0) for c in IN_PIPELINE_COLUMNS)


def cell_counts(unit_ids: Collection[int], day: dt.date) -> dict[int, dict[str, Any]]:
    """For each unit of `unit_ids` (the cells of a subtree): its members and official members
    present on `day` (`present_on`'s reading), its candidates still in the pipeline
    (`IN_PIPELINE_COLUMNS`), and the months of its last admission by the end of `day`'s month
    (`last`) and before that month (`earlier`).

    When the last fold counted the cells up to a day not after `day`'s month (`CellStartCount`:
    the first of this month, or 1 January of a recent year), those figures are added to the
    cells' rows from that day and the rows written since the fold: the cost is the cells and
    the rows of a few days (today) or months (a day of a recent year). Otherwise every month
    of the cells' history is read. The units go to the database as one array parameter, so that PostgreSQL
    plans for as many as there are."""
    first = month_of(day)
    following = _month_end(day) + dt.timedelta(days=1)
    forward = (day - first) <= (following - day)
    base = first if forward else following
    found: dict[int, dict[str, Any]] = {
        unit_id: {"members": 0, "official": 0, "candidates": 0, "last": None, "earlier": None}
        for unit_id in unit_ids
    }
    if not found:
        return found
    mark = FoldMark.objects.first()
    start = mark.start_for(first) if mark is not None else None
    ids = sorted(found)
    _months(found, ids, day, base, start)
    if mark is not None and start is not None:
        doubt = _since_fold(found, ids, start, mark)
        held = CellStartCount.objects.filter(unit_id__in=_ids_param(ids), start=start)
        for unit_id, members, official, candidates, last in held.values_list(
            "unit_id", "members", "official", "candidates", "last_admission"
        ):
            into = found[unit_id]
            into["members"] += members
            into["official"] += official
            into["candidates"] += candidates
            if unit_id not in doubt:
                into["last"] = into["last"] or last
                into["earlier"] = into["earlier"] or last
        if doubt:  # an admission written since the fold into a month before the year
            again = {u: dict(found[u], last=None, earlier=None) for u in sorted(doubt)}
            _months(again, sorted(doubt), day, base, None, presence=False)
            for unit_id, figures in again.items():
                found[unit_id]["last"], found[unit_id]["earlier"] = (
                    figures["last"],
                    figures["earlier"],
                )
    if day != base:
        sign = 1 if forward else -1
        low, high = (first, day) if forward else (day, following)
        for unit_id, members, official in _changed_between(low, high):
            if unit_id in found:
                found[unit_id]["members"] += sign * int(members or 0)
                found[unit_id]["official"] += sign * int(official or 0)
    return found


def _ids_param(ids: list[int]) -> RawSQL:
    """The ids for `unit_id__in`: an array sub-select (one parameter, whatever their number)."""
    (text, params), *_rest = id_lists(ids)
    return RawSQL(text, params)


def _where_units(ids_sql: str) -> str:
    # PostgreSQL plans `= ANY(array)` for the array's length (an index scan in unit order);
    # `IN (SELECT unnest(…))` for a few rows (a lookup per unit, twice as long).
    return "unit_id = ANY(%s)" if connection.vendor == "postgresql" else f"unit_id IN ({ids_sql})"


def _months(
    found: dict[int, dict[str, Any]],
    ids: list[int],
    day: dt.date,
    base: dt.date,
    since: dt.date | None,
    presence: bool = True,
) -> None:
    """Add the cells' rows from `since` (all of them for None) to `found`: the presence before
    `base`, the months whose admissions add up to more than none (a correction leaves a +1 and
    a −1 in one month), the last by `day`'s month and the last before it; and the candidates
    in the pipeline on `day`."""
    first = month_of(day)
    admissions = AdmissionCount._meta.db_table
    stages = StageCount._meta.db_table
    pipeline = " + ".join(IN_PIPELINE_COLUMNS)
    f, b, last_month = (_day_param(x) for x in (first, base, max(first, base)))
    lower, lower_params = ("", []) if since is None else (" AND month >= %s", [_day_param(since)])
    with read_connection().cursor() as cursor:
        for ids_sql, params in id_lists(ids):
            where = _where_units(ids_sql)
            cursor.execute(
                "SELECT unit_id, SUM(CASE WHEN month < %s THEN m ELSE 0 END),"
                " SUM(CASE WHEN month < %s THEN o ELSE 0 END),"
                " MAX(CASE WHEN a > 0 AND month <= %s THEN month END),"
                " MAX(CASE WHEN a > 0 AND month < %s THEN month END) FROM ("
                " SELECT unit_id, month, SUM(members) AS m, SUM(official) AS o,"
                f" SUM(admissions) AS a FROM {admissions}"
                f" WHERE {where} AND month <= %s{lower} GROUP BY unit_id, month) x"
                " GROUP BY unit_id",
                [b, b, f, f, *params, last_month, *lower_params],
            )
            for unit_id, members, official, last, earlier in cursor.fetchall():
                into = found[unit_id]
                if presence:
                    into["members"] += int(members or 0)
                    into["official"] += int(official or 0)
                into["last"] = _as_date(last) if last else None
                into["earlier"] = _as_date(earlier) if earlier else None
            if not presence:
                continue
            day_lower = "" if since is None else " AND day >= %s"
            cursor.execute(
                f"SELECT unit_id, SUM({pipeline}) FROM {stages}"
                f" WHERE {where} AND day <= %s{day_lower} GROUP BY unit_id",
                [*params, _day_param(day), *lower_params],
            )
            for unit_id, candidates in cursor.fetchall():
                found[unit_id]["candidates"] += int(candidates or 0)


def _since_fold(
    found: dict[int, dict[str, Any]], ids: list[int], start: dt.date, mark: FoldMark
) -> set[int]:
    """Add the rows written since the fold into the months (or days) before `start`; return
    the cells whose admissions they moved (their last admission is read again)."""
    admissions, stages = AdmissionCount._meta.db_table, StageCount._meta.db_table
    pipeline = " + ".join(IN_PIPELINE_COLUMNS)
    y = _day_param(start)
    doubt: set[int] = set()
    materialized = "MATERIALIZED" if connection.vendor == "postgresql" else ""
    with read_connection().cursor() as cursor:
        for ids_sql, params in id_lists(ids):
            where = _where_units(ids_sql)
            # The rows since the fold first, through the primary key (as a subquery planned on
            # its own: with the units' index PostgreSQL read every row of the units).
            cursor.execute(
                f"WITH r AS {materialized} (SELECT * FROM {admissions} WHERE id > %s)"
                " SELECT unit_id, SUM(members), SUM(official),"
                " SUM(CASE WHEN admissions <> 0 THEN 1 ELSE 0 END)"
                f" FROM r WHERE month < %s AND {where} GROUP BY unit_id",
                [mark.admissions_upto, y, *params],
            )
            for unit_id, members, official, moved in cursor.fetchall():
                found[unit_id]["members"] += int(members or 0)
                found[unit_id]["official"] += int(official or 0)
                if moved:
                    doubt.add(unit_id)
            cursor.execute(
                f"WITH r AS {materialized} (SELECT * FROM {stages} WHERE id > %s)"
                f" SELECT unit_id, SUM({pipeline}) FROM r"
                f" WHERE day < %s AND {where} GROUP BY unit_id",
                [mark.stages_upto, y, *params],
            )
            for unit_id, candidates in cursor.fetchall():
                found[unit_id]["candidates"] += int(candidates or 0)
    return doubt


# --- restated in the structure of a date (docs/progress.md) ------------------------------------


def _pairs_source(pairs: list[tuple[int, int]]) -> tuple[str, list[Any]]:
    """The (cell, unit) pairs as a relation `m(cell_id, unit_id)`: one array parameter."""
    if connection.vendor == "postgresql":
        return (
            "unnest(%s::bigint[], %s::bigint[]) AS m(cell_id, unit_id)",
            [[c for c, _u in pairs], [u for _c, u in pairs]],
        )
    import json

    return (
        "(SELECT json_extract(value, '$[0]') AS cell_id, json_extract(value, '$[1]') AS unit_id"
        " FROM json_each(%s)) AS m",
        [json.dumps(pairs)],
    )


def admissions_by_month_of_cells(
    pairs: list[tuple[int, int]], first: dt.date, last: dt.date
) -> dict[int, dict[dt.date, Vector]]:
    """`admissions_by_month` for units made of the cells `pairs` gives them ((cell, unit), a
    cell counted for each unit it is paired with): the cells' own rows, added up by unit and
    month in one grouped query. Its cost is the cells times the months, not the members."""
    found: dict[int, dict[dt.date, Vector]] = defaultdict(dict)
    if not pairs:
        return found
    source, params = _pairs_source(pairs)
    sums = ", ".join(f"SUM(c.{c})" for c in COLUMNS)
    with read_connection().cursor() as cursor:
        cursor.execute(
            f"SELECT m.unit_id, c.month, {sums} FROM {source}"
            f" JOIN {AdmissionCount._meta.db_table} c ON c.unit_id = m.cell_id"
            " WHERE c.month >= %s AND c.month <= %s GROUP BY m.unit_id, c.month",
            [*params, _day_param(month_of(first)), _day_param(month_of(last))],
        )
        rows = cursor.fetchall()
    for unit_id, month, *values in rows:
        vector = tuple(int(v or 0) for v in values)
        if any(vector):
            found[int(unit_id)][_as_date(month)] = vector
    return found


def pipeline_by_month_of_cells(
    pairs: list[tuple[int, int]], first: dt.date, last: dt.date, on: dt.date
) -> tuple[dict[int, dict[dt.date, Vector]], dict[int, Vector]]:
    """`pipeline_by_month` for units made of the cells `pairs` gives them: one grouped query over
    the cells' rows."""
    by_month: dict[int, dict[dt.date, Vector]] = defaultdict(dict)
    late: dict[int, Vector] = {}
    if not pairs:
        return by_month, late
    source, params = _pairs_source(pairs)
    parts = counters_sql.vendor_parts(connection.vendor)
    month = parts["month"].format(x="c.day")
    sums = ", ".join(f"SUM(c.{c})" for c in PIPELINE_COLUMNS)
    after = ", ".join(f"SUM(CASE WHEN c.day > %s THEN c.{c} ELSE 0 END)" for c in PIPELINE_COLUMNS)
    with read_connection().cursor() as cursor:
        cursor.execute(
            f"SELECT m.unit_id, {month}, {sums}, {after} FROM {source}"
            f" JOIN {PipelineCount._meta.db_table} c ON c.unit_id = m.cell_id"
            f" WHERE c.day >= %s AND c.day <= %s GROUP BY m.unit_id, {month}",
            [*([_day_param(on)] * len(PIPELINE_COLUMNS)), *params]
            + [_day_param(month_of(first)), _day_param(last)],
        )
        rows = cursor.fetchall()
    width = len(PIPELINE_COLUMNS)
    for unit_id, when, *values in rows:
        vector = tuple(int(v or 0) for v in values[:width])
        if any(vector):
            by_month[int(unit_id)][_as_date(when)] = vector
        taken = tuple(int(v or 0) for v in values[width:])
        if any(taken) and _as_date(when) == month_of(on):
            late[int(unit_id)] = taken
    return by_month, late


def regrouped(per_cell: dict[int, Any], pairs: list[tuple[int, int]]) -> dict[int, list[int]]:
    """Vectors (or numbers) of cells added up into the units `pairs` pairs them with."""
    found: dict[int, list[int]] = {}
    for cell, unit in pairs:
        value = per_cell.get(cell)
        if value is None:
            continue
        values = value if isinstance(value, (tuple, list)) else (value,)
        into = found.setdefault(unit, [0] * len(values))
        for i, v in enumerate(values):
            into[i] += v
    return found
