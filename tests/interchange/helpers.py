"""Writing small CSV and XLSX files in memory and importing them, for the interchange tests."""

from __future__ import annotations

import contextlib
import csv
import io
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.apps import apps

from ranks.core.actor import SYSTEM, Actor
from ranks.interchange.engine import ImportResult, run_import


def csv_bytes(rows: Iterable[Sequence[Any]], *, bom: bool = False, delimiter: str = ",") -> bytes:
    """A CSV file as Excel's "CSV UTF-8" writes it (with `bom`) or as a script would."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    data = text.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(
    rows: Iterable[Sequence[Any]], *, number_formats: dict[int, str] | None = None
) -> bytes:
    """A workbook whose first sheet holds `rows`; dates stay real date cells."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    for column, number_format in (number_formats or {}).items():
        for cells in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            for cell in cells:
                cell.number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(
    kind: str,
    data: bytes,
    *,
    filename: str = "file.csv",
    actor: Actor = SYSTEM,
    dry_run: bool = False,
    max_bytes: int | None = None,
) -> ImportResult:
    return run_import(
        actor=actor,
        kind=kind,
        stream=io.BytesIO(data),
        filename=filename,
        dry_run=dry_run,
        max_bytes=max_bytes,
    )


def ranks_models() -> list:
    """Every model of Ranks' own apps (the audit log included), and the users."""
    return [
        m
        for m in apps.get_models()
        if m.__module__.startswith("ranks.") or m._meta.label == "auth.User"
    ]


def db_counts() -> dict[str, int]:
    """Rows of every model: equal before and after means nothing was written."""
    return {m._meta.label: m.objects.count() for m in ranks_models()}


@contextlib.contextmanager
def worker_in_thread() -> Iterator[None]:
    """`ranks worker`'s loop in a thread of the test, on its own connection, for tests that
    follow a job in the background (on a database shared with other threads: not an in-memory
    SQLite one)."""
    from django.db import connection
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["default"],
        interval=0.1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-thread",
        excluded_queue_names=[],
    )

    def run() -> None:
        try:
            worker.run()
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="test-worker", daemon=True)
    thread.start()
    try:
        yield
    finally:
        worker.running = False
        thread.join(timeout=30)
