"""Restructures carry the people-records: member postings, candidates in progress (their stage,
history and deadlines intact), secondments and grants of the cells that close go to their
successor; a split assigns them by place or by person; a handover is recorded where the
competent committee changes; a carry is no transfer; undo reverses all of it, and is refused
once something was recorded on what it carried; the counters stay right throughout."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import translation

from ranks.access.models import Grant
from ranks.access.scope import Scope
from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from ranks.coverage.models import Secondment
from ranks.coverage.services import secondment_save
from ranks.org.models import PlaceVersion, Unit
from ranks.org.selectors import competent_committee
from ranks.org.services import place_change, place_version_save, unit_version_save
from ranks.people.models import Membership, Person, Posting
from ranks.people.selectors import (
    member_counts_on,
    membership_transfers,
    person_memberships_on,
    unit_transfers,
)
from ranks.people.services import membership_admit, membership_transfer, person_save
from ranks.pipeline.due import due_list
from ranks.pipeline.models import Candidate, StageEvent
from ranks.pipeline.selectors.candidate import candidate_overview
from ranks.pipeline.services import candidate_save, stage_event_save
from ranks.restructure.models import Handover
from ranks.restructure.services import restructure_apply, restructure_preview, restructure_undo
from ranks.targets.recount import movement_counted, verify
from tests.factories import LAST_OLD_DAY, REFORM, actor, make_user, record_dossier

D = dt.date
LATER = D(2026, 1, 1)
LAST = D(2025, 12, 31)
ON = D(2026, 3, 16)  # the day the deadlines are read
FULL = Scope(full=True)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def new_candidate(person_id: str, name: str, cell: str, place: str = "V1") -> str:
    person_save(
        actor=SYSTEM,
        person_id=person_id,
        full_name=name,
        birth_date=D(1998, 4, 1),
        education_general="upper_secondary",
        residence_place_code=place,
    )
    candidate_save(actor=SYSTEM, person_id=person_id, cell_code=cell, added_on=D(2025, 1, 6))
    return person_id


def deadlines(person_id: str) -> tuple:
    """What the candidate's page and the due list say is due, read the same way."""
    candidate = Candidate.objects.get(person__person_id=person_id)
    overview = candidate_overview(candidate=candidate, day=ON, may_record=True, handover=None)
    due = [
        (i.rule, i.date, i.status, i.overdue, i.message)
        for i in due_list(scope=FULL, unit=Unit.objects.get(code="N1"), on=ON)
        if i.person_id == person_id
    ]
    return overview.deadlines, due, overview.state


def records() -> list:
    """Every posting, candidacy's cell, secondment and grant: what undo must restore."""
    return [
        sorted(Posting.objects.values_list("pk", "person_id", "cell_id", "valid_from", "valid_to")),
        sorted(Candidate.objects.values_list("pk", "cell_id", "stage_now", "side_now")),
        sorted(StageEvent.objects.values_list("pk", "candidate_id", "stage", "date")),
        sorted(Secondment.objects.values_list("pk", "cell_id", "from_date", "to_date")),
        sorted(Grant.objects.values_list("pk", "user_id", "unit_id", "role")),
        Handover.objects.count(),
    ]


def no_transfers(*codes: str) -> None:
    for code in codes:
        unit = Unit.objects.get(code=code)
        assert unit_transfers(unit=unit, start=D(2025, 1, 1), end=D(2026, 12, 31)) == [], code
        moved = [v for (_u, day), v in movement_counted(unit).items() if day in (REFORM, LATER)]
        assert all(into == 0 and out == 0 for into, out, _gone in moved), (code, moved)


@pytest.fixture
def cells_to_merge(world):
    """C1-B (Dung) holds a candidate mid-pipeline (resolution passed, decision awaited), a
    secondment and a grant; it merges into C1-A from 2026."""
    pid = new_candidate("P-CHO", "Lường Văn Chờ", "C1-B")
    record_dossier(pid, "C1-B", D(2025, 8, 4))
    secondment_save(
        actor=SYSTEM, person_id="P-LAN", cell_code="C1-B", role="secretary",
        from_date=D(2025, 9, 1), home_unit_code="C2",
    )  # fmt: skip
    grant_role(actor=SYSTEM, username="bob", role="officer", unit_code="C1-B")
    return pid


MERGE_CELLS = {"kind": "merge", "on": LATER, "sources": ["C1-B"], "targets": ["C1-A"]}


def test_a_merge_of_cells_carries_members_candidates_secondments_and_grants(cells_to_merge):
    pid = cells_to_merge
    before, kept = deadlines(pid), records()
    present = {d: member_counts_on(Unit.objects.get(code="N1").pk, d) for d in (LAST, LATER)}
    preview = restructure_preview(actor=SYSTEM, **MERGE_CELLS)
    assert preview.ok, preview.blockers
    rows = {c.label.split(":")[0]: c.rows for c in preview.carried}
    assert "Đặng Thị Dung @ C1-B → C1-A" in rows["member postings in the cells below the sources"]
    assert any(r.startswith("Lường Văn Chờ @ C1-B → C1-A") for r in rows["candidates in progress"])
    assert "Nguyễn Văn Lan @ C1-B → C1-A (secretary)" in rows["secondments in the cells that close"]
    grant = Grant.objects.get(user__username="bob", unit__code="C1-B")
    assert f"#{grant.pk} bob officer @ C1-B → C1-A" in rows["grants on the units that close"]

    done = restructure_apply(actor=SYSTEM, document="Quyết định số 9-QĐ/ĐU", **MERGE_CELLS)
    dung = Person.objects.get(person_id="P-DUNG")
    cells = dict((d, Posting.objects.valid_on(d).get(person=dung).cell.code) for d in (LAST, LATER))
    assert cells == {LAST: "C1-B", LATER: "C1-A"}
    assert not Posting.objects.valid_on(LATER).filter(cell__code="C1-B").exists()
    candidate = Candidate.objects.get(person__person_id=pid)
    assert candidate.cell.code == "C1-A"
    assert deadlines(pid) == before
    seconded = Secondment.objects.filter(person__person_id="P-LAN").order_by("from_date")
    assert [(s.cell.code, s.from_date, s.to_date, s.role) for s in seconded] == [
        ("C1-B", D(2025, 9, 1), LAST, "secretary"),
        ("C1-A", LATER, None, "secretary"),
    ]
    assert Grant.objects.get(pk=grant.pk).unit.code == "C1-A"
    # A carry is no transfer: not on the person's page, the units' transfers or their counters.
    (membership,) = person_memberships_on(person=dung, day=LATER)
    assert len(membership.stints) == 2 and membership_transfers(membership.stints) == []
    no_transfers("C1-A", "C1-B", "N1")
    assert {
        d: member_counts_on(Unit.objects.get(code="N1").pk, d) for d in (LAST, LATER)
    } == present
    assert verify() == []
    said = AuditEntry.objects.get(action="ranks.restructure.applied").after["carried"]
    assert said["postings"][0]["person"] in {"P-DUNG", "P-GT1", "P-GT2"}
    assert {p["person"] for p in said["postings"]} >= {"P-DUNG"}
    assert said["candidates"] == [{"person": pid, "from": "C1-B", "to": "C1-A"}]

    restructure_undo(actor=SYSTEM, restructure_id=done.pk)
    assert records() == kept
    assert deadlines(pid) == before
    assert verify() == []


def test_dissolving_a_cell_into_a_successor_carries_like_a_merge(cells_to_merge):
    kept = records()
    done = restructure_apply(
        actor=SYSTEM, kind="dissolve", on=LATER, sources=["C1-B"], targets=["C1-A"]
    )
    assert Candidate.objects.get(person__person_id=cells_to_merge).cell.code == "C1-A"
    assert Grant.objects.get(user__username="bob", unit__code="C1-A")
    assert verify() == []
    restructure_undo(actor=SYSTEM, restructure_id=done.pk)
    assert records() == kept
    assert verify() == []


def test_dissolving_a_cell_that_holds_people_needs_a_successor(cells_to_merge):
    preview = restructure_preview(actor=SYSTEM, kind="dissolve", on=LATER, sources=["C1-B"])
    assert any("no successor is named to take them" in b for b in preview.blockers)


@pytest.mark.parametrize(
    "later",
    ["event", "posting", "transfer", "secondment"],
)
def test_undo_is_refused_once_something_is_recorded_on_what_it_carried(cells_to_merge, later):
    pid = cells_to_merge
    done = restructure_apply(actor=SYSTEM, **MERGE_CELLS)
    if later == "event":
        stage_event_save(
            actor=SYSTEM, person_id=pid, stage="working_away", date=D(2026, 2, 2), location="Hà Nội"
        )
        words = f"a step of {pid} was recorded"
    elif later == "posting":
        person = person_save(
            actor=SYSTEM, person_id="P-NEW", full_name="Mới", birth_date=D(1990, 1, 1)
        )
        membership_admit(
            actor=SYSTEM, person=person, cell_code="C1-A",
            admission_decision_date=D(2026, 2, 1), ceremony_date=D(2026, 2, 10),
        )  # fmt: skip
        words = "a member posting in C1-A was recorded"
    elif later == "transfer":
        membership = Membership.objects.get(person__person_id="P-DUNG")
        membership_transfer(actor=SYSTEM, membership=membership, to_cell_code="C2-A", on=ON)
        words = "the posting of P-DUNG carried by the restructure has changed"
    else:
        secondment = Secondment.objects.get(cell__code="C1-A", person__person_id="P-LAN")
        secondment.to_date = ON
        secondment.save()
        words = "a secondment carried by the restructure has changed"
    kept = records()
    with pytest.raises(DomainError) as error:
        restructure_undo(actor=SYSTEM, restructure_id=done.pk)
    assert words in str(error.value)
    assert records() == kept


@pytest.fixture
def cell_to_split(world):
    """C1-A (An lives in V1, which it serves; Hùng lives nowhere known) splits into C1-B and a
    new cell C1-C; a candidate of C1-A lives in V1."""
    unit_version_save(
        actor=SYSTEM, code="C1-C", name="Chi bộ thôn Đông 2", kind="cell", parent_code="N1",
        valid_from=D(2025, 8, 1),
    )  # fmt: skip
    hung = person_save(
        actor=SYSTEM, person_id="P-HUNG", full_name="Phạm Văn Hùng", birth_date=D(1980, 1, 1)
    )
    membership_admit(
        actor=SYSTEM, person=hung, cell_code="C1-A", admission_decision_date=D(2012, 1, 2),
        ceremony_date=D(2012, 1, 20), official_date=D(2013, 1, 20),
    )  # fmt: skip
    new_candidate("P-VUI", "Lò Thị Vui", "C1-A", place="V1")


SPLIT = {
    "kind": "split",
    "on": LATER,
    "sources": ["C1-A"],
    "targets": ["C1-B", "C1-C"],
    "mapping": {"V1": "C1-C"},
}


def test_a_split_of_a_cell_assigns_people_by_place_then_by_person(cell_to_split):
    preview = restructure_preview(actor=SYSTEM, **SPLIT)
    assert (
        "Phạm Văn Hùng (P-HUNG) is not assigned to any target of the split: map a place where "
        "they live or work, or person:P-HUNG=TARGET." in preview.blockers
    )
    kept = records()
    with pytest.raises(DomainError):
        restructure_apply(actor=SYSTEM, **SPLIT)
    assert records() == kept

    mapping = {**SPLIT["mapping"], "person:P-HUNG": "C1-B"}
    done = restructure_apply(actor=SYSTEM, **{**SPLIT, "mapping": mapping})
    now = {
        p.person.person_id: p.cell.code
        for p in Posting.objects.valid_on(LATER).filter(cell__code__in=["C1-B", "C1-C"])
    }
    assert now["P-AN"] == "C1-C" and now["P-HUNG"] == "C1-B"
    assert Candidate.objects.get(person__person_id="P-VUI").cell.code == "C1-C"
    # The place V1 stays with its commune.
    assert verify() == []
    no_transfers("C1-A", "C1-B", "C1-C", "N1")
    restructure_undo(actor=SYSTEM, restructure_id=done.pk)
    assert records() == kept
    assert verify() == []


def test_a_split_names_only_the_people_the_manager_sees(cell_to_split):
    # Lan (of C2-A, outside N1) is seconded to C1-A: a manager of N1 sees her counted only.
    secondment_save(
        actor=SYSTEM, person_id="P-LAN", cell_code="C1-A", role="member", from_date=D(2025, 9, 1)
    )
    make_user("mona")
    grant_role(actor=SYSTEM, username="mona", role="manager", unit_code="N1")
    from django.contrib.auth import get_user_model

    mona = actor(get_user_model().objects.get(username="mona"))
    preview = restructure_preview(actor=mona, **SPLIT)
    assert "1 other people are not assigned to any target of the split." in preview.blockers
    names = " ".join(row for c in preview.carried for row in c.rows) + " ".join(preview.blockers)
    assert "Lan" not in names and "Phạm Văn Hùng" in names
    seconded = next(c for c in preview.carried if c.label.startswith("secondments"))
    assert seconded.count == 0  # unassigned: she goes nowhere yet
    # A manager of N1 cannot carry from another commune: the same message as an unknown code.
    with pytest.raises(DomainError) as error:
        restructure_apply(actor=mona, kind="merge", on=LATER, sources=["C2-A"], targets=["C1-A"])
    assert str(error.value) == "Unknown unit code: C2-A."


def test_a_commune_merge_records_the_handover_where_the_competent_committee_changes(
    world, client, django_assert_max_num_queries
):
    new_candidate("P-NA", "Lò Văn Nà", "C2-A", place="V2")
    c2a = Unit.objects.get(code="C2-A")
    assert competent_committee(c2a, LAST_OLD_DAY).unit.code == "D2"  # C2 may not admit
    merge = {"kind": "merge", "on": REFORM, "sources": ["C2"], "targets": ["N1"]}
    preview = restructure_preview(actor=SYSTEM, **merge)
    handovers = next(c for c in preview.carried if c.label.startswith("handovers"))
    assert (handovers.count, handovers.rows) == (1, ["Lò Văn Nà @ C2-A: D2 → N1"])

    client.force_login(world.users["root"])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as without:
        client.get("/candidates/P-NA/")
    done = restructure_apply(actor=SYSTEM, document="Quyết định số 5-QĐ/TU", **merge)
    assert competent_committee(c2a, REFORM).unit.code == "N1"
    (handover,) = Handover.objects.filter(restructure=done)
    assert (handover.from_unit.code, handover.to_unit.code, handover.on) == ("D2", "N1", REFORM)
    said = AuditEntry.objects.get(action="ranks.restructure.applied").after["carried"]
    assert said["handovers"] == [{"person": "P-NA", "cell": "C2-A", "from": "D2", "to": "N1"}]
    with translation.override("vi"), django_assert_max_num_queries(len(without) + 2):
        page = client.get("/candidates/P-NA/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert (
        "Hồ sơ chuyển từ Đảng bộ huyện Hai sang Đảng bộ xã Mới ngày 01/07/2025 theo sắp xếp" in page
    )
    assert "Quyết định số 5-QĐ/TU" in page
    assert verify() == []
    restructure_undo(actor=SYSTEM, restructure_id=done.pk)
    assert not Handover.objects.exists()
    assert "Hồ sơ chuyển" not in client.get("/candidates/P-NA/").content.decode()


def test_grants_on_a_split_source_stay_for_a_decision_unless_mapped(cell_to_split):
    grant_role(actor=SYSTEM, username="bob", role="officer", unit_code="C1-A")
    grant_role(actor=SYSTEM, username="vera", role="viewer", unit_code="C1-A")
    bob = Grant.objects.get(user__username="bob", unit__code="C1-A")
    vera = Grant.objects.get(user__username="vera", unit__code="C1-A")
    mapping = {**SPLIT["mapping"], "person:P-HUNG": "C1-B", f"grant:{bob.pk}": "C1-B"}
    preview = restructure_preview(actor=SYSTEM, **{**SPLIT, "mapping": mapping})
    grants = next(c for c in preview.carried if c.label.startswith("grants"))
    assert grants.rows == [
        f"#{bob.pk} bob officer @ C1-A → C1-B",
        f"#{vera.pk} vera viewer @ C1-A: stays, for a decision",
    ]
    wrong = {**mapping, "grant:999999": "C1-B"}
    assert (
        "grant:999999 is not a grant on C1-A."
        in restructure_preview(actor=SYSTEM, **{**SPLIT, "mapping": wrong}).blockers
    )
    done = restructure_apply(actor=SYSTEM, **{**SPLIT, "mapping": mapping})
    assert Grant.objects.get(pk=bob.pk).unit.code == "C1-B"
    assert Grant.objects.get(pk=vera.pk).unit.code == "C1-A"
    restructure_undo(actor=SYSTEM, restructure_id=done.pk)
    assert Grant.objects.get(pk=bob.pk).unit.code == "C1-A"


def test_a_change_of_kind_that_changes_keeping_members_needs_an_empty_unit(world):
    unit_version_save(
        actor=SYSTEM, code="C1-E", name="Chi bộ trống", kind="cell", parent_code="N1",
        valid_from=D(2025, 8, 1),
    )  # fmt: skip
    params = {"kind": "change_kind", "on": LATER, "kind_key": "commune_committee"}
    held = restructure_preview(actor=SYSTEM, sources=["C1-B"], **params)
    assert any("it still has 1 member postings" in b for b in held.blockers), held.blockers
    done = restructure_apply(actor=SYSTEM, sources=["C1-E"], **params)
    assert Unit.objects.get(code="C1-E").versions.get(valid_from=LATER).kind.key == (
        "commune_committee"
    )
    restructure_undo(actor=SYSTEM, restructure_id=done.pk)


def links() -> list:
    """Every place version with its unit, period and cells: what undo must restore."""
    return sorted(
        (v.place.code, v.unit.code, v.valid_from, v.valid_to, tuple(sorted(c.code for c in v.cells.all())))
        for v in PlaceVersion.objects.select_related("place", "unit").prefetch_related("cells")
    )  # fmt: skip


def cells_of(place: str, day: dt.date) -> tuple[str, str, list[str]]:
    version = PlaceVersion.objects.valid_on(day).select_related("unit").get(place__code=place)
    return version.unit.code, str(version.valid_from), sorted(c.code for c in version.cells.all())


def test_a_cell_merge_links_its_places_to_the_successor_and_undo_unlinks(
    cells_to_merge, world, client
):
    # S1 (a school of the old commune C1) is served by C1-B, which merges into C1-A.
    kept = links()
    preview = restructure_preview(actor=SYSTEM, **MERGE_CELLS)
    assert preview.ok, preview.blockers
    (step,) = [p for p in preview.plan.places if p.code == "S1"]
    assert (step.unit, step.was_unit, step.cells) == ("C1", "C1", (("C1-B", "C1-A"),))
    out = io.StringIO()
    call_command(
        "restructure", "preview", "--kind", "merge", "--on", "2026-01-01", "--source", "C1-B",
        "--target", "C1-A", "--lang", "vi", stdout=out,
    )  # fmt: skip
    assert "địa bàn S1: từ 01/01/2026 gắn với chi bộ C1-A (trước là C1-B)" in out.getvalue()

    done = restructure_apply(actor=SYSTEM, **MERGE_CELLS)
    assert cells_of("S1", LAST) == ("C1", "2000-01-01", ["C1-B"])
    assert cells_of("S1", LATER) == ("C1", "2026-01-01", ["C1-A"])
    # Audited as a place change is, and in the restructure's own entry.
    created = AuditEntry.objects.filter(
        action="ranks.org.place.version_created", object_id="S1"
    ).latest("seq")
    assert created.after["cells"] == ["C1-A"] and created.after["valid_from"] == "2026-01-01"
    closed = AuditEntry.objects.filter(
        action="ranks.org.place.version_updated", object_id="S1"
    ).latest("seq")
    assert closed.before["cells"] == closed.after["cells"] == ["C1-B"]
    assert closed.after["valid_to"] == "2025-12-31"
    entry = AuditEntry.objects.get(action="ranks.restructure.applied")
    assert {"code": "S1", "unit": "C1", "was_unit": "C1", "cells": [["C1-B", "C1-A"]]} in (
        entry.after["places"]
    )
    assert verify() == []
    # The restructure's page says so.
    client.force_login(world.users["root"])
    page = client.get(f"/restructures/{done.pk}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'data-test="relink-S1">gắn với chi bộ <code>C1-B</code> → <code>C1-A</code>' in page

    restructure_undo(actor=SYSTEM, restructure_id=done.pk)
    assert links() == kept
    assert verify() == []


def test_a_cell_split_links_each_place_to_the_cell_the_map_sends_it_to(cell_to_split):
    # V1 (served by C1-A) goes to C1-C; V9, also served by C1-A, is not named and keeps its
    # link (and its people are assigned by person).
    place_version_save(
        actor=SYSTEM, code="V9", name="Thôn Chín", kind="village", unit_code="N1",
        cell_codes=["C1-A", "C1-B"], valid_from=REFORM,
    )  # fmt: skip
    kept = links()
    mapping = {**SPLIT["mapping"], "person:P-HUNG": "C1-B"}
    done = restructure_apply(actor=SYSTEM, **{**SPLIT, "mapping": mapping})
    assert cells_of("V1", LAST) == ("N1", "2025-07-01", ["C1-A"])
    assert cells_of("V1", LATER) == ("N1", "2026-01-01", ["C1-C"])
    assert cells_of("V9", LATER) == ("N1", "2025-07-01", ["C1-A", "C1-B"])
    assert verify() == []
    restructure_undo(actor=SYSTEM, restructure_id=done.pk)
    assert links() == kept

    # Sent to C1-B, where the place already has a cell: one link to C1-B.
    mapping = {**mapping, "V9": "C1-B"}
    restructure_apply(actor=SYSTEM, **{**SPLIT, "mapping": mapping})
    assert cells_of("V9", LATER) == ("N1", "2026-01-01", ["C1-B"])
    assert verify() == []


def test_a_place_that_already_changes_on_the_date_blocks_the_relink(cells_to_merge):
    place_change(
        actor=SYSTEM, code="S1", on=LATER, name="Trường Tiểu học Một", kind="school",
        unit_code="C1", cell_codes=["C1-B"], area_flags=["border"],
    )  # fmt: skip
    preview = restructure_preview(actor=SYSTEM, **MERGE_CELLS)
    assert (
        "The place S1 already starts a period on 01/01/2026; a restructure on that date would "
        "rewrite it." in preview.blockers
    )


def test_a_secondment_already_starting_in_the_target_blocks_the_merge(cells_to_merge):
    # Lan is seconded to C1-B (which merges into C1-A) and, from the day of the merge, to C1-A.
    secondment_save(
        actor=SYSTEM, person_id="P-LAN", cell_code="C1-A", role="member", from_date=LATER,
        home_unit_code="C2",
    )  # fmt: skip
    kept = records()
    with translation.override("vi"):
        preview = restructure_preview(actor=SYSTEM, **MERGE_CELLS)
        assert not preview.ok
        assert (
            "Nguyễn Văn Lan (P-LAN) đã có đợt tăng cường, biệt phái tại C1-A từ ngày 01/01/2026: "
            "đợt tăng cường, biệt phái chuyển từ C1-B không thể bắt đầu ở đó cùng ngày. Hãy kết "
            "thúc hoặc sửa một trong hai đợt trước." in preview.blockers
        )
        with pytest.raises(DomainError) as refused:
            restructure_apply(actor=SYSTEM, **MERGE_CELLS)
        assert "P-LAN" in str(refused.value)
    assert records() == kept


def test_two_secondments_carried_into_one_cell_block_the_merge(cells_to_merge):
    secondment_save(
        actor=SYSTEM, person_id="P-LAN", cell_code="C1-A", role="member", from_date=D(2025, 10, 1),
    )  # fmt: skip
    make_user("mona")
    grant_role(actor=SYSTEM, username="mona", role="manager", unit_code="N1")
    from django.contrib.auth import get_user_model

    merge = {"kind": "merge", "on": LATER, "sources": ["C1-A", "C1-B"], "targets": ["C1-C"]}
    unit_version_save(
        actor=SYSTEM, code="C1-C", name="Chi bộ thôn Đông mới", kind="cell", parent_code="N1",
        valid_from=D(2025, 8, 1),
    )  # fmt: skip
    preview = restructure_preview(actor=SYSTEM, **merge)
    assert [b for b in preview.blockers if "P-LAN" in b] == [
        "Nguyễn Văn Lan (P-LAN) has secondments in two cells that close into C1-C on 01/01/2026 "
        "(one in C1-A): only one can continue there. End one of them first."
    ]
    # A manager of N1 does not see Lan (of another commune): counted, not named.
    mona = actor(get_user_model().objects.get(username="mona"))
    hidden = restructure_preview(actor=mona, **merge)
    assert "1 other people would have two secondments in one cell starting on 01/01/2026." in (
        hidden.blockers
    )
    assert not any("Lan" in b for b in hidden.blockers)
