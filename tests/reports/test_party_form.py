"""Reports in the party's form (Hướng dẫn 36-HD/VPTW) and in whole people.

The form: the issuing committee at the top left with a star under it and the number line
("Số …-BC/TU", the number left blank to fill in when none is given); "ĐẢNG CỘNG SẢN VIỆT NAM" and
the place and date at the top right; the title; "Nơi nhận" at the bottom left beside the
signature block. People are counted whole in every format: an expected figure of 150.5
admissions is 150 or 151 people, never "150,5"."""

import csv
import datetime as dt
import io
import json
import re
from dataclasses import replace

import pytest
from django.utils import translation

from ranks.reports import labels
from ranks.reports.builders import (
    cells_report,
    composition_report,
    progress_report,
    ratio_report,
)
from ranks.reports.render import render
from ranks.targets.results import ON_TRACK
from tests.reports import samples
from tests.reports.helpers import find_row, pdf_text, row_values, sheet_of

pytestmark = pytest.mark.pure  # no database: run once, on the SQLite pass


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


def half_people():
    """Hải Dương's progress where the pace expects 150.5 admissions and projects 176.25."""
    progress = samples.progress()
    row = replace(progress.rows[1], expected=150.5, gap=0.5, projection=176.25, status=ON_TRACK)
    curve = tuple(replace(p, expected=p.expected + 0.45) for p in progress.curve)
    return replace(progress, rows=(progress.rows[0], row, *progress.rows[2:]), curve=curve)


# The form


def test_the_pdf_has_the_star_the_number_line_and_the_recipients():
    report = progress_report(samples.progress(), issued=samples.ISSUED, issuer="Ban Tổ chức")
    text = pdf_text(render(report, "pdf"))
    top = text[: text.index("BÁO CÁO TIẾN ĐỘ")]
    # Top left: the committee, its issuing body, the star, the number line with a blank number.
    assert re.search(r"ĐẢNG BỘ TỈNH HẢI DƯƠNG BAN TỔ CHỨC \* .*Số -BC/BTCTU", top), top
    # Top right: the party and the place and date.
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in top
    assert "Hải Dương, ngày 22 tháng 11 năm 2026" in top
    # Bottom: "Nơi nhận" and its list, then the signature block.
    assert "Nơi nhận: - Cấp ủy cấp trên (để báo cáo), - Lưu Văn phòng." in text
    assert text.index("Nơi nhận") < text.index("T/M BAN THƯỜNG VỤ")
    assert text.index("Nơi nhận") > text.index("Chậm tiến độ")  # after the body


def test_a_given_number_and_recipients_are_written_as_given():
    report = ratio_report(
        samples.ratio(),
        issued=samples.ISSUED,
        number="125",
        recipients=["Ban Tổ chức Trung ương (để báo cáo)", "Thường trực Tỉnh ủy", "Lưu VP"],
    )
    assert report.number_line == "Số 125-BC/TU"
    assert report.recipients == (
        "- Ban Tổ chức Trung ương (để báo cáo),",
        "- Thường trực Tỉnh ủy,",
        "- Lưu VP.",
    )
    text = pdf_text(render(report, "pdf"))
    assert "Số 125-BC/TU" in text
    assert (
        "Nơi nhận: - Ban Tổ chức Trung ương (để báo cáo), - Thường trực Tỉnh ủy, - Lưu VP." in text
    )


def test_the_workbook_has_the_form_too():
    report = progress_report(samples.progress(), issued=samples.ISSUED, number="7")
    sheet = sheet_of(render(report, "xlsx"))
    assert row_values(sheet, 1) == ["ĐẢNG BỘ TỈNH HẢI DƯƠNG", "ĐẢNG CỘNG SẢN VIỆT NAM"]
    assert row_values(sheet, 2) == ["*"]
    assert row_values(sheet, 3) == ["Số 7-BC/TU", "Hải Dương, ngày 22 tháng 11 năm 2026"]
    closing = find_row(sheet, "Nơi nhận:")
    assert row_values(sheet, closing) == ["Nơi nhận:", "T/M BAN THƯỜNG VỤ"]
    assert sheet.cell(closing, 1).font.underline == "single"
    assert row_values(sheet, closing + 1) == ["- Cấp ủy cấp trên (để báo cáo),", "BÍ THƯ"]
    assert row_values(sheet, closing + 2) == ["- Lưu Văn phòng."]


@pytest.mark.parametrize(
    ("name", "issuer", "abbreviation"),
    [
        ("Đảng bộ tỉnh Hải Dương", "", "TU"),
        ("Đảng bộ thành phố Hải Phòng", "", "TU"),
        ("Đảng bộ huyện Thanh Miện", "", "HU"),
        ("Đảng bộ quận Lê Chân", "", "QU"),
        ("Đảng bộ xã Đoàn Tùng", "", "ĐU"),
        ("Đảng bộ phường Hải Dương", "", "ĐU"),
        ("Chi bộ thôn Tứ Xuyên", "", "CB"),
        ("Đảng bộ tỉnh Hải Dương", "Ban Tổ chức", "BTCTU"),
    ],
)
def test_the_number_line_names_the_issuing_committee(name, issuer, abbreviation):
    assert labels.committee_abbreviation(name, issuer) == abbreviation
    assert labels.number_line("", abbreviation) == f"Số {labels.NUMBER_BLANK}-BC/{abbreviation}"


def test_the_form_in_english():
    with translation.override("en"):
        report = progress_report(samples.progress(), issued=samples.ISSUED)
    assert report.number_line == f"No. {labels.NUMBER_BLANK}-BC/TU"
    assert report.recipients_title == "Recipients:"


# Whole people


def test_no_fractional_people_in_the_pdf():
    report = progress_report(half_people(), issued=samples.ISSUED)
    text = pdf_text(render(report, "pdf"))
    assert "150,5" not in text and "176,2" not in text
    # Target, actual, achieved (a percent), expected, gap, projection: 150.5 expected people
    # are 150 (rounded as the pages round them), the gap is 151 - 150, the projection 176.
    # Then the forecast, from its low to its high end.
    assert "Đảng bộ huyện Thanh Miện 150 151 100,7 150 1 176 176 160 190 đúng tiến độ" in text
    assert "2.200 1.834 83,4 1.870 -36 2.105" in text


def test_no_fractional_people_in_the_csv_json_and_workbook():
    report = progress_report(half_people(), issued=samples.ISSUED)
    rows = list(csv.reader(io.StringIO(render(report, "csv").decode("utf-8-sig"))))
    header = rows[0]
    for row in rows[1:]:
        for key in ("Chỉ tiêu", "Thực hiện", "Dự kiến theo tiến độ", "Chênh lệch", "Ước cả năm"):
            value = row[header.index(key)]
            assert value == "" or re.fullmatch(r"-?\d+", value), (key, value)

    data = json.loads(render(report, "json"))
    for row in data["rows"]:
        for key in ("target", "actual", "expected", "gap", "projection"):
            assert row[key] is None or isinstance(row[key], int), (key, row[key])
    assert (data["rows"][1]["expected"], data["rows"][1]["projection"]) == (150, 176)
    assert data["rows"][1]["gap"] == data["rows"][1]["actual"] - data["rows"][1]["expected"]

    sheet = sheet_of(render(report, "xlsx"))
    header_row = find_row(sheet, "Mã")
    for row in sheet.iter_rows(min_row=header_row + 1, max_row=header_row + 5, min_col=3):
        for cell in (row[0], row[1], row[3], row[4], row[5]):  # all but the percent
            assert cell.value is None or isinstance(cell.value, int), cell.value
            assert cell.number_format == "#,##0"
    month = find_row(sheet, "Tháng")
    for (cell,) in sheet.iter_rows(min_row=month + 1, max_row=month + 13, min_col=3, max_col=3):
        assert cell.value is None or isinstance(cell.value, int), cell.value
        assert cell.number_format == "#,##0"


def test_no_report_shows_a_fraction_of_a_person():
    """Every kind of report, in every format: the numbers beside people are whole; a decimal is
    only ever a percent (its column or figure says so)."""
    built = [
        progress_report(half_people(), issued=samples.ISSUED),
        composition_report(samples.composition(), issued=samples.ISSUED),
        ratio_report(samples.ratio(), issued=samples.ISSUED),
        cells_report([], "HD", "Đảng bộ tỉnh Hải Dương", samples.ON, issued=samples.ISSUED),
    ]
    for report in built:
        for table in report.tables:
            for column in table.columns:
                if column.kind == "number":
                    # A decimal column must be a share, and say so.
                    assert "%" in column.label, (report.kind, column.label)
        if report.chart is not None:
            for series in report.chart.series:
                assert all(v is None or float(v).is_integer() for v in series.values), series


def test_the_expected_gap_adds_up_in_whole_people():
    progress = samples.progress()
    report = progress_report(progress, issued=dt.date(2026, 11, 22))
    for row in report.tables[0].rows:
        _code, _name, _target, actual, _percent, expected, gap, *_projection_forecast, _status = row
        if expected is not None:
            assert gap == actual - expected
