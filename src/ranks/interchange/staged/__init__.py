"""Imports that PostgreSQL does itself: the file as it is, checked and written with set-based SQL.

A row checked and written in Python costs 100–250 µs; `COPY` reads a row in 1–4 µs. For a file
of a kind that has a staged loader, read by a user whose scope is the whole tree, on PostgreSQL,
the engine first tries this path:

1. the CSV file's bytes go to `COPY … FROM STDIN` into a temporary table of text columns, one
   per column of the file, in file order (`n`);
2. the loader checks the staged cells with a fixed number of set-based queries. They accept only
   what the ordinary path would accept *and* type the same way: canonical values (ISO dates, the
   list keys themselves, no spaces around a cell, nothing a spreadsheet may have changed). A
   check that finds anything else raises `NotStaged`;
3. the loader writes with `INSERT … SELECT` and `UPDATE … FROM`, and audits one entry per batch
   of rows, built and hashed in the database (`audit_record_sql`).

`NotStaged` is never an error the user sees: the engine rolls the attempt back and reads the same
file through the ordinary path, which gives every bad row its message. So a file with a bad row
costs the staged attempt and then the ordinary import; a good file never enters Python row by row.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.db import connection

from ranks.interchange.schema import Column

CHUNK = 1 << 20
STAGE = "ranks_stage"


class NotStaged(Exception):
    """The staged path cannot vouch for this file; the ordinary path reads it instead."""


@dataclass
class Stage:
    """The staged file: `col(key)` is the SQL of a column's cell (NULL when blank), or None when
    the file has no such column."""

    table: str
    columns: dict[str, str]  # column key → staging column name

    def col(self, key: str, alias: str = "s") -> str | None:
        name = self.columns.get(key)
        return None if name is None else f"nullif({alias}.{name}, '')"

    def has(self, key: str) -> bool:
        return key in self.columns


def loaders() -> dict[str, Callable[..., Any]]:
    from ranks.interchange.staged import members, people

    return {"people": people.load, "members": members.load}


def eligible(kind: str, table: Any, stream: IO[bytes], *, full_scope: bool) -> bool:
    """Whether the staged path may try this file."""
    if not getattr(settings, "RANKS_STAGED_IMPORTS", True):
        return False
    if connection.vendor != "postgresql" or kind not in loaders() or not full_scope:
        return False
    if table.delimiter is None or not hasattr(stream, "seek"):
        return False  # a workbook: its cells are typed by openpyxl, in Python
    if table.size < getattr(settings, "RANKS_STAGED_MIN_BYTES", 1 << 20):
        return False  # a small file: per-row audit entries cost nothing worth saving
    return not any(("\n" in h or "\r" in h or '"' in h) for h in table.header)


# A line holding only `\.` ends COPY's data even in CSV mode: a file with one is not staged.
_END_OF_DATA = re.compile(rb"(^|\n)\\\.\r?(\n|$)")


def copy_file(
    stream: IO[bytes],
    header: list[str],
    columns: dict[int, Column],
    delimiter: str,
    on_bytes: Callable[[int], None] | None = None,
) -> Stage:
    """COPY the CSV file into a new temporary staging table; rows keep file order in `n`."""
    names = [f"c{index}" for index in range(len(header))]
    with connection.cursor() as cursor:
        # Sorts and hashes of a million rows stay in memory (the transaction's setting only).
        cursor.execute("SET LOCAL work_mem = '128MB'")
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGE} (n bigserial, "
            + ", ".join(f"{name} text" for name in names)
            + ") ON COMMIT DROP"
        )
        stream.seek(0)
        first = True
        tail = b""
        sent = 0
        sql = (
            f"COPY {STAGE} ({', '.join(names)}) FROM STDIN "
            f"(FORMAT csv, HEADER true, DELIMITER '{delimiter}', ENCODING 'UTF8')"
        )
        with cursor.cursor.copy(sql) as copy:
            held = b""  # the last chunk read, sent once the next one shows it is not the end
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                if first:
                    if chunk.startswith(codecs.BOM_UTF8):
                        chunk = chunk[len(codecs.BOM_UTF8) :]
                    first = False
                if _END_OF_DATA.search(tail + chunk):
                    raise NotStaged("a line holds only \\.")
                tail = chunk[-4:]
                if held:
                    copy.write(held)
                held = chunk
                sent += len(chunk)
                if on_bytes:
                    on_bytes(sent)
            # Empty lines at the end, which an editor may leave and the reader skips, are no
            # rows: COPY would refuse them.
            body = held.rstrip(b"\r\n")
            if body:
                ending = held[len(body) :][:2]  # the file's own line ending, if it had one
                copy.write(body + (b"\r\n" if ending == b"\r\n" else ending[:1]))
    return Stage(STAGE, {column.key: f"c{index}" for index, column in columns.items()})


def _params(params: Iterable[Any] | Mapping[str, Any]) -> list[Any] | Mapping[str, Any]:
    return params if isinstance(params, Mapping) else list(params)


def any_row(sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS ({sql})", _params(params))
        return bool(cursor.fetchone()[0])


def execute(sql: str, params: Iterable[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.rowcount


def fetch(sql: str, params: Iterable[Any] = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


# Cells the ordinary path would read differently from their text: spaces it strips (Unicode
# ones included), control characters, and an apostrophe that a spreadsheet put before a formula.
_EDGE = r"[:space:][:cntrl:]\u00a0\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
_ODD_TEXTS = rf"(^|\x01)[{_EDGE}'']|[{_EDGE}](\x01|$)"  # '' is the apostrophe in an SQL literal


def odd_texts(cells: list[str]) -> str:
    """SQL true when a text cell starts or ends in a way the ordinary path would change: one
    regular expression over the row's cells joined by \x01 (a cell that holds \x01 itself can
    only make a good row look odd, never the reverse)."""
    if not cells:
        return "false"
    return f"(concat_ws(E'\\x01', {', '.join(cells)}) ~ '{_ODD_TEXTS}')"


_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def odd_date(cell: str) -> str:
    """SQL true for a date cell not written as ISO (an impossible ISO date fails its cast)."""
    return f"({cell} !~ '{_ISO_DATE}')"


def odd_choice(cell: str, choices: Iterable[str]) -> str:
    """SQL true for a cell that is not one of the keys of its list, exactly."""
    keys = ", ".join(sql_text(c) for c in choices)
    return f"({cell} NOT IN ({keys}))"


def sql_text(value: str) -> str:
    """A string as an SQL literal (the values come from the schema, not from the file)."""
    return "'" + value.replace("'", "''").replace("%", "%%") + "'"


# The audit of a staged batch: a table, {"columns": [names], "rows": [[values], …]}. PostgreSQL
# parses a JSON array four times faster than an object of the same values, and its text is half
# as long. Each value's SQL is given with its type, written as `chain.canonical` writes it.
JSON_VALUE = {
    "text": "coalesce(to_json({})::text, 'null')",
    "int": "coalesce(({})::text, 'null')",
    "bool": "CASE WHEN {} THEN 'true' WHEN NOT {} THEN 'false' ELSE 'null' END",
    "date": "coalesce('\"' || to_char({}, 'YYYY-MM-DD') || '\"', 'null')",
}


def json_table(columns: list[tuple[str, str, str]], source: str, order: str) -> str:
    """SQL giving the canonical JSON text of {"columns": …, "rows": …} for the rows of `source`
    (a FROM … WHERE … clause) in `order`, or NULL when it has none. `columns` are (name, SQL,
    type) in the order they are shown."""
    names = "[" + ",".join(json.dumps(name) for name, _sql, _type in columns) + "]"
    values = " || ',' || ".join(
        JSON_VALUE[kind].format(*([sql] * JSON_VALUE[kind].count("{}")))
        for _name, sql, kind in columns
    )
    head = sql_text('{"columns":' + names + ',"rows":[')
    return (
        f"SELECT {head} || string_agg('[' || {values} || ']', ',' ORDER BY {order}) || ']}}' "
        f"{source}"
    )


def next_id(model: Any) -> str:
    """SQL taking the next id of `model`'s table from its sequence, named once here: a
    `pg_get_serial_sequence()` inside the statement would look the name up for every row."""
    table = model._meta.db_table
    name = fetch("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])[0][0]
    return f"nextval({sql_text(name)}::regclass)"
