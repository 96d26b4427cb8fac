"""The writers, from results made by hand: the Excel cells, the PDF's text, the CSV and the JSON
as a user opens them. In English, so that the catalogue does not matter here (see
test_vietnamese.py for the Vietnamese texts)."""

import datetime as dt
import json
from dataclasses import replace

import pytest
from django.utils import translation

from ranks.reports.builders import composition_report, progress_report, ratio_report
from ranks.reports.render import render
from tests.reports import samples
from tests.reports.helpers import find_row, pdf_pages, pdf_text, row_values, sheet_of

pytestmark = pytest.mark.pure  # no database: run once, on the SQLite pass

PROGRESS_HEADERS = [
    "Code",
    "Unit",
    "Target",
    "Actual",
    "Achieved (%)",
    "Expected by the date",
    "Gap",
    "Year-end projection",
    "Forecast",
    "Low",
    "High",
    "Status",
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def progress():
    return progress_report(samples.progress(), issued=samples.ISSUED)


# Excel


def test_the_progress_workbook_has_the_letterhead_title_and_a_formatted_table():
    sheet = sheet_of(render(progress(), "xlsx"))
    assert sheet["A1"].value == "ĐẢNG BỘ TỈNH HẢI DƯƠNG"
    assert "COMMUNIST PARTY OF VIETNAM" in row_values(sheet, 1)
    # The party's form: a star under the committee, then the number line, with the place and
    # date on its row at the right.
    assert row_values(sheet, 2) == ["*"]
    assert row_values(sheet, 3) == [
        "No. " + "\u00a0" * 8 + "-BC/TU",
        "Hải Dương, 22 November 2026",
    ]
    title = find_row(sheet, "PROGRESS REPORT: ADMISSIONS IN 2026")
    assert sheet.cell(title, 1).font.bold
    assert sheet.cell(title + 1, 1).value == "As of 22/11/2026"

    header = find_row(sheet, "Code")
    assert row_values(sheet, header) == PROGRESS_HEADERS
    assert all(c.font.bold and c.border.bottom.style == "thin" for c in sheet[header][:12])
    assert sheet.freeze_panes == f"A{header + 1}"

    province = [c.value for c in sheet[header + 1][:12]]
    assert province == [
        "HD", "Đảng bộ tỉnh Hải Dương", 2200, 1834, 0.834, 1870, -36, 2105, 2105, 1980, 2240,
        "at risk",
    ]  # fmt: skip
    assert all(sheet[header + 1][i].number_format == "#,##0" for i in (8, 9, 10))
    cells = sheet[header + 1]
    assert cells[2].number_format == "#,##0"
    assert cells[4].number_format == "0.0%"
    assert cells[5].number_format == "#,##0"  # people are counted whole
    assert cells[0].font.bold  # the province's own row

    commune = sheet[header + 3]
    assert commune[1].value == "Đảng bộ xã Đoàn Tùng"
    assert commune[1].alignment.indent == 4  # two levels below the province
    no_target = [c.value for c in sheet[header + 5][:12]]
    assert no_target[2] is None and no_target[4] is None and no_target[11] == "no target"
    assert sheet.column_dimensions["B"].width >= len("Đảng bộ thành phố Hải Dương")


def test_the_progress_workbook_draws_a_native_line_chart_from_its_figures():
    sheet = sheet_of(render(progress(), "xlsx"))
    header = find_row(sheet, "Month")
    assert row_values(sheet, header) == ["Month", "Actual", "Expected pace"]
    assert row_values(sheet, header + 1) == ["Jan", 155, 187]  # whole people
    assert [sheet.cell(r, 1).value for r in range(header + 11, header + 14)] == [
        "22/11",
        "Nov",
        "Dec",
    ]
    assert sheet.cell(header + 12, 2).value is None  # after the date: no actual yet
    assert len(sheet._charts) == 1
    chart = sheet._charts[0]
    assert chart.tagname == "lineChart"
    assert len(chart.series) == 2
    assert chart.series[1].graphicalProperties.line.prstDash == "dash"


def test_the_composition_workbook_has_a_table_per_dimension_and_a_bar_chart():
    report = composition_report(samples.composition(), issued=samples.ISSUED)
    sheet = sheet_of(render(report, "xlsx"))
    header = find_row(sheet, "Occupation")
    assert row_values(sheet, header) == ["Occupation", "Number", "Share (%)"]
    assert row_values(sheet, header + 1) == ["farmer", 40, 50.0]
    assert sheet.cell(header + 1, 3).number_format == "#,##0.0"
    assert row_values(sheet, header + 4) == ["not recorded", 5, 6.2]
    assert row_values(sheet, header + 5) == ["Total", 80, 100.0]
    ages = find_row(sheet, "Age band")
    assert [sheet.cell(r, 1).value for r in range(ages + 1, ages + 5)] == [
        "18–30", "31–40", "41–50", "over 60"
    ]  # fmt: skip
    assert find_row(sheet, "Ethnicity") and find_row(sheet, "Religion")
    assert find_row(sheet, "Youth Union member")
    assert len(sheet._charts) == 1
    assert sheet._charts[0].tagname == "barChart"


def test_text_that_looks_like_a_formula_is_written_as_text():
    p = samples.progress()
    evil = replace(p.rows[1], name='=HYPERLINK("http://x","y")', code="+C1")
    report = progress_report(replace(p, rows=(p.rows[0], evil)), issued=samples.ISSUED)
    sheet = sheet_of(render(report, "xlsx"))
    row = find_row(sheet, "'+C1")
    assert sheet.cell(row, 2).value == '\'=HYPERLINK("http://x","y")'
    assert sheet.cell(row, 2).data_type == "s"
    assert "'=HYPERLINK" in render(report, "csv").decode("utf-8")


# CSV and JSON


def test_the_csv_has_a_bom_the_headers_and_plain_numbers():
    payload = render(progress(), "csv")
    assert payload.startswith("\ufeff".encode())
    lines = payload.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(PROGRESS_HEADERS)
    assert lines[1] == (
        "HD,Đảng bộ tỉnh Hải Dương,2200,1834,83.4,1870,-36,2105,2105,1980,2240,at risk"
    )
    assert lines[5] == "HD-KT,Đảng bộ huyện Kim Thành,,120,,,,140,140,130,155,no target"


def test_the_composition_csv_lists_every_dimension_in_one_table():
    report = composition_report(samples.composition(sensitive=False), issued=samples.ISSUED)
    lines = render(report, "csv").decode("utf-8-sig").splitlines()
    assert lines[0] == "Criterion,Value,Number,Share (%)"
    assert lines[1] == "occupation,farmer,40,50.0"
    assert "gender,female,38,47.5" in lines
    assert not any(line.startswith(("ethnicity", "religion")) for line in lines)


def test_the_progress_json_has_the_figures_of_each_unit():
    data = json.loads(render(progress(), "json"))
    assert set(data) == {"unit", "metric", "year", "on", "structure_on", "rows", "terms"}
    assert data["terms"] == []
    assert data["structure_on"] is None  # as it was
    assert (data["unit"], data["metric"], data["year"], data["on"]) == (
        "HD", "admissions", 2026, "2026-11-22"
    )  # fmt: skip
    assert data["rows"][1] == {
        "code": "HD-TM",
        "name": "Đảng bộ huyện Thanh Miện",
        "metric": "admissions",
        "target": 150,
        "actual": 151,
        "percent": 100.7,
        "expected": 128,  # 127.5 people expected: whole people, as the pages round them
        "gap": 23,  # the actual 151 less the expected 128
        "projection": 176,
        "forecast": 176,
        "forecast_low": 160,
        "forecast_high": 190,
        "forecast_pipeline": None,  # not asked for
        "status": "on_track",
        "depth": 1,
        "parent_code": "HD",
    }
    assert data["rows"][4]["target"] is None and data["rows"][4]["percent"] is None


def test_the_composition_and_ratio_json():
    data = json.loads(render(composition_report(samples.composition()), "json"))
    assert set(data) == {"unit", "from", "to", "structure_on", "total", "by"}
    assert (data["unit"], data["from"], data["to"], data["total"]) == (
        "HD-TM", "2026-01-01", "2026-10-31", 80
    )  # fmt: skip
    assert data["by"]["occupation"] == {"farmer": 40, "worker": 25, "civil_servant": 10, "": 5}
    assert list(data["by"])[:4] == ["occupation", "gender", "ethnicity", "religion"]

    data = json.loads(render(ratio_report(samples.ratio()), "json"))
    assert set(data) == {"unit", "year", "structure_on", "ratio", "siblings", "children", "norm"}
    assert data["norm"] == {
        "rule": "R16", "low": 3.0, "high": 4.0, "document": "21-NQ/TW", "clause": "§II.2"
    }  # fmt: skip
    assert data["ratio"] == {
        "code": "HD",
        "name": "Đảng bộ tỉnh Hải Dương",
        "admissions": 2650,
        "members_at_start": 98000,
        "ratio": 2.7,
        "rank": 3,
        "within_norm": False,
    }
    assert [s["code"] for s in data["siblings"]] == ["HP", "TB", "HD"]
    assert [c["code"] for c in data["children"]] == ["HD-TM", "HD-TP"]


def test_the_ratio_workbook_ranks_the_siblings_and_the_children():
    sheet = sheet_of(render(ratio_report(samples.ratio(), issued=samples.ISSUED), "xlsx"))
    header = find_row(sheet, "Code")
    assert row_values(sheet, header) == [
        "Code", "Unit", "Admissions", "Members on 1 January", "Ratio (%)", "Rank", "Within 3–4 %"
    ]  # fmt: skip
    assert row_values(sheet, header + 3) == [
        "HD",
        "Đảng bộ tỉnh Hải Dương",
        2650,
        98000,
        0.027,
        3,
        "no",
    ]
    assert sheet.cell(header + 3, 5).number_format == "0.00%"
    assert sheet.cell(header + 3, 1).font.bold
    children = find_row(sheet, "Units below")
    assert sheet.cell(children + 2, 1).value == "HD-TM"


# PDF


def test_the_pdf_is_an_a4_party_report_with_its_tables_chart_and_signature():
    payload = render(progress(), "pdf")
    assert payload.startswith(b"%PDF")
    pages = pdf_pages(payload)
    assert len(pages) == 1
    width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 portrait, in points
    text = pdf_text(payload)
    for expected in (
        "ĐẢNG BỘ TỈNH HẢI DƯƠNG",
        "COMMUNIST PARTY OF VIETNAM",
        "Hải Dương, 22 November 2026",
        "PROGRESS REPORT: ADMISSIONS IN 2026",
        "Đảng bộ huyện Thanh Miện",
        "Đảng bộ xã Đoàn Tùng",
        "2,105",
        "No.",
        "-BC/TU",
        "*",
        "Recipients:",
        "- The committee above (to report),",
        "- Filed at the office.",
        "Cumulative admissions against the expected pace",  # the chart's title, in its SVG
        "Expected pace",
        "Behind: Đảng bộ xã Đoàn Tùng, Đảng bộ thành phố Hải Dương.",
        "ON BEHALF OF THE STANDING COMMITTEE",
        "SECRETARY",
        "1 / 1",  # the page number in the footer
    ):
        assert expected in text, expected
    assert text.index("SECRETARY") > text.index("Behind:")  # the signature comes last


# Odds and ends


def test_the_title_block_takes_an_issuer_and_a_place():
    report = ratio_report(
        samples.ratio(),
        place="Thành phố Hải Dương",
        issued=dt.date(2026, 2, 5),
        issuer="Ban Tổ chức",
    )
    assert report.issuer == "BAN TỔ CHỨC"
    assert report.place_date == "Thành phố Hải Dương, 5 February 2026"
    sheet = sheet_of(render(report, "xlsx"))
    assert sheet["A2"].value == "BAN TỔ CHỨC"


def test_a_progress_without_a_curve_has_no_chart():
    report = progress_report(replace(samples.progress(), curve=()))
    assert report.chart is None
    assert sheet_of(render(report, "xlsx"))._charts == []


def test_a_period_without_admissions_still_makes_a_report():
    empty = replace(
        samples.composition(sensitive=False), total=0, by={"occupation": {}, "gender": {}}
    )
    report = composition_report(empty, issued=samples.ISSUED)
    assert report.chart is None
    sheet = sheet_of(render(report, "xlsx"))
    assert row_values(sheet, find_row(sheet, "Occupation") + 1) == ["Total", 0]
    assert render(report, "csv").decode("utf-8-sig").splitlines() == [
        "Criterion,Value,Number,Share (%)"
    ]
    assert json.loads(render(report, "json"))["by"] == {"occupation": {}, "gender": {}}
