"""`ranks report coverage|cells`: the small world's coverage and cell health on a date, each
format, and the scope of `--as`."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl.chart import BarChart, LineChart

from ranks.coverage.health import FLAGS
from ranks.org.tree import AREA_FLAGS
from ranks.reports import labels
from tests.reports.helpers import find_row, pdf_text, row_values, sheet_of

ON = ("--on", "2024-06-01")


def report(*args: str, lang: str = "en") -> str:
    out = io.StringIO()
    call_command("report", *args, "--lang", lang, stdout=out)
    return out.getvalue()


def report_error(*args: str) -> str:
    with pytest.raises(CommandError) as raised:
        report(*args)
    return str(raised.value)


def written(tmp_path, *args: str, lang: str = "en") -> bytes:
    path = tmp_path / f"{args[0]}.{args[-1]}"
    report(*args[:-1], "--output", str(path), lang=lang)
    return path.read_bytes()


@pytest.mark.pure
def test_every_area_flag_and_cell_finding_has_words():
    assert set(labels.AREA_FLAG_LABELS) == set(AREA_FLAGS)
    assert list(labels.CELL_FLAG_LABELS) == list(FLAGS)


def test_coverage_as_json(world):
    data = json.loads(report("coverage", "--unit", "P", *ON))
    assert {k: data[k] for k in ("unit", "on", "total", "without_members", "without_cell")} == {
        "unit": "P",
        "on": "2024-06-01",
        "total": 3,
        "without_members": 1,
        "without_cell": 0,
    }
    assert data["by_kind"] == {
        "school": {"total": 1, "without_members": 1, "without_cell": 0},
        "village": {"total": 2, "without_members": 0, "without_cell": 0},
    }
    assert data["by_area_flag"]["mountainous"]["total"] == 1
    [school] = data["blank"]
    assert (school["code"], school["kind"], school["unit_code"]) == ("S1", "school", "C1")
    assert (school["has_members"], school["has_cell"]) == (False, True)
    assert data["trend"][-1] == {
        "on": "2024-06-01",
        "total": 3,
        "without_members": 1,
        "without_cell": 0,
    }
    # Every year since the places were first recorded (2000), as the page draws it.
    assert [t["on"] for t in data["trend"][:2]] == ["2000-12-31", "2001-12-31"]
    assert len(data["trend"]) == 25


def test_coverage_as_csv_counts_by_place_kind(world):
    lines = report("coverage", "--unit", "P", *ON, "--format", "csv").splitlines()
    assert lines[0] == (
        "Place kind,Number of places,Without party members,Without party members (%),"
        "Without a cell,Without a cell (%)"
    )
    assert lines[1:] == ["village,2,0,0.0,0,0.0", "school,1,1,100.0,0,0.0", "Total,3,1,33.3,0,0.0"]


def test_coverage_workbook_lists_the_blank_places_and_draws_the_trend(world, tmp_path):
    sheet = sheet_of(written(tmp_path, "coverage", "--unit", "P", *ON, "xlsx"))
    assert sheet["A1"].value == "ĐẢNG BỘ TỈNH THỬ"
    assert find_row(
        sheet,
        "REPORT ON THE COVERAGE OF PARTY MEMBERS AND PARTY ORGANISATIONS IN VILLAGES AND "
        "RESIDENTIAL GROUPS",
    )
    header = find_row(sheet, "Place kind")
    assert row_values(sheet, header + 2) == ["school", 1, 1, 100.0, 0, 0.0]
    blank = find_row(sheet, "Commune")
    assert row_values(sheet, blank + 1) == [
        "Đảng bộ xã Một", "S1", "Trường Tiểu học Một", "school", "no", "yes"
    ]  # fmt: skip
    area = find_row(sheet, "Area")
    assert row_values(sheet, area + 1) == ["mountainous", 1, 0, 0.0, 0, 0.0]
    [chart] = sheet._charts
    assert isinstance(chart, LineChart) and len(chart.series) == 2
    trend = find_row(sheet, "Year")
    # A point for every year of data: 2000 to 2023, then the date.
    assert [sheet.cell(trend + i, 1).value for i in (1, 2, 24)] == ["2000", "2001", "2023"]
    assert sheet.cell(trend + 25, 1).value == "01/06/2024"


def test_the_coverage_pdf_charts_every_year_of_data(world, tmp_path):
    text = pdf_text(written(tmp_path, "coverage", "--unit", "P", *ON, "pdf"))
    chart = text[text.index("Places without party members and without a cell at each year") :]
    for year in range(2000, 2024):
        assert str(year) in chart, year
    assert "01/06/2024" in chart


def test_coverage_pdf_in_vietnamese(world, tmp_path):
    text = pdf_text(written(tmp_path, "coverage", "--unit", "P", *ON, "pdf", lang="vi"))
    for expected in (
        "ĐẢNG BỘ TỈNH THỬ",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "ngày",
        "Trường Tiểu học Một",
        "Đảng bộ xã Một",
        "trường học",
        "thôn",
        "miền núi",
        "T/M BAN THƯỜNG VỤ",
    ):
        assert expected in text, expected


def test_the_command_takes_the_number_and_the_recipients(world, tmp_path):
    path = tmp_path / "cells.pdf"
    report(
        "cells", "--unit", "P", *ON, "--issuer", "Ban Tổ chức", "--number", "42",
        "--recipient", "Ban Tổ chức Trung ương", "--recipient", "Lưu VP",
        "--output", str(path), lang="vi",
    )  # fmt: skip
    text = pdf_text(path.read_bytes())
    assert "ĐẢNG BỘ TỈNH THỬ BAN TỔ CHỨC * ĐẢNG CỘNG SẢN VIỆT NAM Số 42-BC/BTCTU" in text
    assert "Nơi nhận: - Ban Tổ chức Trung ương, - Lưu VP." in text


def test_cells_as_json(world):
    data = json.loads(report("cells", "--unit", "P", *ON))
    assert (data["unit"], data["on"]) == ("P", "2024-06-01")
    cells = {c["code"]: c for c in data["cells"]}
    assert set(cells) == {"C1-A", "C1-B", "C2-A"}
    c2a = cells["C2-A"]
    demanded = {
        "code", "name", "official_members", "probationary_members", "years_since_last_admission",
        "candidates", "seconded_secretary", "flags",
    }  # fmt: skip
    assert demanded <= set(c2a)
    assert (c2a["name"], c2a["official_members"], c2a["probationary_members"]) == (
        "Chi bộ bản Nà", 1, 0
    )  # fmt: skip
    assert (c2a["years_since_last_admission"], c2a["candidates"]) == (14, 0)
    assert c2a["seconded_secretary"] is False
    assert c2a["flags"] == ["below_minimum", "no_admission_5_years", "no_successor"]
    assert (c2a["parent_code"], c2a["parent_name"]) == ("C2", "Đảng bộ xã Hai")


def test_cells_of_one_commune_as_csv(world):
    lines = report("cells", "--unit", "C2", *ON, "--format", "csv").splitlines()
    assert lines[0].startswith("Code,Cell,Code of the unit above,Unit above,Official members")
    assert ',Candidates,"Away, recorded",Away by workplace,Seconded secretary,' in lines[0]
    assert lines[1] == (
        "C2-A,Chi bộ bản Nà,C2,Đảng bộ xã Hai,1,0,0.0,14,0,0,0,no,"
        "below 3 official members (R14 – size of a cell); no admission for 5 years in a row; "
        "no successor: no candidate in the source list"
    )


def test_cells_workbook_and_pdf(world, tmp_path):
    sheet = sheet_of(written(tmp_path, "cells", "--unit", "P", *ON, "xlsx"))
    assert find_row(sheet, "REPORT ON THE QUALITY OF PARTY CELLS")
    commune = find_row(sheet, "C2")
    assert row_values(sheet, commune) == ["C2", "Đảng bộ xã Hai"]
    assert row_values(sheet, commune + 1)[:4] == ["C2-A", "Chi bộ bản Nà", 1, 0]
    finding = find_row(sheet, "below 3 official members (R14 – size of a cell)")
    assert row_values(sheet, finding)[1] == 3  # every cell of the small world
    [chart] = sheet._charts
    assert isinstance(chart, BarChart)
    text = pdf_text(written(tmp_path, "cells", "--unit", "P", *ON, "pdf", lang="vi"))
    for expected in ("ĐẢNG BỘ TỈNH THỬ", "Chi bộ bản Nà", "Chi bộ trường Tiểu học", "BÍ THƯ"):
        assert expected in text, expected


def test_a_cell_reports_on_itself(world):
    data = json.loads(report("cells", "--unit", "C2-A", *ON))
    assert [c["code"] for c in data["cells"]] == ["C2-A"]


def test_an_officer_reports_only_on_units_in_scope(world):
    assert report_error("coverage", "--unit", "C2", *ON, "--as", "alice") == (
        "Unknown unit code: C2."
    )
    assert report_error("cells", "--unit", "C2", *ON, "--as", "alice") == "Unknown unit code: C2."
    assert report_error("coverage", "--unit", "P", *ON, "--as", "bob") == "Unknown unit code: P."
    assert report_error("cells", "--unit", "NOPE", *ON) == "Unknown unit code: NOPE."
    mine = json.loads(report("coverage", "--unit", "C2", *ON, "--as", "bob"))
    assert (mine["unit"], mine["total"], mine["without_members"]) == ("C2", 1, 0)
    cells = json.loads(report("cells", "--unit", "C1", *ON, "--as", "alice"))["cells"]
    assert sorted(c["code"] for c in cells) == ["C1-A", "C1-B"]
    assert json.loads(report("coverage", "--unit", "P", *ON, "--as", "vera"))["total"] == 3


def test_options_of_other_kinds_are_refused(world):
    message = report_error("coverage", "--unit", "P", "--year", "2024")
    assert message == "--year does not apply to a coverage report."
    message = report_error("cells", "--unit", "P", "--depth", "1")
    assert message == "--depth does not apply to a cells report."
    assert report_error("cells", "--unit", "P", "--on", "31/02/2024").startswith("Not a date:")


def test_the_queries_do_not_grow_with_the_years(world):
    with CaptureQueriesContext(connection) as one:
        report("coverage", "--unit", "P", "--on", "2001-06-01")
    with CaptureQueriesContext(connection) as many:
        report("coverage", "--unit", "P", *ON)
    assert len(many) == len(one)


def test_a_date_before_the_unit_existed_gives_empty_figures(world):
    data = json.loads(report("coverage", "--unit", "N1", "--on", "2024-06-01"))
    assert (data["total"], data["by_kind"]) == (0, {})
    assert json.loads(report("cells", "--unit", "N1", *ON))["cells"] == []
    assert dt.date.fromisoformat(data["on"]) == dt.date(2024, 6, 1)
