"""Running an import: read, check every row, write through services, all or nothing.

The whole file is imported in one transaction. Rows are checked and written in batches as they
are read, so memory holds a batch, the keys seen (to catch duplicates; in a temporary file for a
large file) and the errors, never the file. Any bad row, a dry run, or a crash rolls the
transaction back: the database is as before.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from ranks.access.scope import Scope, scope_for
from ranks.core.actor import Actor
from ranks.core.audit import audit_batch, audit_flush, audit_savepoint
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.interchange import staged
from ranks.interchange import values as V
from ranks.interchange.readers import FileProblem, open_table
from ranks.interchange.schema import BOOL, CHOICE, CHOICES, DATE, INT, KINDS, LIST, Column, Kind
from ranks.people.names import fold

# The largest file an upload may send (the web's limit, and `run_import`'s default). A file on
# the server's own disk, given to `ranks import`, is read as a stream whatever its size
# (`NO_LIMIT`): the country's people file is some 800 MB.
MAX_BYTES = getattr(settings, "RANKS_IMPORT_MAX_BYTES", 200 * 1024 * 1024)
NO_LIMIT = 1 << 40

# After a large import, PostgreSQL is told the new sizes of the tables it wrote: until autovacuum
# gets round to it, the planner believes the old statistics, and a commune's page that read a few
# hundred rows through an index scans national tables instead (4× slower, measured on the national
# data set). The models (and many-to-many fields) each kind writes:
ANALYZE_AFTER_ROWS = 10_000
KIND_TABLES = {
    "units": ["org.Unit", "org.UnitVersion"],
    "places": ["org.Place", "org.PlaceVersion", "org.PlaceVersion.cells"],
    "people": ["people.Person", "people.PersonPlace"],
    "members": ["people.Membership", "people.Posting"],
    "candidates": ["pipeline.Candidate", "pipeline.Candidate.mentors"],
    "events": [
        "pipeline.StageEvent",
        "pipeline.StageEvent.introducers",
        "people.Membership",
        "people.Posting",
    ],
    "targets": ["targets.Target", "targets.TargetRevision"],
    "secondments": ["coverage.Secondment"],
}

log = logging.getLogger(__name__)


@dataclass
class Row:
    number: int
    values: dict[str, Any]  # typed values of the columns present in the file; blank is None
    cells: list[Any] = field(default_factory=list)  # as read; words only a bad row's report
    positions: dict[str, int] = field(default_factory=dict)  # column key → index in `cells`

    @property
    def raw(self) -> dict[str, str]:
        """The cells of the file's columns as the user wrote them."""
        return {
            key: V.as_text(self.cells[index] if index < len(self.cells) else None)
            for key, index in self.positions.items()
        }

    def get(self, key: str, default=None):
        value = self.values.get(key)
        return default if value is None else value


@dataclass
class RowError:
    row: int
    column: str
    value: str
    reason: str


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    seconds: float = 0.0
    staged: bool = False  # checked and written by PostgreSQL itself (ranks.interchange.staged)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run


class Reject(Exception):
    """A row cannot be imported: `column` is the column key to blame."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass
class Context:
    actor: Actor
    kind: Kind
    scope: Scope
    today: dt.date
    header_of: dict[str, str]  # column key → the header as written in the file
    result: ImportResult

    def error(self, row: Row, column: str, message: str) -> None:
        self.result.errors.append(
            RowError(
                row.number,
                self.header_of.get(column, column),
                row.raw.get(column, ""),
                str(message),
            )
        )

    def outcome(self, what: str) -> None:
        setattr(self.result, what, getattr(self.result, what) + 1)


VALUE_MESSAGES = {
    "not_a_date": lambda p: _("Not a date: write YYYY-MM-DD or DD/MM/YYYY."),
    "not_a_bool": lambda p: _("Not true or false."),
    "not_a_number": lambda p: _("Not a whole number."),
    "not_in_list": lambda p: _("Not an allowed value. Allowed: %(allowed)s.") % p,
}


def _megabytes(size: int) -> str:
    return f"{size / 1048576:.1f}" if size >= 104858 else f"{size / 1048576:.3g}"


def file_message(problem: FileProblem) -> str:
    p = problem.params
    messages = {
        "empty": lambda: _("The file is empty."),
        "too_large": lambda: (
            _("The file is too large: %(size)s MB; the limit is %(limit)s MB.")
            % {"size": _megabytes(p["size"]), "limit": _megabytes(p["limit"])}
        ),
        "not_utf8": lambda: (
            _(
                "The file is not UTF-8 text; it looks like %(encoding)s. In Excel, save it as “CSV UTF-8”, "
                "or import the .xlsx file itself."
            )
            % p
        ),
        "not_xlsx": lambda: _("The file is not a valid Excel workbook (.xlsx)."),
        "old_excel": lambda: _(
            "Old Excel files (.xls) cannot be read: save the file as .xlsx or as CSV UTF-8."
        ),
        "bad_csv": lambda: _("The CSV file is malformed at row %(row)s.") % p,
    }
    return messages[problem.code]()


def match_header(kind: Kind, header: list[str]) -> tuple[dict[int, Column], list[RowError]]:
    """Which column each header cell names: the English key or the Vietnamese label."""
    names: dict[str, Column] = {}
    for known in kind.columns:
        names[known.key.lower()] = known
        names[fold(known.label)] = known
    found: dict[int, Column] = {}
    errors: list[RowError] = []
    seen: dict[str, str] = {}
    for index, text in enumerate(header):
        if not text:
            continue
        column = names.get(text.lower()) or names.get(fold(text))
        if column is None and text.endswith(")") and "(" in text:
            # The templates write "Họ và tên (full_name)": the key in brackets decides.
            column = names.get(text[text.rindex("(") + 1 : -1].strip().lower())
        if column is None:
            errors.append(
                RowError(
                    1,
                    text,
                    text,
                    _("Unknown column. The columns of this kind are: %(columns)s.")
                    % {"columns": ", ".join(c.key for c in kind.columns)},
                )
            )
        elif column.key in seen:
            errors.append(
                RowError(
                    1,
                    text,
                    text,
                    _("This column appears twice (also as “%(other)s”).")
                    % {"other": seen[column.key]},
                )
            )
        else:
            found[index] = column
            seen[column.key] = text
    for column in kind.columns:
        if column.required and column.key not in seen:
            errors.append(
                RowError(
                    1,
                    column.key,
                    "",
                    _("The required column “%(column)s” (%(label)s) is missing.")
                    % {"column": column.key, "label": column.label},
                )
            )
    return found, errors


def parse_cell(column: Column, raw: Any) -> Any:
    if V.is_blank(raw):
        if column.type == LIST:
            return []
        return None
    if column.type == DATE:
        return V.parse_date(raw)
    if column.type == BOOL:
        return V.parse_bool(raw)
    if column.type == INT:
        value = V.parse_int(raw)
        if value < 0:
            raise V.ValueProblem("not_a_number")
        return value
    if column.type == CHOICE:
        return V.parse_choice(raw, column.choices, column.aliases)
    if column.type == LIST:
        return (
            V.parse_choices(raw, column.choices, column.aliases)
            if column.choices
            else V.parse_list(raw)
        )
    if column.type == CHOICES:
        return V.parse_choices(raw, column.choices, column.aliases)
    text = V.as_text(raw)
    if len(text) > column.max_length:
        raise V.ValueProblem("too_long", max=column.max_length)
    return text


class SeenKeys:
    """The key of each row read so far and the row it was on, to catch a key written twice.

    The first `limit` keys are kept in a dict; beyond that they all move to a private temporary
    SQLite file, so that the keys of a large file (some 190 bytes a row in a dict) do not make
    memory grow with the file.
    """

    def __init__(self, limit: int = 20_000):
        self.limit = limit
        self.keys: dict[tuple[Any, ...], int] = {}
        self.disk: sqlite3.Connection | None = None

    def first_row(self, key: tuple[Any, ...], row: int) -> int | None:
        """The row that had `key` before, or None, remembering that `row` has it now."""
        if self.disk is None:
            if key in self.keys:
                return self.keys[key]
            self.keys[key] = row
            if len(self.keys) > self.limit:
                self._spill()
            return None
        text = repr(key)
        cursor = self.disk.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (text, row))
        if cursor.rowcount:
            return None
        return self.disk.execute("SELECT row FROM seen WHERE key = ?", (text,)).fetchone()[0]

    def _spill(self) -> None:
        self.disk = sqlite3.connect("")  # "": a temporary file, deleted when closed
        self.disk.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, row INTEGER) WITHOUT ROWID")
        self.disk.executemany(
            "INSERT INTO seen VALUES (?, ?)", ((repr(k), r) for k, r in self.keys.items())
        )
        self.keys = {}

    def close(self) -> None:
        if self.disk is not None:
            self.disk.close()
            self.disk = None


def read_rows(ctx: Context, table, columns: dict[int, Column]) -> Iterable[Row]:
    """Typed rows; rows with bad values are reported and left out, duplicates of a key too."""
    seen = SeenKeys()
    try:
        yield from _read_rows(ctx, table, columns, seen)
    finally:
        seen.close()


# Columns whose values repeat and parse to an immutable value: each distinct cell is parsed once.
MEMO_TYPES = {BOOL, CHOICE, DATE, INT}
MEMO_SIZE = 50_000


def _read_rows(ctx: Context, table, columns: dict[int, Column], seen: SeenKeys) -> Iterable[Row]:
    positions = {column.key: index for index, column in columns.items()}
    memos: dict[str, dict[Any, Any]] = {c.key: {} for c in columns.values() if c.type in MEMO_TYPES}
    for number, cells in table.rows:
        ctx.result.rows += 1
        row = Row(number=number, values={}, cells=cells, positions=positions)
        bad = False
        for index, column in columns.items():
            raw = cells[index] if index < len(cells) else None
            memo = memos.get(column.key)
            # Keyed with the type: True, 1 and 1.0 are one dict key, not one cell.
            value = memo.get((type(raw), raw), memo) if memo is not None else memo
            if value is memo:  # not remembered
                try:
                    value = parse_cell(column, raw)
                except V.ValueProblem as problem:
                    value = problem
                if memo is not None:
                    if len(memo) >= MEMO_SIZE:
                        memo.clear()
                    memo[(type(raw), raw)] = value
            if isinstance(value, V.ValueProblem):
                bad = True
                if value.code == "too_long":
                    ctx.error(row, column.key, _("Longer than %(max)d characters.") % value.params)
                elif value.code == "not_in_list":  # the names in the user's language
                    allowed = ", ".join(column.allowed_labels())
                    ctx.error(row, column.key, VALUE_MESSAGES[value.code]({"allowed": allowed}))
                else:
                    ctx.error(row, column.key, VALUE_MESSAGES[value.code](value.params))
                continue
            row.values[column.key] = value
            if column.required and row.values[column.key] in (None, []):
                bad = True
                ctx.error(row, column.key, _("A value is required."))
        if bad:
            continue
        key = tuple(_key_part(row.values.get(k)) for k in ctx.kind.key_columns)
        first = seen.first_row(key, number)
        if first is not None:
            ctx.error(
                row,
                ctx.kind.key_columns[0],
                _("The same key as row %(row)d of this file.") % {"row": first},
            )
            continue
        yield row


def _key_part(value):
    # Exact, as the database compares codes: "x-1" and "X-1" are two people there too.
    return value


def batched(rows: Iterable[Row], size: int) -> Iterable[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Rollback(Exception):
    pass


def run_import(
    *,
    actor: Actor,
    kind: str,
    stream: IO[bytes],
    filename: str,
    dry_run: bool = False,
    on_progress: Callable[[int, int, int], None] | None = None,
    max_bytes: int | None = None,
    row_by_row: bool = False,
) -> ImportResult:
    """Import one file of one kind. Nothing is written unless every row is good and not a dry run."""
    from ranks.interchange.handlers import handler_for

    started = time.monotonic()
    spec = KINDS[kind]
    result = ImportResult(kind=kind, dry_run=dry_run)
    try:
        table = open_table(stream, filename, max_bytes=max_bytes or MAX_BYTES, sheet=kind)
    except FileProblem as problem:
        result.errors.append(RowError(0, "", filename, file_message(problem)))
        return result
    columns, header_errors = match_header(spec, table.header)
    if header_errors:
        result.errors.extend(header_errors)
        return result
    ctx = Context(
        actor=actor,
        kind=spec,
        scope=scope_for(actor, role=handler_for(kind, row_by_row=row_by_row).role),
        today=today(),
        header_of={c.key: table.header[i] for i, c in columns.items()},
        result=result,
    )
    if not row_by_row and staged.eligible(kind, table, stream, full_scope=ctx.scope.full):
        if _run_staged(ctx, stream, table, columns, dry_run, on_progress):
            return _finished(result, kind, started)
        # The staged path could not vouch for the file: the ordinary path reads it again.
        table.release()
        stream.seek(0)
        table = open_table(stream, filename, max_bytes=max_bytes or MAX_BYTES, sheet=kind)
    handler = handler_for(kind, row_by_row=row_by_row)(ctx)
    try:
        with transaction.atomic(), audit_batch():
            rows = read_rows(ctx, table, columns)
            if handler.load_all:
                rows = handler.order(list(rows))
            analyzed_at = 0
            for batch in batched(rows, handler.batch_size):
                handler.handle(batch)
                audit_flush()
                analyzed_at = _analyze_as_it_grows(kind, result.rows, analyzed_at)
                if on_progress:
                    done, total = table.progress()
                    on_progress(result.rows, done, total)
            handler.finish()  # rows a handler kept aside until the whole file was read
            audit_flush()
            if not result.ok or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    except FileProblem as problem:
        result.errors.append(
            RowError(problem.params.get("row", 0), "", filename, file_message(problem))
        )
    result.errors.sort(key=lambda error: error.row)  # checks and writes report in their own order
    return _finished(result, kind, started)


def _finished(result: ImportResult, kind: str, started: float) -> ImportResult:
    if result.written and result.rows >= getattr(
        settings, "RANKS_ANALYZE_AFTER_ROWS", ANALYZE_AFTER_ROWS
    ):
        analyze(kind)
    result.seconds = time.monotonic() - started
    return result


def _run_staged(ctx: Context, stream, table, columns, dry_run: bool, on_progress) -> bool:
    """Try the staged path (ranks.interchange.staged); False, with nothing written, when it
    cannot vouch for the file."""
    loader = staged.loaders()[ctx.kind.key]

    def on_bytes(sent: int) -> None:
        if on_progress:
            on_progress(0, sent, table.size)

    try:
        with transaction.atomic(), audit_batch():
            stage = staged.copy_file(stream, table.header, columns, table.delimiter, on_bytes)
            loader(stage, ctx)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    except (staged.NotStaged, DatabaseError) as error:
        log.info("%s: the staged path leaves the file to the ordinary one: %s", ctx.kind.key, error)
        ctx.result.rows = ctx.result.created = ctx.result.updated = ctx.result.unchanged = 0
        return False
    ctx.result.staged = True
    if on_progress:
        on_progress(ctx.result.rows, table.size, table.size)
    return True


def _analyze_as_it_grows(kind: str, rows: int, analyzed_at: int) -> int:
    """Inside the import's transaction, refresh the statistics of the tables it writes each time
    the rows read have doubled (PostgreSQL counts its own transaction's new rows): a table that
    was empty when the import began is otherwise planned as empty, and each batch's look-up of a
    few hundred rows becomes a scan of everything written so far. Loading the country's events
    into an empty table, that made every batch slower than the one before. Returns the rows at
    the last refresh."""
    threshold = getattr(settings, "RANKS_ANALYZE_AFTER_ROWS", ANALYZE_AFTER_ROWS)
    if connection.vendor != "postgresql" or rows < max(threshold, 2 * analyzed_at):
        return analyzed_at
    _analyze_tables(kind)
    return rows


def analyze(kind: str) -> None:
    """Refresh the planner's statistics of the tables an import of `kind` wrote (PostgreSQL)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    _analyze_tables(kind)


def _analyze_tables(kind: str) -> None:
    tables = ["core_auditentry"]
    for label in KIND_TABLES[kind]:
        app_label, model_name, *m2m = label.split(".")
        model = apps.get_model(app_label, model_name)
        if m2m:
            model = model._meta.get_field(m2m[0]).remote_field.through
        tables.append(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def run_row(ctx: Context, row: Row, write: Callable[[], str]) -> None:
    """Call a service for one row; a refusal becomes that row's error, named by its column."""
    try:
        with audit_savepoint():
            outcome = write()
    except Reject as reject:
        ctx.error(row, reject.column, reject.message)
        return
    except DomainError as error:
        ctx.error(row, error.field or ctx.kind.key_columns[0], str(error))
        return
    ctx.outcome(outcome)
