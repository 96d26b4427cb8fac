"""`ranks counters verify`: the counters against a recount from the records, made in Python by
the rules of `progress.ADMISSION_METRICS`, of the composition, of the pipeline's events and of
`rules.state_on` (the counters are kept by their SQL statement in
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
    MOVEMENT_COLUMNS,
    PIPELINE_COLUMNS,
    STAGE_COLUMNS,
    TABLES,
    MovementCount,
    PipelineCount,
    StageCount,
    composition_column,
    stage_column,
)
from ranks.counters.services import closure_sql
from ranks.org.models import Unit, UnitVersion
from ranks.org.rollup import VersionTree
from ranks.people.models import Posting
from ranks.pipeline import rules
from ranks.pipeline.models import Candidate, StageEvent
from ranks.targets import progress

COLUMN_OF = {**progress.COUNTER_COLUMNS, **progress.PIPELINE_COLUMN_OF}
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
        tree = VersionTree(UnitVersion.objects.select_related("unit", "kind"))
        admissions = progress.admissions_between(None, dt.date.min, dt.date.max)
        wanted = None
    else:
        text, params = closure_sql(unit.pk)
        with connection.cursor() as cursor:
            cursor.execute(text, params)
            wanted = {row[0] for row in cursor.fetchall()}
        tree = VersionTree(UnitVersion.objects.filter(unit_id__in=wanted))
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
    members, official = COLUMNS.index("members"), COLUMNS.index("official")
    for unit_id, first, last, official_on in _presence(tree, unit):
        if wanted is not None and unit_id not in wanted:
            continue
        found[(unit_id, (first - dt.timedelta(days=1)).replace(day=1))][members] += 1
        if last < dt.date.max:
            found[(unit_id, last.replace(day=1))][members] -= 1
        if official_on is not None and official_on <= last:
            since = max(first, official_on)
            found[(unit_id, (since - dt.timedelta(days=1)).replace(day=1))][official] += 1
            if last < dt.date.max:
                found[(unit_id, last.replace(day=1))][official] -= 1
    return {key: tuple(v) for key, v in found.items() if any(v)}


def _presence(tree: VersionTree, unit: Unit | None):
    """(unit, first day, last day, official date) of each stretch a member was present below a
    unit: posted to a cell from the decision to the day before leaving, on the days the cell and
    each unit up to that one have versions."""
    postings = Posting.objects.all()
    if unit is not None:
        postings = postings.filter(cell_id__in=RawSQL(*closure_sql(unit.pk)))
    rows = postings.values_list(
        "cell_id",
        "valid_from",
        "valid_to",
        "membership__admission_decision_date",
        "membership__left_date",
        "membership__official_date",
    )
    for cell_id, start, end, decided, left, official_on in rows:
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
                    yield unit_id, lo, hi, official_on
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
        manager = model._default_manager
        rows = manager.all() if ids is None else manager.filter(unit_id__in=ids)
        sums = rows.values("unit_id", "month").annotate(**{f"s_{c}": Sum(c) for c in columns})
        first = ALL_COLUMNS.index(columns[0])
        for row in sums.order_by():
            into = found[(row["unit_id"], row["month"])]
            for j, c in enumerate(columns):
                into[first + j] = int(row[f"s_{c}"] or 0)
    return {key: tuple(v) for key, v in found.items() if any(v)}


def _closure(unit: Unit) -> set[int]:
    text, params = closure_sql(unit.pk)
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        return {row[0] for row in cursor.fetchall()}


def _tree_of(unit: Unit | None) -> tuple[VersionTree, set[int] | None]:
    """The tree of every unit, or of the unit and every unit ever below it (and those ids)."""
    if unit is None:
        return VersionTree(UnitVersion.objects.all()), None
    wanted = _closure(unit)
    return VersionTree(UnitVersion.objects.filter(unit_id__in=wanted)), wanted


def pipeline_recount(unit: Unit | None = None) -> dict[tuple[int, dt.date], tuple[int, ...]]:
    """From the records: each (unit, day)'s candidates added to a source list and classes
    passed, by `progress.pipeline_events` and the chain of the candidate's cell that day."""
    tree, wanted = _tree_of(unit)
    found: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0] * len(PIPELINE_COLUMNS))
    roots = None if wanted is None else sorted(wanted)
    for metric, column in progress.PIPELINE_COLUMN_OF.items():
        i = PIPELINE_COLUMNS.index(column)
        for day, cell_id in progress.pipeline_events(roots, metric, dt.date.min, dt.date.max):
            for unit_id in tree.chain(cell_id, day):
                if wanted is None or unit_id in wanted:
                    found[(unit_id, day)][i] += 1
    return {key: tuple(v) for key, v in found.items() if any(v)}


def movement_recount(unit: Unit | None = None) -> dict[tuple[int, dt.date], tuple[int, ...]]:
    """From the records: each (unit, day)'s transfers in and out and leavings, by the rules of
    `counters.sql.movement_rollup` stated again with `VersionTree.chain`."""
    postings = Posting.objects.all()
    tree, wanted = _tree_of(unit)
    if wanted is not None:
        postings = postings.filter(
            membership_id__in=Posting.objects.filter(cell_id__in=wanted).values("membership_id")
        )
    by_membership: dict[int, list] = defaultdict(list)
    facts = {}
    rows = postings.values_list(
        "membership_id", "cell_id", "valid_from", "valid_to",
        "membership__admission_decision_date", "membership__left_date", "restructure_id",
    )  # fmt: skip
    for membership_id, cell_id, start, end, decided, left, carried in rows:
        by_membership[membership_id].append((cell_id, start, end or dt.date.max, carried))
        facts[membership_id] = (decided, left)
    found: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0] * len(MOVEMENT_COLUMNS))
    into, out, gone = (MOVEMENT_COLUMNS.index(c) for c in MOVEMENT_COLUMNS)
    day_before = dt.timedelta(days=1)
    for membership_id, held in by_membership.items():
        decided, left = facts[membership_id]
        for new_cell, start, _end, carried in held:
            for old_cell, _start, end, _carried in held:
                # A restructure's carry from a closing cell is no transfer.
                moved = end == start - day_before and old_cell != new_cell and carried is None
                if not moved or start - day_before < decided or (left and start >= left):
                    continue
                old = set(tree.chain(old_cell, start - day_before))
                new = set(tree.chain(new_cell, start))
                for unit_id in new - old:
                    found[(unit_id, start)][into] += 1
                for unit_id in old - new:
                    found[(unit_id, start)][out] += 1
        if left is not None:
            last = left - day_before if left > decided else left
            cells = [cell for cell, start, end, _c in held if start <= last <= end]
            for unit_id in tree.chain(min(cells), last) if cells else ():
                found[(unit_id, left)][gone] += 1
    return {
        key: tuple(v) for key, v in found.items() if any(v) and (wanted is None or key[0] in wanted)
    }


def movement_counted(unit: Unit | None = None) -> dict[tuple[int, dt.date], tuple[int, ...]]:
    """What the counters of transfers and leavings hold: each (unit, day)'s sums."""
    return daily_sums(MovementCount, MOVEMENT_COLUMNS, unit)


def daily_sums(model, columns, unit: Unit | None) -> dict[tuple[int, dt.date], tuple[int, ...]]:
    """What a table of counters by day holds: each (unit, day)'s sums of `columns`, for every
    unit or the unit and every unit ever below it."""
    rows = model.objects.all()
    if unit is not None:
        rows = rows.filter(unit_id__in=_closure(unit))
    sums = rows.values("unit_id", "day").annotate(**{f"s_{c}": Sum(c) for c in columns})
    found = {}
    for row in sums.order_by():
        values = tuple(int(row[f"s_{c}"] or 0) for c in columns)
        if any(values):
            found[(row["unit_id"], row["day"])] = values
    return found


def pipeline_counted(unit: Unit | None = None) -> dict[tuple[int, dt.date], tuple[int, ...]]:
    """What the pipeline's counters hold: each (unit, day)'s sums."""
    return daily_sums(PipelineCount, PIPELINE_COLUMNS, unit)


def stage_recount(unit: Unit | None = None) -> dict[tuple[int, dt.date], tuple[int, ...]]:
    """From the records: each (unit, day)'s change in the candidates at each stage and side
    state, by `rules.state_on` and the chain of the candidate's current cell, read on every day
    that can change them (the day added, each event, each version of a unit ever above the
    cell beginning or ending)."""
    tree, wanted = _tree_of(unit)
    candidates = Candidate.objects.all()
    if wanted is not None:
        candidates = candidates.filter(cell_id__in=wanted)
    events: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
    for candidate_id, stage, day in StageEvent.objects.filter(candidate__in=candidates).values_list(
        "candidate_id", "stage", "date"
    ):
        events[candidate_id].append((stage, day))
    bounds: dict[int, set[dt.date]] = {}

    def bounds_of(unit_id: int, seen: frozenset[int] = frozenset()) -> set[dt.date]:
        if unit_id not in bounds:
            found: set[dt.date] = set()
            for v in tree.by_unit.get(unit_id, ()):
                found.add(v.valid_from or dt.date.min)
                if v.valid_to is not None:
                    found.add(v.valid_to + dt.timedelta(days=1))
                if v.parent_id is not None and v.parent_id not in seen:
                    found |= bounds_of(v.parent_id, seen | {unit_id})
            bounds[unit_id] = found
        return bounds[unit_id]

    found: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0] * len(STAGE_COLUMNS))
    index = {column: i for i, column in enumerate(STAGE_COLUMNS)}
    for candidate_id, cell_id, added_on in candidates.values_list("id", "cell_id", "added_on"):
        own = events.get(candidate_id, [])
        days = {added_on, *(d for _s, d in own), *bounds_of(cell_id)}
        held: tuple[set[int], int] = (set(), 0)
        for day in sorted(d for d in days if d >= added_on):
            state = rules.state_on(own, day)
            now = (set(tree.chain(cell_id, day)), index[stage_column(state.stage, state.side)])
            if now == held:
                continue
            for unit_id in held[0]:
                found[(unit_id, day)][held[1]] -= 1
            for unit_id in now[0]:
                found[(unit_id, day)][now[1]] += 1
            held = now
    return {
        key: tuple(v) for key, v in found.items() if any(v) and (wanted is None or key[0] in wanted)
    }


def stage_counted(unit: Unit | None = None) -> dict[tuple[int, dt.date], tuple[int, ...]]:
    """What the counters of candidates by stage hold: each (unit, day)'s sums."""
    return daily_sums(StageCount, STAGE_COLUMNS, unit)


def verify(unit: Unit | None = None) -> list[Difference]:
    """Every (unit, month or day, column) where the counters and the recount differ, in code
    order: the admissions, their composition and the members present by month, then coverage
    by day."""
    from ranks.coverage import recount as coverage_recount

    tables = (
        (counted(unit), recount(unit), ALL_COLUMNS, False),
        (coverage_recount.counted(unit), coverage_recount.recount(unit), COVERAGE_COLUMNS, True),
        (pipeline_counted(unit), pipeline_recount(unit), PIPELINE_COLUMNS, True),
        (movement_counted(unit), movement_recount(unit), MOVEMENT_COLUMNS, True),
        (stage_counted(unit), stage_recount(unit), STAGE_COLUMNS, True),
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
    every = (*ALL_COLUMNS, *COVERAGE_COLUMNS, *PIPELINE_COLUMNS, *MOVEMENT_COLUMNS, *STAGE_COLUMNS)
    order = {c: i for i, c in enumerate(every)}
    return sorted(found, key=lambda d: (d.daily, d.code, d.month, order[d.column]))


def standing_differences() -> list[tuple[str, tuple[str, str], tuple[str, str]]]:
    """(person, kept, from the events) of every candidacy whose `stage_now` and `side_now`
    differ from `rules.state_on` after all its events (`counters.write_standings` keeps them;
    `ranks counters rebuild` repairs them)."""
    events: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
    for candidate_id, stage, day in StageEvent.objects.values_list("candidate_id", "stage", "date"):
        events[candidate_id].append((stage, day))
    found = []
    rows = Candidate.objects.values_list("pk", "person__person_id", "stage_now", "side_now")
    for pk, person_id, stage, side in rows.order_by("person__person_id"):
        state = rules.state_on(events.get(pk, ()), dt.date.max)
        if (stage, side) != (state.stage, state.side or ""):
            found.append((person_id, (stage, side), (state.stage, state.side or "")))
    return found
