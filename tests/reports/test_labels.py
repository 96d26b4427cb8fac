"""Keys of the results in words and the download response."""

import datetime as dt

import pytest
from django.utils import translation

from ranks.reports import labels
from ranks.reports.builders import progress_report
from ranks.reports.http import ascii_filename, report_response
from tests.reports import samples

pytestmark = pytest.mark.pure  # no database: run once, on the SQLite pass


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("dimension", "value", "shown"),
    [
        ("occupation", "farmer", "farmer"),
        ("occupation", "civil_servant", "civil servant"),
        ("gender", "female", "female"),
        ("education_general", "upper_secondary", "upper secondary"),
        ("education_professional", "university", "university"),
        ("source_group", "military", "returned from or about to enter military service"),
        ("place_kind", "residential_group", "residential group"),
        ("age_band", "18-30", "18–30"),
        ("age_band", "over_60", "over 60"),
        ("youth_union", "true", "Youth Union member"),
        ("youth_union", "false", "not a Youth Union member"),
        ("ethnicity", "Tày", "Tày"),  # as recorded
        ("religion", "", "not recorded"),
        ("occupation", "", "not recorded"),
    ],
)
def test_values_are_shown_in_words(dimension, value, shown):
    assert labels.value_label(dimension, value) == shown


def test_a_pages_table_titles_its_dimension_and_answers_yes_or_no_under_it():
    assert labels.dimension_title("age_band") == "Age at admission"
    assert labels.dimension_label("age_band") == "age band"
    assert labels.value_label("youth_union", "true", under_title=True) == "yes"
    assert labels.value_label("youth_union", "false", under_title=True) == "no"
    assert labels.value_label("age_band", "31-40", under_title=True) == "31–40"


def test_values_keep_the_order_of_their_list_and_not_recorded_comes_last():
    assert labels.value_order("age_band", {"over_60": 1, "": 2, "18-30": 5, "41-50": 3}) == [
        "18-30",
        "41-50",
        "over_60",
        "",
    ]
    assert labels.value_order("ethnicity", {"Tày": 2, "": 9, "Kinh": 7, "Mường": 2}) == [
        "Kinh",
        "Mường",
        "Tày",
        "",
    ]


@pytest.mark.parametrize(
    ("name", "place"),
    [
        ("Đảng bộ tỉnh Hải Dương", "Hải Dương"),
        ("Đảng bộ huyện Thanh Miện", "Thanh Miện"),
        ("Đảng bộ thành phố Hải Phòng", "Hải Phòng"),
        ("Chi bộ thôn Đông", "Đông"),
        ("Đảng ủy Khối cơ quan tỉnh", "cơ quan tỉnh"),
        ("Hải Dương", "Hải Dương"),
    ],
)
def test_the_place_of_the_date_line_comes_from_the_units_name(name, place):
    assert labels.place_from_name(name) == place


def test_statuses_and_the_english_date_line():
    assert [labels.status_label(s) for s in ("on_track", "at_risk", "behind", "no_target")] == [
        "on track",
        "at risk",
        "behind",
        "no target",
    ]
    assert [labels.status_label(s, in_full=True) for s in ("at_risk", "no_target")] == [
        "at risk of missing the target",
        "no target set",
    ]
    assert (
        labels.place_date_line("Hải Dương", dt.date(2026, 11, 22)) == "Hải Dương, 22 November 2026"
    )
    assert labels.month_label(dt.date(2026, 2, 28)) == "Feb"
    assert labels.month_label(dt.date(2026, 11, 22)) == "22/11"


def test_a_download_names_the_file_in_ascii_and_in_utf8():
    assert ascii_filename("Báo cáo Đảng bộ Thanh Miện.pdf") == "Bao-cao-Dang-bo-Thanh-Mien.pdf"
    report = progress_report(samples.progress(), issued=samples.ISSUED)
    response = report_response(report, "csv", "Tiến độ HD.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Tien-do-HD.csv\"; filename*=UTF-8''Ti%E1%BA%BFn%20%C4%91%E1%BB%99%20HD.csv"
    )
    assert response.content.startswith("\ufeff".encode())
    response = report_response(report, "xlsx")
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    assert 'filename="HD-progress-2026-11-22.xlsx"' in response["Content-Disposition"]
    with pytest.raises(ValueError):
        report_response(report, "doc")
