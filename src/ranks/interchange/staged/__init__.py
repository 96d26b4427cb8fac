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

from ranks.core.audit import audit_record_sql
from ranks.interchange import values as V
from ranks.interchange.schema import BOOL, CHOICE, CHOICES, DATE, INT, LIST, Column

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

    def date(self, key: str) -> str:
        """The SQL of a date column's cell as a date (checked by `check_cells` first)."""
        cell = self.col(key)
        return "NULL::date" if cell is None else f"{cell}::date"


def loaders() -> dict[str, Callable[..., Any]]:
    from ranks.interchange.staged import candidates, members, people, places, units

    return {
        "units": units.load,
        "places": places.load,
        "people": people.load,
        "members": members.load,
        "candidates": candidates.load,
    }


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
EDGE = r"[:space:][:cntrl:]\u00a0\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
_ODD_TEXTS = rf"(^|\x01)[{EDGE}'']|[{EDGE}](\x01|$)"  # '' is the apostrophe in an SQL literal


def odd_texts(cells: list[str]) -> str:
    """SQL true when a text cell starts or ends in a way the ordinary path would change: one
    regular expression over the row's cells joined by \x01 (a cell that holds \x01 itself can
    only make a good row look odd, never the reverse)."""
    if not cells:
        return "false"
    return f"(concat_ws(E'\\x01', {', '.join(cells)}) ~ '{_ODD_TEXTS}')"


# A list cell the ordinary path would read differently: a part with spaces around it, or an
# empty part (`values.parse_list` strips the parts and drops the empty ones).
_ODD_PARTS = rf"(^|;)[{EDGE}]|[{EDGE}](;|$)|(^|;)(;|$)"


def odd_list(cell: str) -> str:
    """SQL true for a list cell whose parts are not written as they are read."""
    return f"({cell} ~ '{_ODD_PARTS}')"


def sorted_list(cell: str | None) -> str:
    """SQL: a list cell as a text[] sorted bytewise (as Python sorts) without repeats."""
    if cell is None:
        return "'{}'::text[]"
    # Sorted with the "C" collation, but the parts keep the database's, so that comparing them
    # with a code uses its index.
    return (
        f"ARRAY(SELECT x FROM (SELECT DISTINCT x FROM unnest(string_to_array({cell}, ';')) x) d "
        'ORDER BY x COLLATE "C")'
    )


def json_texts(array: str) -> str:
    """SQL: a text[] as the canonical JSON text of its list, in its order."""
    return (
        f"(SELECT '[' || coalesce(string_agg(to_json(x)::text, ',' ORDER BY i), '') || ']' "
        f"FROM unnest({array}) WITH ORDINALITY AS a(x, i))"
    )


_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def odd_date(cell: str) -> str:
    """SQL true for a date cell not written as ISO (an impossible ISO date fails its cast)."""
    return f"({cell} !~ '{_ISO_DATE}')"


def odd_choice(cell: str, choices: Iterable[str]) -> str:
    """SQL true for a cell that is not one of the keys of its list, exactly."""
    keys = ", ".join(sql_text(c) for c in choices)
    return f"({cell} NOT IN ({keys}))"


def bool_words() -> dict[str, bool]:
    """The words the ordinary path reads as true or false (`values.TRUE`, `values.FALSE`), as a
    clerk may write them: lower case, upper case, capitalised."""
    words = {}
    for truth, group in ((True, V.TRUE), (False, V.FALSE)):
        for word in group:
            if word:
                for form in (word, word.upper(), word.capitalize()):
                    words[form] = truth
    return words


def bool_value(cell: str) -> str:
    """SQL: a bool cell checked by `odd_choice(cell, bool_words())` as a boolean (blank: false)."""
    true_words = ", ".join(sql_text(w) for w, truth in bool_words().items() if truth)
    return f"coalesce({cell} IN ({true_words}), false)"


def check_cells(
    stage: Stage, columns: Iterable[Column], extra: Iterable[str] = (), params: Iterable[Any] = ()
) -> None:
    """Raise NotStaged unless every cell is one the ordinary path takes as it is, by the type of
    its column: present where required, ISO dates, the keys of a list exactly, a list's parts
    without spaces around them, texts within their length and without spaces, control
    characters or a spreadsheet's apostrophe at their ends; and none of the `extra` conditions
    (SQL over the stage's row `s`, with `params`). What needs typed values (dates that exist,
    codes that exist) is the loader's."""
    texts, odd = [], list(extra)
    for column in columns:
        cell = stage.col(column.key)
        if cell is None:
            continue
        if column.required:
            odd.append(f"{cell} IS NULL")
        if column.type == DATE:
            odd.append(odd_date(cell))
        elif column.type == BOOL:
            odd.append(odd_choice(cell, bool_words()))
        elif column.type == CHOICE:
            odd.append(odd_choice(cell, column.choices))
        elif column.type == INT:
            odd.append(f"({cell} !~ '^[0-9]{{1,9}}$')")
        elif column.type in (LIST, CHOICES):
            texts.append(cell)
            odd.append(odd_list(cell))
            if column.choices:
                keys = ", ".join(sql_text(key) for key in column.choices)
                odd.append(f"NOT (string_to_array({cell}, ';') <@ ARRAY[{keys}]::text[])")
        else:
            texts.append(cell)
            odd.append(f"length({cell}) > {int(column.max_length)}")
    odd.append(odd_texts(texts))
    where = " OR ".join(f"coalesce({o}, false)" for o in odd)
    if any_row(f"SELECT 1 FROM {stage.table} s WHERE {where}", params):
        raise NotStaged("a cell the ordinary path reads differently")


def refuse(rows: str, conditions: Iterable[str], reason: str, params: Any = ()) -> None:
    """Raise NotStaged(reason) when a row `r` of the table `rows` meets any of the conditions
    (SQL, a window function among them if need be)."""
    bad = " OR ".join(f"coalesce({c}, false)" for c in conditions)
    if any_row(f"SELECT 1 FROM (SELECT {bad} AS bad FROM {rows} r) q WHERE bad", params):
        raise NotStaged(reason)


def start(alias: str) -> str:
    """SQL: the first day of a period (`valid_from`, open as -infinity)."""
    return f"coalesce({alias}.valid_from, '-infinity')"


def end(alias: str) -> str:
    """SQL: the last day of a period (`valid_to`, open as infinity)."""
    return f"coalesce({alias}.valid_to, 'infinity')"


def overlaps_one_before(alias: str = "r") -> str:
    """SQL true for a period that overlaps another of the same code: sorted by start, periods
    overlap where one starts on or before the day the one before it ends."""
    return f"{start(alias)} <= lag({end(alias)}) OVER (PARTITION BY code ORDER BY {start(alias)})"


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
    "json": "coalesce({}, 'null')",  # the SQL gives canonical JSON text itself
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


def insert_codes(model: Any, rows: str) -> str:
    """Insert one `model` (a Unit, a Place: a code and nothing else) for each code of the staged
    table `rows` (columns `code`, `n`), ids in the order the codes first come; return the name
    of a temporary table of (code, n, pk)."""
    codes = f"{rows}_codes"
    execute(f"DROP TABLE IF EXISTS {codes}")
    execute(
        f"""
        CREATE TEMPORARY TABLE {codes} ON COMMIT DROP AS
        SELECT code, n, {next_id(model)} AS pk FROM (
            SELECT code, min(n) AS n FROM {rows} GROUP BY code ORDER BY min(n)
        ) q
        """
    )
    execute(f"ANALYZE {codes}")  # a temporary table has no statistics until asked
    execute(
        f"INSERT INTO {model._meta.db_table} (id, code) SELECT pk, code FROM {codes} ORDER BY n"
    )
    return codes


def audit_created(
    ctx: Any, rows: str, action: str, object_type: str, columns: list[tuple[str, str, str]]
) -> None:
    """One audit entry per batch of the staged table `rows` (columns `batch`, `code`, `n`, and
    what `columns` read from its row `r`): the rows it created, as a table whose rows start
    with the code (which `ranks audit show --object-id` looks for)."""
    for batch, first, last in fetch(
        f"""
        SELECT batch, min(code COLLATE "C"), max(code COLLATE "C") FROM {rows}
        GROUP BY batch ORDER BY batch
        """
    ):
        audit_record_sql(
            ctx.actor,
            action,
            object_type=object_type,
            object_id=f"{first}…{last}"[:120],
            before_sql="SELECT NULL::text",
            after_sql=json_table(columns, f"FROM {rows} r WHERE r.batch = {int(batch)}", "r.n"),
        )


def all_created(ctx: Any, rows: str) -> None:
    """The import's counts when every row of the staged table `rows` created what it names."""
    count = fetch(f"SELECT count(*) FROM {rows}")[0][0]
    ctx.result.rows = ctx.result.created = count
    ctx.result.updated = ctx.result.unchanged = 0


def next_id(model: Any) -> str:
    """SQL taking the next id of `model`'s table from its sequence, named once here: a
    `pg_get_serial_sequence()` inside the statement would look the name up for every row."""
    table = model._meta.db_table
    name = fetch("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])[0][0]
    return f"nextval({sql_text(name)}::regclass)"
