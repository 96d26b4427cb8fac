"""The dashboard: headline figures counted from the records at the request, the chart, the units
below sorted by percent and gap, the composition against the segment targets (ethnicity and
religion only with the sensitive grant), the admission ratio, access, and a query count that does
not grow with the subtree."""

import datetime as dt
import re
import time

import pytest
from django.contrib.auth import get_user_model

from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM
from ranks.core.models import AuditEntry
from ranks.people.services import membership_admit, person_save
from ranks.targets import pace
from ranks.targets.selectors import SEGMENTS
from ranks.targets.services import target_set
from tests.factories import make_user
from tests.targets.province import (
    CHILD_TARGETS,
    PROVINCE,
    admit_in_bulk,
    build_province,
    child_code,
)

YEAR = 2026
MID_YEAR = dt.date(YEAR, 6, 30)
ON = f"?on={MID_YEAR.isoformat()}"
# Admissions of each commune of the province by mid-year: 848 in all (the seed's figure).
ADMITTED = (140, 52, 95, 96, 6, 3, 33, 40, 45, 50, 55, 60, 56, 60, 57)


def signed_in(client, username, language="en"):
    client.force_login(get_user_model().objects.get(username=username))
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client


def figure(text: str, name: str) -> str:
    found = re.search(rf'data-test="{name}"[^>]*>([^<]*)<', text)
    assert found, name
    return found.group(1).strip()


def admit(person_id: str, day: dt.date, cell: str = "C1-A", **fields) -> None:
    fields.setdefault("gender", "male")
    person = person_save(
        actor=SYSTEM,
        person_id=person_id,
        full_name=f"Người {person_id}",
        birth_date=dt.date(2000, 1, 1),
        **fields,
    )
    membership_admit(actor=SYSTEM, person=person, cell_code=cell, admission_decision_date=day)


@pytest.fixture
def n1(world):
    """N1's target of 12 for the year; three admissions by mid-year and one after it."""
    target_set(actor=SYSTEM, unit_code="N1", year=YEAR, metric="admissions", value=12)
    admit("P-D1", dt.date(YEAR, 2, 10), occupation="farmer", ethnicity="Thái", religion="Không")
    admit("P-D2", dt.date(YEAR, 4, 5), cell="C1-B", gender="female", ethnicity="Kinh")
    admit("P-D3", dt.date(YEAR, 6, 20), gender="female", religion="Công giáo", ethnicity="Mường")
    admit("P-D4", dt.date(YEAR, 8, 1))
    return world


@pytest.fixture
def province(db):
    build_province(year=YEAR)
    for n, count in enumerate(ADMITTED, start=1):
        admit_in_bulk(
            f"{child_code(n)}-A",
            count,
            first_day=dt.date(YEAR, 1, 5),
            last_day=dt.date(YEAR, 6, 25),
        )
    make_user("minh")
    grant_role(actor=SYSTEM, username="minh", role="manager", unit_code=PROVINCE, sensitive=True)
    return PROVINCE


def test_the_headline_is_counted_from_the_records(client, n1):
    text = signed_in(client, "alice").get(f"/units/N1/dashboard/{ON}").content.decode()
    share = pace.linear_share(MID_YEAR)  # no earlier years to learn the pace from
    assert share == 181 / 365
    assert figure(text, "target") == "12"
    assert figure(text, "actual") == "3"
    assert figure(text, "percent") == "25.0 %"
    assert figure(text, "expected") == "6"  # 12 × 181/365 = 5.95
    assert figure(text, "gap") == "−3"
    assert figure(text, "projection") == "6"  # 3 / (181/365) = 6.05
    assert figure(text, "status") == "behind"
    assert 'class="headline status-behind"' in text


def test_an_admission_shows_at_once(client, n1):
    signed_in(client, "alice")
    response = client.get(f"/units/N1/dashboard/{ON}")
    assert "no-store" in response["Cache-Control"]
    admit("P-D5", dt.date(YEAR, 6, 29))
    text = client.get(f"/units/N1/dashboard/{ON}").content.decode()
    assert figure(text, "actual") == "4" and figure(text, "percent") == "33.3 %"


def test_the_seed_848_of_2200_at_mid_year_is_38_5_percent(client, province):
    assert sum(ADMITTED) == 848
    started = time.monotonic()
    text = signed_in(client, "minh").get(f"/units/{PROVINCE}/dashboard/{ON}").content.decode()
    assert time.monotonic() - started < 10
    assert figure(text, "target") == "2200" and figure(text, "actual") == "848"
    assert figure(text, "percent") == "38.5 %"
    assert "38.5 % of the target" in text


def test_the_seed_in_vietnamese(client, province):
    """Needs po_parts/dashboard.po merged into the catalogue."""
    signed_in(client, "minh", "vi")
    text = client.get(f"/units/{PROVINCE}/dashboard/{ON}").content.decode()
    assert "Bảng điều khiển" in text and "đạt 38,5 % chỉ tiêu" in text
    assert figure(text, "status") == "chậm tiến độ"


def rows(text: str) -> list[str]:
    return re.findall(r'<tr class="status-\w+" data-test="child-([\w-]+)"', text)


def test_the_units_below_are_sorted_by_percent_and_gap(client, province):
    signed_in(client, "minh")
    url = f"/units/{PROVINCE}/dashboard/{ON}"
    share = pace.linear_share(MID_YEAR)
    codes = [child_code(n) for n in range(1, 16)]
    target = dict(zip(codes, CHILD_TARGETS, strict=True))
    actual = dict(zip(codes, ADMITTED, strict=True))
    names = {c: f"Đảng bộ xã {c[-2:]}" for c in codes}

    def percent(c):
        return round(actual[c] * 100 / target[c], 1)

    def gap(c):
        return round(actual[c] - round(target[c] * share, 1), 1)

    by_percent = rows(client.get(url + "&sort=percent").content.decode())
    assert by_percent == sorted(codes, key=lambda c: (percent(c), names[c]))
    assert by_percent[:3] == [child_code(2), child_code(5), child_code(7)]  # 20, 20, 22 %
    assert by_percent[-1] == child_code(6)  # 3 of 3
    by_gap = rows(client.get(url + "&sort=gap").content.decode())
    assert by_gap == sorted(codes, key=lambda c: (gap(c), names[c]))
    assert by_gap[0] == child_code(2)  # 52 against 260 × 181/365 = 128.9
    by_name = rows(client.get(url + "&sort=name").content.decode())
    assert by_name == codes
    # The most behind first is the default; each row drills down to the unit's own dashboard.
    default = client.get(url).content.decode()
    assert rows(default) == by_gap
    assert f'href="/units/{child_code(2)}/dashboard/?on={MID_YEAR.isoformat()}' in default


def test_the_chart_is_drawn_from_the_curve(client, n1):
    text = signed_in(client, "alice", "vi").get(f"/units/N1/dashboard/{ON}").content.decode()
    svg = text[text.index("<svg") : text.index("</svg>")]
    assert "<title" in svg and 'role="img"' in svg and 'viewBox="0 0 ' in svg
    actual = re.search(r'data-test="chart-actual" d="([^"]+)"', svg).group(1)
    expected = re.search(r'data-test="chart-expected" d="([^"]+)"', svg).group(1)
    # From 1 January through the month ends to the date: 7 points for the actual (30 June is a
    # month end), 13 for the expected pace (through 31 December).
    assert actual.count("L") == 6 and expected.count("L") == 12
    assert 'data-test="chart-target"' in svg
    # Coordinates are written the same in every language: no decimal commas.
    for value in re.findall(r'\b(?:x1|x2|y1|y2|cx|cy)="([^"]*)"', svg):
        assert re.fullmatch(r"-?\d+(\.\d+)?", value), value
    # The figures for screen readers.
    assert 'data-test="chart-table"' in text and "30/06/2026" in text


def test_composition_against_the_segment_targets(client, n1):
    target_set(actor=SYSTEM, unit_code="N1", year=YEAR, metric="admissions_women", value=4)
    target_set(actor=SYSTEM, unit_code="N1", year=YEAR, metric="admissions_farmers", value=2)
    target_set(
        actor=SYSTEM, unit_code="N1", year=YEAR, metric="admissions_ethnic_minority", value=3
    )
    signed_in(client, "alice")
    text = client.get(f"/units/N1/dashboard/{ON}").content.decode()
    # Ethnicity and religion wait until asked for, even under the sensitive grant.
    assert 'data-test="segment-admissions_ethnic_minority"' not in text
    assert 'data-test="dimension-ethnicity"' not in text and "Mường" not in text
    assert 'data-test="show-sensitive"' in text
    reads = AuditEntry.objects.filter(action="ranks.reports.composition.sensitive_read").count()
    text = client.get(f"/units/N1/dashboard/{ON}&show=sensitive").content.decode()
    women = text[text.index('data-test="segment-admissions_women"') :]
    women = women[: women.index("</tr>")]
    assert ">2<" in women and ">4<" in women and "50.0 %" in women
    farmers = text[text.index('data-test="segment-admissions_farmers"') :]
    assert "50.0 %" in farmers[: farmers.index("</tr>")]
    # Alice holds the sensitive grant at N1: ethnicity and religion, as counts; the read logged.
    assert (
        AuditEntry.objects.filter(
            action="ranks.reports.composition.sensitive_read", actor="alice", object_id="N1"
        ).count()
        == reads + 1
    )
    assert 'data-test="segment-admissions_ethnic_minority"' in text
    assert 'data-test="dimension-ethnicity"' in text and "Mường" in text
    assert 'data-test="dimension-religion"' in text and "Công giáo" in text
    assert 'data-test="dimension-occupation"' in text and "farmer" in text
    assert "3 admissions from 01/01/2026 to 30/06/2026." in text


def test_sensitive_composition_needs_the_grant(client, n1):
    target_set(
        actor=SYSTEM, unit_code="N1", year=YEAR, metric="admissions_ethnic_minority", value=3
    )
    target_set(actor=SYSTEM, unit_code="N1", year=YEAR, metric="admissions_women", value=4)
    make_user("tam")
    grant_role(actor=SYSTEM, username="tam", role="manager", unit_code="N1")
    text = signed_in(client, "tam").get(f"/units/N1/dashboard/{ON}&show=sensitive").content.decode()
    assert 'data-test="segment-admissions_women"' in text
    assert 'data-test="show-sensitive"' not in text
    assert 'data-test="segment-admissions_ethnic_minority"' not in text
    assert 'data-test="dimension-ethnicity"' not in text and "Mường" not in text
    assert 'data-test="dimension-religion"' not in text and "Công giáo" not in text
    assert 'data-test="sensitive-hidden"' in text


def test_the_admission_ratio_and_its_rank(client, province):
    # Members on 1 January: 100 in HD-01, 10 in HD-02 (admitted in earlier years).
    admit_in_bulk(
        f"{child_code(1)}-A",
        100,
        first_day=dt.date(2010, 1, 1),
        last_day=dt.date(2020, 1, 1),
        prefix="OLD1",
    )
    admit_in_bulk(
        f"{child_code(2)}-A",
        10,
        first_day=dt.date(2010, 1, 1),
        last_day=dt.date(2020, 1, 1),
        prefix="OLD2",
    )
    signed_in(client, "minh")
    text = client.get(f"/units/{child_code(2)}/dashboard/{ON}").content.decode()
    # HD-02: 52 admitted this year over 10 members: 520 %, first of the two with members.
    assert figure(text, "ratio-value") == "520.00 %" and figure(text, "ratio-rank") == "1/2"
    text = client.get(f"/units/{child_code(1)}/dashboard/{ON}").content.decode()
    assert figure(text, "ratio-value") == "140.00 %" and figure(text, "ratio-rank") == "2/2"
    assert 'data-test="ratio-siblings"' in text


def test_other_metrics_and_a_unit_that_did_not_exist(client, n1):
    signed_in(client, "alice")
    text = client.get(f"/units/N1/dashboard/{ON}&metric=admissions_women").content.decode()
    assert figure(text, "actual") == "2" and figure(text, "target") == "—"
    assert figure(text, "status") == "no target set"
    # An unknown metric shows admissions.
    text = client.get(f"/units/N1/dashboard/{ON}&metric=nonsense").content.decode()
    assert figure(text, "actual") == "3"
    # N1 was created on 1 July 2025.
    text = client.get("/units/N1/dashboard/?on=2024-06-01").content.decode()
    assert 'data-test="missing"' in text and "does not exist on 01/06/2024" in text


def test_access(client, n1):
    signed_in(client, "alice")
    assert client.get("/units/C2/dashboard/").status_code == 404
    assert client.get("/units/NO-SUCH/dashboard/").status_code == 404
    signed_in(client, "bob")
    assert client.get(f"/units/N1/dashboard/{ON}").status_code == 404
    assert client.get("/units/C2/dashboard/").status_code == 200


def test_a_committee_user_lands_on_the_dashboard(client, n1):
    signed_in(client, "bob")  # one grant, at a commune
    assert client.get("/").url == "/units/C2/dashboard/"
    signed_in(client, "alice")  # grants at a commune that closed and at the one that took over
    assert client.get("/").url == "/units/N1/dashboard/"
    signed_in(client, "root")  # full access, and several units at the top of today's tree
    assert client.get("/").url == "/tree/"
    # The unit page links to the dashboard.
    assert 'data-test="dashboard-link"' in client.get("/units/N1/").content.decode()


# Larger subtrees must not cost more queries: progress, composition, the ratio and each segment
# read whole subtrees at once (four queries a segment with a target, seven segments at most); the
# worst case also reads ethnicity and religion, which writes its audit entry, and the admitted
# people's attributes on their decision dates (one query). On PostgreSQL inside a test's
# transaction the figures' generations are read apart, their triggers fired first (two more).
CEILING = 44


def test_the_query_count_does_not_grow_with_the_subtree(
    client, n1, province, django_assert_max_num_queries
):
    for metric in SEGMENTS:  # the most a page counts: every segment has a target
        target_set(actor=SYSTEM, unit_code="N1", year=YEAR, metric=metric, value=4)
        target_set(actor=SYSTEM, unit_code=PROVINCE, year=YEAR, metric=metric, value=400)
    signed_in(client, "alice")  # grants at two units, one with sensitive data
    with django_assert_max_num_queries(CEILING):
        small = client.get(f"/units/N1/dashboard/{ON}&show=sensitive")
    signed_in(client, "minh")
    with django_assert_max_num_queries(CEILING):
        large = client.get(f"/units/{PROVINCE}/dashboard/{ON}&show=sensitive")
    assert small.status_code == large.status_code == 200
    assert len(rows(small.content.decode())) == 2 and len(rows(large.content.decode())) == 15


def test_reports_download_with_the_dashboards_figures(client, province):
    import io
    import json

    from openpyxl import load_workbook

    signed_in(client, "minh")
    page = client.get(f"/units/{PROVINCE}/dashboard/{ON}").content.decode()
    link = f'href="/units/{PROVINCE}/reports/progress.xlsx?on={MID_YEAR.isoformat()}&amp;metric=admissions"'
    assert link in page and 'data-test="report-ratio-pdf"' in page
    response = client.get(f"/units/{PROVINCE}/reports/progress.xlsx{ON}")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    book = load_workbook(io.BytesIO(response.content))
    values = {c.value for sheet in book for row in sheet.iter_rows() for c in row}
    assert 2200 in values and 848 in values
    data = json.loads(client.get(f"/units/{PROVINCE}/reports/progress.json{ON}").content)
    assert "848" in json.dumps(data)
    csv = client.get(f"/units/{PROVINCE}/reports/composition.csv{ON}").content.decode("utf-8")
    assert "848" in csv
    ratio = client.get(f"/units/{PROVINCE}/reports/ratio.json{ON}")
    assert ratio.status_code == 200
    pdf = client.get(f"/units/{PROVINCE}/reports/progress.pdf{ON}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"/units/{PROVINCE}/reports/nonsense.csv").status_code == 404
    assert client.get(f"/units/{PROVINCE}/reports/progress.doc").status_code == 404


def test_report_downloads_keep_the_rules_of_the_page(client, n1):
    make_user("tam")
    grant_role(actor=SYSTEM, username="tam", role="viewer", unit_code="N1")
    signed_in(client, "tam")
    csv = client.get(f"/units/N1/reports/composition.csv{ON}").content.decode("utf-8")
    assert "Mường" not in csv and "Công giáo" not in csv
    signed_in(client, "alice")
    csv = client.get(f"/units/N1/reports/composition.csv{ON}").content.decode("utf-8")
    assert "Mường" in csv  # the report with the grant: read and logged by `report_composition`
    assert client.get(f"/units/C2/reports/progress.csv{ON}").status_code == 404
    # N1 did not exist in the middle of 2024.
    assert client.get("/units/N1/reports/progress.csv?on=2024-06-01").status_code == 404
