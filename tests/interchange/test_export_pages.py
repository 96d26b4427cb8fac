"""Export links on the unit page: CSV and XLSX of a unit's subtree, for the user's access only."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from ranks.core.actor import SYSTEM
from ranks.core.clock import today
from ranks.core.models import AuditEntry
from ranks.people.services import person_save


def signed_in(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def csv_rows(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response, kind: str) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content), read_only=True)[kind]
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def formula_person(world):
    return person_save(
        actor=SYSTEM,
        person_id="P-EQ",
        full_name='=HYPERLINK("http://x")',
        birth_date=dt.date(1999, 9, 9),
        phone="+84912345678",
        residence_place_code="V1",
    )


def test_the_unit_page_offers_the_exports(client, world):
    signed_in(client, "alice")
    text = client.get("/units/C1/").content.decode()
    assert 'data-test="export"' in text
    assert 'href="/units/C1/export/people.csv"' in text
    assert 'href="/units/C1/export/members.xlsx"' in text


def test_csv_of_a_unit_downloads_with_the_import_columns(client, world):
    signed_in(client, "alice")
    response = client.get("/units/C1/export/people.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f'filename="C1-people-{today().isoformat()}.csv"' in response["Content-Disposition"]
    rows = csv_rows(response)
    header = rows[0]
    assert header[:3] == ["person_id", "full_name", "birth_date"] and "national_id" in header
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_id) == {"P-AN", "P-DUNG"}  # not P-LAN, of the other commune
    assert by_id["P-AN"]["full_name"] == "Nguyễn Văn An"
    assert by_id["P-AN"]["national_id"] == "030090000001"  # alice holds the sensitive grant
    read = AuditEntry.objects.filter(action="ranks.interchange.export.sensitive_read").last()
    assert (read.actor, read.object_id) == ("alice", "C1")


def test_xlsx_of_a_unit_downloads_with_the_same_rows(client, world):
    signed_in(client, "alice")
    response = client.get("/units/C1-A/export/members.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f'filename="C1-A-members-{today().isoformat()}.xlsx"' in response["Content-Disposition"]
    rows = xlsx_rows(response, "members")
    assert rows[0][:3] == ["person_id", "cell_code", "admission_decision_date"]
    assert [row[:3] for row in rows[1:]] == [["P-AN", "C1-A", "2015-03-01"]]


def test_without_the_sensitive_grant_the_sensitive_columns_are_left_out(client, world):
    signed_in(client, "bob")
    header = csv_rows(client.get("/units/C2/export/people.csv"))[0]
    assert "full_name" in header
    assert not {"ethnicity", "religion", "national_id"} & set(header)


def test_an_officer_of_another_commune_gets_404(client, world):
    signed_in(client, "bob")
    for url in ("/units/C1/export/people.csv", "/units/N1/export/units.xlsx"):
        assert client.get(url).status_code == 404, url
    assert client.get("/units/NO-SUCH/export/people.csv").status_code == 404
    signed_in(client, "alice")
    assert client.get("/units/C1/export/nothing.csv").status_code == 404
    assert client.get("/units/C1/export/people.pdf").status_code == 404


def test_values_a_spreadsheet_would_run_are_neutralised(client, world, formula_person):
    signed_in(client, "alice")
    rows = csv_rows(client.get("/units/C1/export/people.csv"))
    record = dict(zip(rows[0], next(r for r in rows if r[0] == "P-EQ"), strict=True))
    assert record["full_name"] == '\'=HYPERLINK("http://x")'
    assert record["phone"] == "'+84912345678"
    response = client.get("/units/C1/export/people.xlsx")
    rows = xlsx_rows(response, "people")
    record = dict(zip(rows[0], next(r for r in rows if r[0] == "P-EQ"), strict=True))
    assert record["full_name"] == '\'=HYPERLINK("http://x")'
    assert record["phone"] == "'+84912345678"
    sheet = load_workbook(io.BytesIO(response.content))["people"]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None]
    assert cells and all(cell.data_type == "s" for cell in cells)  # text, never a formula


# The people export reads the sensitive grant and writes the reading to the audit log.
EXPORT_QUERIES = {"people": 13, "places": 8, "units": 11, "members": 7, "candidates": 7}


@pytest.mark.parametrize("kind", EXPORT_QUERIES)
def test_an_export_holds_a_query_ceiling_however_many_people(
    client, world, django_assert_max_num_queries, kind
):
    signed_in(client, "alice")
    url = f"/units/C1/export/{kind}.csv"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(10):
        person_save(
            actor=SYSTEM, person_id=f"P-Z{n}", full_name=f"Trần Văn Z{n}",
            birth_date=dt.date(1990, 1, 1), residence_place_code="V1",
        )  # fmt: skip
    with django_assert_max_num_queries(EXPORT_QUERIES[kind]) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few)
