"""Excel templates of the interchange format: a sheet to fill in, a help sheet, drop-down lists.

The data sheet comes first because the import reads the first sheet. Its headers read
"Vietnamese label (key)", which the import accepts. Text and date columns are formatted as text,
so that Excel keeps the leading zeros of phone numbers and IDs and does not read 04/05/2000 as
April in an English-language Excel: the import then reads dates as Vietnamese write them.
"""

from __future__ import annotations

from typing import IO

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ranks.interchange.schema import BOOL, CHOICE, CHOICES, DATE, INT, KINDS, LIST, TEXT, Column

HELP_SHEET = "Hướng dẫn - Help"
LISTS_SHEET = "lists"
LAST_ROW = 5000  # drop-down lists apply to rows 2 to LAST_ROW of the data sheet
HELP_TABLE_ROW = 5  # the header of the help sheet's table of columns
BOOL_VALUES = (_("yes"), _("no"))  # "có", "không" in Vietnamese: the import reads both

TYPE_NAMES = {
    TEXT: _("text"),
    DATE: _("date: DD/MM/YYYY or YYYY-MM-DD"),
    BOOL: _("true or false"),
    INT: _("whole number"),
    LIST: _("list, values separated by “;”"),
    CHOICES: _("list, values separated by “;”"),
    CHOICE: _("one value of the list"),
}
HELP_HEADERS = (
    _("Column (key)"),
    _("Vietnamese header"),
    _("Required"),
    _("Type"),
    _("Allowed values"),
    _("Explanation (Vietnamese)"),
    _("Explanation (English)"),
)


def both(text) -> str:
    """A lazily translated text in Vietnamese, then in English (once if they are the same)."""
    with translation.override("vi"):
        vi = str(text)
    with translation.override("en"):
        en = str(text)
    return vi if vi == en else f"{vi} / {en}"


def in_language(text, language: str) -> str:
    with translation.override(language):
        return str(text)


def header_text(column: Column) -> str:
    return f"{column.label} ({column.key})"


def allowed_values(column: Column) -> tuple[str, ...]:
    """The values a drop-down offers, in the active language: the names of a choice column's
    values ("Nam", "Nông dân"), yes/no for a yes-or-no column. The import reads these names in
    either language, and the keys too."""
    if column.type == CHOICE:
        return column.allowed_labels()
    if column.type == BOOL:
        return tuple(str(value) for value in BOOL_VALUES)
    return ()


def allowed_text(column: Column) -> str:
    """The help sheet's allowed values: each name in the active language, its key in brackets."""
    if column.choices:
        return ", ".join(f"{column.label_of(value)} ({value})" for value in column.choices)
    return ", ".join(allowed_values(column))


def _width(column: Column) -> int:
    wanted = len(header_text(column)) + 2
    if column.type == DATE:
        wanted = max(wanted, 14)
    if column.choices:
        wanted = max(wanted, *(len(c) + 4 for c in column.allowed_labels()))
    return max(12, min(wanted, 40))


def template_workbook(kind: str) -> Workbook:
    spec = KINDS[kind]
    workbook = Workbook()
    data = workbook.active
    assert isinstance(data, Worksheet)  # a new workbook opens on one worksheet
    data.title = kind
    help_sheet = workbook.create_sheet(HELP_SHEET)
    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    bold = Font(bold=True)

    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        cell = data.cell(row=1, column=index, value=header_text(column))
        cell.font = bold
        data.column_dimensions[letter].width = _width(column)
        if column.type in (TEXT, DATE, LIST, CHOICES):
            data.column_dimensions[letter].number_format = "@"
    data.freeze_panes = "A2"

    # Drop-down lists refer to ranges of the hidden sheet: a list written into the validation
    # itself is limited to 255 characters, which the unit kinds or the stages exceed.
    error_title = in_language(_("Value not allowed"), "vi")[:32]
    error = in_language(
        _(
            "This value is not in the list. Choose one from the drop-down list, or leave the cell empty."
        ),
        "vi",
    )[:255]
    list_column = 0
    for index, column in enumerate(spec.columns, start=1):
        values = allowed_values(column)
        if not values:
            continue
        list_column += 1
        list_letter = get_column_letter(list_column)
        lists.cell(row=1, column=list_column, value=column.key).font = bold
        for offset, value in enumerate(values, start=2):
            lists.cell(row=offset, column=list_column, value=value)
        validation = DataValidation(
            type="list",
            formula1=f"'{LISTS_SHEET}'!${list_letter}$2:${list_letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop",
            errorTitle=error_title,
            error=error,
        )
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{LAST_ROW}")
        data.add_data_validation(validation)

    _write_help(help_sheet, kind)
    workbook.active = 0
    return workbook


def _write_help(sheet, kind: str) -> None:
    spec = KINDS[kind]
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.cell(row=1, column=1, value=both(spec.title)).font = Font(bold=True, size=13)
    intro = _(
        "Fill in the sheet “%(sheet)s”: one record a row, below the header row; keep the headers "
        "as they are. Dates: DD/MM/YYYY or YYYY-MM-DD. Lists: values separated by “;”. Columns "
        "with a list of allowed values offer it in a drop-down. Any bad row rejects the whole "
        "file and nothing is written."
    )
    for row, language in ((2, "vi"), (3, "en")):
        with translation.override(language):
            sheet.cell(row=row, column=1, value=str(intro) % {"sheet": kind})
    for index, title in enumerate(HELP_HEADERS, start=1):
        cell = sheet.cell(row=HELP_TABLE_ROW, column=index, value=both(title))
        cell.font = bold
        cell.alignment = wrap
    key_note = _("Part of the key: a row with the same key updates the same record.")
    row = HELP_TABLE_ROW
    for column in spec.columns:
        row += 1
        explanation = [column.help] if column.help else []
        if column.key in spec.key_columns:
            explanation.append(key_note)
        values = [
            column.key,
            column.label,
            both(_("required") if column.required else _("optional")),
            both(TYPE_NAMES[column.type]),
            allowed_text(column),
            " ".join(in_language(text, "vi") for text in explanation),
            " ".join(in_language(text, "en") for text in explanation),
        ]
        for index, value in enumerate(values, start=1):
            sheet.cell(row=row, column=index, value=value).alignment = wrap
    if spec.notes:
        row += 2
        sheet.cell(row=row, column=1, value=both(_("Notes"))).font = bold
        sheet.cell(row=row + 1, column=1, value=in_language(spec.notes, "vi"))
        sheet.cell(row=row + 2, column=1, value=in_language(spec.notes, "en"))
    for index, width in enumerate((22, 26, 18, 26, 40, 50, 50), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = f"A{HELP_TABLE_ROW + 1}"


def write_template(kind: str, stream: IO[bytes]) -> None:
    template_workbook(kind).save(stream)
