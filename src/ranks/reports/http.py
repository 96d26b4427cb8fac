"""A report as a download: what the pages call to hand a report to the browser."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from django.http import HttpResponse

from ranks.reports.model import Report
from ranks.reports.render import CONTENT_TYPES, render


def ascii_filename(filename: str) -> str:
    """ "Báo cáo Đảng bộ.pdf" → "Bao-cao-Dang-bo.pdf": for browsers that ignore filename*."""
    text = filename.replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")
    return text or "report"


def content_disposition(filename: str) -> str:
    """An attachment with an ASCII name and, per RFC 6266, the UTF-8 one in filename*."""
    return (
        f'attachment; filename="{ascii_filename(filename)}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}"
    )


def report_filename(report: Report, fmt: str) -> str:
    """ "P-progress-2026-11-22.pdf": the unit, the kind and the day it is issued."""
    return f"{report.unit_code}-{report.kind}-{report.day.isoformat()}.{fmt}"


def report_response(report: Report, fmt: str, filename: str | None = None) -> HttpResponse:
    """The report rendered as `fmt` (json, csv, xlsx, pdf), as an attachment named `filename`
    (default: `report_filename`). A CSV keeps its BOM, so Excel reads the Vietnamese right."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"unknown report format: {fmt}")
    response = HttpResponse(render(report, fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(filename or report_filename(report, fmt))
    response["X-Content-Type-Options"] = "nosniff"
    return response
