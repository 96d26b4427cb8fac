"""Candidates, events, targets and secondments: import, re-import unchanged, export the same."""

import io

from django.utils import translation

from ranks.access.scope import scope_for
from ranks.core.actor import SYSTEM, Actor
from ranks.coverage.models import Secondment
from ranks.interchange.engine import run_import
from ranks.interchange.exporters import export_kind, write_csv
from ranks.pipeline.models import Candidate, StageEvent
from ranks.targets.models import Target

FILES = {
    "people": (
        "person_id,full_name,birth_date,residence_place_code,education_general,youth_union\n"
        "P-MAI,Lò Thị Mai,12/03/2004,V1,upper_secondary,true\n"
        "P-HUNG,Vi Văn Hùng,2003-07-01,V1,lower_secondary,false\n"
    ),
    "candidates": "person_id,cell_code,added_on,source_group,mentor_person_ids\nP-MAI,C1-A,2024-01-15,youth_union,P-AN\nP-HUNG,C1-A,15/02/2024,military,\n",
    # The columns of §8, then those beyond it (docs/interchange.md).
    "events": (
        "person_id,stage,date,detail,certificate_no,votes_for,official_members,decision_no,received_on,to_unit_code,"
        "class_name,introducer_person_ids,youth_union_resolution,authority,location,exception_approved_by,exception_document\n"
        "P-MAI,source_list,2024-01-15,,,,,,,,,,,,,,\n"
        "P-MAI,class_passed,2024-05-20,,CN-123,,,,,,Lớp tháng 5/2024,,,,,,\n"
        "P-MAI,introducers_assigned,2024-06-03,,,,,,,,,P-AN,true,,,,\n"
        "P-MAI,dossier_prepared,2024-07-01,,,,,,,,,,,,,,\n"
        # The official members left blank: the 1 the records show in C1-A that day (P-AN).
        "P-MAI,cell_resolution,2024-09-10,,,1,,,,,,,,,,,\n"
        "P-MAI,committee_resolution,2024-09-10,,,,,12-NQ/ĐU,,,,,,Đảng ủy xã Một,,,\n"
        "P-HUNG,working_away,2024-05-02,,,,,,,,,,,,KCN Yên Phong,,\n"
        "P-HUNG,handed_over,2024-06-01,Về quê,,,,,,C2,,,,,,,\n"
    ),
    "targets": "unit_code,year,metric,value\nN1,2026,admissions,6\nC1,2024,admissions_farmers,2\n",
    "secondments": "person_id,cell_code,role,from_date,to_date,home_unit_code\nP-LAN,C1-A,secretary,2024-01-01,,C2\n",
}


def load(kind, text, actor=SYSTEM, dry_run=False):
    return run_import(
        actor=actor,
        kind=kind,
        stream=io.BytesIO(text.encode("utf-8")),
        filename=f"{kind}.csv",
        dry_run=dry_run,
    )


def exported(kind, root):
    buffer = io.StringIO()
    write_csv(
        export_kind(actor=SYSTEM, kind=kind, scope=scope_for(SYSTEM), root=root, sensitive=True),
        buffer,
    )
    return buffer.getvalue()


def test_the_newer_kinds_import_once_and_export_what_was_imported(world):
    for kind, text in FILES.items():
        result = load(kind, text)
        assert result.ok, (kind, result.errors)
        assert result.created == text.count("\n") - 1, kind
    assert Candidate.objects.get(person__person_id="P-MAI").mentors.get().person_id == "P-AN"
    vote = StageEvent.objects.get(stage="cell_resolution")
    assert (vote.votes_for, vote.official_members) == (1, 1)
    assert StageEvent.objects.get(stage="handed_over").to_unit.code == "C2"
    assert Target.objects.get(unit__code="N1", year=2026).value == 6
    assert Secondment.objects.get().role == "secretary"
    for kind, text in FILES.items():
        again = load(kind, text)
        assert (again.created, again.updated, again.unchanged) == (0, 0, text.count("\n") - 1), kind
    root = world.units["P"]
    for kind in ("candidates", "events", "secondments"):
        lines = exported(kind, root).splitlines()
        assert len(lines) == FILES[kind].count("\n"), kind
    assert "N1,2026,admissions,6" in exported("targets", world.units["N1"])


def test_a_changed_target_is_an_update(world):
    load("targets", FILES["targets"])
    result = load("targets", "unit_code,year,metric,value\nN1,2026,admissions,8\n")
    assert (result.updated, result.created) == (1, 0)
    target = Target.objects.get(unit__code="N1", year=2026)
    assert target.value == 8 and target.revisions.count() == 2


def test_targets_need_a_manager(world):
    with translation.override("en"):
        result = load(
            "targets",
            "unit_code,year,metric,value\nN1,2026,admissions,8\n",
            actor=Actor.for_user(world.users["alice"]),
        )
    assert not result.ok
    assert [(e.row, e.column, e.value, e.reason) for e in result.errors] == [
        (2, "unit_code", "N1", "Unknown unit code: N1.")
    ]
    assert not Target.objects.exists()


def test_an_officer_cannot_add_a_candidate_to_another_communes_cell(world):
    load("people", FILES["people"])
    with translation.override("en"):
        result = load(
            "candidates",
            "person_id,cell_code,added_on\nP-MAI,C1-A,2024-01-15\nP-HUNG,C2-A,2024-01-15\n",
            actor=Actor.for_user(world.users["alice"]),
        )
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (3, "cell_code", "Unknown cell code: C2-A.")
    ]
    assert not Candidate.objects.exists()


def test_an_event_that_breaks_a_rule_rejects_the_file_unless_it_is_an_exception(world):
    load("people", FILES["people"])
    load("candidates", FILES["candidates"])
    header = "person_id,stage,date,class_name,exception_approved_by,exception_document\n"
    # P-HUNG has no certificate, no dossier and no introducers: the vote breaks R4, R5, R6.
    text = (
        header
        + "P-HUNG,class_passed,2024-03-01,Lớp 3/2024,,\nP-HUNG,cell_resolution,2024-09-10,,,\n"
    )
    with translation.override("en"):
        result = load("events", text)
    # A vote without its figures is refused before any rule is checked.
    assert [(e.row, e.column) for e in result.errors] == [(3, "votes_for")]
    header = (
        "person_id,stage,date,votes_for,official_members,exception_approved_by,exception_document\n"
    )
    text = header + "P-HUNG,cell_resolution,2024-09-10,1,,,\n"
    with translation.override("en"):
        result = load("events", text)
    [error] = result.errors
    assert (error.row, error.column) == (2, "stage")
    assert error.reason.startswith(
        "Refused: R4 – certificate of the party awareness class (01-HD/TW §3.3): "
        "No awareness-class certificate."
    )
    assert not StageEvent.objects.exists()
    excepted = text.replace(",,\n", ",Ban Thường vụ Huyện ủy,Công văn 9-CV/HU\n")
    assert load("events", excepted).ok
    assert StageEvent.objects.get().exception_document == "Công văn 9-CV/HU"


def test_the_receiving_unit_imports_its_answer_to_a_handover(world):
    load("people", FILES["people"])
    load("candidates", FILES["candidates"])
    load("events", "person_id,stage,date,to_unit_code\nP-HUNG,handed_over,2024-06-01,C2\n")
    answer = "person_id,stage,date,to_unit_code\nP-HUNG,handover_accepted,2024-06-10,C2-A\n"
    # Alice (C1, N1) did not receive it: to her the answer names an unknown candidacy. Bob (C2)
    # did.
    with translation.override("en"):
        refused = load("events", answer, actor=Actor.for_user(world.users["alice"]))
    assert [(e.column, e.reason) for e in refused.errors] == [
        ("person_id", "Unknown person: P-HUNG.")
    ]
    assert load("events", answer, actor=Actor.for_user(world.users["bob"])).ok
    assert Candidate.objects.get(person__person_id="P-HUNG").cell.code == "C2-A"
