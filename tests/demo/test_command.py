"""`ranks demo` builds Hải Dương before and after the 2025 reform, with members and logins."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from ranks.access.models import Grant
from ranks.core.audit import audit_verify
from ranks.core.models import AuditEntry
from ranks.demo.logins import DEMO_PASSWORD
from ranks.org.models import Place, PlaceVersion, Unit, UnitVersion
from ranks.org.selectors import places_of_units_on, unit_children_on, unit_subtree
from ranks.people.models import Membership, Person, Posting
from ranks.people.selectors import member_counts_on
from ranks.restructure.models import Restructure

pytestmark = pytest.mark.django_db

SMALL = {"members": 300, "villages_per_commune": 1, "non_members": 30}
BEFORE = dt.date(2024, 12, 31)
AFTER = dt.date(2026, 1, 1)
URL = "http://127.0.0.1:8000/"


def demo(**options) -> str:
    out = StringIO()
    call_command("demo", stdout=out, lang="en", **{**SMALL, **options})
    return out.getvalue()


def named(name: str, day: dt.date) -> UnitVersion:
    return UnitVersion.objects.valid_on(day).select_related("unit", "kind").get(name=name)


def active_members(day: dt.date) -> int:
    return (
        Membership.objects.filter(admission_decision_date__lte=day)
        .exclude(left_date__lte=day)
        .count()
    )


def counts() -> dict[str, int]:
    models = (Unit, UnitVersion, Place, PlaceVersion, Person, Membership, Posting, Grant)
    return {m.__name__: m.objects.count() for m in (*models, get_user_model())}


def test_2024_shows_the_real_districts_and_communes_of_hai_duong():
    demo()
    hd = Unit.objects.get(code="HD")
    children = {v.name: v.kind.key for v in unit_children_on(hd, BEFORE)}
    districts = [name for name, kind in children.items() if kind == "district_committee"]
    assert len(districts) == 12
    assert {
        "Đảng bộ huyện Thanh Miện",
        "Đảng bộ thành phố Hải Dương",
        "Đảng bộ thị xã Kinh Môn",
    } <= set(districts)
    assert children["Đảng bộ Khối các cơ quan tỉnh"] == "bloc_committee"
    assert children["Đảng bộ Công an tỉnh"] == "police_committee"

    thanh_mien = named("Đảng bộ huyện Thanh Miện", BEFORE)
    assert thanh_mien.can_admit
    below = {v.name: v for v in unit_children_on(thanh_mien.unit, BEFORE)}
    pham_kha = below["Đảng bộ xã Phạm Kha"]
    assert pham_kha.kind.key == "grassroots_committee"
    assert pham_kha.admin_code and pham_kha.latitude and pham_kha.longitude
    assert any(v.kind.key == "grassroots_cell" for v in below.values()), "a district high school"
    cells = list(unit_children_on(pham_kha.unit, BEFORE))
    assert cells and all(v.kind.key == "cell" for v in cells)
    places = places_of_units_on([pham_kha.unit_id], BEFORE)
    assert {"village", "school", "medical_station"} <= {p.kind for p in places}
    assert (
        UnitVersion.objects.valid_on(BEFORE).filter(kind__key="grassroots_committee").count() >= 207
    )
    blank = PlaceVersion.objects.valid_on(BEFORE).filter(cells__isnull=True)
    assert blank.filter(kind="village").exists(), "some villages have no cell"
    combined = (
        PlaceVersion.objects.valid_on(BEFORE)
        .values("cells")
        .annotate(places=Count("id"))
        .filter(cells__isnull=False, places__gte=2)
    )
    assert combined.exists(), "a combined cell serves two villages"


def test_2026_shows_the_new_communes_holding_the_old_cells():
    demo()
    assert not UnitVersion.objects.valid_on(AFTER).filter(kind__key="district_committee").exists()
    assert not UnitVersion.objects.valid_on(AFTER).filter(unit__code="HD").exists()
    hp = Unit.objects.get(code="HP")
    children = {v.name: v.kind.key for v in unit_children_on(hp, AFTER)}
    assert children["Đảng bộ xã Thanh Miện"] == "commune_committee"
    assert children["Đảng bộ xã Nguyễn Lương Bằng"] == "commune_committee"
    assert "bloc_committee" in children.values() and "police_committee" in children.values()

    new_thanh_mien = named("Đảng bộ xã Thanh Miện", AFTER)
    assert new_thanh_mien.can_admit
    cells = [v for v in unit_subtree(new_thanh_mien.unit, AFTER) if v.kind.holds_members]
    assert cells
    old_district = named("Đảng bộ huyện Thanh Miện", BEFORE).unit
    for cell in cells:
        before = UnitVersion.objects.valid_on(BEFORE).get(unit=cell.unit)
        above = before.parent
        if before.kind.key == "cell":
            above = UnitVersion.objects.valid_on(BEFORE).get(unit=above).parent
        assert above == old_district, f"{cell.name} was under Thanh Miện in 2024"

    # Places moved with their cells: Phạm Kha's villages belong to Nguyễn Lương Bằng now.
    pham_kha = named("Đảng bộ xã Phạm Kha", BEFORE).unit
    nlb = named("Đảng bộ xã Nguyễn Lương Bằng", AFTER).unit
    old_places = {p.place_id for p in places_of_units_on([pham_kha.pk], BEFORE)}
    new_places = {p.place_id for p in places_of_units_on([nlb.pk], AFTER)}
    assert old_places and old_places & new_places


def test_member_counts_match_the_memberships_on_both_sides_of_the_reform():
    demo()
    before = member_counts_on(Unit.objects.get(code="HD").pk, BEFORE)
    after = member_counts_on(Unit.objects.get(code="HP").pk, AFTER)
    assert before["total"] == active_members(BEFORE) > 250
    assert after["total"] == active_members(AFTER)
    assert before["official"] > before["probationary"] > 0
    # 300 members, and the candidates whose ceremony made them probationary members.
    assert Membership.objects.filter(person__candidacies__isnull=True).count() == 300
    assert Person.objects.count() == 330


def test_names_are_vietnamese_and_the_audit_chain_is_intact():
    demo()
    names = list(Person.objects.values_list("full_name", "search_name"))
    assert all(len(full.split()) >= 3 for full, _ in names)
    assert not any("John" in full for full, _ in names)
    assert all(search and search.isascii() for _, search in names)
    assert audit_verify() is None
    entries = AuditEntry.objects
    assert entries.filter(action="ranks.demo.unit.created").count() == Unit.objects.count()
    assert entries.filter(action="ranks.demo.place.created").count() == Place.objects.count()
    assert entries.filter(action="ranks.demo.person.created").count() == Person.objects.count()
    assert (
        entries.filter(action="ranks.demo.membership.admitted").count()
        == Membership.objects.count()
    )
    # The reform is the restructures of its plan, each audited as one act with its versions.
    applied = entries.filter(action="ranks.restructure.applied")
    assert applied.count() == Restructure.objects.count() > 0
    assert entries.filter(action="ranks.org.unit.version_closed").exists()
    assert entries.filter(action="ranks.org.place.version_updated").exists()
    assert not entries.filter(action="ranks.demo.unit.moved").exists()
    assert entries.filter(action="ranks.access.grant.saved").count() == Grant.objects.count()


def test_logins_are_printed_and_work():
    out = demo()
    assert URL in out and DEMO_PASSWORD in out
    for username in ("admin", "tinh", "huyen", "xa1", "xa2", "chibo"):
        assert username in out
        user = get_user_model().objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
    assert get_user_model().objects.get(username="admin").is_superuser
    tinh = {(g.unit.code, g.role, g.sensitive) for g in Grant.objects.filter(user__username="tinh")}
    assert tinh == {("HD", "manager", True), ("HP", "manager", True)}
    xa2 = Grant.objects.get(user__username="xa2")
    assert xa2.unit.versions.get().name == "Đảng bộ xã Thanh Miện"
    assert "Đảng bộ huyện Thanh Miện" in out


def test_running_it_again_adds_nothing_and_resets_the_demo_passwords():
    demo()
    first = counts()
    tinh = get_user_model().objects.get(username="tinh")
    tinh.set_password("something-else-entirely")
    tinh.save()
    out = demo()
    assert "already loaded" in out
    assert counts() == first
    tinh.refresh_from_db()
    assert tinh.check_password(DEMO_PASSWORD)
    assert "tinh" in out and URL in out
    assert audit_verify() is None


def test_reset_builds_the_same_province_again_from_the_same_seed():
    demo(seed=7)
    names = list(Person.objects.order_by("person_id").values_list("full_name", flat=True))
    first = counts()
    out = demo(seed=7, reset=True)
    assert "Emptied" in out
    assert list(Person.objects.order_by("person_id").values_list("full_name", flat=True)) == names
    assert counts() == first
    assert audit_verify() is None
    assert AuditEntry.objects.order_by("seq").first().action == "ranks.demo.flushed"


def test_another_province_builds_too():
    out = demo(province="Lai Châu", members=120)
    assert "Lai Châu" in out
    lai_chau = Unit.objects.get(code="LCH")
    version = lai_chau.versions.valid_on(AFTER).get()
    assert set(version.area_flags) == {"mountainous", "ethnic_minority"}
    kinds = {v.kind.key for v in unit_children_on(lai_chau, AFTER)}
    assert "commune_committee" in kinds and "district_committee" not in kinds
    assert "district_committee" in {v.kind.key for v in unit_children_on(lai_chau, BEFORE)}
    assert member_counts_on(lai_chau.pk, AFTER)["total"] == active_members(AFTER)
    assert Person.objects.exclude(ethnicity="Kinh").exists()
    assert audit_verify() is None


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(CommandError, match="Unknown province: Atlantis"):
        demo(province="Atlantis")
    with pytest.raises(CommandError, match="at least one village"):
        demo(villages_per_commune=0)
    get_user_model().objects.create_user(username="bob", password="bob-password-1")
    with pytest.raises(CommandError, match="full access"):
        demo(as_user="bob")
    assert not Unit.objects.exists()


def test_an_island_district_without_communes_is_carried_by_the_plan_too():
    """Bạch Long Vĩ has no communes: the conversion table leaves it out, and the demo's plan
    merges it (and the commune it stands in for) into the new commune its cells go to."""
    out = demo(province="Hải Phòng", members=120)
    assert "Hải Phòng" in out
    committees = UnitVersion.objects.valid_on(BEFORE).filter(kind__holds_members=False)
    island = {v.unit for v in committees.filter(name__contains="Bạch Long Vĩ")}
    assert island
    assert not UnitVersion.objects.valid_on(AFTER).filter(unit__in=island).exists()
    sources = {c for r in Restructure.objects.all() for c in r.source_codes}
    assert {u.code for u in island} <= sources
    cells = UnitVersion.objects.valid_on(BEFORE).filter(parent__in=island, kind__holds_members=True)
    assert cells
    for cell in cells:
        now = UnitVersion.objects.valid_on(AFTER).select_related("parent").get(unit=cell.unit)
        assert now.name == cell.name
        assert now.parent.versions.valid_on(AFTER).get().kind.key == "commune_committee"
    assert audit_verify() is None
