"""Reading back what the writers wrote: a worksheet's cells, a PDF's text."""

from __future__ import annotations

import io

import openpyxl
from pypdf import PdfReader


def sheet_of(payload: bytes):
    return openpyxl.load_workbook(io.BytesIO(payload)).active


def find_row(sheet, first: str) -> int:
    """The number of the first row whose column A holds `first`."""
    for row in sheet.iter_rows(min_col=1, max_col=1):
        if row[0].value == first:
            return row[0].row
    raise AssertionError(f"no row starts with {first!r}")


def row_values(sheet, row: int) -> list:
    return [c.value for c in sheet[row] if c.value is not None]


def pdf_text(payload: bytes) -> str:
    """The text of every page, with runs of spaces and line breaks made one space."""
    reader = PdfReader(io.BytesIO(payload))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def pdf_pages(payload: bytes):
    return PdfReader(io.BytesIO(payload)).pages
