"""Who works away (R15) on a date: the page `units/CODE/away/`, its downloads and `ranks report
away`, within the user's scope, with the counts by unit directly below."""

import datetime as dt
import html
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from ranks.core.actor import SYSTEM
from ranks.coverage import views
from ranks.people.absences import absence_comment, absence_return, absence_start
from ranks.people.services import person_save
from ranks.pipeline.rules import add_months
from ranks.pipeline.rules.calendar import next_working_day
from ranks.pipeline.services import candidate_save, stage_event_save
from tests.reports.helpers import find_row, pdf_text, row_values, sheet_of

D = dt.date
ON = D(2026, 6, 1)  # after the reform: C1-A and C1-B are in N1
BEFORE = D(2025, 6, 1)  # before it: P > D1 > C1 > C1-A, C1-B and P > D2 > C2 > C2-A


def away(person_id, started_on, where_kind, where):
    absence_start(
        actor=SYSTEM, person_id=person_id, started_on=started_on, where_kind=where_kind,
        where=where,
    )  # fmt: skip


@pytest.fixture
def travellers(world):
    away("P-LAN", D(2025, 4, 1), "enterprise", "Công ty Samsung Bắc Ninh")
    away("P-AN", D(2025, 5, 5), "country", "Hàn Quốc")
    away("P-DUNG", D(2026, 1, 12), "province", "Bình Dương")
    absence_comment(
        actor=SYSTEM, person_id="P-DUNG", on=D(2026, 3, 2), by_cell="Chi bộ khu phố 3",
        text="Tốt.",
    )  # fmt: skip
    for pid, name, went, back in (
        ("P-XA", "Lò Thị Xa", D(2026, 2, 2), None),
        ("P-VE", "Lò Văn Về", D(2026, 1, 5), D(2026, 4, 1)),
    ):
        person_save(
            actor=SYSTEM, person_id=pid, full_name=name, birth_date=D(2002, 1, 1),
            residence_place_code="V1",
        )  # fmt: skip
        candidate_save(actor=SYSTEM, person_id=pid, cell_code="C1-A", added_on=D(2025, 9, 1))
        stage_event_save(
            actor=SYSTEM, person_id=pid, stage="working_away", date=went,
            location="KCN Yên Phong, Bắc Ninh",
        )  # fmt: skip
        if back:
            stage_event_save(actor=SYSTEM, person_id=pid, stage="returned", date=back)
    return world


def signed_in(client, username, language=None):
    client.cookies.clear()
    client.force_login(get_user_model().objects.get(username=username))
    if language:
        client.cookies["django_language"] = language
    return client


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def report(*args: str, lang: str = "en") -> str:
    out = io.StringIO()
    call_command("report", "away", *args, "--lang", lang, stdout=out)
    return out.getvalue()


def test_the_page_lists_members_and_candidates_away_and_counts_them(client, travellers):
    signed_in(client, "alice")
    page = client.get(f"/units/N1/away/?on={ON}")
    assert page.status_code == 200
    text = text_of(page)
    assert (
        "Ngày 01/06/2026 có 2 đảng viên và 1 quần chúng trong nguồn đi làm ăn xa; "
        "1 người đã quá hạn nhận xét hằng năm." in text
    )
    body = page.content.decode()
    # By cell (Vietnamese order: "thôn Đông" before "trường Tiểu học"), then by given name.
    order = [body.index(f'data-test="away-{pid}"') for pid in ("P-AN", "P-XA", "P-DUNG")]
    assert order == sorted(order)
    assert 'data-test="away-P-VE"' not in body  # back on 01/04/2026
    an_due = next_working_day(add_months(D(2025, 5, 5), 12))
    dung_due = next_working_day(add_months(D(2026, 3, 2), 12))
    row = body[body.index('data-test="away-P-AN"') :].split("</tr>")[0]
    assert "Hàn Quốc" in row and "(nước ngoài)" in row and "05/05/2025" in row
    assert f"{an_due:%d/%m/%Y}" in row and 'data-test="overdue"' in row
    row = body[body.index('data-test="away-P-DUNG"') :].split("</tr>")[0]
    assert "02/03/2026" in row and f"{dung_due:%d/%m/%Y}" in row and "overdue" not in row
    row = body[body.index('data-test="away-P-XA"') :].split("</tr>")[0]
    assert "KCN Yên Phong, Bắc Ninh" in row and "quần chúng" in row and "/candidates/P-XA/" in row
    counts = body[body.index('data-test="away-by-unit"') :]
    c1a = counts[counts.index('data-test="away-count-C1-A"') :].split("</tr>")[0]
    assert [c.split("<")[0] for c in c1a.split('class="num"')[1:]] == [
        ' data-label="Đảng viên">1',
        ' data-label="Quần chúng trong nguồn">1',
        ' data-label="Tổng số">2',
        ' data-label="Quá hạn nhận xét">1',
    ]


def test_a_district_sees_how_many_work_away_per_commune(client, travellers):
    signed_in(client, "vera")  # a viewer of the province
    text = text_of(client.get(f"/units/P/away/?on={BEFORE}"))
    assert "có 2 đảng viên và 0 quần chúng" in text
    body = client.get(f"/units/D1/away/?on={BEFORE}").content.decode()
    assert 'data-test="away-count-C1"' in body and 'data-test="away-P-AN"' in body
    assert 'data-test="away-P-LAN"' not in body
    data = json.loads(client.get(f"/units/P/away.json?on={BEFORE}").content)
    # In Vietnamese order of their names: "huyện Hai" before "huyện Một".
    assert [(u["unit"], u["members"], u["candidates"]) for u in data["by_unit"]] == [
        ("D2", 1, 0),
        ("D1", 1, 0),
    ]


def test_outside_the_scope_is_404_on_the_page_and_its_downloads(client, travellers):
    signed_in(client, "alice")
    for path in ("/units/C2/away/", "/units/C2/away.csv", "/units/NOPE/away/"):
        assert client.get(f"{path}?on={ON}").status_code == 404, path
    signed_in(client, "bob")
    body = client.get(f"/units/C2/away/?on={ON}").content.decode()
    assert 'data-test="away-P-LAN"' in body and "P-AN" not in body
    assert client.get(f"/units/N1/away/?on={ON}").status_code == 404
    assert client.get(f"/units/N1/away.pdf?on={ON}").status_code == 404


def test_the_list_comes_a_page_at_a_time(client, travellers, monkeypatch):
    monkeypatch.setattr(views, "AWAY_PAGE", 2)
    signed_in(client, "alice")
    first = client.get(f"/units/N1/away/?on={ON}").content.decode()
    second = client.get(f"/units/N1/away/?on={ON}&page=2").content.decode()
    assert first.count('data-test="away-P-') == 2 and second.count('data-test="away-P-') == 1
    assert 'data-test="pages"' in first
    # The counts stay whole below the list on every page.
    assert 'data-test="away-count-C1-B"' in second


def test_the_page_reads_a_fixed_number_of_queries(
    client, travellers, django_assert_max_num_queries
):
    signed_in(client, "alice")
    client.get(f"/units/N1/away/?on={ON}")
    with django_assert_max_num_queries(16):
        assert client.get(f"/units/N1/away/?on={ON}").status_code == 200
    for n in range(5):
        person = person_save(
            actor=SYSTEM, person_id=f"P-MORE{n}", full_name=f"Người {n}",
            birth_date=D(1990, 1, 1), residence_place_code="V1",
        )  # fmt: skip
        from ranks.people.services import membership_admit

        membership_admit(
            actor=SYSTEM, person=person, cell_code="C1-B", admission_decision_date=D(2015, 1, 1),
            ceremony_date=D(2015, 1, 10),
        )  # fmt: skip
        away(f"P-MORE{n}", D(2026, 1, 5), "province", "Hà Nội")
    with django_assert_max_num_queries(16):
        page = client.get(f"/units/N1/away/?on={ON}")
    assert page.content.decode().count('data-test="away-P-') == 8


def test_the_command_in_every_format(tmp_path, travellers):
    data = json.loads(report("--unit", "N1", "--on", "2026-06-01", "--format", "json"))
    assert [(p["kind"], p["person_id"], p["cell"]) for p in data["people"]] == [
        ("member", "P-AN", "C1-A"),
        ("candidate", "P-XA", "C1-A"),
        ("member", "P-DUNG", "C1-B"),
    ]
    an = data["people"][0]
    assert (an["where_kind"], an["where"], an["since"], an["last_comment"]) == (
        "country", "Hàn Quốc", "2025-05-05", None
    )  # fmt: skip
    assert an["next_due"] == next_working_day(add_months(D(2025, 5, 5), 12)).isoformat()
    assert an["overdue"] is True
    assert (data["members"], data["candidates"], data["overdue"]) == (2, 1, 1)
    csv = report("--unit", "N1", "--on", "2026-06-01", "--format", "csv").splitlines()
    assert csv[0].startswith("Name,Identifier,Member or candidate,Code of the unit below")
    assert csv[1].startswith("Nguyễn Văn An,P-AN,party member,C1-A,")
    assert ",abroad,Hàn Quốc,05/05/2025,," in csv[1] and csv[1].endswith(",yes")
    xlsx = tmp_path / "away.xlsx"
    report("--unit", "N1", "--on", "2026-06-01", "--output", str(xlsx), lang="vi")
    sheet = sheet_of(xlsx.read_bytes())
    values = row_values(sheet, find_row(sheet, "Đặng Thị Dung"))
    assert values[:4] == ["Đặng Thị Dung", "P-DUNG", "đảng viên", "C1-B"]
    assert "Bình Dương" in values and "02/03/2026" in values
    assert row_values(sheet, find_row(sheet, "C1-A"))[:6] == [
        "C1-A",
        "Chi bộ thôn Đông",
        1,
        1,
        2,
        1,
    ]
    pdf = tmp_path / "away.pdf"
    report("--unit", "N1", "--on", "2026-06-01", "--output", str(pdf), lang="vi")
    text = pdf_text(pdf.read_bytes())
    assert "ĐẢNG VIÊN, QUẦN CHÚNG TRONG NGUỒN ĐI LÀM ĂN XA" in text
    assert "Lò Thị Xa" in text and "Hàn Quốc" in text


def test_the_command_keeps_to_the_users_scope(travellers):
    with pytest.raises(CommandError) as refused:
        report("--unit", "C2", "--on", "2026-06-01", "--as", "alice")
    assert str(refused.value) == "Unknown unit code: C2."
    data = json.loads(report("--unit", "C2", "--on", "2026-06-01", "--as", "bob"))
    assert [p["person_id"] for p in data["people"]] == ["P-LAN"]
    with pytest.raises(CommandError) as refused:
        report("--unit", "N1", "--structure-on", "2026-06-01")
    assert str(refused.value) == "--structure-on does not apply to a away report."


def test_a_member_back_and_a_comment_after_the_day_are_not_read(travellers):
    absence_return(actor=SYSTEM, person_id="P-AN", ended_on=D(2026, 5, 4))
    data = json.loads(report("--unit", "N1", "--on", "2026-03-01"))
    dung = next(p for p in data["people"] if p["person_id"] == "P-DUNG")
    assert dung["last_comment"] is None  # recorded on 02/03/2026, after the day
    assert dung["next_due"] == next_working_day(add_months(D(2026, 1, 12), 12)).isoformat()
    later = json.loads(report("--unit", "N1", "--on", "2026-06-01"))
    assert "P-AN" not in [p["person_id"] for p in later["people"]]
