"""A member working away, as a cell secretary records it: the start and the return on the
member's page, what the person page and the cell's members page then show, every refusal in
Vietnamese and in English, who may record, the audit log, and the basis a device compares."""

import datetime as dt
import html

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from ranks.core.actor import SYSTEM, Actor
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from ranks.people.absences import absence_return, absence_start
from ranks.people.forms import AbsenceForm, ReturnForm
from ranks.people.models import Absence
from ranks.people.selectors import absence_basis, absence_open_for, absences_of
from ranks.people.services import person_save

D = dt.date
AWAY = {
    "started_on": "2026-01-10",
    "where_kind": "province",
    "where": "Bình Dương",
    "contact": "Zalo 0912 345 678",
    "note": "Làm công nhân",
}


def user(name):
    return get_user_model().objects.get(username=name)


def signed_in(client, username, language=None):
    client.cookies.clear()
    client.force_login(user(username))
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def start(**overrides):
    arguments = {
        "actor": SYSTEM,
        "person_id": "P-AN",
        "started_on": D(2026, 1, 10),
        "where_kind": "province",
        "where": "Bình Dương",
        **overrides,
    }
    return absence_start(**arguments)


# --- the pages --------------------------------------------------------------------------------


def test_an_officer_records_working_away_then_the_return(client, world):
    signed_in(client, "alice")
    page = client.get("/people/P-AN/")
    assert 'data-test="record-away"' in page.content.decode()
    form = client.get("/people/P-AN/away/")
    assert form.status_code == 200
    assert "Đi làm ăn xa ở" in text_of(form)

    answer = client.post("/people/P-AN/away/", AWAY)
    assert answer.status_code == 302 and answer.url == "/people/P-AN/"
    text = text_of(client.get(answer.url))
    assert "Đã ghi nhận: đi làm ăn xa từ ngày 10/01/2026." in text
    assert "Bình Dương (tỉnh, thành phố khác)" in text
    assert "10/01/2026 – <strong>vẫn đang ở xa</strong>" in text
    assert "Zalo 0912 345 678" in text
    assert 'data-test="record-return"' in text and 'data-test="record-away"' not in text

    members = text_of(client.get("/units/C1-A/members/"))
    row = members.split('data-test="row-P-AN"')[1].split("</tr>")[0]
    assert 'data-test="away"' in row and "đi làm ăn xa" in row

    form = client.get("/people/P-AN/return/")
    assert "Đang đi làm ăn xa ở Bình Dương (tỉnh, thành phố khác) từ ngày 10/01/2026." in (
        text_of(form)
    )
    answer = client.post("/people/P-AN/return/", {"ended_on": "2026-03-01", "note": "Đã về"})
    assert answer.status_code == 302
    text = text_of(client.get(answer.url))
    assert "Đã ghi nhận: trở về ngày 01/03/2026." in text
    assert "10/01/2026 – 01/03/2026" in text and "vẫn đang ở xa" not in text
    assert 'data-test="record-away"' in text
    assert 'data-test="away"' not in text_of(client.get("/units/C1-A/members/"))
    # On a day within the absence the register still marks the member as away.
    past = text_of(client.get("/units/C1-A/members/?on=2026-02-01"))
    assert 'data-test="away"' in past.split('data-test="row-P-AN"')[1].split("</tr>")[0]

    absence = Absence.objects.get()
    assert (absence.cell.code, absence.where, absence.ended_on) == (
        "C1-A",
        "Bình Dương",
        D(2026, 3, 1),
    )
    assert absence.note == "Làm công nhân\nĐã về"


def test_the_pages_in_english(client, world):
    signed_in(client, "alice", "en")
    client.post("/people/P-AN/away/", {**AWAY, "where_kind": "country", "where": "Hàn Quốc"})
    text = text_of(client.get("/people/P-AN/"))
    assert "Recorded: working away from 10/01/2026." in text
    assert "Hàn Quốc (abroad)" in text and "still away" in text
    assert "Record the return" in text


def test_the_members_page_reads_the_absences_in_one_query(client, world):
    start()
    start(person_id="P-DUNG", where_kind="enterprise", where="Công ty May Hưng Yên")
    signed_in(client, "alice")
    with CaptureQueriesContext(connection) as queries:
        text = client.get("/units/N1/members/?on=2026-06-01").content.decode()
    assert text.count('data-test="away"') == 2
    assert sum("people_absence" in q["sql"] for q in queries.captured_queries) == 1


PAGE_REFUSALS = [
    # (path, body, Vietnamese message, English message)
    (
        "away",
        {**AWAY, "started_on": "2014-01-01"},
        "Nguyễn Văn An không phải là đảng viên sinh hoạt tại một chi bộ vào ngày 01/01/2014.",
        "Nguyễn Văn An is not a party member in a cell on 01/01/2014.",
    ),
    (
        "away",
        {**AWAY, "started_on": (today() + dt.timedelta(days=1)).isoformat()},
        "Ngày {} là ngày trong tương lai.".format(
            (today() + dt.timedelta(days=1)).strftime("%d/%m/%Y")
        ),
        "The date {} is in the future.".format(
            (today() + dt.timedelta(days=1)).strftime("%d/%m/%Y")
        ),
    ),
    (
        "away",
        {**AWAY, "where_kind": "moon"},
        "moon không phải giá trị hợp lệ. Các giá trị hợp lệ: province, country, enterprise.",
        "moon is not an allowed value. Allowed: province, country, enterprise.",
    ),
    (
        "return",
        {"ended_on": "2026-03-01"},
        "Nguyễn Văn An chưa được ghi nhận đi làm ăn xa.",
        "Nguyễn Văn An is not recorded as working away.",
    ),
]


@pytest.mark.parametrize(("path", "body", "vietnamese", "english"), PAGE_REFUSALS)
def test_a_refusal_on_the_page_in_both_languages(client, world, path, body, vietnamese, english):
    for language, message in (("vi", vietnamese), ("en", english)):
        signed_in(client, "alice", language)
        page = client.post(f"/people/P-AN/{path}/", body)
        assert page.status_code == 200
        assert message in text_of(page), (language, message)
    assert not Absence.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="ranks.people.absence.").exists()


def test_refusals_once_an_absence_is_recorded(client, world):
    start(where="Bình Dương")
    cases = [
        (
            "away",
            {**AWAY, "started_on": "2026-02-01"},
            "Nguyễn Văn An đã được ghi nhận đi làm ăn xa từ ngày 10/01/2026.",
            "Nguyễn Văn An is already recorded as working away since 10/01/2026.",
        ),
        (
            "return",
            {"ended_on": "2026-01-09"},
            "Ngày trở về trước ngày bắt đầu đi làm ăn xa (10/01/2026).",
            "The return is dated before the start of the working away (10/01/2026).",
        ),
    ]
    for path, body, vietnamese, english in cases:
        for language, message in (("vi", vietnamese), ("en", english)):
            signed_in(client, "alice", language)
            assert message in text_of(client.post(f"/people/P-AN/{path}/", body)), message
    absence_return(actor=SYSTEM, person_id="P-AN", ended_on=D(2026, 3, 1))
    for started_on in ("2026-02-01", "2025-12-01"):
        for language, message in (
            (
                "vi",
                "Thời gian này trùng với lần đi làm ăn xa đã ghi nhận từ 10/01/2026 đến "
                "01/03/2026: lần mới phải bắt đầu từ ngày trở về trở đi.",
            ),
            (
                "en",
                "This overlaps the working away already recorded from 10/01/2026 to "
                "01/03/2026: the new one must start on or after the return.",
            ),
        ):
            signed_in(client, "alice", language)
            body = {**AWAY, "started_on": started_on}
            assert message in text_of(client.post("/people/P-AN/away/", body)), started_on
    assert Absence.objects.count() == 1
    # From the day of the return on, a new time away may start.
    signed_in(client, "alice")
    assert (
        client.post("/people/P-AN/away/", {**AWAY, "started_on": "2026-03-01"}).status_code == 302
    )


def test_a_blank_place_is_refused_by_the_form(client, world):
    signed_in(client, "alice")
    page = client.post("/people/P-AN/away/", {**AWAY, "where": "  "})
    assert page.status_code == 200 and 'data-test="field-where"' in page.content.decode()
    assert not Absence.objects.exists()


def test_a_viewer_is_refused_and_the_other_commune_gets_404(client, world):
    signed_in(client, "vera")
    page = client.get("/people/P-AN/")
    assert page.status_code == 200
    assert "record-away" not in page.content.decode()
    for path in ("away", "return"):
        refused = client.get(f"/people/P-AN/{path}/")
        assert refused.status_code == 403
        assert "Ghi nhận đảng viên đi làm ăn xa hoặc trở về cần vai trò cán bộ" in text_of(refused)
        assert client.post(f"/people/P-AN/{path}/", AWAY).status_code == 403
    signed_in(client, "bob")
    for path in ("away", "return"):
        assert client.get(f"/people/P-AN/{path}/").status_code == 404
        assert client.post(f"/people/P-AN/{path}/", AWAY).status_code == 404
    assert not Absence.objects.exists()


def test_a_person_who_is_no_member_is_refused(client, world):
    person_save(
        actor=SYSTEM,
        person_id="P-NEW",
        full_name="Vũ Thị Mới",
        birth_date=D(2000, 1, 1),
        residence_place_code="V1",
    )
    signed_in(client, "alice")
    refused = client.get("/people/P-NEW/away/")
    assert refused.status_code == 403
    assert "Người này hiện không phải là đảng viên." in text_of(refused)
    with pytest.raises(DomainError) as error:
        start(person_id="P-NEW")
    assert error.value.field == "started_on"


# --- the services -----------------------------------------------------------------------------


def test_the_start_and_the_return_are_audited(world):
    alice = Actor.for_user(user("alice"))
    absence = start(actor=alice, contact=" Zalo ", note="")
    entry = AuditEntry.objects.get(action="ranks.people.absence.started")
    assert (entry.actor, entry.object_type, entry.object_id) == ("alice", "person", "P-AN")
    assert entry.after["cell"] == "C1-A" and entry.after["where"] == "Bình Dương"
    assert entry.after["contact"] == "Zalo" and entry.before is None
    absence_return(actor=alice, person_id="P-AN", ended_on=D(2026, 2, 1), note="về quê")
    entry = AuditEntry.objects.get(action="ranks.people.absence.returned")
    assert entry.before["ended_on"] is None and entry.after["ended_on"] == "2026-02-01"
    assert entry.after["id"] == absence.pk


def test_the_actor_must_be_an_officer_of_the_members_cell(world):
    for name in ("bob", "vera"):
        with pytest.raises(DomainError) as error:
            start(actor=Actor.for_user(user(name)))
        assert error.value.code == "permission_denied"
    assert not Absence.objects.exists()


def test_every_refusal_names_its_field(world):
    future = today() + dt.timedelta(days=1)
    cases = [
        ({"started_on": future}, "started_on"),
        ({"started_on": D(2014, 1, 1)}, "started_on"),
        ({"where_kind": "moon"}, "where_kind"),
        ({"where": " "}, "where"),
        ({"person_id": "P-NOBODY"}, "person_id"),
    ]
    for overrides, field in cases:
        with pytest.raises(DomainError) as error:
            start(**overrides)
        assert error.value.field == field, overrides
    with translation.override("en"), pytest.raises(DomainError) as error:
        start(where="")
    assert str(error.value) == "Say where the member works."
    with pytest.raises(DomainError) as error:
        absence_return(actor=SYSTEM, person_id="P-AN", ended_on=future)
    assert error.value.field == "ended_on"


def test_a_member_who_moved_while_away_returns_in_the_new_cell(world):
    from ranks.people.services import membership_transfer

    start()
    membership_transfer(
        actor=SYSTEM,
        membership=world.people["an"].memberships.get(),
        to_cell_code="C1-B",
        on=D(2026, 2, 1),
    )
    absence = absence_return(actor=SYSTEM, person_id="P-AN", ended_on=D(2026, 3, 1))
    assert absence.cell.code == "C1-A"  # the cell of the first day away


# --- the selectors ----------------------------------------------------------------------------


def test_the_basis_changes_with_every_write(world):
    nothing = absence_basis("P-AN")
    assert nothing == absence_basis("P-NOBODY") and len(nothing) == 16
    first = start()
    started = absence_basis("P-AN")
    assert started != nothing and started == absence_basis("P-AN")
    absence_return(actor=SYSTEM, person_id="P-AN", ended_on=D(2026, 2, 1))
    returned = absence_basis("P-AN")
    assert returned != started
    Absence.objects.filter(pk=first.pk).update(contact="điện thoại")
    assert absence_basis("P-AN") not in (nothing, started, returned)
    start(started_on=D(2026, 3, 1))
    assert len({nothing, started, returned, absence_basis("P-AN")}) == 4


def test_the_absences_newest_first_and_those_open(world):
    start(started_on=D(2025, 9, 1))
    absence_return(actor=SYSTEM, person_id="P-AN", ended_on=D(2025, 10, 1))
    latest = start(started_on=D(2026, 1, 10), where_kind="country", where="Nhật Bản")
    assert [a.started_on for a in absences_of(world.people["an"])] == [
        D(2026, 1, 10),
        D(2025, 9, 1),
    ]
    assert absence_open_for(["P-AN", "P-DUNG", "P-LAN"]) == {"P-AN": latest}
    assert set(absence_open_for(["P-AN"], on=D(2025, 9, 15))) == {"P-AN"}
    assert absence_open_for(["P-AN"], on=D(2025, 10, 1)) == {}  # back that day
    assert absence_open_for([]) == {}


def test_the_forms_give_the_services_arguments():
    form = AbsenceForm({**AWAY, "where": " Bình Dương ", "contact": ""})
    assert form.is_valid(), form.errors
    assert form.service_arguments() == {
        "started_on": D(2026, 1, 10),
        "where_kind": "province",
        "where": "Bình Dương",
        "contact": "",
        "note": "Làm công nhân",
    }
    form = ReturnForm({"ended_on": "01/03/2026"})
    assert form.is_valid(), form.errors
    assert form.service_arguments() == {"ended_on": D(2026, 3, 1), "note": ""}
    assert not ReturnForm({}).is_valid()
