"""A report as an A4 PDF in the layout of a Vietnamese party report, from an HTML template.

WeasyPrint lays out the page; the chart is inline SVG; the fonts are the DejaVu faces installed on
the machine (fonts-dejavu), which carry every Vietnamese diacritic. Nothing is fetched.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from ranks.reports.charts import chart_svg
from ranks.reports.labels import format_number, plain_number
from ranks.reports.model import INTEGER, NUMBER, PERCENT, Column, Report, Table


def cell_text(value, column: Column) -> str:
    if value is None:
        return ""
    if column.kind == INTEGER:
        return format_number(int(value))
    if column.kind in (NUMBER, PERCENT):
        return format_number(float(value), column.decimals)
    return str(value)


@dataclass(frozen=True)
class _Cell:
    text: str
    numeric: bool
    indent: int = 0
    nowrap: bool = False


@dataclass(frozen=True)
class _Row:
    cells: tuple[_Cell, ...]
    strong: bool


def _rows(table: Table) -> list[_Row]:
    keys = [c.key for c in table.columns]
    indent_at = keys.index("name") if "name" in keys else 0
    rows = []
    for index, values in enumerate(table.rows):
        cells = tuple(
            _Cell(
                text=cell_text(value, column),
                numeric=column.numeric,
                indent=table.level(index) if position == indent_at else 0,
                nowrap=column.key == "code",
            )
            for position, (value, column) in enumerate(zip(values, table.columns, strict=True))
        )
        rows.append(_Row(cells=cells, strong=index in table.strong))
    return rows


def report_html(report: Report) -> str:
    tables = [{"table": t, "rows": _rows(t)} for t in report.tables]
    svg = chart_svg(report.chart, number=plain_number) if report.chart else ""
    # charts.py escapes every text it writes, so the markup is safe to put in the page as it is.
    context = {"report": report, "tables": tables, "chart_svg": mark_safe(svg)}
    return render_to_string("reports/report.html", context)


def write_pdf(report: Report) -> bytes:
    from weasyprint import HTML

    return HTML(string=report_html(report), base_url=None).write_pdf()
