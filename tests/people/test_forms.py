"""The forms of people on the web: adding and editing a person with their places, a member's
transfer and leaving. Each refuses with the message of the imports and writes its audit entry."""

import datetime as dt

from django.contrib.auth import get_user_model

from ranks.core.clock import today
from ranks.core.models import AuditEntry
from ranks.people.models import Person, PersonPlace, Posting

D = dt.date


def signed_in(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def last_entry(action):
    return AuditEntry.objects.filter(action=action).order_by("seq").last()


NEW = {
    "person_id": "P-NEW",
    "full_name": "Lò Thị Hoa",
    "birth_date": "05/04/2001",
    "gender": "female",
    "occupation": "farmer",
    "residence_place_code": "V1",
}


def test_an_officer_adds_a_person_with_their_place(client, world):
    signed_in(client, "alice")
    page = client.get("/units/N1/people/new/").content.decode()
    assert "Thêm người" in page and "Thôn Đông" in page and 'name="ethnicity"' in page
    assert "Bản Nà" not in page  # another commune's village is not offered
    response = client.post("/units/N1/people/new/", {**NEW, "ethnicity": "Thái"})
    assert response.status_code == 302 and response.url == "/people/P-NEW/"
    person = Person.objects.get(person_id="P-NEW")
    assert (person.full_name, person.birth_date, person.ethnicity) == (
        "Lò Thị Hoa",
        D(2001, 4, 5),
        "Thái",
    )
    assert person.residence_place.code == "V1"
    entry = last_entry("ranks.people.person.created")
    assert (entry.actor, entry.object_id) == ("alice", "P-NEW")
    assert entry.after["full_name"] == "Lò Thị Hoa"
    assert "Đã thêm: Lò Thị Hoa." in client.get(response.url).content.decode()


def test_adding_a_person_is_refused_with_the_messages_of_the_import(client, world):
    signed_in(client, "alice")
    future = (today() + dt.timedelta(days=3)).isoformat()
    cases = [
        ({"birth_date": future}, "Ngày sinh nằm trong tương lai."),
        ({"person_id": "P-AN"}, "Đã có người mang mã định danh P-AN."),
        ({"residence_place_code": "V2"}, "Không tìm thấy mã địa bàn: V2."),
        ({"residence_place_code": "NO-SUCH"}, "Không tìm thấy mã địa bàn: NO-SUCH."),
        ({"residence_place_code": ""}, "Hãy chọn nơi cư trú hoặc nơi làm việc"),
        ({"places_from": future}, "Ngày chuyển đến là ngày trong tương lai."),
        ({"gender": "x"}, "x"),
    ]
    for change, message in cases:
        response = client.post("/units/N1/people/new/", {**NEW, **change})
        assert response.status_code == 200, change
        assert message in response.content.decode(), change
    assert not Person.objects.filter(person_id="P-NEW").exists()
    assert not AuditEntry.objects.filter(
        action="ranks.people.person.created", actor="alice"
    ).exists()


def test_a_viewer_or_a_stranger_may_not_add(client, world):
    signed_in(client, "vera")
    assert client.get("/units/C1/people/new/").status_code == 403
    assert client.post("/units/C1/people/new/", NEW).status_code == 403
    signed_in(client, "bob")
    assert client.post("/units/N1/people/new/", NEW).status_code == 404
    assert not Person.objects.filter(person_id="P-NEW").exists()


def test_an_officer_edits_a_person_and_dates_their_move(client, world):
    signed_in(client, "alice")
    page = client.get("/people/P-DUNG/edit/").content.decode()
    assert 'value="Đặng Thị Dung"' in page
    assert 'name="religion"' not in page  # the sensitive fields only on request
    response = client.post(
        "/people/P-DUNG/edit/",
        {
            "full_name": "Đặng Thị Dung",
            "birth_date": "1995-02-03",
            "gender": "female",
            "residence_place_code": "V1",
            "workplace_place_code": "S1",
            "places_from": "01/09/2026",
            "phone": "0912345678",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get(person_id="P-DUNG")
    assert person.workplace_place.code == "S1" and person.phone == "0912345678"
    assert person.religion == "Công giáo"  # not in the form: left as it was
    work = PersonPlace.objects.get(person=person, role="workplace")
    assert work.valid_from == D(2026, 9, 1)
    entry = last_entry("ranks.people.person.updated")
    assert (entry.actor, entry.object_id) == ("alice", "P-DUNG")
    assert entry.before["phone"] == "" and entry.after["phone"] == "0912345678"
    text = client.get("/people/P-DUNG/").content.decode()
    assert "Trường Tiểu học Một" in text and "01/09/2026" in text


def test_moving_home_closes_the_old_period(client, world):
    signed_in(client, "alice")
    data = {"full_name": "Nguyễn Văn An", "birth_date": "1990-05-01", "gender": "male"}
    client.post(
        "/people/P-AN/edit/", {**data, "residence_place_code": "S1", "places_from": "2026-02-01"}
    )
    periods = sorted(
        PersonPlace.objects.filter(person__person_id="P-AN", role="residence"),
        key=lambda p: p.valid_from or D.min,  # the first place has no known start
    )
    assert [(p.place.code, p.valid_to) for p in periods] == [
        ("V1", D(2026, 1, 31)),
        ("S1", None),
    ]
    response = client.post(
        "/people/P-AN/edit/", {**data, "residence_place_code": "V2", "places_from": "2026-03-01"}
    )
    assert "Không tìm thấy mã địa bàn: V2." in response.content.decode()


def test_sensitive_fields_are_edited_under_the_grant_and_each_read_is_logged(client, world):
    signed_in(client, "alice")
    reads = AuditEntry.objects.filter(action="ranks.people.person.sensitive_read").count()
    page = client.get("/people/P-AN/edit/?show=sensitive").content.decode()
    assert 'value="030090000001"' in page
    assert (
        AuditEntry.objects.filter(action="ranks.people.person.sensitive_read").count() == reads + 1
    )
    client.post(
        "/people/P-AN/edit/?show=sensitive",
        {
            "full_name": "Nguyễn Văn An",
            "birth_date": "1990-05-01",
            "residence_place_code": "V1",
            "ethnicity": "Kinh",
            "religion": "Phật giáo",
            "national_id": "030090000001",
        },
    )
    assert Person.objects.get(person_id="P-AN").religion == "Phật giáo"
    # Bob's grant is not sensitive: no such fields, asked for or not, and nothing read.
    signed_in(client, "bob")
    page = client.get("/people/P-LAN/edit/?show=sensitive").content.decode()
    assert "030088000002" not in page and 'name="national_id"' not in page
    client.post(
        "/people/P-LAN/edit/?show=sensitive",
        {
            "full_name": "Nguyễn Văn Lan",
            "birth_date": "1988-08-08",
            "residence_place_code": "V2",
            "national_id": "1",
        },
    )
    assert Person.objects.get(person_id="P-LAN").national_id == "030088000002"


def test_editing_needs_the_officer_role(client, world):
    signed_in(client, "vera")
    assert client.get("/people/P-LAN/").status_code == 200
    assert client.get("/people/P-LAN/edit/").status_code == 403
    signed_in(client, "bob")
    assert client.get("/people/P-AN/edit/").status_code == 404


def test_an_officer_transfers_a_member_between_cells(client, world):
    signed_in(client, "alice")
    page = client.get("/people/P-AN/transfer/").content.decode()
    assert "Chi bộ trường Tiểu học" in page  # the other cell of the commune is offered
    response = client.post("/people/P-AN/transfer/", {"date": "01/10/2026", "cell_code": "C1-B"})
    assert response.status_code == 302
    postings = list(Posting.objects.filter(person__person_id="P-AN").order_by("valid_from"))
    assert [(p.cell.code, p.valid_to) for p in postings] == [
        ("C1-A", D(2026, 9, 30)),
        ("C1-B", None),
    ]
    entry = last_entry("ranks.people.membership.transferred")
    assert (entry.actor, entry.object_id, entry.after["cell"]) == ("alice", "P-AN", "C1-B")
    assert "Đã chuyển sinh hoạt từ ngày 01/10/2026." in client.get("/people/P-AN/").content.decode()


def test_a_transfer_is_refused_with_the_services_messages(client, world):
    signed_in(client, "alice")
    cases = [
        (
            {"date": "2015-03-01", "cell_code": "C1-B"},
            "Ngày chuyển sinh hoạt phải sau ngày đảng viên",
        ),
        (
            {"date": "2026-10-01", "cell_code_other": "C1-A"},
            "Đảng viên đã sinh hoạt tại chi bộ đó.",
        ),
        ({"date": "2026-10-01", "cell_code_other": "C2-A"}, "Không tìm thấy mã chi bộ: C2-A."),
        ({"date": "2026-10-01", "cell_code_other": "N1"}, "không phải chi bộ"),
        ({"date": "2026-10-01"}, "Hãy chọn chi bộ mà đảng viên chuyển đến."),
        ({"date": "hôm qua", "cell_code": "C1-B"}, "hôm qua"),
    ]
    for data, message in cases:
        response = client.post("/people/P-AN/transfer/", data)
        assert response.status_code == 200, data
        assert message in response.content.decode(), (data, message)
    assert Posting.objects.filter(person__person_id="P-AN").count() == 1
    assert not AuditEntry.objects.filter(action="ranks.people.membership.transferred").exists()


def test_an_officer_records_a_leaving(client, world):
    signed_in(client, "alice")
    page = client.get("/people/P-DUNG/leave/").content.decode()
    assert '<option value="death">từ trần</option>' in page
    cases = [
        (
            {"date": (today() + dt.timedelta(days=2)).isoformat(), "reason": "death"},
            "Ngày ra khỏi danh sách nằm trong tương lai.",
        ),
        (
            {"date": "2024-01-01", "reason": "death"},
            "Ngày ra khỏi danh sách trước ngày quyết định kết nạp.",
        ),
        ({"date": "2026-01-01", "reason": "holiday"}, "holiday"),
    ]
    for data, message in cases:
        response = client.post("/people/P-DUNG/leave/", data)
        assert message in response.content.decode(), data
    assert not AuditEntry.objects.filter(action="ranks.people.membership.ended").exists()
    response = client.post("/people/P-DUNG/leave/", {"date": "2026-06-30", "reason": "removal"})
    assert response.status_code == 302
    membership = Person.objects.get(person_id="P-DUNG").memberships.get()
    assert (membership.left_date, membership.left_reason) == (D(2026, 6, 30), "removal")
    entry = last_entry("ranks.people.membership.ended")
    assert (entry.actor, entry.after["left_reason"]) == ("alice", "removal")
    # No longer a member: the forms say so, and the register no longer lists her.
    assert client.get("/people/P-DUNG/leave/").status_code == 403
    assert "P-DUNG" not in client.get("/units/N1/members/").content.decode()


def test_moving_a_member_needs_the_officer_role_over_their_cell(client, world):
    signed_in(client, "vera")
    assert client.get("/people/P-LAN/transfer/").status_code == 403
    assert (
        client.post("/people/P-LAN/leave/", {"date": "2026-01-01", "reason": "death"}).status_code
        == 403
    )
    signed_in(client, "bob")
    assert (
        client.post("/people/P-AN/leave/", {"date": "2026-01-01", "reason": "death"}).status_code
        == 404
    )
    assert not AuditEntry.objects.filter(action="ranks.people.membership.ended").exists()
    text = client.get("/people/P-LAN/").content.decode()
    assert 'data-test="transfer"' in text and 'data-test="edit-person"' in text
    signed_in(client, "vera")
    text = client.get("/people/P-LAN/").content.decode()
    assert 'data-test="transfer"' not in text and 'data-test="edit-person"' not in text


def test_beyond_the_places_listed_a_place_code_is_typed(client, world, monkeypatch):
    monkeypatch.setattr("ranks.people.forms.PLACES_OFFERED_LIMIT", 1)
    signed_in(client, "alice")
    page = client.get("/units/N1/people/new/").content.decode()
    assert '<input type="text" name="residence_place_code"' in page
    response = client.post("/units/N1/people/new/", {**NEW, "residence_place_code": "V2"})
    assert "Không tìm thấy mã địa bàn: V2." in response.content.decode()
    response = client.post("/units/N1/people/new/", {**NEW, "residence_place_code": "S1"})
    assert response.status_code == 302
    assert Person.objects.get(person_id="P-NEW").residence_place.code == "S1"


def test_the_forms_queries_do_not_grow_with_the_members(
    client, world, django_assert_max_num_queries
):
    from tests.people.test_register import add_members

    signed_in(client, "alice")
    urls = (
        "/units/N1/people/new/",
        "/people/P-AN/edit/",
        "/people/P-AN/transfer/",
        "/people/P-AN/leave/",
    )
    for url in urls:
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200
    add_members(20)
    for url in urls:
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200
