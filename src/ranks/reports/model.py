"""Pure: the neutral shape of a report that every writer renders (JSON, CSV, Excel, PDF).

Every text in it is already in the reader's language; the writers only lay it out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

# Column kinds: how a writer formats the values of a column.
TEXT = "text"
INTEGER = "int"
NUMBER = "number"  # a decimal figure, `decimals` places
PERCENT = "percent"  # a figure already × 100 (45.5 means 45.5 %), `decimals` places
KINDS = (TEXT, INTEGER, NUMBER, PERCENT)

LINE = "line"  # cumulative figures over time
BAR = "bar"  # counts by category, drawn as horizontal bars
CHART_KINDS = (LINE, BAR)

Value = str | int | float | None


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT
    decimals: int = 1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind: {self.kind}")

    @property
    def numeric(self) -> bool:
        return self.kind != TEXT


@dataclass(frozen=True)
class Table:
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]
    levels: tuple[int, ...] = ()  # per row: how far to indent its first text column
    strong: tuple[int, ...] = ()  # indices of rows shown in bold (totals, the unit itself)

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"{self.caption}: a row has {len(row)} values, not {len(self.columns)}"
                )
        if self.levels and len(self.levels) != len(self.rows):
            raise ValueError(f"{self.caption}: levels do not match the rows")

    def level(self, index: int) -> int:
        return self.levels[index] if self.levels else 0


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float | None, ...]  # None: no point there (a gap in a line)
    dashed: bool = False


@dataclass(frozen=True)
class Chart:
    kind: str
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    category_title: str = ""  # the header of the categories in a chart's data block
    value_title: str = ""

    def __post_init__(self) -> None:
        if self.kind not in CHART_KINDS:
            raise ValueError(f"unknown chart kind: {self.kind}")
        for s in self.series:
            if len(s.values) != len(self.categories):
                raise ValueError(f"{self.title}: series {s.label!r} does not match the categories")


@dataclass(frozen=True)
class Signature:
    """The block at the bottom right: "T/M BAN THƯỜNG VỤ", the role, space to sign, the name."""

    on_behalf: str
    role: str
    name: str = ""


# Under the issuing committee's name, as Hướng dẫn 36-HD/VPTW sets out a party document.
STAR = "*"


@dataclass(frozen=True)
class Report:
    """A report in the party's form (Hướng dẫn 36-HD/VPTW): at the top left the issuing
    committee, a star under it and the number line ("Số 12-BC/TU"); at the top right "ĐẢNG CỘNG
    SẢN VIỆT NAM" and the place and date; the title; the body; at the bottom left "Nơi nhận"
    (the recipients) and at the bottom right the signature block."""

    kind: str  # "progress", "composition", "ratio"
    unit_code: str
    unit_name: str
    title: str
    subtitle: str  # the period or the date the figures stand on
    committee: str  # top left, in capitals: the unit's name
    party: str  # top right: "ĐẢNG CỘNG SẢN VIỆT NAM"
    place: str
    day: dt.date  # the day the report is issued
    place_date: str  # "Hải Dương, ngày 22 tháng 11 năm 2026"
    tables: tuple[Table, ...]
    issuer: str = ""  # below the committee, e.g. "BAN TỔ CHỨC"
    chart: Chart | None = None
    notes: tuple[str, ...] = ()
    signature: Signature | None = None
    language: str = "vi"
    sheet_title: str = ""  # the Excel worksheet's name
    data: dict[str, Any] = field(default_factory=dict)  # what the JSON writer writes
    csv_table: Table | None = None  # what the CSV writer writes; the first table without it
    number_line: str = ""  # "Số 12-BC/TU", under the star; a blank for the number if none
    recipients_title: str = ""  # "Nơi nhận:"
    recipients: tuple[str, ...] = ()  # "- Ban Tổ chức Tỉnh ủy,", …, "- Lưu Văn phòng."

    @property
    def main_table(self) -> Table | None:
        if self.csv_table is not None:
            return self.csv_table
        return self.tables[0] if self.tables else None
