"""A report in one of the formats: the bytes, the content type and the file extension."""

from __future__ import annotations

from ranks.reports.model import Report

FORMATS = ("json", "csv", "xlsx", "pdf")
BINARY_FORMATS = ("xlsx", "pdf")  # need a file: never written to a terminal
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def render(report: Report, fmt: str) -> bytes:
    if fmt == "json":
        from ranks.reports.writers import write_json

        return write_json(report)
    if fmt == "csv":
        from ranks.reports.writers import write_csv

        return write_csv(report)
    if fmt == "xlsx":
        from ranks.reports.writers import write_xlsx

        return write_xlsx(report)
    if fmt == "pdf":
        from ranks.reports.pdf import write_pdf  # Django's templates and WeasyPrint

        return write_pdf(report)
    raise ValueError(f"unknown report format: {fmt}")
