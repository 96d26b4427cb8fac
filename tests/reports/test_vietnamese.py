"""Reports in Vietnamese, as a party committee files them: the letterhead, the date line, the
title in capitals, the translated headers and statuses, and the diacritics intact in the PDF."""

import datetime as dt

import pytest
from django.utils import translation

from ranks.reports import labels
from ranks.reports.builders import composition_report, progress_report
from ranks.reports.render import render
from tests.reports import samples
from tests.reports.helpers import find_row, pdf_text, row_values, sheet_of

pytestmark = pytest.mark.pure  # no database: run once, on the SQLite pass


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


def test_the_pdf_reads_as_a_vietnamese_party_report():
    report = progress_report(samples.progress(), issued=samples.ISSUED)
    text = pdf_text(render(report, "pdf"))
    for expected in (
        "ĐẢNG BỘ TỈNH HẢI DƯƠNG",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "Hải Dương, ngày 22 tháng 11 năm 2026",
        "BÁO CÁO TIẾN ĐỘ KẾT NẠP ĐẢNG VIÊN NĂM 2026",
        "Tính đến ngày 22/11/2026",
        "Đảng bộ huyện Thanh Miện",
        "Chỉ tiêu",
        "đúng tiến độ",
        "chậm tiến độ",
        "2.105",  # Vietnamese numbers: dots for thousands
        "83,4",  # and a comma for decimals
        "Lũy kế kết nạp đảng viên so với tiến độ dự kiến",
        "T/M BAN THƯỜNG VỤ",
        "BÍ THƯ",
    ):
        assert expected in text, expected


def test_the_workbook_speaks_vietnamese():
    report = composition_report(samples.composition(), issued=samples.ISSUED)
    sheet = sheet_of(render(report, "xlsx"))
    assert sheet.title == "Cơ cấu"
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in row_values(sheet, 1)
    assert find_row(sheet, "BÁO CÁO CƠ CẤU ĐẢNG VIÊN MỚI KẾT NẠP")
    header = find_row(sheet, "Nghề nghiệp")
    assert row_values(sheet, header) == ["Nghề nghiệp", "Số lượng", "Tỷ lệ (%)"]
    assert row_values(sheet, header + 1) == ["nông dân", 40, 50.0]
    assert row_values(sheet, header + 4) == ["chưa ghi", 5, 6.2]
    assert row_values(sheet, header + 5) == ["Tổng số", 80, 100.0]
    ages = find_row(sheet, "Độ tuổi")
    assert sheet.cell(ages + 4, 1).value == "trên 60"
    assert find_row(sheet, "Loại địa bàn")
    assert find_row(sheet, "Nhóm nguồn")


def test_the_date_line_writes_small_days_and_months_with_a_zero():
    assert (
        labels.place_date_line("Thanh Miện", dt.date(2026, 2, 5))
        == "Thanh Miện, ngày 05 tháng 02 năm 2026"
    )
    assert labels.status_label("at_risk") == "có nguy cơ không đạt"
    assert labels.status_label("no_target") == "chưa giao chỉ tiêu"
