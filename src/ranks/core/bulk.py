"""Writing many rows at once: `COPY` on PostgreSQL, multi-row `INSERT` on SQLite.

Set-based imports and the audit log write through here. `insert` gives every new object its
primary key (taken from the table's sequence on PostgreSQL, so that `COPY`, which returns
nothing, can still be followed by rows that point at the new ones). `update` changes the named
columns of existing rows in one statement per batch (a temporary table joined on the key on
PostgreSQL). Callers are inside a transaction; nothing here commits.
"""

from __future__ import annotations

import json
import operator
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models

_M = TypeVar("_M", bound=models.Model)

# A column written: its field, and how its Python value is converted for `COPY`.
_Column = tuple["models.Field[Any, Any]", Callable[[Any], Any]]


class JSONText(str):
    """A value already encoded as JSON: written to a JSON column as it is (by COPY)."""


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """How one column's Python value is written: JSON as its text, the rest as psycopg adapts it."""
    if isinstance(field, models.JSONField):
        encoder = field.encoder or DjangoJSONEncoder

        def to_json(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, JSONText):
                return str(value)
            return json.dumps(value, cls=encoder, ensure_ascii=False)

        return to_json
    if getattr(field, "encrypted", False):  # core.crypto: the stored form, encrypted

        def encrypt(value: Any) -> Any:
            return field.get_db_prep_save(value, connection)

        return encrypt
    return _as_is


def _as_is(value: Any) -> Any:
    return value


def _converted(field: models.Field[Any, Any]) -> bool:
    return isinstance(field, models.JSONField) or getattr(field, "encrypted", False)


def _column_of(field: models.Field[Any, Any]) -> str:
    """The column of a concrete field (the only fields written here)."""
    assert field.column is not None
    return field.column


def _columns(model: type[models.Model], fields: Sequence[str] | None) -> list[_Column]:
    chosen: list[_Column] = []
    for field in model._meta.concrete_fields:
        if fields is not None and field.name not in fields and field.attname not in fields:
            continue
        chosen.append((field, _converter(field)))
    return chosen


def _allocate_ids(model: type[models.Model], count: int) -> list[int]:
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """`COPY table (columns) FROM STDIN` with already converted values; PostgreSQL only."""
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def insert(model: type[_M], objs: Sequence[_M]) -> None:
    """Insert new rows for `objs` (their primary keys are set afterwards)."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=500)
        return
    pk = model._meta.pk
    missing = [obj for obj in objs if obj.pk is None]
    if missing:
        for obj, new_id in zip(missing, _allocate_ids(model, len(missing)), strict=True):
            setattr(obj, pk.attname, new_id)
    columns = _columns(model, None)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    copy_rows(
        model._meta.db_table, [_column_of(field) for field, _ in columns], _values(columns, objs)
    )


def _values(columns: list[_Column], objs: Iterable[models.Model]) -> Iterator[tuple[Any, ...]]:
    """Each object's column values, read in one C call; only JSON and encrypted columns are
    converted."""
    read: Callable[[models.Model], tuple[Any, ...]] = operator.attrgetter(
        *(field.attname for field, _ in columns)
    )
    if len(columns) == 1:
        single = read
        read = lambda obj: (single(obj),)  # noqa: E731 - attrgetter of one name gives no tuple
    json_at = [i for i, (field, _) in enumerate(columns) if _converted(field)]
    if not json_at:
        for obj in objs:
            yield read(obj)
        return
    for obj in objs:
        values = list(read(obj))
        for i in json_at:
            values[i] = columns[i][1](values[i])
        yield tuple(values)


def update(model: type[_M], objs: Sequence[_M], fields: Sequence[str]) -> None:
    """Write `fields` of existing rows `objs`, matched on their primary key."""
    if not objs or not fields:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, list(fields), batch_size=500)
        return
    pk = model._meta.pk
    columns = [(pk, _converter(pk)), *_columns(model, fields)]
    table = model._meta.db_table
    # One temporary table per table and set of columns, dropped with the transaction.
    temp = f"_bulk_{table}_{zlib.crc32(','.join(sorted(fields)).encode()):08x}"
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {q(temp)} ON COMMIT DROP AS "
            f"SELECT {', '.join(q(_column_of(f)) for f, _ in columns)} FROM {q(table)} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {q(temp)}")
    copy_rows(temp, [_column_of(f) for f, _ in columns], _values(columns, objs))
    assignments = ", ".join(f"{q(_column_of(f))} = t.{q(_column_of(f))}" for f, _ in columns[1:])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q(table)} SET {assignments} FROM {q(temp)} t "
            f"WHERE {q(table)}.{q(_column_of(pk))} = t.{q(_column_of(pk))}"
        )


@contextmanager
def indexes_built_after(*models_: type[models.Model]) -> Iterator[None]:
    """Fill empty tables first and build their indexes after, as `pg_restore` does; PostgreSQL
    only, inside the caller's transaction.

    Inserting a million rows into a table keeps each of its indexes up to date row by row and
    queues a foreign-key check per row; building an index over rows already there sorts them
    once, and adding a foreign key checks it with one join. For each of the tables that is empty
    on entry, its secondary indexes, unique constraints and foreign keys are dropped and, on a
    clean exit, created again from their own definitions (`pg_get_indexdef`,
    `pg_get_constraintdef`): the same names, the same schema. The primary key stays. DDL is
    transactional here, so a failure or a kill rolls the drops back with the rows. The tables
    are locked until the transaction ends, which costs nothing to a table that was empty.
    """
    if connection.vendor != "postgresql":
        yield
        return
    q = connection.ops.quote_name
    restore: list[str] = []
    with connection.cursor() as cursor:
        # A table with foreign-key checks still queued in this transaction cannot be altered:
        # run them now (as the commit would), and defer the checks again.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for model in models_:
            table = model._meta.db_table
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {q(table)})")
            if cursor.fetchone()[0]:
                continue
            cursor.execute(
                """
                SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint
                WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC
                """,
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                """
                SELECT i.relname, pg_get_indexdef(i.oid)
                FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                WHERE x.indrelid = %s::regclass
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
                """,
                [table],
            )
            indexes = cursor.fetchall()
            for name, _definition, _kind in constraints:
                cursor.execute(f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(name)}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {q(name)}")
            restore += [definition for _name, definition in indexes]
            # Unique constraints ('u') before the foreign keys ('f') that may lean on them.
            restore += [
                f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}"
                for name, definition, _kind in sorted(constraints, key=lambda c: c[2] != "u")
            ]
    yield
    if restore:
        with connection.cursor() as cursor:
            # Nor can an index be built on a table with trigger events still queued (the tree's
            # generation, raised at the commit: `restructure` migration 0004): fire them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for statement in restore:
                cursor.execute(statement)
