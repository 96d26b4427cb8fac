"""Splitting a unit's target among the units below it: the sum against the unit's own figure, the
save through `target_allocate` with revisions and audit, and who may do it."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM, Actor
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from ranks.targets.models import Target, TargetRevision
from ranks.targets.services import allocation_day, target_allocate, target_set
from tests.factories import make_user
from tests.targets.province import CHILD_TARGETS, PROVINCE, build_province, child_code

YEAR = today().year
URL = f"/units/{PROVINCE}/targets/{YEAR}/admissions/"


@pytest.fixture
def province(db):
    build_province(year=YEAR)
    make_user("minh")  # manager of the province
    make_user("thu")  # viewer of the province
    make_user("lan")  # manager of one commune only
    grant_role(actor=SYSTEM, username="minh", role="manager", unit_code=PROVINCE)
    grant_role(actor=SYSTEM, username="thu", role="viewer", unit_code=PROVINCE)
    grant_role(actor=SYSTEM, username="lan", role="manager", unit_code=child_code(1))
    return PROVINCE


def signed_in(client, username, language="en"):
    client.force_login(get_user_model().objects.get(username=username))
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client


def target_of(code: str) -> int | None:
    found = Target.objects.filter(unit__code=code, year=YEAR, metric="admissions").first()
    return found.value if found else None


def post(client, values: dict[str, str], reason: str = "Nghị quyết 05", **extra):
    data = {f"child-{code}": value for code, value in values.items()}
    return client.post(URL, {**data, "reason": reason, **extra})


def test_the_seed_is_over_allocated_by_33(client, province):
    assert sum(CHILD_TARGETS) == 2233
    text = signed_in(client, "minh").get(URL).content.decode()
    assert 'data-test="parent-figure">2200<' in text
    assert 'data-test="allocation-sum">2233<' in text
    assert "Over-allocated by 33" in text
    # One input per unit below, holding its current target.
    for n, value in enumerate(CHILD_TARGETS, start=1):
        assert f'name="child-{child_code(n)}"' in text and f'value="{value}"' in text


def test_the_seed_in_vietnamese(client, province):
    """Needs po_parts/dashboard.po merged into the catalogue."""
    text = signed_in(client, "minh", "vi").get(URL).content.decode()
    assert "Phân bổ chỉ tiêu" in text and "Vượt 33" in text


def test_saving_writes_targets_revisions_and_audit(client, province):
    signed_in(client, "minh")
    before = AuditEntry.objects.count()
    response = post(client, {child_code(1): "250", child_code(2): "260"}, reason="Điều chỉnh")
    assert response.status_code == 302 and response.url == URL
    # Only the changed child is written: 260 was already HD-02's target.
    assert target_of(child_code(1)) == 250 and target_of(child_code(2)) == 260
    revision = TargetRevision.objects.filter(target__unit__code=child_code(1)).last()
    assert (revision.old_value, revision.new_value, revision.by, revision.reason) == (
        280,
        250,
        "minh",
        "Điều chỉnh",
    )
    entries = list(AuditEntry.objects.order_by("seq")[before:])
    assert [(e.action, e.object_id, e.actor) for e in entries] == [
        ("ranks.targets.target.set", f"{child_code(1)}/{YEAR}/admissions", "minh")
    ]
    text = client.get(URL).content.decode()
    assert "Saved: 1 targets changed." in text
    assert "Over-allocated by 3" in text and 'data-test="allocation-sum">2203<' in text
    assert "280 → 250" in text and "Điều chỉnh" in text


def test_the_targets_page_lists_the_revisions(client, province):
    signed_in(client, "minh")
    post(client, {child_code(1): "250"}, reason="Điều chỉnh")
    text = client.get(f"/units/{child_code(1)}/targets/").content.decode()
    assert f'data-test="target-{YEAR}-admissions"' in text
    assert "280 → 250" in text and "Điều chỉnh" in text and "minh" in text
    assert "Nghị quyết 01" in text  # the first setting's reason
    assert client.get(f"/units/{child_code(1)}/targets/?year={YEAR}&metric=admissions").url == (
        f"/units/{child_code(1)}/targets/{YEAR}/admissions/"
    )


# What the pages read now on the province of 15 communes, whatever its units and revisions.
TARGETS_QUERIES = 10
ALLOCATION_QUERIES = 11


def test_the_pages_read_a_fixed_number_of_queries(client, province, django_assert_max_num_queries):
    signed_in(client, "minh")
    post(client, {child_code(1): "250", child_code(2): "100"}, reason="Điều chỉnh")
    with django_assert_max_num_queries(TARGETS_QUERIES):
        assert client.get(f"/units/{PROVINCE}/targets/").status_code == 200
    with django_assert_max_num_queries(ALLOCATION_QUERIES):
        assert client.get(URL).status_code == 200


def test_the_units_own_figure_is_set_from_above(client, province):
    # The province has no parent: only a superuser may set its own figure.
    signed_in(client, "minh")
    assert 'name="unit_value"' not in client.get(URL).content.decode()
    root = make_user("root", superuser=True)
    client.force_login(root)
    assert 'name="unit_value"' in client.get(URL).content.decode()
    response = post(client, {}, unit_value="2233", reason="Bổ sung")
    assert response.status_code == 302
    assert target_of(PROVINCE) == 2233
    # A manager of the province sets a commune's own figure on the commune's page.
    signed_in(client, "minh")
    commune = f"/units/{child_code(1)}/targets/{YEAR}/admissions/"
    assert 'name="unit_value"' in client.get(commune).content.decode()
    # The commune's own manager may split it, not set it.
    signed_in(client, "lan")
    text = client.get(commune).content.decode()
    assert 'name="unit_value"' not in text and 'name="child-HD-01-A"' in text


def test_a_viewer_sees_the_page_read_only_and_cannot_save(client, province):
    signed_in(client, "thu")
    text = client.get(URL).content.decode()
    assert 'data-test="read-only"' in text and f'name="child-{child_code(1)}"' not in text
    assert "Over-allocated by 33" in text
    count = TargetRevision.objects.count()
    response = post(client, {child_code(1): "1"})
    assert response.status_code == 403
    assert target_of(child_code(1)) == 280 and TargetRevision.objects.count() == count


def test_outside_the_scope_is_404_and_nothing_is_written(client, province, world):
    # A manager of one commune does not see the province's allocation, like a missing page.
    signed_in(client, "lan")
    assert client.get(URL).status_code == 404
    assert post(client, {child_code(2): "1"}).status_code == 404
    assert target_of(child_code(2)) == 260
    signed_in(client, "alice")
    assert client.get(URL).status_code == 404
    assert post(client, {child_code(2): "1"}).status_code == 404
    assert target_of(child_code(2)) == 260


def test_a_code_that_is_not_a_child_is_refused(client, province, world):
    signed_in(client, "minh")
    count = TargetRevision.objects.count()
    response = post(client, {child_code(1): "100", "C2": "5"})
    text = response.content.decode()
    assert response.status_code == 200 and 'data-test="form-error"' in text
    assert "Not directly below HD" in text and "C2" in text
    assert target_of(child_code(1)) == 280 and target_of("C2") is None
    assert TargetRevision.objects.count() == count


@pytest.mark.parametrize("bad", ["-5", "abc", "12.5", "99999999999"])
def test_bad_numbers_get_a_message_and_change_nothing(client, province, bad):
    signed_in(client, "minh")
    count = TargetRevision.objects.count()
    response = post(client, {child_code(1): "100", child_code(2): bad})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved" in text
    assert "Enter a whole number, 0 or more." in text or "too large" in text
    assert target_of(child_code(1)) == 280 and target_of(child_code(2)) == 260
    assert TargetRevision.objects.count() == count
    # The figures typed are kept, and the sum shows without a script.
    assert 'value="100"' in text and "Over-allocated by" in text


def test_bad_numbers_in_vietnamese(client, province):
    """Needs po_parts/dashboard.po merged into the catalogue."""
    signed_in(client, "minh", "vi")
    text = post(client, {child_code(2): "abc"}).content.decode()
    assert "Nhập một số nguyên từ 0 trở lên." in text
    assert target_of(child_code(2)) == 260


def test_a_target_cannot_be_emptied(client, province):
    signed_in(client, "minh")
    text = post(client, {child_code(1): ""}).content.decode()
    assert "enter 0 instead" in text and target_of(child_code(1)) == 280


def test_a_past_year_is_split_on_the_tree_of_1_january(client, world):
    """C1 closed on 30 June 2025: its 2024 allocation lists its cells; in 2026 it has none."""
    client.force_login(world.users["root"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = client.get("/units/C1/targets/2024/admissions/").content.decode()
    assert 'name="child-C1-A"' in text and 'name="child-C1-B"' in text
    assert "01/01/2024" in text
    assert allocation_day(2024) == dt.date(2024, 1, 1)
    assert allocation_day(today().year) == today()
    gone = client.get(f"/units/C1/targets/{YEAR}/admissions/").content.decode()
    assert 'name="child-C1-A"' not in gone and "did not exist" in gone
    # The cells moved to N1 on 1 July 2025: this year they are split from N1.
    now = client.get(f"/units/N1/targets/{YEAR}/admissions/").content.decode()
    assert 'name="child-C1-A"' in now


def test_an_unknown_metric_or_year_is_not_a_page(client, world):
    client.force_login(world.users["root"])
    assert client.get("/units/N1/targets/2026/nonsense/").status_code == 404
    assert client.get("/units/N1/targets/1800/admissions/").status_code == 404


# The service on its own.


def test_target_allocate_sets_changed_children_in_one_transaction(province):
    actor = Actor(name="minh")
    changed = target_allocate(
        actor=actor,
        unit_code=PROVINCE,
        year=YEAR,
        metric="admissions",
        values={child_code(1): 280, child_code(6): 0},
        reason="Giảm",
    )
    assert [t.unit.code for t in changed] == [child_code(6)]
    assert target_of(child_code(6)) == 0
    with translation.override("en"), pytest.raises(DomainError, match="Not directly below"):
        target_allocate(
            actor=actor,
            unit_code=PROVINCE,
            year=YEAR,
            metric="admissions",
            values={child_code(1): 1, f"{child_code(2)}-A": 1},
        )
    assert target_of(child_code(1)) == 280  # all or nothing


def test_target_allocate_refuses_bad_values(province):
    actor = Actor(name="minh")
    for values in ({child_code(1): -1}, {child_code(1): "5"}, {child_code(1): 1.5}):
        with pytest.raises(DomainError):
            target_allocate(
                actor=actor, unit_code=PROVINCE, year=YEAR, metric="admissions", values=values
            )
    with pytest.raises(DomainError):
        target_allocate(actor=actor, unit_code=PROVINCE, year=YEAR, metric="nope", values={})
    with pytest.raises(DomainError):
        target_allocate(actor=actor, unit_code="NOPE", year=YEAR, metric="admissions", values={})
    assert target_of(child_code(1)) == 280


def test_target_allocate_sets_the_units_own_figure_too(province):
    target_set(actor=SYSTEM, unit_code=PROVINCE, year=YEAR, metric="admissions", value=2200)
    changed = target_allocate(
        actor=Actor(name="root"),
        unit_code=PROVINCE,
        year=YEAR,
        metric="admissions",
        values={child_code(7): 183},
        unit_value=2266,
        reason="Cân đối",
    )
    assert [t.unit.code for t in changed] == [PROVINCE, child_code(7)]
    assert target_of(PROVINCE) == 2266 and target_of(child_code(7)) == 183
