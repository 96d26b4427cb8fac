"""Writing small CSV and XLSX files in memory and importing them, for the interchange tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
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
