"""Writes of the counters. Every change of the records that can move an admission's count calls
`moving` around its writes, inside its own transaction (docs/counters.md):

    with counters.moving(persons=[person.pk]):
        ...write...

`moving` counts the admissions the change can touch before and after it, and inserts the
difference as delta rows: nothing is updated, so concurrent writers never wait on one another.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from ranks.counters import sql as counters_sql
from ranks.counters.models import COLUMNS, AdmissionCount
from ranks.counters.rollup import Key, Vector, counts_of, id_lists
from ranks.org import sql as tree_sql


def _membership_ids(
    memberships: Iterable[int],
    persons: Iterable[int],
    cells: Iterable[int],
    units: Iterable[int],
) -> set[int]:
    """The memberships a change of these memberships, people, cells or units can touch: their
    own, the people's, those ever posted to the cells or to a cell ever below the units."""
    found = set(memberships)
    queries: list[tuple[str, list]] = []
    for ids_sql, params in id_lists(persons):
        queries.append((f"SELECT id FROM people_membership WHERE person_id IN ({ids_sql})", params))
    for ids_sql, params in id_lists(cells):
        queries.append(
            (
                f"SELECT DISTINCT membership_id FROM people_posting WHERE cell_id IN ({ids_sql})",
                params,
            )
        )
    units = list(units)
    for i in range(0, len(units), 1000):
        below, params = tree_sql.subtree_ever_ids(units[i : i + 1000])
        queries.append(
            (
                f"SELECT DISTINCT membership_id FROM people_posting WHERE cell_id IN ({below})",
                params,
            )
        )
    with connection.cursor() as cursor:
        for text, params in queries:
            cursor.execute(text, params)
            found.update(row[0] for row in cursor.fetchall())
    return found


def _write(before: dict[Key, Vector], after: dict[Key, Vector]) -> int:
    """Insert after − before as delta rows, leaving out keys that did not move."""
    rows = []
    zero = (0,) * len(COLUMNS)
    for key in before.keys() | after.keys():
        old, new = before.get(key, zero), after.get(key, zero)
        delta = tuple(b - a for a, b in zip(old, new, strict=True))
        if any(delta):
            unit_id, month = key
            rows.append(
                AdmissionCount(
                    unit_id=unit_id, month=month, **dict(zip(COLUMNS, delta, strict=True))
                )
            )
    AdmissionCount.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


class _Frame:
    """The outermost `moving` of a thread: what it counts, and the counts before."""

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.before: dict[Key, Vector] = {}
        self.scopes: list[tuple[list[int], list[int], list[int], list[int]]] = []

    def add(self, memberships, persons, cells, units) -> None:
        """Take in what a change can touch, counting what is new to the frame as it stands."""
        self.scopes.append((memberships, persons, cells, units))
        new = _membership_ids(memberships, persons, cells, units) - self.ids
        if new:
            self.ids |= new
            for key, values in counts_of(new).items():
                old = self.before.get(key)
                self.before[key] = values if old is None else _plus(old, values)


def _plus(a: Vector, b: Vector) -> Vector:
    return tuple(x + y for x, y in zip(a, b, strict=True))


_local = threading.local()


@contextmanager
def moving(
    *,
    memberships: Iterable[int] = (),
    persons: Iterable[int] = (),
    cells: Iterable[int] = (),
    units: Iterable[int] = (),
) -> Iterator[None]:
    """Around a change of the records: count what it can touch before and after, and write the
    difference in the same transaction.

    Name what the change writes: the memberships (or postings) it changes, the people whose
    attributes or memberships it changes, the cells whose places it relinks, the units whose
    versions it changes. A `moving` inside another (a service calling a service) adds its scope
    to the outer one, which writes once for both when it ends."""
    scope = (list(memberships), list(persons), list(cells), list(units))
    frame: _Frame | None = getattr(_local, "frame", None)
    if frame is not None:
        frame.add(*scope)
        yield
        return
    frame = _local.frame = _Frame()
    try:
        with transaction.atomic():
            frame.add(*scope)
            yield
            ids = set(frame.ids)
            for taken in frame.scopes:
                ids |= _membership_ids(*taken)
            _write(frame.before, counts_of(ids))
    finally:
        _local.frame = None


def add_new(ids_sql: str, params: list) -> None:
    """Count memberships that did not exist before (a first load), in the database: one
    INSERT … SELECT, whatever their number."""
    text = counters_sql.rollup(ids_sql, connection.vendor)
    columns = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {AdmissionCount._meta.db_table} (unit_id, month, {columns}) {text}",
            params,
        )


def closure_sql(unit_id: int) -> tuple[str, list]:
    """The unit and every unit that was ever below it, whatever the dates: the units whose
    counters only the cells among them feed (a cell below a unit on some date is in it)."""
    text = (
        "WITH RECURSIVE closure(unit_id) AS (SELECT CAST(%s AS bigint)"
        " UNION SELECT v.unit_id FROM org_unitversion v JOIN closure c ON v.parent_id = c.unit_id)"
        " SELECT unit_id FROM closure"
    )
    return text, [unit_id]


def rebuild(unit_id: int | None = None) -> int:
    """Recount from the records: every counter, or those of the unit and every unit ever below
    it. Returns the rows written."""
    table = AdmissionCount._meta.db_table
    columns = ", ".join(COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        if unit_id is None:
            cursor.execute(f"DELETE FROM {table}")
            text = counters_sql.rollup("SELECT id FROM people_membership", connection.vendor)
            cursor.execute(f"INSERT INTO {table} (unit_id, month, {columns}) {text}")
            return cursor.rowcount
        below, params = closure_sql(unit_id)
        cursor.execute(f"DELETE FROM {table} WHERE unit_id IN ({below})", params)
        ids = f"SELECT DISTINCT membership_id FROM people_posting WHERE cell_id IN ({below})"
        text = counters_sql.rollup(ids, connection.vendor)
        cursor.execute(
            f"INSERT INTO {table} (unit_id, month, {columns})"
            f" SELECT * FROM ({text}) r WHERE r.unit_id IN ({below})",
            [*params, *params],
        )
        return cursor.rowcount


def fold() -> int:
    """Replace the rows of each (unit, month) that has more than one by one row of their sum,
    dropping sums of zero. Returns the rows written.

    On PostgreSQL one statement deletes the rows and inserts their sums, so it reads one
    snapshot: a row a writer commits meanwhile is either folded or left as it is, never lost.
    SQLite has one writer at a time."""
    table = AdmissionCount._meta.db_table
    columns = ", ".join(COLUMNS)
    sums = ", ".join(f"SUM({c})" for c in COLUMNS)
    nonzero = " OR ".join(f"SUM({c}) <> 0" for c in COLUMNS)
    crowded = f"SELECT unit_id, month FROM {table} GROUP BY unit_id, month HAVING COUNT(*) > 1"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH d AS (DELETE FROM {table} WHERE (unit_id, month) IN ({crowded})"
                f" RETURNING unit_id, month, {columns})"
                f" INSERT INTO {table} (unit_id, month, {columns})"
                f" SELECT unit_id, month, {sums} FROM d GROUP BY unit_id, month HAVING {nonzero}"
            )
            return cursor.rowcount
        cursor.execute("DROP TABLE IF EXISTS temp.counters_fold")
        cursor.execute(
            f"CREATE TEMPORARY TABLE counters_fold AS SELECT unit_id, month, {', '.join(f'SUM({c}) AS c{i}' for i, c in enumerate(COLUMNS))}"
            f" FROM {table} WHERE (unit_id, month) IN ({crowded}) GROUP BY unit_id, month"
        )
        cursor.execute(
            f"DELETE FROM {table} WHERE (unit_id, month) IN (SELECT unit_id, month FROM counters_fold)"
        )
        cursor.execute(
            f"INSERT INTO {table} (unit_id, month, {columns})"
            f" SELECT * FROM counters_fold WHERE {' OR '.join(f'c{i} <> 0' for i in range(len(COLUMNS)))}"
        )
        written = cursor.rowcount
        cursor.execute("DROP TABLE temp.counters_fold")
        return written
