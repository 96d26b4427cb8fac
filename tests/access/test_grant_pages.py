"""The grants page of a unit: a manager lists the grants at it and below, grants a role and
revokes one, within their own units, through `access.services` (the same rules and messages as
`ranks grant --as`), each change audited."""

import pytest
from django.contrib.auth import get_user_model

from ranks.access.models import Grant
from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM
from ranks.core.models import AuditEntry
from tests.factories import make_user


@pytest.fixture
def managers(world):
    """minh manages the new commune N1 with sensitive data; tam manages C2 without; carol has
    no grant yet."""
    for name in ("minh", "tam", "carol"):
        make_user(name)
    grant_role(actor=SYSTEM, username="minh", role="manager", unit_code="N1", sensitive=True)
    grant_role(actor=SYSTEM, username="tam", role="manager", unit_code="C2")
    return world


def signed_in(client, username, language="en"):
    client.force_login(get_user_model().objects.get(username=username))
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client


def grants_of(username):
    return sorted(
        (g.unit.code, g.role, g.sensitive) for g in Grant.objects.filter(user__username=username)
    )


def grant(client, code, **data):
    return client.post(
        f"/units/{code}/grants/", {"action": "grant", "role": "viewer", **data}, follow=True
    )


def test_the_page_lists_the_grants_at_the_unit_and_below(client, managers):
    text = signed_in(client, "minh").get("/units/N1/grants/").content.decode()
    assert 'data-test="grant-alice-N1"' in text and 'data-test="grant-minh-N1"' in text
    # Not those elsewhere, nor those at the old commune C1 (a unit N1 never had below it).
    assert "grant-bob-C2" not in text and "grant-alice-C1" not in text and "grant-vera" not in text
    assert 'data-test="grants-count">(2)<' in text
    # One's own grant cannot be revoked here.
    assert 'data-test="revoke-alice-N1"' in text and 'data-test="revoke-minh-N1"' not in text


def test_a_manager_grants_a_role_below_and_it_is_audited(client, managers):
    response = grant(signed_in(client, "minh"), "N1", username="carol", unit_code="C1-A")
    text = response.content.decode()
    assert "carol is now viewer at C1-A." in text
    assert 'data-test="grant-carol-C1-A"' in text and "Chi bộ thôn Đông" in text
    assert grants_of("carol") == [("C1-A", "viewer", False)]
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.object_id, entry.actor, entry.channel) == (
        "ranks.access.grant.saved",
        "carol@C1-A",
        "minh",
        "web",
    )
    assert entry.before is None and entry.after == {"role": "viewer", "sensitive": False}
    assert Grant.objects.get(user__username="carol").granted_by == "minh"


def test_a_manager_with_sensitive_data_gives_it(client, managers):
    text = grant(
        signed_in(client, "minh"),
        "N1",
        username="carol",
        unit_code="N1",
        role="officer",
        sensitive="on",
    ).content.decode()
    assert "carol is now officer at N1, with sensitive data." in text
    assert grants_of("carol") == [("N1", "officer", True)]


def test_only_a_manager_with_sensitive_data_gives_it(client, managers):
    count = AuditEntry.objects.count()
    text = grant(
        signed_in(client, "tam"), "C2", username="carol", unit_code="C2-A", sensitive="on"
    ).content.decode()
    assert "Only a manager who may see sensitive data at C2-A can grant it." in text
    assert grants_of("carol") == [] and AuditEntry.objects.count() == count
    # Without the flag, the same grant is given.
    grant(signed_in(client, "tam"), "C2", username="carol", unit_code="C2-A")
    assert grants_of("carol") == [("C2-A", "viewer", False)]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"username": "carol", "unit_code": "C1-A"}, "Unknown unit code: C1-A."),
        ({"username": "carol", "unit_code": "D2"}, "Unknown unit code: D2."),
        ({"username": "carol", "unit_code": "NOPE"}, "Unknown unit code: NOPE."),
        ({"username": "nobody", "unit_code": "C2"}, "Unknown user: nobody."),
        ({"username": "tam", "unit_code": "C2-A"}, "You cannot change your own grants"),
        ({"username": "carol", "unit_code": "C2", "role": "chief"}, "Select a valid choice"),
        ({"username": "", "unit_code": "C2"}, "This field is required."),
    ],
)
def test_grant_refusals_change_nothing(client, managers, data, message):
    count = AuditEntry.objects.count()
    before = sorted(Grant.objects.values_list("user__username", "unit__code", "role", "sensitive"))
    response = grant(signed_in(client, "tam"), "C2", **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    after = sorted(Grant.objects.values_list("user__username", "unit__code", "role", "sensitive"))
    assert after == before and AuditEntry.objects.count() == count


def test_the_refusal_is_in_vietnamese(client, managers):
    text = grant(
        signed_in(client, "tam", "vi"), "C2", username="carol", unit_code="C2-A", sensitive="on"
    ).content.decode()
    assert "Chỉ người quản lý được xem dữ liệu nhạy cảm tại C2-A mới được cấp quyền này." in text
    assert "<h1>Phân quyền</h1>" in text and "Kèm dữ liệu nhạy cảm" in text and "Thu hồi" in text


def test_a_manager_revokes_a_grant_and_it_is_audited(client, managers):
    response = signed_in(client, "minh").post(
        "/units/N1/grants/",
        {"action": "revoke", "username": "alice", "unit_code": "N1"},
        follow=True,
    )
    assert "Revoked the grant of alice at N1." in response.content.decode()
    assert grants_of("alice") == [("C1", "officer", True)]
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.object_id, entry.actor) == (
        "ranks.access.grant.revoked",
        "alice@N1",
        "minh",
    )
    assert entry.before == {"role": "officer", "sensitive": True} and entry.after is None


@pytest.mark.parametrize(
    "username, unit_code, message",
    [
        ("minh", "N1", "You cannot change your own grants; a manager above you can."),
        ("alice", "C1", "Unknown unit code: C1."),
        ("bob", "C2", "Unknown unit code: C2."),
        ("carol", "N1", "No such grant."),
    ],
)
def test_revoke_refusals_change_nothing(client, managers, username, unit_code, message):
    count, grants = AuditEntry.objects.count(), Grant.objects.count()
    response = signed_in(client, "minh").post(
        "/units/N1/grants/", {"action": "revoke", "username": username, "unit_code": unit_code}
    )
    assert response.status_code == 200
    assert f'data-test="revoke-error">{message}</p>' in response.content.decode()
    assert AuditEntry.objects.count() == count and Grant.objects.count() == grants


def test_officers_and_viewers_get_403_and_outsiders_404(client, managers):
    signed_in(client, "alice")  # officer at N1
    refused = client.get("/units/N1/grants/")
    assert refused.status_code == 403
    assert "Seeing and changing the grants needs the manager role for this unit." in (
        refused.content.decode()
    )
    assert grant(client, "N1", username="carol", unit_code="N1").status_code == 403
    signed_in(client, "vera")  # viewer at the province
    assert client.get("/units/P/grants/").status_code == 403
    signed_in(client, "tam")
    assert client.get("/units/N1/grants/").status_code == 404
    assert grant(client, "N1", username="carol", unit_code="N1").status_code == 404
    assert client.get("/units/NOPE/grants/").status_code == 404
    assert grants_of("carol") == []


def test_the_list_is_paginated_and_its_cost_bounded(
    client, managers, django_assert_max_num_queries
):
    for n in range(55):
        make_user(f"user{n:02d}")
        grant_role(actor=SYSTEM, username=f"user{n:02d}", role="viewer", unit_code="C2-A")
    signed_in(client, "tam")
    with django_assert_max_num_queries(20):
        text = client.get("/units/C2/grants/").content.decode()
    assert 'data-test="grants-count">(57)<' in text
    assert text.count('<tr data-test="grant-') == 50 and "Page 1 of 2" in text
    second = client.get("/units/C2/grants/?page=2").content.decode()
    assert second.count('<tr data-test="grant-') == 7
