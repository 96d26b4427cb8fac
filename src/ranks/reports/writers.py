"""Pure: a report as JSON, CSV (UTF-8 with a BOM) or an Excel workbook with a native chart.

Text that a spreadsheet would run as a formula gets a leading apostrophe, as in exports.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import TYPE_CHECKING, Any

from ranks.core.formulas import neutralise
from ranks.reports.model import (
    BAR,
    INTEGER,
    LINE,
    NUMBER,
    PERCENT,
    STAR,
    TEXT,
    Column,
    Report,
    Table,
)

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.worksheet import Worksheet

BOM = "\ufeff"
MIN_WIDTH, MAX_WIDTH = 8, 48  # characters
HEADER_WIDTH = 16  # a header longer than this wraps instead of widening its column


def write_json(report: Report) -> bytes:
    """The report's data in the shape its kind documents; tables when it has none."""
    data: Any = report.data or {
        "unit": report.unit_code,
        "title": report.title,
        "tables": [
            {
                "caption": t.caption,
                "columns": [c.key for c in t.columns],
                "rows": [list(r) for r in t.rows],
            }
            for t in report.tables
        ],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def csv_value(value: Any, column: Column) -> str:
    if value is None:
        return ""
    if column.kind == INTEGER:
        return str(int(value))
    if column.kind in (NUMBER, PERCENT):
        return f"{float(value):.{column.decimals}f}"
    return neutralise(str(value))


def write_csv(report: Report) -> bytes:
    """The main table with its headers, UTF-8 with a BOM so that Excel reads Vietnamese right."""
    table = report.main_table
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\n")
    if table is not None:
        writer.writerow([neutralise(c.label) for c in table.columns])
        for row in table.rows:
            writer.writerow([csv_value(v, c) for v, c in zip(row, table.columns, strict=True)])
    return buffer.getvalue().encode("utf-8")


def number_format(column: Column) -> str:
    decimals = "." + "0" * column.decimals if column.decimals else ""
    if column.kind == INTEGER:
        return "#,##0"
    if column.kind == NUMBER:
        return f"#,##0{decimals}"
    if column.kind == PERCENT:
        return f"0{decimals}%"
    return "@"


def sheet_title(text: str) -> str:
    """Excel refuses []:*?/\\ in a sheet's name and more than 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", " ", text).strip()[:31] or "Report"


def _indent_index(table: Table) -> int:
    keys = [c.key for c in table.columns]
    return keys.index("name") if "name" in keys else 0


class _Sheet:
    """Writes rows down one worksheet and remembers how wide each column wants to be."""

    def __init__(self, sheet: Worksheet, width: int) -> None:
        from openpyxl.styles import Border, Font, PatternFill, Side

        self.sheet = sheet
        self.width = width
        self.row = 1
        self.widths: dict[int, int] = {}
        thin = Side(style="thin", color="808080")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.bold = Font(bold=True)
        self.fill = PatternFill("solid", fgColor="E8E8E8")

    def text(
        self,
        column: int,
        value: str,
        *,
        font: Font | None = None,
        align: Alignment | None = None,
        merge_to: int = 0,
        ours: bool = False,
    ) -> Cell:
        """Text in a cell; neutralised like an export's unless `ours` (a line the writer makes,
        such as "- Lưu Văn phòng.", which begins with a dash by the form)."""
        cell = self.sheet.cell(
            row=self.row, column=column, value=value if ours else neutralise(value)
        )
        cell.data_type = "s"  # text, never a formula
        if font is not None:
            cell.font = font
        if align is not None:
            cell.alignment = align
        if merge_to > column:
            self.sheet.merge_cells(
                start_row=self.row, start_column=column, end_row=self.row, end_column=merge_to
            )
        return cell

    def want(self, column: int, chars: int) -> None:
        self.widths[column] = max(self.widths.get(column, MIN_WIDTH), min(chars + 2, MAX_WIDTH))

    def table(self, table: Table) -> int:
        """The caption, the headers and the rows; returns the row of the headers."""
        from openpyxl.styles import Alignment, Font

        self.text(1, table.caption, font=Font(bold=True, size=12))
        self.row += 1
        header_row = self.row
        for index, column in enumerate(table.columns, start=1):
            cell = self.text(
                index,
                column.label,
                font=self.bold,
                align=Alignment(horizontal="center", vertical="center", wrap_text=True),
            )
            cell.fill = self.fill
            cell.border = self.border
            self.want(index, min(len(column.label), HEADER_WIDTH))
        self.row += 1
        indent_at = _indent_index(table)
        for r, values in enumerate(table.rows):
            for index, (value, column) in enumerate(
                zip(values, table.columns, strict=True), start=1
            ):
                if column.kind == TEXT:
                    cell = self.text(index, "" if value is None else str(value))
                    if index - 1 == indent_at and table.level(r):
                        cell.alignment = Alignment(indent=table.level(r) * 2)
                    self.want(index, len(str(value or "")) + table.level(r) * 2)
                else:
                    stored = value
                    if value is not None and column.kind == PERCENT:
                        stored = round(float(value) / 100, column.decimals + 2)
                    cell = self.sheet.cell(row=self.row, column=index, value=stored)
                    cell.number_format = number_format(column)
                    self.want(index, len(f"{value}") if value is not None else 0)
                cell.border = self.border
                if r in table.strong:
                    cell.font = self.bold
            self.row += 1
        return header_row


def write_xlsx(report: Report) -> bytes:
    """One worksheet: the letterhead, the title, each table, the notes, the chart's figures and a
    native Excel chart drawn from them, then the signature block."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.worksheet import Worksheet

    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook opens on one empty worksheet
    sheet.title = sheet_title(report.sheet_title or report.kind)
    width = max([len(t.columns) for t in report.tables] + [6])
    half = max(width // 2, 2)
    out = _Sheet(sheet, width)
    centre = Alignment(horizontal="center", vertical="center")
    # The party's form: the committee, the issuer, a star and the number line on the left; the
    # party and, on the number's row, the place and date on the right.
    left: list[tuple[str, Font]] = [(report.committee, Font(bold=not report.issuer))]
    if report.issuer:
        left.append((report.issuer, Font(bold=True)))
    left.append((STAR, Font()))
    if report.number_line:
        left.append((report.number_line, Font()))
    right: list[tuple[str, Font]] = [(report.party, Font(bold=True, underline="single"))]
    right += [("", Font())] * (len(left) - 2) + [(report.place_date, Font(italic=True))]
    for (left_text, left_font), (right_text, right_font) in zip(left, right, strict=True):
        out.text(1, left_text, font=left_font, align=centre, merge_to=half)
        if right_text:
            out.text(half + 1, right_text, font=right_font, align=centre, merge_to=width)
        out.row += 1
    out.row += 1
    out.text(1, report.title, font=Font(bold=True, size=14), align=centre, merge_to=width)
    out.row += 1
    if report.subtitle:
        out.text(1, report.subtitle, font=Font(italic=True), align=centre, merge_to=width)
        out.row += 1
    out.row += 1
    for number, table in enumerate(report.tables):
        header_row = out.table(table)
        if number == 0:
            sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1).coordinate
            sheet.print_title_rows = f"{header_row}:{header_row}"
        out.row += 1
    for note in report.notes:
        out.text(1, note)
        out.row += 1
    if report.chart is not None:
        out.row += 1 if report.notes else 0
        _chart(out, report)
    _closing(out, report, half)
    from openpyxl.utils import get_column_letter

    for column, chars in out.widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = chars
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    fit = sheet.sheet_properties.pageSetUpPr
    assert fit is not None  # a new worksheet's properties come with their page setup
    fit.fitToPage = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _closing(out: _Sheet, report: Report, half: int) -> None:
    """ "Nơi nhận" and the recipients on the left, the signature block on the right."""
    from openpyxl.styles import Alignment, Font

    if report.signature is None and not report.recipients:
        return
    out.row += 1
    top = out.row
    left: list[tuple[str, Font]] = []
    if report.recipients:
        left.append((report.recipients_title, Font(bold=True, underline="single")))
        left += [(line, Font(size=10)) for line in report.recipients]
    right: list[tuple[int, str]] = []
    if report.signature is not None:
        sign = report.signature
        right = [(0, sign.on_behalf), (1, sign.role), (5, sign.name)]
    for offset, (text, font) in enumerate(left):
        out.row = top + offset
        # A recipient's line begins with the form's dash; its own text is neutralised.
        line = text if not text.startswith("- ") else "- " + neutralise(text[2:])
        out.text(1, line, font=font, merge_to=half, ours=True)
    sign_align = Alignment(horizontal="center")
    for offset, text in right:
        out.row = top + offset
        out.text(half + 1, text, font=Font(bold=True), align=sign_align, merge_to=out.width)
    out.row = top + max(len(left), 6)


def _chart(out: _Sheet, report: Report) -> None:
    """The chart's figures as a small table, and a native chart that reads them."""
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Alignment, Font

    chart = report.chart
    assert chart is not None
    sheet = out.sheet
    out.text(1, chart.title, font=Font(bold=True, size=12))
    out.row += 1
    header_row = out.row
    headers = [chart.category_title] + [s.label for s in chart.series]
    for index, label in enumerate(headers, start=1):
        cell = out.text(
            index, label, font=out.bold, align=Alignment(horizontal="center", wrap_text=True)
        )
        cell.fill = out.fill
        cell.border = out.border
    out.row += 1
    # Counts (of people, of places) are whole: only a chart of fractions shows a decimal.
    whole_figures = all(
        float(v).is_integer() for s in chart.series for v in s.values if v is not None
    )
    for i, category in enumerate(chart.categories):
        out.text(1, category).border = out.border
        out.want(1, len(category))
        for s_index, series in enumerate(chart.series, start=2):
            cell = sheet.cell(row=out.row, column=s_index, value=series.values[i])
            cell.number_format = "#,##0" if whole_figures else "#,##0.0"
            cell.border = out.border
        out.row += 1
    last_row = out.row - 1
    drawing: LineChart | BarChart
    if chart.kind == LINE:
        drawing = LineChart()
        drawing.y_axis.title = chart.value_title or None
    else:
        drawing = BarChart()
        drawing.type = "bar"  # horizontal: the categories' labels can be long
        drawing.x_axis.scaling.orientation = "maxMin"  # the first category on top, as in the table
    drawing.title = chart.title
    drawing.height = 9
    drawing.width = 18
    drawing.x_axis.delete = False
    drawing.y_axis.delete = False
    data = Reference(
        sheet, min_col=2, max_col=1 + len(chart.series), min_row=header_row, max_row=last_row
    )
    categories = Reference(sheet, min_col=1, min_row=header_row + 1, max_row=last_row)
    drawing.add_data(data, titles_from_data=True)
    drawing.set_categories(categories)
    if chart.kind == LINE:
        for series, spec in zip(drawing.series, chart.series, strict=True):
            series.smooth = False
            if spec.dashed:
                series.graphicalProperties.line.dashStyle = "dash"
    elif chart.kind == BAR and len(chart.series) == 1:
        drawing.legend = None
    out.row += 1
    sheet.add_chart(drawing, f"A{out.row}")
    out.row += 19  # the chart's height in rows, so that what follows is not hidden under it
