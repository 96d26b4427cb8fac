"""Writes of the counters. Every change of the records that can move an admission's count calls
`moving` around its writes, inside its own transaction (docs/counters.md):

    with counters.moving(persons=[person.pk]):
        ...write...

`moving` counts the admissions the change can touch before and after it, and inserts the
difference as delta rows: nothing is updated, so concurrent writers never wait on one another.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, models, transaction
from django.db.backends.utils import CursorWrapper

from ranks.core import bulk
from ranks.core.clock import today
from ranks.counters import coverage_sql
from ranks.counters import sql as counters_sql
from ranks.counters.models import (
    ALL_COLUMNS,
    COVERAGE_COLUMNS,
    IN_PIPELINE_COLUMNS,
    MOVEMENT_COLUMNS,
    PIPELINE_COLUMNS,
    STAGE_COLUMNS,
    TABLES,
    AdmissionCount,
    CellStartCount,
    CoverageCount,
    FoldMark,
    MovementCount,
    PipelineCount,
    StageCount,
)
from ranks.counters.rollup import (
    STAGE_BATCH,
    Key,
    Standing,
    Stretches,
    Vector,
    counts_of,
    coverage_counts_of,
    id_lists,
    movement_counts_of,
    pipeline_counts_of,
    stage_batches,
    stage_parameters,
    stage_rollup_of,
    stage_stretches_of,
    stretches_and_standings,
)
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
    queries: list[tuple[str, list[Any]]] = []
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


def _candidate_ids(candidacies: Iterable[int], units: Iterable[int]) -> set[int]:
    """The candidacies a change can touch: those of the people named, and those of the cells
    ever below the units."""
    found: set[int] = set()
    queries: list[tuple[str, list[Any]]] = []
    for ids_sql, params in id_lists(candidacies):
        queries.append(
            (f"SELECT id FROM pipeline_candidate WHERE person_id IN ({ids_sql})", params)
        )
    units = list(units)
    for i in range(0, len(units), 1000):
        below, params = tree_sql.subtree_ever_ids(units[i : i + 1000])
        queries.append((f"SELECT id FROM pipeline_candidate WHERE cell_id IN ({below})", params))
    with connection.cursor() as cursor:
        for text, params in queries:
            cursor.execute(text, params)
            found.update(row[0] for row in cursor.fetchall())
    return found


def _place_ids(
    memberships: Iterable[int],
    persons: Iterable[int],
    cells: Iterable[int],
    units: Iterable[int],
    places: Iterable[int],
) -> set[int]:
    """The places whose coverage a change of these can move: the places, those where the people
    (and the members of the memberships) ever lived or worked, those ever based at the cells,
    and those ever owned by a unit, or based at a cell, ever below the units."""
    found = set(places)
    queries: list[tuple[str, list[Any]]] = []
    for ids_sql, params in id_lists(memberships):
        queries.append(
            (
                "SELECT DISTINCT pp.place_id FROM people_personplace pp"
                " JOIN people_membership m ON m.person_id = pp.person_id"
                f" WHERE m.id IN ({ids_sql})",
                params,
            )
        )
    for ids_sql, params in id_lists(persons):
        queries.append(
            (
                f"SELECT DISTINCT place_id FROM people_personplace WHERE person_id IN ({ids_sql})",
                params,
            )
        )
    based = (
        "SELECT DISTINCT v.place_id FROM org_placeversion v"
        " JOIN org_placeversion_cells pc ON pc.placeversion_id = v.id WHERE pc.unit_id IN ({ids})"
    )
    for ids_sql, params in id_lists(cells):
        queries.append((based.format(ids=ids_sql), params))
    units = list(units)
    for i in range(0, len(units), 1000):
        below, params = tree_sql.subtree_ever_ids(units[i : i + 1000])
        queries.append(
            (
                f"SELECT DISTINCT place_id FROM org_placeversion WHERE unit_id IN ({below})"
                f" UNION {based.format(ids=below)}",
                [*params, *params],
            )
        )
    with connection.cursor() as cursor:
        for text, params in queries:
            cursor.execute(text, params)
            found.update(row[0] for row in cursor.fetchall())
    return found


def _write_daily(
    model: type[CoverageCount] | type[PipelineCount] | type[MovementCount] | type[StageCount],
    columns: tuple[str, ...],
    before: dict[Key, Vector],
    after: dict[Key, Vector],
) -> int:
    """Insert after − before as delta rows keyed by day, leaving out keys that did not move."""
    rows = []
    zero = (0,) * len(columns)
    for key in before.keys() | after.keys():
        old, new = before.get(key, zero), after.get(key, zero)
        delta = [b - a for a, b in zip(old, new, strict=True)]
        if any(delta):
            rows.append((key[0], key[1], *delta))
    return _insert_rows(model._meta.db_table, ("unit_id", "day", *columns), rows)


def _insert_rows(table: str, names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> int:
    """Insert plain rows: `COPY` on PostgreSQL, `executemany` on SQLite. A counter's model
    instances cost more to build than the statement costs to run (63 columns of candidates by
    stage, tens of thousands of rows in an events import)."""
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        return bulk.copy_rows(table, names, rows)
    marks = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",
            [(unit_id, day.isoformat(), *rest) for unit_id, day, *rest in rows],
        )
    return len(rows)


def _write_coverage(before: dict[Key, Vector], after: dict[Key, Vector]) -> int:
    """Insert after − before as coverage delta rows, leaving out keys that did not move."""
    return _write_daily(CoverageCount, COVERAGE_COLUMNS, before, after)


def _write(before: dict[Key, Vector], after: dict[Key, Vector]) -> int:
    """Insert after − before as delta rows, leaving out keys that did not move: in each table,
    the keys whose columns there moved."""
    rows: dict[type[models.Model], list[models.Model]] = {model: [] for model, _c in TABLES}
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
        model._default_manager.bulk_create(found, batch_size=1000)
    return sum(len(found) for found in rows.values())


# What a change names (`moving`'s arguments as lists, in the order of `_Frame.add`).
_Scope = tuple[list[int], list[int], list[int], list[int], list[int], list[int], list[int]]


class _Frame:
    """The outermost `moving` of a thread: what it counts, and the counts before."""

    def __init__(self, presence: bool) -> None:
        self.presence = presence
        self.ids: set[int] = set()
        self.before: dict[Key, Vector] = {}
        self.places: set[int] = set()
        self.coverage_before: dict[Key, Vector] = {}
        self.candidates: set[int] = set()
        self.pipeline_candidates: set[int] = set()
        self.pipeline_before: dict[Key, Vector] = {}
        self.stage_before: Stretches = {}
        # A change of the tree (units named) moves the counts of unchanged stretches: then the
        # stretches before are rolled up against the tree before, and the counts compared.
        self.stage_before_rows: dict[Key, Vector] | None = None
        self.movement_before: dict[Key, Vector] = {}
        self.scopes: list[_Scope] = []

    def add(
        self,
        memberships: list[int],
        persons: list[int],
        cells: list[int],
        units: list[int],
        places: list[int],
        candidacies: list[int],
        pipeline: list[int],
    ) -> None:
        """Take in what a change can touch, counting what is new to the frame as it stands."""
        self.scopes.append((memberships, persons, cells, units, places, candidacies, pipeline))
        touched = _candidate_ids(candidacies, units)
        in_pipeline = touched if pipeline is candidacies else _candidate_ids(pipeline, units)
        found = in_pipeline - self.pipeline_candidates
        if found:
            self.pipeline_candidates |= found
            _add_into(self.pipeline_before, pipeline_counts_of(found))
        found = touched - self.candidates
        if found:
            self.candidates |= found
            stretches = stage_stretches_of(found)
            for key, n in stretches.items():
                self.stage_before[key] = self.stage_before.get(key, 0) + n
            if self.stage_before_rows is not None:
                _add_into(self.stage_before_rows, stage_rollup_of(stretches))
        if units and self.stage_before_rows is None:
            self.stage_before_rows = stage_rollup_of(self.stage_before)
        new = _membership_ids(memberships, persons, cells, units) - self.ids
        if new:
            self.ids |= new
            _add_into(self.before, counts_of(new, self.presence))
            if self.presence:  # transfers and leavings are the members' moves
                _add_into(self.movement_before, movement_counts_of(new))
        if self.presence:  # a change that cannot move the members cannot move coverage
            found = _place_ids(memberships, persons, cells, units, places) - self.places
            if found:
                self.places |= found
                _add_into(self.coverage_before, coverage_counts_of(found))

    def write(self) -> None:
        """Count again what the change touched, now, and write the differences."""
        ids, places, candidates = set(self.ids), set(self.places), set(self.candidates)
        in_pipeline = set(self.pipeline_candidates)
        for memberships, persons, cells, units, named, candidacies, pipeline in self.scopes:
            ids |= _membership_ids(memberships, persons, cells, units)
            # A candidacy found now and not before is new: it counted nothing before.
            touched = _candidate_ids(candidacies, units)
            candidates |= touched
            in_pipeline |= touched if pipeline is candidacies else _candidate_ids(pipeline, units)
            if self.presence:
                # A place found now and not before is new: it counted nothing before. (A
                # change that links an existing place names it in `places`.)
                places |= _place_ids(memberships, persons, cells, units, named)
        _write(self.before, counts_of(ids, self.presence))
        if self.presence and ids:
            moves = movement_counts_of(ids)
            _write_daily(MovementCount, MOVEMENT_COLUMNS, self.movement_before, moves)
        if places:
            _write_coverage(self.coverage_before, coverage_counts_of(places))
        if in_pipeline:
            after = pipeline_counts_of(in_pipeline)
            _write_daily(PipelineCount, PIPELINE_COLUMNS, self.pipeline_before, after)
        if candidates:
            stretches, standing = stretches_and_standings(candidates)
            write_standings(standing)
            if self.stage_before_rows is not None:
                after_rows = stage_rollup_of(stretches)
                _write_daily(StageCount, STAGE_COLUMNS, self.stage_before_rows, after_rows)
            else:
                # The same tree: the stretches after less those before, one rollup of the
                # change, written by the database.
                for key, n in self.stage_before.items():
                    stretches[key] = stretches.get(key, 0) - n
                insert_stage_change(stretches)


def _add_into(into: dict[Key, Vector], counts: dict[Key, Vector]) -> None:
    for key, values in counts.items():
        old = into.get(key)
        into[key] = values if old is None else _plus(old, values)


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
    places: Iterable[int] = (),
    candidacies: Iterable[int] = (),
    pipeline: Iterable[int] | None = None,
    presence: bool = True,
) -> Iterator[None]:
    """Around a change of the records: count what it can touch before and after, and write the
    difference in the same transaction.

    Name what the change writes: the memberships (or postings) it changes, the people whose
    attributes, memberships or places it changes, the cells whose places it relinks, the units
    whose versions it changes, and the existing places it links anew (a person moving in, a
    place moved to another unit): coverage is counted over the places all these can touch.
    Name in `candidacies` the people whose candidacy it creates or changes (its cell, the day
    it was added, its events): the candidates by stage and the pipeline's counts are counted
    over those and the candidacies of the cells below the units. A change that can move only
    some of them in the pipeline's counts (new events, of which only a class passed counts
    there) names those people in `pipeline`.
    A `moving` inside another (a service calling a service) adds its scope
    to the outer one, which writes once for both when it ends.

    `presence=False` says the change cannot move the members present (a candidate's source
    group): only the admissions are counted, at half the cost."""
    people = list(candidacies)
    scope: _Scope = (
        list(memberships), list(persons), list(cells), list(units), list(places), people,
        people if pipeline is None else list(pipeline),
    )  # fmt: skip
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
            frame.write()
    finally:
        _local.frame = None


@contextmanager
def _grouping_by_sort(cursor: CursorWrapper) -> Iterator[None]:
    """On PostgreSQL, the statements inside group rows by sorting them rather than by hashing.

    The rollups' CTEs are estimated at a few thousand rows where the country's hold millions:
    PostgreSQL hashes them in 4 MB of `work_mem`, spills each hash to disk in many batches, and
    hands the rows out in no order, which the counters' (unit, month) index then takes one
    random page at a time. Sorted, the two parts of `counters.sql.rollup` meet in a merge join
    and reach the tables in index order: a third less time for the memberships of a tenth of the
    country (`docs/benchmarks.md`). The setting is the transaction's (`set_config(…, true)`)
    and put back after; a statement that fails ends the transaction, or its savepoint, which
    takes the setting away with it."""
    if connection.vendor != "postgresql":
        yield
        return
    cursor.execute(
        "SELECT current_setting('enable_hashagg'), set_config('enable_hashagg', 'off', true)"
    )
    previous = cursor.fetchone()[0]
    yield
    cursor.execute("SELECT set_config('enable_hashagg', %s, true)", [previous])


def _insert(cursor: CursorWrapper, select: str, params: list[Any]) -> int:
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
        with _grouping_by_sort(cursor):
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


def created(*, places: Iterable[int] = ()) -> None:
    """Name places a change has just created, inside its `moving`: they counted nothing before,
    and are counted when it ends. Outside a `moving`, they are counted at once."""
    ids = set(places)
    frame: _Frame | None = getattr(_local, "frame", None)
    if frame is not None:
        frame.places |= ids
    elif ids:
        _write_coverage({}, coverage_counts_of(ids))


@contextmanager
def recounting(ids_sql: str, params: list[Any], *, presence: bool = True) -> Iterator[None]:
    """Around a bulk change of the records: the counters of the memberships `ids_sql` selects,
    before the change and after it, counted in the database, and the difference written as
    delta rows. One rollup each way and no id through Python, whatever their number (`moving`
    holds its ids and counts in memory). `presence=False` as for `moving`."""
    names = ", ".join(f"c{i}" for i in range(len(ALL_COLUMNS)))
    moves = counters_sql.movement_rollup("SELECT * FROM counters_ids", connection.vendor)
    with transaction.atomic(), connection.cursor() as cursor:
        for name in ("counters_ids", "counters_before", "counters_moves_before"):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMPORARY TABLE counters_ids AS {ids_sql}", params)
        if presence:
            cursor.execute(f"CREATE TEMPORARY TABLE counters_moves_before AS {moves}")
        rollup = counters_sql.rollup("SELECT * FROM counters_ids", connection.vendor, presence)
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TEMPORARY TABLE counters_before (unit_id, month, {names}) AS {rollup}"
            )
        else:
            cursor.execute(f"CREATE TEMPORARY TABLE counters_before (unit_id, month, {names})")
            cursor.execute(f"INSERT INTO counters_before {rollup}")
        yield
        sums = ", ".join(f"SUM(x.c{i})" for i in range(len(ALL_COLUMNS)))
        negated = ", ".join(f"-c{i} AS c{i}" for i in range(len(ALL_COLUMNS)))
        _insert(
            cursor,
            f"SELECT x.unit_id, x.month, {sums} FROM ("
            f" SELECT unit_id, month, {negated} FROM counters_before"
            f" UNION ALL SELECT * FROM ({rollup}) a) x"
            " GROUP BY x.unit_id, x.month",
            [],
        )
        if presence:
            before_moves = "counters_moves_before"
            _insert_difference(cursor, MovementCount, MOVEMENT_COLUMNS, moves, before_moves)
            cursor.execute("DROP TABLE counters_moves_before")
        for name in ("counters_ids", "counters_before"):
            cursor.execute(f"DROP TABLE {name}")


@contextmanager
def recounting_places(
    places_sql: str, params: list[Any], *, members_only: bool = False
) -> Iterator[None]:
    """Around a bulk change of the records (a first load): the coverage of the places
    `places_sql` selects, before the change and after it, counted in the database, and the
    difference written as delta rows. One rollup each way, whatever the number of places.
    `members_only` for a change of people and memberships, which moves neither places nor
    cells: their periods are then left out of both rollups."""
    with transaction.atomic(), connection.cursor() as cursor:
        for name in ("counters_places", "counters_coverage_before"):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMPORARY TABLE counters_places AS {places_sql}", params)
        vendor = connection.vendor
        before = coverage_sql.rollup("SELECT * FROM counters_places", vendor, members_only)
        cursor.execute(f"CREATE TEMPORARY TABLE counters_coverage_before AS {before}")
        yield
        cursor.execute(
            f"INSERT INTO counters_places SELECT * FROM ({places_sql}) n"
            " EXCEPT SELECT * FROM counters_places",
            params,
        )
        after = coverage_sql.rollup("SELECT * FROM counters_places", vendor, members_only)
        before = "counters_coverage_before"
        _insert_difference(cursor, CoverageCount, COVERAGE_COLUMNS, after, before)
        for name in ("counters_places", "counters_coverage_before"):
            cursor.execute(f"DROP TABLE {name}")


def _insert_difference(
    cursor: CursorWrapper,
    model: type[models.Model],
    columns: tuple[str, ...],
    after: str,
    before_table: str,
) -> int:
    """Insert the rows of the rollup by day `after` minus those kept in `before_table` (a table
    with its columns, named as `columns`), leaving out keys that did not move."""
    sums = ", ".join(f"SUM(x.{c})" for c in columns)
    cursor.execute(
        f"INSERT INTO {model._meta.db_table} (unit_id, day, {', '.join(columns)})"
        f" SELECT x.unit_id, x.day, {sums} FROM (SELECT * FROM ({after}) a"
        f" UNION ALL SELECT unit_id, day, {', '.join(f'-{c}' for c in columns)}"
        f" FROM {before_table}) x"
        f" GROUP BY x.unit_id, x.day HAVING {' OR '.join(f'SUM(x.{c}) <> 0' for c in columns)}"
    )
    return int(cursor.rowcount)


def add_new_places(ids_sql: str, params: list[Any]) -> int:
    """Count places that did not exist before (a first load), in the database: one rollup,
    whatever their number. Returns the rows written."""
    with transaction.atomic(), connection.cursor() as cursor:
        return _insert_coverage(cursor, ids_sql, params, None)


def rebuild_coverage() -> int:
    """Recount every coverage counter from the records (a demo or a bench load). Returns the
    rows written."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {CoverageCount._meta.db_table}")
        return _insert_coverage(cursor, "SELECT id FROM org_place", [], None)


def add_new(ids_sql: str, params: list[Any]) -> int:
    """Count memberships that did not exist before (a first load), in the database: one
    rollup, whatever their number. Returns the rows written."""
    with transaction.atomic(), connection.cursor() as cursor:
        written = _insert(cursor, counters_sql.rollup(ids_sql, connection.vendor), params)
        return written + _insert_movement(cursor, ids_sql, params, None)


def _insert_movement(
    cursor: CursorWrapper, ids_sql: str, params: list[Any], within: tuple[str, list[Any]] | None
) -> int:
    """Insert the transfers and leavings of the memberships `ids_sql` selects (for the units
    `within` selects, or all)."""
    text = counters_sql.movement_rollup(ids_sql, connection.vendor)
    return _insert_daily(cursor, MovementCount, MOVEMENT_COLUMNS, text, params, within)


def add_new_candidates(ids_sql: str, params: list[Any]) -> int:
    """Count candidacies that did not exist before (a first load of source lists), in the
    database: one rollup, whatever their number. Returns the rows written."""
    with transaction.atomic(), connection.cursor() as cursor:
        return _insert_pipeline(cursor, ids_sql, params, None) + _insert_stages(
            cursor, ids_sql, params, None
        )


def _insert_pipeline(
    cursor: CursorWrapper, ids_sql: str, params: list[Any], within: tuple[str, list[Any]] | None
) -> int:
    """Insert the pipeline rollup of the candidacies `ids_sql` selects (for the units `within`
    selects, or all)."""
    text = counters_sql.pipeline_rollup(ids_sql, connection.vendor)
    return _insert_daily(cursor, PipelineCount, PIPELINE_COLUMNS, text, params, within)


def _insert_stages(
    cursor: CursorWrapper, ids_sql: str, params: list[Any], within: tuple[str, list[Any]] | None
) -> int:
    """Insert the candidates by stage of the candidacies `ids_sql` selects (for the units
    `within` selects, or all): their stretches worked out in Python from their events
    (`rules.changes`), a batch at a time, and rolled up to the units in the database. Keeps
    their standing too (`write_standings`)."""
    vendor = connection.vendor
    text = counters_sql.stage_rollup(counters_sql.stage_segments(vendor), vendor)
    written = 0
    for stretches, standing in stage_batches(ids_sql, params):
        write_standings(standing)
        if stretches:
            written += _insert_daily(
                cursor, StageCount, STAGE_COLUMNS, text, stage_parameters(stretches), within
            )
    return written


def insert_stage_change(stretches: Stretches) -> int:
    """Insert what these stretches (after a change less before it, on the same tree) add to the
    candidates by stage, rolled up and written by the database a batch at a time. Returns the
    rows written."""
    vendor = connection.vendor
    text = counters_sql.stage_rollup(counters_sql.stage_segments(vendor), vendor)
    items = [(key, n) for key, n in stretches.items() if n]
    written = 0
    with connection.cursor() as cursor:
        for i in range(0, len(items), STAGE_BATCH):
            batch = dict(items[i : i + STAGE_BATCH])
            written += _insert_daily(
                cursor, StageCount, STAGE_COLUMNS, text, stage_parameters(batch), None
            )
    return written


def write_standings(standing: list[Standing]) -> int:
    """Keep `Candidate.stage_now` and `side_now` equal to where their events leave these
    candidacies ((id, stage, side) of `stage_batches`): one statement, writing only those that
    moved. Returns the candidacies written."""
    if not standing:
        return 0
    table = "pipeline_candidate"
    if connection.vendor == "postgresql":
        source = "unnest(%s::bigint[], %s::text[], %s::text[]) AS s(id, stage, side)"
        params: list[Any] = [[c for c, _s, _d in standing], [s for _c, s, _d in standing]]
        params.append([d for _c, _s, d in standing])
    else:
        source = (
            "(SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS stage,"
            " json_extract(value, '$[2]') AS side FROM json_each(%s)) AS s"
        )
        params = [json.dumps(standing)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET stage_now = s.stage, side_now = s.side FROM {source}"
            f" WHERE {table}.id = s.id"
            f" AND ({table}.stage_now <> s.stage OR {table}.side_now <> s.side)",
            params,
        )
        return int(cursor.rowcount)


def closure_sql(unit_id: int) -> tuple[str, list[Any]]:
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
        forget_starts()
        coverage, pipeline = CoverageCount._meta.db_table, PipelineCount._meta.db_table
        movement, stages = MovementCount._meta.db_table, StageCount._meta.db_table
        if unit_id is None:
            for model, _columns in TABLES:
                cursor.execute(f"DELETE FROM {model._meta.db_table}")
            everyone = "SELECT id FROM people_membership"
            written = _insert(cursor, counters_sql.rollup(everyone, connection.vendor), [])
            cursor.execute(f"DELETE FROM {movement}")
            written += _insert_movement(cursor, everyone, [], None)
            cursor.execute(f"DELETE FROM {pipeline}")
            written += _insert_pipeline(cursor, "SELECT id FROM pipeline_candidate", [], None)
            cursor.execute(f"DELETE FROM {stages}")
            written += _insert_stages(cursor, "SELECT id FROM pipeline_candidate", [], None)
            cursor.execute(f"DELETE FROM {coverage}")
            return written + _insert_coverage(cursor, "SELECT id FROM org_place", [], None)
        below, params = closure_sql(unit_id)
        # The candidacies of the cells there: a unit there counts only those.
        cursor.execute(f"DELETE FROM {pipeline} WHERE unit_id IN ({below})", params)
        candidates = f"SELECT id FROM pipeline_candidate WHERE cell_id IN ({below})"
        pipeline_rows = _insert_pipeline(cursor, candidates, params, (below, params))
        cursor.execute(f"DELETE FROM {stages} WHERE unit_id IN ({below})", params)
        pipeline_rows += _insert_stages(cursor, candidates, params, (below, params))
        for model, _columns in TABLES:
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE unit_id IN ({below})", params)
        ids = f"SELECT DISTINCT membership_id FROM people_posting WHERE cell_id IN ({below})"
        text = counters_sql.rollup(ids, connection.vendor)
        written = _insert(
            cursor,
            f"SELECT * FROM ({text}) r0 WHERE r0.unit_id IN ({below})",
            [*params, *params],
        )
        cursor.execute(f"DELETE FROM {movement} WHERE unit_id IN ({below})", params)
        written += _insert_movement(cursor, ids, params, (below, params))
        # The places ever owned by a unit there: those a unit there can count.
        cursor.execute(f"DELETE FROM {coverage} WHERE unit_id IN ({below})", params)
        places = f"SELECT DISTINCT place_id FROM org_placeversion WHERE unit_id IN ({below})"
        written += pipeline_rows
        return written + _insert_coverage(cursor, places, params, (below, params))


def _insert_coverage(
    cursor: CursorWrapper, places_sql: str, params: list[Any], within: tuple[str, list[Any]] | None
) -> int:
    """Insert the coverage rollup of the places `places_sql` selects (for the units `within`
    selects, or all)."""
    text = coverage_sql.rollup(places_sql, connection.vendor)
    return _insert_daily(cursor, CoverageCount, COVERAGE_COLUMNS, text, params, within)


def _insert_daily(
    cursor: CursorWrapper,
    model: type[models.Model],
    columns: tuple[str, ...],
    text: str,
    params: list[Any],
    within: tuple[str, list[Any]] | None,
) -> int:
    """Insert the rows of a rollup by day (`text`, giving unit_id, day and `columns`), for the
    units `within` selects or all. Returns the rows written."""
    names = ", ".join(columns)
    where, more = ("", []) if within is None else (f" WHERE r0.unit_id IN ({within[0]})", within[1])
    cursor.execute(
        f"INSERT INTO {model._meta.db_table} (unit_id, day, {names})"
        f" SELECT * FROM ({text}) r0{where}",
        [*params, *more],
    )
    return int(cursor.rowcount)


def fold() -> int:
    """Replace the rows of each key that has more than one by one row of their sum, dropping
    sums of zero, in every table of counters. Returns the rows written.

    On PostgreSQL one statement a table deletes the rows and inserts their sums, so it reads one
    snapshot: a row a writer commits meanwhile is either folded or left as it is, never lost.
    SQLite has one writer at a time."""
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The cells' starts are counted up to the last row seen: a writer's row must either be
            # seen or come after it, so writers of these two wait for the fold (seconds).
            for locked in (AdmissionCount, StageCount):
                cursor.execute(f"LOCK TABLE {locked._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        for model, columns in TABLES:
            written += _fold(cursor, model._meta.db_table, columns, "month")
        written += _fold(cursor, CoverageCount._meta.db_table, COVERAGE_COLUMNS, "day")
        written += _fold(cursor, PipelineCount._meta.db_table, PIPELINE_COLUMNS, "day")
        written += _fold(cursor, MovementCount._meta.db_table, MOVEMENT_COLUMNS, "day")
        written += _fold(cursor, StageCount._meta.db_table, STAGE_COLUMNS, "day")
        _write_starts(cursor)
        if connection.vendor == "postgresql":
            # The fold gave most rows new ids: the planner must know them to read the rows
            # written since it through the primary key (`cell_counts`).
            for analysed in (AdmissionCount, StageCount, CellStartCount):
                cursor.execute(f"ANALYZE {analysed._meta.db_table}")
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Run on its own (the command, a nightly job): the rewritten rows lie in new pages, and
        # reading a unit's members from the index alone needs them marked visible again
        # (the centre's unit page took 0.06 s before a fold, 0.2 s after it until this).
        with connection.cursor() as cursor:
            tables: tuple[type[models.Model], ...] = (*(m for m, _c in TABLES), CoverageCount,
                PipelineCount, MovementCount, StageCount, CellStartCount)  # fmt: skip
            for vacuumed in tables:
                cursor.execute(f"VACUUM (ANALYZE) {vacuumed._meta.db_table}")
    return written


# 1 January of the years `fold` counts each cell up to: this year's, the two before and the next.
YEARS_BEFORE = 2


def _starts(day: dt.date) -> list[dt.date]:
    """The days `fold` counts each cell up to: 1 January of the recent years, and the first of
    this month and the next (today's figures then read the rows of a few days)."""
    this_month = day.replace(day=1)
    next_month = (this_month + dt.timedelta(days=32)).replace(day=1)
    years = [dt.date(y, 1, 1) for y in range(day.year - YEARS_BEFORE, day.year + 2)]
    return sorted({*years, this_month, next_month})


def _write_starts(cursor: CursorWrapper) -> None:
    """Each cell's counters up to each of `_starts(today())` (`CellStartCount`), and the mark of
    what they saw (`FoldMark`)."""
    table, admissions = CellStartCount._meta.db_table, AdmissionCount._meta.db_table
    stages, pipeline = StageCount._meta.db_table, " + ".join(IN_PIPELINE_COLUMNS)
    forget_starts()
    cells = (
        "SELECT DISTINCT v.unit_id FROM org_unitversion v"
        " JOIN org_unitkind k ON k.id = v.kind_id WHERE k.holds_members"
    )
    starts = _starts(today())
    for start in starts:
        start_param = start if connection.vendor == "postgresql" else start.isoformat()
        cursor.execute(
            f"INSERT INTO {table} (unit_id, start, members, official, candidates,"
            " last_admission)"
            " SELECT u.unit_id, %s, COALESCE(a.m, 0), COALESCE(a.o, 0), COALESCE(s.n, 0), a.last"
            f" FROM ({cells}) u"
            " LEFT JOIN (SELECT unit_id, SUM(m) AS m, SUM(o) AS o,"
            " MAX(CASE WHEN a > 0 THEN month END) AS last FROM ("
            " SELECT unit_id, month, SUM(members) AS m, SUM(official) AS o, SUM(admissions) AS a"
            f" FROM {admissions} WHERE month < %s GROUP BY unit_id, month) x GROUP BY unit_id) a"
            " ON a.unit_id = u.unit_id"
            f" LEFT JOIN (SELECT unit_id, SUM({pipeline}) AS n FROM {stages} WHERE day < %s"
            " GROUP BY unit_id) s ON s.unit_id = u.unit_id",
            [start_param, start_param, start_param],
        )
    upto = {}
    for model in (AdmissionCount, StageCount):
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
        upto[model] = cursor.fetchone()[0]
    FoldMark.objects.create(
        starts=",".join(x.isoformat() for x in starts),
        admissions_upto=upto[AdmissionCount], stages_upto=upto[StageCount],
    )  # fmt: skip


def forget_starts() -> None:
    """Drop the cells' starts (a rebuild rewrites the rows they added up): the figures per cell
    read every month again until the next fold."""
    CellStartCount.objects.all().delete()
    FoldMark.objects.all().delete()


def _fold(cursor: CursorWrapper, table: str, columns: tuple[str, ...], when: str) -> int:
    names = ", ".join(columns)
    key = f"unit_id, {when}"
    sums = ", ".join(f"SUM({c})" for c in columns)
    nonzero = " OR ".join(f"SUM({c}) <> 0" for c in columns)
    crowded = f"SELECT {key} FROM {table} GROUP BY {key} HAVING COUNT(*) > 1"
    if connection.vendor == "postgresql":
        cursor.execute(
            f"WITH d AS (DELETE FROM {table} WHERE ({key}) IN ({crowded})"
            f" RETURNING {key}, {names})"
            f" INSERT INTO {table} ({key}, {names})"
            f" SELECT {key}, {sums} FROM d GROUP BY {key} HAVING {nonzero}"
        )
        return int(cursor.rowcount)
    cursor.execute("DROP TABLE IF EXISTS temp.counters_fold")
    cursor.execute(
        f"CREATE TEMPORARY TABLE counters_fold AS SELECT {key},"
        f" {', '.join(f'SUM({c}) AS c{i}' for i, c in enumerate(columns))}"
        f" FROM {table} WHERE ({key}) IN ({crowded}) GROUP BY {key}"
    )
    cursor.execute(f"DELETE FROM {table} WHERE ({key}) IN (SELECT {key} FROM counters_fold)")
    cursor.execute(
        f"INSERT INTO {table} ({key}, {names}) SELECT * FROM counters_fold"
        f" WHERE {' OR '.join(f'c{i} <> 0' for i in range(len(columns)))}"
    )
    written: int = cursor.rowcount
    cursor.execute("DROP TABLE temp.counters_fold")
    return written
