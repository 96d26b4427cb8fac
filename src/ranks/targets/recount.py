"""`ranks counters verify`: the counters against a recount from the records, made in Python by
the rules of `progress.ADMISSION_METRICS` and of the composition (the counters are kept by their SQL statement in
`ranks.counters.sql`, so each checks the other)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Sum
from django.db.models.expressions import RawSQL

from ranks.counters.models import (
    ALL_COLUMNS,
    COLUMNS,
    COMPOSITION_VALUES,
    COVERAGE_COLUMNS,
    TABLES,
    composition_column,
)
from ranks.counters.services import closure_sql
from ranks.org.models import Unit, UnitVersion
from ranks.people.models import Posting
from ranks.targets import progress

COLUMN_OF = progress.COUNTER_COLUMNS
METRIC_OF = {column: metric for metric, column in COLUMN_OF.items()}


@dataclass(frozen=True)
class Difference:
    code: str
    month: dt.date  # the first day of the month; the day itself for coverage (`daily`)
    column: str
    counted: int
    recounted: int
    daily: bool = False


def recount(unit: Unit | None = None) -> dict[tuple[int, dt.date], tuple[int, ...]]:
    """From the records: each (unit, month)'s admissions and segments, for every unit or for
    the unit and every unit ever below it."""
    if unit is None:
        tree = progress.Tree(UnitVersion.objects.select_related("unit", "kind"))
        admissions = progress.admissions_between(None, dt.date.min, dt.date.max)
        wanted = None
    else:
        text, params = closure_sql(unit.pk)
        with connection.cursor() as cursor:
            cursor.execute(text, params)
            wanted = {row[0] for row in cursor.fetchall()}
        tree = progress.Tree(UnitVersion.objects.filter(unit_id__in=wanted))
        admissions = progress.admissions_between(sorted(wanted), dt.date.min, dt.date.max)
    found: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0] * len(ALL_COLUMNS))
    tests = list(progress.ADMISSION_METRICS.values())
    for a in admissions:
        flags = [1 if test(a) else 0 for test in tests]
        values = [
            ALL_COLUMNS.index(composition_column(d, progress.composition_value(a, d)))
            for d, _values in COMPOSITION_VALUES
        ]
        month = a.day.replace(day=1)
        for depth, unit_id in enumerate(tree.chain(a.cell_id, a.day)):
            if wanted is not None and unit_id not in wanted:
                continue
            into = found[(unit_id, month)]
            for i, f in enumerate(flags):
                into[i] += f
            for i in values if depth > 0 else ():  # the composition above the cell
                into[i] += 1
    members = COLUMNS.index("members")
    for unit_id, first, last in _presence(tree, unit):
        if wanted is not None and unit_id not in wanted:
            continue
        found[(unit_id, (first - dt.timedelta(days=1)).replace(day=1))][members] += 1
        if last < dt.date.max:
            found[(unit_id, last.replace(day=1))][members] -= 1
    return {key: tuple(v) for key, v in found.items() if any(v)}


def _presence(tree: progress.Tree, unit: Unit | None):
    """(unit, first day, last day) of each stretch a member was present below a unit: posted to
    a cell from the decision to the day before leaving, on the days the cell and each unit up
    to that one have versions."""
    postings = Posting.objects.all()
    if unit is not None:
        postings = postings.filter(cell_id__in=RawSQL(*closure_sql(unit.pk)))
    rows = postings.values_list(
        "cell_id",
        "valid_from",
        "valid_to",
        "membership__admission_decision_date",
        "membership__left_date",
    )
    for cell_id, start, end, decided, left in rows:
        first = max(start, decided)
        last = min(end or dt.date.max, (left - dt.timedelta(days=1)) if left else dt.date.max)
        stack = [(cell_id, first, last)]
        while stack:
            unit_id, a, b = stack.pop()
            if a > b:
                continue
            for v in tree.by_unit.get(unit_id, ()):
                lo, hi = max(a, v.valid_from or dt.date.min), min(b, v.valid_to or dt.date.max)
                if lo <= hi:
                    yield unit_id, lo, hi
                    if v.parent_id is not None:
                        stack.append((v.parent_id, lo, hi))


def counted(unit: Unit | None = None) -> dict[tuple[int, dt.date], tuple[int, ...]]:
    """What the counters hold: each (unit, month)'s sums in the order of `ALL_COLUMNS`."""
    ids = None
    if unit is not None:
        text, params = closure_sql(unit.pk)
        with connection.cursor() as cursor:
            cursor.execute(text, params)
            ids = [r[0] for r in cursor.fetchall()]
    found: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0] * len(ALL_COLUMNS))
    for model, columns in TABLES:
        rows = model.objects.all() if ids is None else model.objects.filter(unit_id__in=ids)
        sums = rows.values("unit_id", "month").annotate(**{f"s_{c}": Sum(c) for c in columns})
        first = ALL_COLUMNS.index(columns[0])
        for row in sums.order_by():
            into = found[(row["unit_id"], row["month"])]
            for j, c in enumerate(columns):
                into[first + j] = int(row[f"s_{c}"] or 0)
    return {key: tuple(v) for key, v in found.items() if any(v)}


def verify(unit: Unit | None = None) -> list[Difference]:
    """Every (unit, month or day, column) where the counters and the recount differ, in code
    order: the admissions, their composition and the members present by month, then coverage
    by day."""
    from ranks.coverage import recount as coverage_recount

    tables = (
        (counted(unit), recount(unit), ALL_COLUMNS, False),
        (coverage_recount.counted(unit), coverage_recount.recount(unit), COVERAGE_COLUMNS, True),
    )
    keys = {key for have, want, _c, _d in tables for key in have.keys() | want.keys()}
    codes = dict(Unit.objects.filter(pk__in={k[0] for k in keys}).values_list("pk", "code"))
    found = []
    for have, want, columns, daily in tables:
        zero = (0,) * len(columns)
        for key in have.keys() | want.keys():
            a, b = have.get(key, zero), want.get(key, zero)
            for column, x, y in zip(columns, a, b, strict=True):
                if x != y:
                    code = codes.get(key[0], str(key[0]))
                    found.append(Difference(code, key[1], column, x, y, daily))
    order = {c: i for i, c in enumerate((*ALL_COLUMNS, *COVERAGE_COLUMNS))}
    return sorted(found, key=lambda d: (d.daily, d.code, d.month, order[d.column]))
