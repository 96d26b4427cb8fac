"""The coverage counters recounted from the records in Python, for `ranks counters verify`: the
rules of `ranks.coverage.selectors.Records`, stated apart from the SQL that keeps the counters
(`ranks.counters.coverage_sql`), so that each checks the other."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection
from django.db.models import Sum

from ranks.counters.models import COVERAGE_COLUMNS, CoverageCount
from ranks.counters.services import closure_sql
from ranks.org.models import PlaceVersion, Unit, UnitVersion
from ranks.org.tree import AREA_FLAGS
from ranks.people.models import PersonPlace
from ranks.targets.progress import Tree

Key = tuple[int, dt.date]
Period = tuple[dt.date, dt.date]


def _merged(periods: list[Period]) -> list[Period]:
    """The periods joined where they overlap or touch."""
    found: list[list[dt.date]] = []
    for a, b in sorted(p for p in periods if p[0] <= p[1]):
        if found and (found[-1][1] == dt.date.max or found[-1][1] + dt.timedelta(days=1) >= a):
            found[-1][1] = max(found[-1][1], b)
        else:
            found.append([a, b])
    return [(a, b) for a, b in found]


def _column(group: str, measure: str) -> int:
    return COVERAGE_COLUMNS.index(f"{group}_{measure}")


def _closure(unit: Unit) -> set[int]:
    text, params = closure_sql(unit.pk)
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        return {row[0] for row in cursor.fetchall()}


def recount(unit: Unit | None = None) -> dict[Key, tuple[int, ...]]:
    """From the records: each (unit, day)'s change in coverage, for every unit or for the unit
    and every unit ever below it."""
    wanted = None if unit is None else _closure(unit)
    tree = Tree(UnitVersion.objects.all())
    versions = PlaceVersion.objects.all()
    if wanted is not None:
        versions = versions.filter(unit_id__in=wanted)
    versions = list(versions.prefetch_related("cells"))
    lived: dict[int, list[Period]] = defaultdict(list)
    rows = PersonPlace.objects.filter(
        place_id__in={v.place_id for v in versions}, person__memberships__isnull=False
    ).values_list(
        "place_id",
        "valid_from",
        "valid_to",
        "person__memberships__admission_decision_date",
        "person__memberships__left_date",
    )
    for place_id, vf, vt, admitted, left in rows:
        a = max(vf or dt.date.min, admitted)
        b = min(vt or dt.date.max, left - dt.timedelta(days=1) if left else dt.date.max)
        lived[place_id].append((a, b))
    lived_merged = {place_id: _merged(periods) for place_id, periods in lived.items()}
    found: dict[Key, list[int]] = defaultdict(lambda: [0] * len(COVERAGE_COLUMNS))

    def add(unit_id: int, a: dt.date, b: dt.date, columns: list[int]) -> None:
        if a > b or (wanted is not None and unit_id not in wanted):
            return
        for i in columns:
            found[(unit_id, a)][i] += 1
            if b < dt.date.max:
                found[(unit_id, b + dt.timedelta(days=1))][i] -= 1

    for v in versions:
        va, vb = v.valid_from or dt.date.min, v.valid_to or dt.date.max
        based = _merged(
            [
                (max(va, x.valid_from or dt.date.min), min(vb, x.valid_to or dt.date.max))
                for cell in v.cells.all()
                for x in tree.by_unit.get(cell.pk, ())
            ]
        )
        for unit_id, a, b, flags in _spans(tree, v, va, vb):
            groups = ["all", f"kind_{v.kind}", *(f"flag_{f}" for f in AREA_FLAGS if f in flags)]
            groups = [g for g in groups if f"{g}_places" in COVERAGE_COLUMNS]
            add(unit_id, a, b, [_column(g, "places") for g in groups])
            for ma, mb in lived_merged.get(v.place_id, ()):
                add(unit_id, max(a, ma), min(b, mb), [_column(g, "members") for g in groups])
            for ca, cb in based:
                add(unit_id, max(a, ca), min(b, cb), [_column(g, "cell") for g in groups])
    return {key: tuple(v) for key, v in found.items() if any(v)}


def _spans(tree: Tree, version: PlaceVersion, a: dt.date, b: dt.date):
    """(unit, first day, last day, flags) of each period the place version is below a unit: its
    owner and each unit above it, on the days each unit on the way up has a version, with the
    flags of the place and of the units from the owner up to that one."""
    stack = [(version.unit_id, a, b, frozenset(version.area_flags or ()), 0)]
    while stack:
        unit_id, lo, hi, flags, depth = stack.pop()
        if depth >= 64:
            continue
        for v in tree.by_unit.get(unit_id, ()):
            x, y = max(lo, v.valid_from or dt.date.min), min(hi, v.valid_to or dt.date.max)
            if x > y:
                continue
            mine = flags | frozenset(v.area_flags or ())
            yield unit_id, x, y, mine
            if v.parent_id is not None:
                stack.append((v.parent_id, x, y, mine, depth + 1))


def counted(unit: Unit | None = None) -> dict[Key, tuple[int, ...]]:
    """What the coverage counters hold: each (unit, day)'s sums."""
    rows = CoverageCount.objects.all()
    if unit is not None:
        rows = rows.filter(unit_id__in=_closure(unit))
    sums = rows.values("unit_id", "day").annotate(**{f"s_{c}": Sum(c) for c in COVERAGE_COLUMNS})
    found = {}
    for row in sums.order_by():
        values = tuple(int(row[f"s_{c}"] or 0) for c in COVERAGE_COLUMNS)
        if any(values):
            found[(row["unit_id"], row["day"])] = values
    return found
