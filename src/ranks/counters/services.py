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
from ranks.counters.models import ALL_COLUMNS, TABLES
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
    """Insert after − before as delta rows, leaving out keys that did not move: in each table,
    the keys whose columns there moved."""
    rows: dict[type, list] = {model: [] for model, _c in TABLES}
    zero = (0,) * len(ALL_COLUMNS)
    for key in before.keys() | after.keys():
        old, new = before.get(key, zero), after.get(key, zero)
        delta = dict(zip(ALL_COLUMNS, (b - a for a, b in zip(old, new, strict=True)), strict=True))
        unit_id, month = key
        for model, columns in TABLES:
            if any(delta[c] for c in columns):
                values = {c: delta[c] for c in columns}
                rows[model].append(model(unit_id=unit_id, month=month, **values))
    for model, found in rows.items():
        model.objects.bulk_create(found, batch_size=1000)
    return sum(len(found) for found in rows.values())


class _Frame:
    """The outermost `moving` of a thread: what it counts, and the counts before."""

    def __init__(self, presence: bool) -> None:
        self.presence = presence
        self.ids: set[int] = set()
        self.before: dict[Key, Vector] = {}
        self.scopes: list[tuple[list[int], list[int], list[int], list[int]]] = []

    def add(self, memberships, persons, cells, units) -> None:
        """Take in what a change can touch, counting what is new to the frame as it stands."""
        self.scopes.append((memberships, persons, cells, units))
        new = _membership_ids(memberships, persons, cells, units) - self.ids
        if new:
            self.ids |= new
            for key, values in counts_of(new, self.presence).items():
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
    presence: bool = True,
) -> Iterator[None]:
    """Around a change of the records: count what it can touch before and after, and write the
    difference in the same transaction.

    Name what the change writes: the memberships (or postings) it changes, the people whose
    attributes or memberships it changes, the cells whose places it relinks, the units whose
    versions it changes. A `moving` inside another (a service calling a service) adds its scope
    to the outer one, which writes once for both when it ends.

    `presence=False` says the change cannot move the members present (a candidate's source
    group): only the admissions are counted, at half the cost."""
    scope = (list(memberships), list(persons), list(cells), list(units))
    frame: _Frame | None = getattr(_local, "frame", None)
    if frame is not None:
        if presence and not frame.presence:
            raise RuntimeError("a change that moves the members inside one that cannot")
        frame.add(*scope)
        yield
        return
    frame = _local.frame = _Frame(presence)
    try:
        with transaction.atomic():
            frame.add(*scope)
            yield
            ids = set(frame.ids)
            for taken in frame.scopes:
                ids |= _membership_ids(*taken)
            _write(frame.before, counts_of(ids, frame.presence))
    finally:
        _local.frame = None


def _insert(cursor, select: str, params: list) -> int:
    """Insert the rows of a rollup (`select`, giving unit_id, month and `ALL_COLUMNS`) into the
    tables of counters, each row where its columns are not all zero. Returns the rows written."""
    names = ", ".join(f"c{i}" for i in range(len(ALL_COLUMNS)))
    if connection.vendor == "postgresql":
        # One statement: the rollup once, feeding both inserts.
        parts, selects = [], []
        for i, (model, columns) in enumerate(TABLES):
            first = ALL_COLUMNS.index(columns[0])
            mine = [f"c{first + j}" for j in range(len(columns))]
            text = (
                f"INSERT INTO {model._meta.db_table} (unit_id, month, {', '.join(columns)})"
                f" SELECT unit_id, month, {', '.join(mine)} FROM r"
                f" WHERE {' OR '.join(f'{c} <> 0' for c in mine)} RETURNING 1"
            )
            parts.append(f"w{i} AS ({text})")
            selects.append(f"(SELECT COUNT(*) FROM w{i})")
        cursor.execute(
            f"WITH r(unit_id, month, {names}) AS ({select}), {', '.join(parts)}"
            f" SELECT {' + '.join(selects)}",
            params,
        )
        return int(cursor.fetchone()[0])
    cursor.execute("DROP TABLE IF EXISTS temp.counters_rollup")
    cursor.execute(
        f"CREATE TEMPORARY TABLE counters_rollup (unit_id, month, {names})",
    )
    cursor.execute(f"INSERT INTO temp.counters_rollup {select}", params)
    written = 0
    for model, columns in TABLES:
        first = ALL_COLUMNS.index(columns[0])
        mine = [f"c{first + j}" for j in range(len(columns))]
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} (unit_id, month, {', '.join(columns)})"
            f" SELECT unit_id, month, {', '.join(mine)} FROM temp.counters_rollup"
            f" WHERE {' OR '.join(f'{c} <> 0' for c in mine)}"
        )
        written += cursor.rowcount
    cursor.execute("DROP TABLE temp.counters_rollup")
    return written


def add_new(ids_sql: str, params: list) -> int:
    """Count memberships that did not exist before (a first load), in the database: one
    rollup, whatever their number. Returns the rows written."""
    with transaction.atomic(), connection.cursor() as cursor:
        return _insert(cursor, counters_sql.rollup(ids_sql, connection.vendor), params)


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
    with transaction.atomic(), connection.cursor() as cursor:
        if unit_id is None:
            for model, _columns in TABLES:
                cursor.execute(f"DELETE FROM {model._meta.db_table}")
            text = counters_sql.rollup("SELECT id FROM people_membership", connection.vendor)
            return _insert(cursor, text, [])
        below, params = closure_sql(unit_id)
        for model, _columns in TABLES:
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE unit_id IN ({below})", params)
        ids = f"SELECT DISTINCT membership_id FROM people_posting WHERE cell_id IN ({below})"
        text = counters_sql.rollup(ids, connection.vendor)
        return _insert(
            cursor,
            f"SELECT * FROM ({text}) r0 WHERE r0.unit_id IN ({below})",
            [*params, *params],
        )


def fold() -> int:
    """Replace the rows of each (unit, month) that has more than one by one row of their sum,
    dropping sums of zero, in every table of counters. Returns the rows written.

    On PostgreSQL one statement a table deletes the rows and inserts their sums, so it reads one
    snapshot: a row a writer commits meanwhile is either folded or left as it is, never lost.
    SQLite has one writer at a time."""
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for model, columns in TABLES:
            written += _fold(cursor, model._meta.db_table, columns)
    return written


def _fold(cursor, table: str, columns: tuple[str, ...]) -> int:
    names = ", ".join(columns)
    sums = ", ".join(f"SUM({c})" for c in columns)
    nonzero = " OR ".join(f"SUM({c}) <> 0" for c in columns)
    crowded = f"SELECT unit_id, month FROM {table} GROUP BY unit_id, month HAVING COUNT(*) > 1"
    if connection.vendor == "postgresql":
        cursor.execute(
            f"WITH d AS (DELETE FROM {table} WHERE (unit_id, month) IN ({crowded})"
            f" RETURNING unit_id, month, {names})"
            f" INSERT INTO {table} (unit_id, month, {names})"
            f" SELECT unit_id, month, {sums} FROM d GROUP BY unit_id, month HAVING {nonzero}"
        )
        return cursor.rowcount
    cursor.execute("DROP TABLE IF EXISTS temp.counters_fold")
    cursor.execute(
        f"CREATE TEMPORARY TABLE counters_fold AS SELECT unit_id, month,"
        f" {', '.join(f'SUM({c}) AS c{i}' for i, c in enumerate(columns))}"
        f" FROM {table} WHERE (unit_id, month) IN ({crowded}) GROUP BY unit_id, month"
    )
    cursor.execute(
        f"DELETE FROM {table} WHERE (unit_id, month) IN (SELECT unit_id, month FROM counters_fold)"
    )
    cursor.execute(
        f"INSERT INTO {table} (unit_id, month, {names}) SELECT * FROM counters_fold"
        f" WHERE {' OR '.join(f'c{i} <> 0' for i in range(len(columns)))}"
    )
    written = cursor.rowcount
    cursor.execute("DROP TABLE temp.counters_fold")
    return written
