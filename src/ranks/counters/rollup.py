"""What some memberships add to the counters, as the records stand now (a read)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable

from django.db import connection

from ranks.counters import coverage_sql
from ranks.counters import sql as counters_sql
from ranks.counters.models import (
    ALL_COLUMNS,
    COVERAGE_COLUMNS,
    MOVEMENT_COLUMNS,
    PIPELINE_COLUMNS,
)

Key = tuple[int, dt.date]
Vector = tuple[int, ...]


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def id_lists(values: Iterable[int]) -> list[tuple[str, list]]:
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
