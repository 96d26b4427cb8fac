"""What some memberships add to the counters, as the records stand now (a read)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from django.db import connection

from ranks.counters import coverage_sql
from ranks.counters import sql as counters_sql
from ranks.counters.models import ALL_COLUMNS, COVERAGE_COLUMNS

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


def counts_of(membership_ids: Iterable[int], presence: bool = True) -> dict[Key, Vector]:
    """What these memberships add to each (unit, month), as the records stand now (without
    `presence`, the members present are left at zero)."""
    totals: dict[Key, list[int]] = {}
    with connection.cursor() as cursor:
        for ids_sql, params in id_lists(sorted(membership_ids)):
            cursor.execute(counters_sql.rollup(ids_sql, connection.vendor, presence), params)
            for unit_id, month, *values in cursor.fetchall():
                key = (unit_id, _as_date(month))
                into = totals.setdefault(key, [0] * len(ALL_COLUMNS))
                for j, v in enumerate(values):
                    into[j] += int(v or 0)
    return {key: tuple(v) for key, v in totals.items()}


def coverage_counts_of(place_ids: Iterable[int]) -> dict[Key, Vector]:
    """What these places add to each (unit, day) of coverage, as the records stand now."""
    totals: dict[Key, list[int]] = {}
    with connection.cursor() as cursor:
        for ids_sql, params in id_lists(sorted(place_ids)):
            cursor.execute(coverage_sql.rollup(ids_sql, connection.vendor), params)
            for unit_id, day, *values in cursor.fetchall():
                key = (unit_id, _as_date(day))
                into = totals.setdefault(key, [0] * len(COVERAGE_COLUMNS))
                for j, v in enumerate(values):
                    into[j] += int(v or 0)
    return {key: tuple(v) for key, v in totals.items()}
