"""The member register of a unit: its rows, filters, search, pages, total, downloads and scope,
and a query count that does not grow with the members below the unit."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model

from ranks.core.actor import SYSTEM
from ranks.people.services import membership_admit, person_save

D = dt.date


def signed_in(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def rows_of(text: str) -> list[str]:
    """The person ids of the register's rows, in order."""
    import re

    return re.findall(r'data-test="row-([^"]+)"', text)


def add_members(n: int, cell: str = "C1-A", prefix: str = "P-M", start: D | None = None):
    start = start or D(2020, 1, 1)
    for i in range(n):
        person = person_save(
            actor=SYSTEM,
            person_id=f"{prefix}{i:03d}",
            full_name=f"Trần Thị Mẫu {i:03d}",
            birth_date=D(1990, 1, 1),
            residence_place_code="V1",
        )
        membership_admit(
            actor=SYSTEM,
            person=person,
            cell_code=cell,
            admission_decision_date=start,
            ceremony_date=start,
            official_date=D(start.year + 1, start.month, start.day) if i % 2 else None,
        )


def test_the_register_lists_the_members_by_cell_with_status_party_age_and_place(client, world):
    signed_in(client, "alice")
    response = client.get("/units/N1/members/?on=2026-03-01")
    text = response.content.decode()
    assert response.status_code == 200
    assert rows_of(text) == ["P-AN", "P-DUNG"]  # C1-A before C1-B
    assert "2 đảng viên" in text
    assert "đảng viên chính thức" in text and "đảng viên dự bị" in text
    assert "Chi bộ thôn Đông" in text and "Thôn Đông" in text
    assert "11 năm 0 tháng" in text  # An: admitted on 1 March 2015
    assert "01/03/2015" in text


def test_filters_and_search_by_name_or_id(client, world):
    signed_in(client, "alice")
    base = "/units/N1/members/?on=2026-03-01"
    assert rows_of(client.get(base + "&status=probationary").content.decode()) == ["P-DUNG"]
    assert rows_of(client.get(base + "&status=official").content.decode()) == ["P-AN"]
    assert rows_of(client.get(base + "&cell=C1-B").content.decode()) == ["P-DUNG"]
    assert rows_of(client.get(base + "&year=2015").content.decode()) == ["P-AN"]
    assert rows_of(client.get(base + "&q=dang+thi").content.decode()) == ["P-DUNG"]
    assert rows_of(client.get(base + "&q=Đặng").content.decode()) == ["P-DUNG"]
    assert rows_of(client.get(base + "&q=P-AN").content.decode()) == ["P-AN"]
    assert rows_of(client.get(base + "&q=p-an").content.decode()) == ["P-AN"]
    text = client.get(base + "&q=nobody").content.decode()
    assert rows_of(text) == [] and "0 đảng viên" in text
    # Nonsense in the filters shows everybody rather than failing.
    assert len(rows_of(client.get(base + "&status=x&year=abc").content.decode())) == 2


def test_on_a_date_before_an_admission(client, world):
    signed_in(client, "alice")
    text = client.get("/units/C1/members/?on=2020-01-01").content.decode()
    assert rows_of(text) == ["P-AN"] and "1 đảng viên" in text


def test_pages_hold_fifty_and_their_bounds(client, world):
    add_members(53)
    signed_in(client, "alice")
    base = "/units/N1/members/?on=2026-03-01"
    first = client.get(base).content.decode()
    assert len(rows_of(first)) == 50 and "55 đảng viên" in first
    assert "Trang 1/2" in first
    second = rows_of(client.get(base + "&page=2").content.decode())
    assert len(second) == 5 and not set(second) & set(rows_of(first))
    assert rows_of(client.get(base + "&page=99").content.decode()) == second  # the last page
    assert rows_of(client.get(base + "&page=abc").content.decode()) == rows_of(first)
    assert rows_of(client.get(base + "&page=0").content.decode()) == second
    assert rows_of(client.get(base + "&page=-1").content.decode()) == second


def test_a_large_unit_is_walked_cell_by_cell_from_the_counters(client, world, monkeypatch):
    """Above `RECORDS_LIMIT` members, each cell's count comes from the counters and a page reads
    only the cells it falls in: the same rows and total as reading the records."""
    add_members(30, cell="C1-A", prefix="P-A")
    add_members(30, cell="C1-B", prefix="P-B")
    signed_in(client, "alice")
    base = "/units/N1/members/?on=2026-03-01"
    pages = [rows_of(client.get(f"{base}&page={n}").content.decode()) for n in (1, 2)]
    statuses = rows_of(client.get(base + "&status=official").content.decode())
    monkeypatch.setattr("ranks.counters.selectors.RECORDS_LIMIT", 0)
    walked = [rows_of(client.get(f"{base}&page={n}").content.decode()) for n in (1, 2)]
    assert walked == pages and len(pages[0]) == 50 and len(pages[1]) == 12
    assert "62 đảng viên" in client.get(base).content.decode()
    assert rows_of(client.get(base + "&status=official").content.decode()) == statuses


def test_the_register_queries_do_not_grow_with_the_members(
    client, world, django_assert_max_num_queries, monkeypatch
):
    signed_in(client, "alice")
    url = "/units/N1/members/?on=2026-03-01"
    with django_assert_max_num_queries(16):
        client.get(url)
    add_members(60)
    with django_assert_max_num_queries(16):
        client.get(url)
    with django_assert_max_num_queries(16):
        client.get(url + "&q=mau&status=official&year=2020")
    monkeypatch.setattr("ranks.counters.selectors.RECORDS_LIMIT", 0)
    with django_assert_max_num_queries(18):
        client.get(url + "&page=2")


def test_export_as_csv_and_excel_with_the_filters(client, world):
    signed_in(client, "alice")
    page = client.get(
        "/units/N1/members/?on=2026-03-01&status=probationary&page=1"
    ).content.decode()
    assert 'href="/units/N1/members.csv?on=2026-03-01&amp;status=probationary"' in page
    response = client.get("/units/N1/members.csv?on=2026-03-01&status=probationary")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:3] == ["Họ và tên", "Mã số", "Trạng thái"]
    assert [row[1] for row in table[1:]] == ["P-DUNG"]
    assert table[1][2] == "đảng viên dự bị"
    response = client.get("/units/N1/members.xlsx?on=2026-03-01")
    assert response.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "Nguyễn Văn An" in values and "Đặng Thị Dung" in values
    assert client.get("/units/N1/members.pdf").status_code == 404


def test_an_export_above_its_limit_is_refused(client, world, monkeypatch):
    monkeypatch.setattr("ranks.people.views.REGISTER_EXPORT_LIMIT", 1)
    signed_in(client, "alice")
    response = client.get("/units/N1/members.csv?on=2026-03-01")
    assert response.status_code == 403
    assert "chọn" in response.content.decode().lower()
    assert client.get("/units/N1/members.csv?on=2026-03-01&cell=C1-A").status_code == 200


def test_outside_ones_units_the_register_is_missing(client, world):
    signed_in(client, "bob")
    assert client.get("/units/N1/members/").status_code == 404
    assert client.get("/units/C1-A/members/").status_code == 404
    assert client.get("/units/N1/members.csv").status_code == 404
    text = client.get("/units/C2/members/").content.decode()
    assert rows_of(text) == ["P-LAN"]
    # A cell code of another commune in the filter shows nobody.
    assert rows_of(client.get("/units/C2/members/?cell=C1-A").content.decode()) == []


def test_a_viewer_reads_but_may_not_add(client, world):
    signed_in(client, "vera")
    text = client.get("/units/P/members/?on=2025-01-31").content.decode()
    assert rows_of(text) == ["P-AN", "P-DUNG", "P-LAN"]
    assert 'data-test="add-person"' not in text
    assert client.get("/units/P/people/new/").status_code == 403


@pytest.mark.parametrize("username", ["alice", "root"])
def test_search_finds_a_person_by_id(client, world, username):
    signed_in(client, username)
    text = client.get("/search/?q=P-AN").content.decode()
    assert "Nguyễn Văn An" in text
    assert "Nguyễn Văn An" in client.get("/search/?q=p-an").content.decode()


def test_search_by_id_stays_within_the_scope(client, world):
    signed_in(client, "bob")
    assert "Nguyễn Văn An" not in client.get("/search/?q=P-AN").content.decode()
    assert "Nguyễn Văn Lan" in client.get("/search/?q=P-LAN").content.decode()


def test_the_unit_page_and_the_dashboard_link_to_the_register(client, world):
    signed_in(client, "alice")
    for url in ("/units/N1/", "/units/N1/dashboard/"):
        text = client.get(url).content.decode()
        assert 'href="/units/N1/members/?on=' in text and "Sổ danh sách đảng viên" in text, url


def test_a_unit_of_many_cells_takes_a_cells_code_in_the_filter(client, world, monkeypatch):
    monkeypatch.setattr("ranks.people.views.CELLS_LISTED", 1)
    signed_in(client, "alice")
    text = client.get("/units/N1/members/?on=2026-03-01").content.decode()
    assert '<input type="text" name="cell"' in text and '<select name="cell">' not in text
    text = client.get("/units/N1/members/?on=2026-03-01&cell=C1-B").content.decode()
    assert rows_of(text) == ["P-DUNG"]


def test_a_unit_of_more_cells_than_are_sent_reads_its_subtree(client, world, monkeypatch):
    monkeypatch.setattr("ranks.people.selectors.CELLS_SENT", 0)
    signed_in(client, "alice")
    base = "/units/N1/members/?on=2026-03-01"
    assert rows_of(client.get(base).content.decode()) == ["P-AN", "P-DUNG"]
    assert rows_of(client.get(base + "&q=dang").content.decode()) == ["P-DUNG"]
    signed_in(client, "vera")
    assert rows_of(client.get("/units/P/members/?on=2025-01-31&q=nguyen").content.decode()) == [
        "P-AN",
        "P-LAN",
    ]
