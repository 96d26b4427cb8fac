"""What some memberships add to the counters, as the records stand now (a read)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper

from ranks.counters import coverage_sql
from ranks.counters import sql as counters_sql
from ranks.counters.models import (
    ALL_COLUMNS,
    COVERAGE_COLUMNS,
    MOVEMENT_COLUMNS,
    PIPELINE_COLUMNS,
    STAGE_COLUMNS,
    stage_column,
)
from ranks.pipeline import rules

Key = tuple[int, dt.date]
Vector = tuple[int, ...]
# (id, current cell, day added to the source list, its events as (stage, date)).
Candidacy = tuple[int, int, dt.date, list[tuple[str, dt.date]]]
# (cell, first day, day it ends or None, column of `STAGE_COLUMNS`) → candidacies.
Stretches = dict[tuple[int, dt.date, dt.date | None, int], int]


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def id_lists(values: Iterable[int]) -> list[tuple[str, list[Any]]]:
    """A sub-select giving `values`, as (sql, params) with one parameter: an array on
    PostgreSQL, a JSON list on SQLite (which takes at most 32,766 parameters). Nothing for no
    values."""
    values = [int(v) for v in values]
    if not values:
        return []
    if connection.vendor == "postgresql":
        return [("SELECT unnest(%s::bigint[])", [values])]
    return [("SELECT value FROM json_each(%s)", [json.dumps(values)])]


def _sums(ids: Iterable[int], text_of: Callable[[str], str], width: int) -> dict[Key, Vector]:
    """Each (unit, month or day)'s sums of the rollup `text_of` gives for these ids, as the
    records stand now."""
    totals: dict[Key, list[int]] = {}
    with connection.cursor() as cursor:
        for ids_sql, params in id_lists(sorted(ids)):
            cursor.execute(text_of(ids_sql), params)
            for unit_id, when, *values in cursor.fetchall():
                into = totals.setdefault((unit_id, _as_date(when)), [0] * width)
                for j, v in enumerate(values):
                    into[j] += int(v or 0)
    return {key: tuple(v) for key, v in totals.items()}


def counts_of(membership_ids: Iterable[int], presence: bool = True) -> dict[Key, Vector]:
    """What these memberships add to each (unit, month), as the records stand now (without
    `presence`, the members present are left at zero)."""
    vendor = connection.vendor
    return _sums(
        membership_ids,
        lambda ids: counters_sql.rollup(ids, vendor, presence),
        len(ALL_COLUMNS),
    )


def coverage_counts_of(place_ids: Iterable[int]) -> dict[Key, Vector]:
    """What these places add to each (unit, day) of coverage, as the records stand now."""
    vendor = connection.vendor
    return _sums(place_ids, lambda ids: coverage_sql.rollup(ids, vendor), len(COVERAGE_COLUMNS))


def pipeline_counts_of(candidate_ids: Iterable[int]) -> dict[Key, Vector]:
    """What these candidacies add to each (unit, day) of the pipeline's counts, as the records
    stand now."""
    vendor = connection.vendor
    return _sums(
        candidate_ids,
        lambda ids: counters_sql.pipeline_rollup(ids, vendor),
        len(PIPELINE_COLUMNS),
    )


def movement_counts_of(membership_ids: Iterable[int]) -> dict[Key, Vector]:
    """What these memberships add to each (unit, day) of the transfers and leavings, as the
    records stand now."""
    vendor = connection.vendor
    return _sums(
        membership_ids,
        lambda ids: counters_sql.movement_rollup(ids, vendor),
        len(MOVEMENT_COLUMNS),
    )


# Candidacies whose stretches are passed to the database in one statement.
STAGE_BATCH = 20_000


def stage_stretches(
    candidacies: Iterable[Candidacy],
) -> Stretches:
    """(cell, first day, day it ends or None, column of `STAGE_COLUMNS`) → candidacies, from
    (current cell, day added to the source list, events) of each candidacy: where it stands from
    the day it was added on, by `rules.changes`."""
    index = {column: i for i, column in enumerate(STAGE_COLUMNS)}
    found: Stretches = {}
    for _id, cell_id, added_on, events in candidacies:
        steps = rules.changes(events)
        # The state on the day added (the last change by then), then the changes after it.
        start = 0
        for i, (day, _stage, _side) in enumerate(steps):
            if day is None or day <= added_on:
                start = i
        kept = [(added_on, *steps[start][1:])] + [s for s in steps[start + 1 :]]
        for i, (day, stage, side) in enumerate(kept):
            assert day is not None  # every change but the first has a day
            end = kept[i + 1][0] if i + 1 < len(kept) else None
            key = (cell_id, day, end, index[stage_column(stage, side)])
            found[key] = found.get(key, 0) + 1
    return found


def _candidacies(cursor: CursorWrapper, ids_sql: str, params: list[Any]) -> Iterator[Candidacy]:
    """(id, current cell, day added, events) of each candidacy `ids_sql` selects, by id."""
    cursor.execute(
        f"SELECT c.id, c.cell_id, c.added_on, e.stage, e.date FROM pipeline_candidate c"
        f" LEFT JOIN pipeline_stageevent e ON e.candidate_id = c.id"
        f" WHERE c.id IN ({ids_sql}) ORDER BY c.id",
        params,
    )
    current: Candidacy | None = None
    for candidate_id, cell_id, added_on, stage, day in cursor.fetchall():
        if current is None or candidate_id != current[0]:
            if current is not None:
                yield current
            current = (candidate_id, cell_id, _as_date(added_on), [])
        if stage is not None:
            current[3].append((stage, _as_date(day)))
    if current is not None:
        yield current


def stage_parameters(stretches: Stretches) -> list[Any]:
    """The parameters of `counters.sql.stage_segments` for these stretches."""
    rows = sorted(stretches.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][3]))
    if connection.vendor == "postgresql":
        return [
            [k[0] for k, _n in rows],
            [k[1] for k, _n in rows],
            [k[2] for k, _n in rows],
            [k[3] for k, _n in rows],
            [n for _k, n in rows],
        ]
    return [
        json.dumps([[k[0], k[1].isoformat(), k[2] and k[2].isoformat(), k[3], n] for k, n in rows])
    ]


def _batches(candidate_ids_sql: str, params: list[Any]) -> Iterator[list[Candidacy]]:
    """(id, current cell, day added, events) of the candidacies `candidate_ids_sql` selects, a
    batch of `STAGE_BATCH` at a time (their events read in one query a batch). The ids are read
    a batch at a time too, after the last one read: the country's 650,000 ids held at once
    (with the rows they were read from) cost about 60 MB of the candidates import's peak."""
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id FROM pipeline_candidate WHERE id IN ({candidate_ids_sql})"
                f" AND id > %s ORDER BY id LIMIT {STAGE_BATCH}",
                [*params, last],
            )
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return
            last = ids[-1]
            for batch_sql, batch_params in id_lists(ids):
                yield list(_candidacies(cursor, batch_sql, batch_params))


Standing = tuple[int, str, str]


def stage_batches(
    candidate_ids_sql: str, params: list[Any]
) -> Iterator[tuple[Stretches, list[Standing]]]:
    """The stretches of the candidacies `candidate_ids_sql` selects, with where each stands
    after all its events ((id, stage, side or ""): the last of `rules.changes`, which is
    `rules.state_on` after the last event), a batch at a time: their events read once."""
    for batch in _batches(candidate_ids_sql, params):
        standing = []
        for candidate_id, _cell, _added, events in batch:
            _day, stage, side = rules.changes(events)[-1]
            standing.append((candidate_id, stage, side or ""))
        yield stage_stretches(batch), standing


def stretches_and_standings(candidate_ids: Iterable[int]) -> tuple[Stretches, list[Standing]]:
    """The stretches of these candidacies as the records stand now (`stage_stretches`), and
    where each stands after all its events (`stage_batches`)."""
    found: Stretches = {}
    standing: list[Standing] = []
    for ids_sql, params in id_lists(sorted(candidate_ids)):
        for stretches, batch in stage_batches(ids_sql, params):
            standing.extend(batch)
            for key, n in stretches.items():
                found[key] = found.get(key, 0) + n
    return found, standing


def stage_stretches_of(candidate_ids: Iterable[int]) -> Stretches:
    """The stretches of these candidacies as the records stand now (`stage_stretches`)."""
    return stretches_and_standings(candidate_ids)[0]


def stage_rollup_of(stretches: Stretches) -> dict[Key, Vector]:
    """What these stretches add to each (unit, day) of the candidates by stage. The rollup is a
    sum over stretches, so the stretches after a change less those before it give the change."""
    totals: dict[Key, list[int]] = {}
    vendor = connection.vendor
    text = counters_sql.stage_rollup(counters_sql.stage_segments(vendor), vendor, wide=False)
    width = len(STAGE_COLUMNS)
    items = [(key, n) for key, n in stretches.items() if n]
    for i in range(0, len(items), STAGE_BATCH):
        with connection.cursor() as cursor:
            cursor.execute(text, stage_parameters(dict(items[i : i + STAGE_BATCH])))
            for unit_id, when, column, n in cursor.fetchall():
                key = (unit_id, when if isinstance(when, dt.date) else _as_date(when))
                into = totals.get(key)
                if into is None:
                    into = totals[key] = [0] * width
                into[column] += int(n)
    return {key: tuple(v) for key, v in totals.items() if any(v)}


def stage_counts_of(candidate_ids: Iterable[int]) -> dict[Key, Vector]:
    """What these candidacies add to each (unit, day) of the candidates by stage, as the records
    stand now."""
    return stage_rollup_of(stage_stretches_of(candidate_ids))
