"""A manager changes a unit (name, whether it decides admissions, area flags) and a place from a
date on the web: each change through `org.services`, audited, refused with the services' messages;
a viewer or officer of the unit gets 403, anybody outside it 404."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM
from ranks.core.models import AuditEntry
from ranks.org.models import PlaceVersion, UnitVersion
from tests.factories import make_user


@pytest.fixture
def managers(world):
    """minh manages the new commune N1 (with sensitive data), tam the commune C2."""
    make_user("minh")
    make_user("tam")
    grant_role(actor=SYSTEM, username="minh", role="manager", unit_code="N1", sensitive=True)
    grant_role(actor=SYSTEM, username="tam", role="manager", unit_code="C2")
    return world


def signed_in(client, username, language="en"):
    client.force_login(get_user_model().objects.get(username=username))
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client


def periods(code):
    return [
        (v.valid_from, v.valid_to, v.name, v.can_admit, v.area_flags)
        for v in UnitVersion.objects.filter(unit__code=code).order_by("valid_from")
    ]


def place_periods(code):
    return [
        (
            v.valid_from,
            v.valid_to,
            v.name,
            v.kind,
            v.unit.code,
            sorted(c.code for c in v.cells.all()),
        )
        for v in PlaceVersion.objects.filter(place__code=code).order_by("valid_from")
    ]


def last_entries(n):
    return [
        (e.action, e.object_id, e.actor, e.channel)
        for e in reversed(AuditEntry.objects.order_by("-seq")[:n])
    ]


# --- a unit -----------------------------------------------------------------------------------


def test_a_manager_renames_a_cell_from_a_date(client, managers):
    signed_in(client, "minh")
    form = client.get("/units/C1-A/edit/?on=2026-01-01").content.decode()
    assert 'value="Chi bộ thôn Đông"' in form and 'value="2026-01-01"' in form
    response = client.post(
        "/units/C1-A/edit/?on=2026-01-01",
        {"on": "01/01/2026", "name": "Chi bộ thôn Đông Mới", "area_flags": ["mountainous"]},
    )
    assert response.status_code == 302
    assert periods("C1-A") == [
        (dt.date(2000, 1, 1), dt.date(2025, 6, 30), "Chi bộ thôn Đông", False, []),
        (dt.date(2025, 7, 1), dt.date(2025, 12, 31), "Chi bộ thôn Đông", False, []),
        (dt.date(2026, 1, 1), None, "Chi bộ thôn Đông Mới", False, ["mountainous"]),
    ]
    assert last_entries(2) == [
        ("ranks.org.unit.version_updated", "C1-A", "minh", "web"),
        ("ranks.org.unit.version_created", "C1-A", "minh", "web"),
    ]
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.after["name"] == "Chi bộ thôn Đông Mới" and entry.before is None
    saved = client.get(response.url).content.decode()
    assert "Saved: the unit from 01/01/2026." in saved
    # The unit page shows the name of the date asked for, and the rename in its history.
    assert "Chi bộ thôn Đông Mới" in client.get("/units/C1-A/?on=2026-06-01").content.decode()
    page = client.get("/units/C1-A/?on=2025-09-01").content.decode()
    assert "<h1>Chi bộ thôn Đông</h1>" in page and "Chi bộ thôn Đông → Chi bộ thôn Đông Mới" in page


def test_a_change_on_the_first_day_of_a_period_corrects_it(client, managers):
    signed_in(client, "minh")
    client.post("/units/N1/edit/", {"on": "2025-07-01", "name": "Đảng bộ xã Mới", "can_admit": ""})
    assert periods("N1") == [(dt.date(2025, 7, 1), None, "Đảng bộ xã Mới", False, [])]
    assert last_entries(1) == [("ranks.org.unit.version_updated", "N1", "minh", "web")]
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.before["can_admit"], entry.after["can_admit"]) == (True, False)


def test_nothing_changed_writes_nothing(client, managers):
    signed_in(client, "minh")
    count = AuditEntry.objects.count()
    response = client.post(
        "/units/N1/edit/",
        {"on": "2026-01-01", "name": "Đảng bộ xã Mới", "can_admit": "on"},
        follow=True,
    )
    assert "Nothing changed." in response.content.decode()
    assert AuditEntry.objects.count() == count and len(periods("N1")) == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"on": "2026-01-01", "name": "  "}, "A unit needs a name."),
        ({"on": "2020-01-01", "name": "X"}, "The unit does not exist on 2020-01-01."),
        ({"on": "31/02/2026", "name": "X"}, "Not a date: 31/02/2026."),
        ({"on": "2026-01-01", "name": "X", "area_flags": ["volcanic"]}, "volcanic"),
    ],
)
def test_refusals_change_nothing(client, managers, data, message):
    signed_in(client, "minh")
    before, count = periods("N1"), AuditEntry.objects.count()
    response = client.post("/units/N1/edit/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert periods("N1") == before and AuditEntry.objects.count() == count


def test_the_refusal_is_in_vietnamese(client, managers):
    signed_in(client, "minh", "vi")
    text = client.post("/units/N1/edit/", {"on": "2026-01-01", "name": ""}).content.decode()
    assert "Tổ chức đảng phải có tên." in text
    assert "Sửa tổ chức đảng" in text and "Có hiệu lực từ ngày" in text


def test_an_officer_or_viewer_gets_403_and_outsiders_404(client, managers):
    signed_in(client, "alice")  # officer at N1
    refused = client.get("/units/C1-A/edit/")
    assert refused.status_code == 403
    assert "Changing a unit needs the manager role for it." in refused.content.decode()
    assert client.post("/units/C1-A/edit/", {"on": "2026-01-01", "name": "X"}).status_code == 403
    signed_in(client, "vera")  # viewer at the province
    assert client.get("/units/C1/edit/").status_code == 403
    signed_in(client, "tam")  # manager of another commune
    assert client.get("/units/C1-A/edit/").status_code == 404
    assert client.post("/units/C1-A/edit/", {"on": "2026-01-01", "name": "X"}).status_code == 404
    assert client.get("/units/NOPE/edit/").status_code == 404
    assert periods("C1-A")[-1][2] == "Chi bộ thôn Đông"


def test_only_managers_see_the_links(client, managers):
    signed_in(client, "minh")
    page = client.get("/units/N1/").content.decode()
    assert 'data-test="edit-unit"' in page and 'data-test="grants-link"' in page
    assert 'data-test="edit-place-V1"' in page
    signed_in(client, "alice")
    page = client.get("/units/N1/").content.decode()
    assert 'data-test="edit-unit"' not in page and 'data-test="edit-place-V1"' not in page
    assert 'data-test="grants-link"' not in page


# --- a place ----------------------------------------------------------------------------------


def test_a_manager_changes_a_place_from_a_date(client, managers):
    signed_in(client, "minh")
    form = client.get("/places/V1/edit/?on=2026-01-01").content.decode()
    # The cells below the place's unit are offered, the one based there ticked.
    assert 'value="C1-A"' in form and 'value="C1-B"' in form and "checked" in form
    response = client.post(
        "/places/V1/edit/",
        {
            "on": "2026-03-01",
            "name": "Thôn Đông Một",
            "kind": "village",
            "unit_code": "N1",
            "cell_codes": ["C1-A", "C1-B"],
            "area_flags": ["border"],
        },
        follow=True,
    )
    assert "Saved: the place from 01/03/2026." in response.content.decode()
    assert place_periods("V1")[1:] == [
        (dt.date(2025, 7, 1), dt.date(2026, 2, 28), "Thôn Đông", "village", "N1", ["C1-A"]),
        (dt.date(2026, 3, 1), None, "Thôn Đông Một", "village", "N1", ["C1-A", "C1-B"]),
    ]
    assert last_entries(2) == [
        ("ranks.org.place.version_updated", "V1", "minh", "web"),
        ("ranks.org.place.version_created", "V1", "minh", "web"),
    ]
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.after["cells"] == ["C1-A", "C1-B"] and entry.after["area_flags"] == ["border"]


def test_a_place_cannot_move_outside_the_managers_units(client, managers):
    signed_in(client, "minh")
    before, count = place_periods("V1"), AuditEntry.objects.count()
    data = {"on": "2026-03-01", "name": "Thôn Đông", "kind": "village", "unit_code": "C2"}
    text = client.post("/places/V1/edit/", data).content.decode()
    assert "Unknown unit code: C2." in text
    text = client.post("/places/V1/edit/", {**data, "unit_code": "N1", "kind": "castle"}).content
    assert b"Select a valid choice" in text
    text = client.post("/places/V1/edit/", {**data, "unit_code": "N1", "on": "1999-01-01"})
    assert "The place does not exist on 1999-01-01." in text.content.decode()
    assert place_periods("V1") == before and AuditEntry.objects.count() == count


def test_place_access(client, managers):
    signed_in(client, "alice")  # officer where V1 is
    refused = client.get("/places/V1/edit/")
    assert refused.status_code == 403
    assert "Changing a place needs the manager role for its unit." in refused.content.decode()
    signed_in(client, "tam")
    assert client.get("/places/V1/edit/").status_code == 404
    assert client.get("/places/NOPE/edit/").status_code == 404
    assert client.get("/places/V2/edit/").status_code == 200


def test_the_edit_pages_read_a_bounded_number_of_queries(
    client, managers, django_assert_max_num_queries
):
    signed_in(client, "minh")
    with django_assert_max_num_queries(25):
        assert client.get("/units/C1-A/edit/").status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get("/places/V1/edit/").status_code == 200


def test_the_blank_places_link_to_the_place_form_for_managers(client, managers):
    from ranks.org.services import place_version_save

    place_version_save(
        actor=SYSTEM,
        code="V9",
        name="Bản Trắng",
        kind="village",
        unit_code="C2",
        valid_from=dt.date(2020, 1, 1),
    )
    signed_in(client, "tam")
    text = client.get("/units/C2/coverage/").content.decode()
    assert 'data-test="blank-V9"' in text and 'data-test="edit-place-V9"' in text
    assert client.get("/places/V9/edit/").status_code == 200
    signed_in(client, "bob")
    text = client.get("/units/C2/coverage/").content.decode()
    assert 'data-test="blank-V9"' in text and 'data-test="edit-place-V9"' not in text
