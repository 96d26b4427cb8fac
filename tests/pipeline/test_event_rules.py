"""Recording an event that breaks a rule is refused with the rule's message, unless it is an
exception with who approved it and the document; side states must fit; the ceremony, recognition
and removal change the membership; a handover accepted moves the candidate."""

import datetime as dt

import pytest
from django.utils import translation

from ranks.core.actor import SYSTEM
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from ranks.people.models import Membership
from ranks.people.services import (
    membership_admit,
    membership_leave,
    membership_transfer,
    person_save,
)
from ranks.pipeline.models import Candidate, StageEvent
from ranks.pipeline.services import candidate_save, stage_event_correct, stage_event_save
from tests.factories import add_introducers, add_official_members, record_dossier

D = dt.date


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


BORN = D(1995, 4, 5)
VOTE_ON = D(2024, 6, 3)


def candidate(person_id="P-MAI", cell="C1-A", born=BORN, education="upper_secondary"):
    person_save(
        actor=SYSTEM,
        person_id=person_id,
        full_name="Lò Thị Mai",
        birth_date=born,
        education_general=education,
    )
    return candidate_save(actor=SYSTEM, person_id=person_id, cell_code=cell, added_on=D(2024, 3, 1))


def event(stage, date, person_id="P-MAI", **fields):
    return stage_event_save(actor=SYSTEM, person_id=person_id, stage=stage, date=date, **fields)


def refusal(stage, date, person_id="P-MAI", **fields) -> str:
    count = (StageEvent.objects.count(), AuditEntry.objects.count(), Membership.objects.count())
    with pytest.raises(DomainError) as error:
        event(stage, date, person_id, **fields)
    after = (StageEvent.objects.count(), AuditEntry.objects.count(), Membership.objects.count())
    assert after == count, "a refused event changed something"
    return str(error.value)


def admitted(world, vote_on=VOTE_ON):
    """P-MAI through the cell resolution, committee resolution and a decision received."""
    candidate()
    record_dossier("P-MAI", "C1-A", D(2024, 3, 1), days=7)
    event("cell_resolution", vote_on, votes_for=3, official_members=3)
    event("committee_resolution", vote_on + dt.timedelta(days=7), decision_no="5-NQ/ĐU")
    event(
        "admission_decision",
        vote_on + dt.timedelta(days=21),
        authority="Ban Thường vụ Huyện ủy",
        decision_no="120-QĐ/HU",
        received_on=vote_on + dt.timedelta(days=24),
    )
    return vote_on + dt.timedelta(days=24)


# --- R2, R3: refused, or an exception -----------------------------------------------------------


def test_a_cell_resolution_over_60_is_refused_then_recorded_as_an_exception(world):
    candidate(born=D(1962, 1, 15))
    record_dossier("P-MAI", "C1-A", D(2024, 3, 1))
    message = refusal("cell_resolution", D(2024, 9, 10), votes_for=3, official_members=3)
    assert message.startswith("Refused: R2 – maximum age (24-QĐ/TW §1.1.2): Over 60 years of age")
    assert "give who approved the exception and the document" in message
    # One of the two is not enough.
    with pytest.raises(DomainError) as error:
        event(
            "cell_resolution",
            D(2024, 9, 10),
            votes_for=3,
            official_members=3,
            exception_approved_by="Ban Thường vụ Tỉnh ủy",
        )
    assert error.value.field == "exception_document"
    recorded = event(
        "cell_resolution",
        D(2024, 9, 10),
        votes_for=3,
        official_members=3,
        exception_approved_by="Ban Thường vụ Tỉnh ủy",
        exception_document="Công văn số 123-CV/TU",
    )
    assert recorded.exception_document == "Công văn số 123-CV/TU"
    entry = AuditEntry.objects.filter(action="ranks.pipeline.event.created").latest("seq")
    assert entry.after["exception_for"] == ["R2"]
    assert entry.after["exception_approved_by"] == "Ban Thường vụ Tỉnh ủy"


def test_read_and_write_only_is_refused_even_in_a_mountainous_area_unless_excepted(world):
    add_introducers("C2-A", ids=("P-GT3", "P-GT4"))
    candidate(cell="C2-A", born=D(1960, 2, 1), education="read_write")
    record_dossier("P-MAI", "C2-A", D(2024, 3, 1), introducers=["P-GT3", "P-GT4"])
    message = refusal("cell_resolution", D(2024, 9, 10), votes_for=3, official_members=3)
    assert "R3 – education (232-QĐ/TW §1.2): Education Read and write is below" not in message
    assert "R3 – education (" in message and "R2 – maximum age (" in message
    event(
        "cell_resolution",
        D(2024, 9, 10),
        votes_for=3,
        official_members=3,
        exception_approved_by="Ban Thường vụ Tỉnh ủy",
        exception_document="Công văn số 45-CV/TU",
    )
    entry = AuditEntry.objects.filter(action="ranks.pipeline.event.created").latest("seq")
    assert entry.after["exception_for"] == ["R2", "R3"]


def test_primary_school_in_the_mountainous_commune_needs_no_exception(world):
    add_introducers("C2-A", ids=("P-GT3", "P-GT4"))
    candidate(cell="C2-A", education="primary")
    record_dossier("P-MAI", "C2-A", D(2024, 3, 1), introducers=["P-GT3", "P-GT4"])
    assert event("cell_resolution", D(2024, 9, 10), votes_for=3, official_members=3).pk


def test_an_expired_certificate_refuses_the_cell_resolution(world):
    candidate()
    record_dossier("P-MAI", "C1-A", D(2019, 3, 1))
    message = refusal("cell_resolution", D(2024, 9, 10), votes_for=3, official_members=3)
    assert (
        "R4 – certificate of the party awareness class (" in message
        and "R5 – dossier documents still valid (" in message
    )


# --- order of the steps after the vote (R7–R12) --------------------------------------------------


def test_the_committee_needs_a_passed_cell_resolution(world):
    candidate()
    record_dossier("P-MAI", "C1-A", D(2024, 3, 1))
    assert "Cell resolution has not been recorded" in refusal(
        "committee_resolution", D(2024, 9, 20)
    )
    add_official_members("C1-A", 4)  # 7 official members in all
    event("cell_resolution", D(2024, 9, 10), votes_for=4)
    assert "Only 4 of 7 official members voted for (5 needed)" in refusal(
        "committee_resolution", D(2024, 9, 20)
    )
    # The cell votes again and 5 of 7 pass.
    event("cell_resolution", D(2024, 10, 1), votes_for=5)
    assert event("committee_resolution", D(2024, 10, 8)).pk


def test_a_decision_past_the_extension_is_refused(world):
    candidate()
    record_dossier("P-MAI", "C1-A", D(2024, 3, 1))
    event("cell_resolution", D(2024, 5, 2), votes_for=3, official_members=3)
    event("committee_resolution", D(2024, 5, 9))
    message = refusal("admission_decision", D(2024, 10, 1), decision_no="1-QĐ/HU")
    assert message.startswith(
        "Refused: R8 – admission decision in time (24-QĐ/TW §3.4): Decided after"
    )
    # Within 60 + 30 working days it is recorded.
    assert event("admission_decision", D(2024, 8, 30), decision_no="1-QĐ/HU").pk


def test_the_ceremony_needs_the_decision_received_and_creates_the_membership(world):
    candidate()
    record_dossier("P-MAI", "C1-A", D(2024, 3, 1), days=7)
    event("cell_resolution", D(2024, 6, 3), votes_for=3, official_members=3)
    event("committee_resolution", D(2024, 6, 10))
    event("admission_decision", D(2024, 6, 24), decision_no="120-QĐ/HU")
    assert "has not recorded receiving the decision" in refusal("ceremony", D(2024, 7, 1))
    # Recording it again is not how the day received is added: the decision is corrected.
    decision = StageEvent.objects.get(stage="admission_decision")
    stage_event_correct(
        actor=SYSTEM, person_id="P-MAI", event_id=decision.pk, date=D(2024, 6, 24),
        decision_no="120-QĐ/HU", received_on=D(2024, 6, 27), reason="The day received was left out.",
    )  # fmt: skip
    event("ceremony", D(2024, 7, 5))
    membership = Membership.objects.get(person__person_id="P-MAI")
    assert (membership.admission_decision_date, membership.ceremony_date) == (
        D(2024, 6, 24),
        D(2024, 7, 5),
    )
    assert membership.admission_decision_no == "120-QĐ/HU"
    assert membership.official_date is None
    assert [p.cell.code for p in membership.postings.all()] == ["C1-A"]


def test_a_ceremony_without_a_decision_is_refused_even_as_an_exception(world):
    candidate()
    record_dossier("P-MAI", "C1-A", D(2024, 3, 1))
    message = refusal(
        "ceremony",
        D(2024, 7, 5),
        exception_approved_by="Huyện ủy",
        exception_document="CV 1",
    )
    assert message == "A ceremony needs the admission decision recorded first."


def test_a_late_ceremony_needs_the_upper_committees_approval(world):
    received = admitted(world)
    message = refusal("ceremony", received + dt.timedelta(days=60))
    assert (
        "R9 – admission ceremony in time (" in message
        and "needs the upper committee's approval" in message
    )
    event(
        "ceremony",
        received + dt.timedelta(days=60),
        exception_approved_by="Ban Thường vụ Huyện ủy",
        exception_document="Công văn 7-CV/HU",
    )
    assert Membership.objects.filter(person__person_id="P-MAI").exists()


def test_recognition_waits_for_probation_and_dates_official_status_from_its_end(world):
    received = admitted(world)
    event("ceremony", D(2024, 7, 5))
    assert "R10 – probation (" in refusal(
        "cell_resolution", D(2025, 7, 1), votes_for=3, official_members=3
    )
    assert "R10 – probation (" in refusal("official", D(2025, 7, 1))
    assert received
    # The cell meets late (after 30 WD) but the vote passes; official status dates from the end
    # of the 12 months (R11).
    event("cell_resolution", D(2025, 9, 15), votes_for=3, official_members=3)
    event("official", D(2025, 9, 30), decision_no="300-QĐ/ĐU")
    membership = Membership.objects.get(person__person_id="P-MAI")
    assert membership.official_date == D(2025, 7, 5)


def test_official_recognition_needs_a_passed_vote(world):
    admitted(world)
    event("ceremony", D(2024, 7, 5))
    assert "Cell resolution has not been recorded" in refusal("official", D(2025, 8, 1))
    event("cell_resolution", D(2025, 7, 15), votes_for=1, official_members=3)
    assert "did not reach 2 of 3" in refusal("official", D(2025, 8, 1))


def test_removal_ends_the_membership_and_closes_the_file(world):
    admitted(world)
    assert "Admission ceremony has not been recorded" in refusal("removed", D(2024, 7, 1))
    event("ceremony", D(2024, 7, 5))
    event("cell_resolution", D(2025, 7, 15), votes_for=0, official_members=3)
    event("removed", D(2025, 8, 1))
    membership = Membership.objects.get(person__person_id="P-MAI")
    assert (membership.left_date, membership.left_reason) == (D(2025, 8, 1), "removal")
    assert "ended with removal on 01/08/2025" in refusal("official", D(2025, 8, 2))


# --- R6: introducers -------------------------------------------------------------------------------


def test_a_probationary_introducer_is_refused(world):
    # Đặng Thị Dung (P-DUNG) is a probationary member of C1-B since 2025-01-10.
    add_introducers("C1-B", ids=("P-GT3",))
    candidate(cell="C1-B")
    message = refusal(
        "introducers_assigned", D(2025, 3, 3), introducer_person_ids=["P-DUNG", "P-GT3"]
    )
    assert "R6 – introducers (" in message and "A probationary member cannot introduce." in message


def test_an_introducer_11_months_in_the_unit_is_refused_a_replacement_is_accepted(world):
    add_introducers("C1-A")
    newcomer = person_save(
        actor=SYSTEM, person_id="P-MOI", full_name="Vũ Văn Mới", birth_date=D(1980, 1, 1)
    )
    # An official member of C2-A who moved into C1-A on 2024-01-10.
    moved = membership_admit(
        actor=SYSTEM,
        person=newcomer,
        cell_code="C2-A",
        admission_decision_date=D(2010, 1, 10),
        ceremony_date=D(2010, 1, 20),
        official_date=D(2011, 1, 20),
    )
    membership_transfer(actor=SYSTEM, membership=moved, to_cell_code="C1-A", on=D(2024, 1, 10))
    candidate()
    message = refusal(
        "introducers_assigned", D(2024, 12, 10), introducer_person_ids=["P-GT1", "P-MOI"]
    )
    assert "has been with the candidate for 11 of 12 months" in message
    event("introducers_assigned", D(2024, 3, 5), introducer_person_ids=["P-GT1", "P-GT2"])
    # P-GT2 leaves the party; P-MOI replaces them, and a replacement needs no 12 months.
    gt2 = Membership.objects.get(person__person_id="P-GT2")
    membership_leave(actor=SYSTEM, membership=gt2, on=D(2025, 2, 1), reason="transfer_out")
    assert event(
        "introducers_assigned", D(2025, 2, 10), introducer_person_ids=["P-GT1", "P-MOI"]
    ).pk


def test_an_introducer_must_be_a_party_member(world):
    candidate()
    person_save(
        actor=SYSTEM, person_id="P-KHONG", full_name="Hà Văn Không", birth_date=D(1970, 1, 1)
    )
    message = refusal("introducers_assigned", D(2024, 5, 1), introducer_person_ids=["P-KHONG"])
    assert message == "P-KHONG is not a party member on 01/05/2024."


def test_a_youth_union_resolution_and_one_member_introduce_a_youth_union_member(world):
    add_introducers("C1-A")
    person_save(
        actor=SYSTEM,
        person_id="P-MAI",
        full_name="Lò Thị Mai",
        birth_date=D(2003, 4, 5),
        education_general="upper_secondary",
        youth_union=True,
    )
    candidate_save(actor=SYSTEM, person_id="P-MAI", cell_code="C1-A", added_on=D(2024, 3, 1))
    assert event(
        "introducers_assigned",
        D(2024, 5, 1),
        introducer_person_ids=["P-GT1"],
        youth_union_resolution=True,
    ).youth_union_resolution


# --- side states ---------------------------------------------------------------------------------


def test_side_states_must_fit_where_the_candidacy_stands(world):
    candidate()
    assert refusal("returned", D(2024, 4, 1)) == (
        "Returned from working away needs the candidate to be working away on that date."
    )
    assert refusal("working_away", D(2024, 4, 1)) == "Say where the candidate went to work."
    event("paused", D(2024, 4, 1), detail="Ốm dài ngày")
    assert refusal("class_passed", D(2024, 5, 1)) == (
        "The candidate is paused since 01/04/2024; record resumed first."
    )
    event("resumed", D(2024, 6, 1))
    assert event("class_passed", D(2024, 6, 20), certificate_no="12").pk
    event("working_away", D(2024, 7, 1), location="KCN VSIP Bắc Ninh")
    # Working away, the steps go on.
    assert event("dossier_prepared", D(2024, 8, 1)).pk
    event("withdrawn", D(2024, 9, 1))
    assert "record on the source list first" in refusal("background_verified", D(2024, 9, 2))
    event("source_list", D(2025, 1, 6))
    assert event("background_verified", D(2025, 1, 20)).pk


def test_a_handover_is_accepted_into_a_cell_of_the_receiving_unit(world):
    candidate()
    assert "needs the candidate to be handed over" in refusal(
        "handover_accepted", D(2024, 6, 1), to_unit_code="C2-A"
    )
    event("handed_over", D(2024, 5, 2), to_unit_code="C2", detail="Về nơi cư trú")
    assert "handed over to another unit since 02/05/2024" in refusal("class_passed", D(2024, 5, 3))
    assert refusal("handover_accepted", D(2024, 5, 10), to_unit_code="C1-B") == (
        "C1-B is not a cell of the unit the candidate was handed to."
    )
    event("handover_accepted", D(2024, 5, 10), to_unit_code="C2-A")
    moved = Candidate.objects.get(person__person_id="P-MAI")
    assert moved.cell.code == "C2-A"
    assert (
        AuditEntry.objects.filter(action="ranks.pipeline.candidate.moved").get().after["cell_code"]
        == "C2-A"
    )
    # The history stays with the candidate.
    assert list(moved.events.values_list("stage", flat=True)) == [
        "handed_over",
        "handover_accepted",
    ]


def test_a_refused_handover_leaves_the_candidate_where_it_was(world):
    candidate()
    event("handed_over", D(2024, 5, 2), to_unit_code="C2")
    event("handover_refused", D(2024, 5, 10), detail="Không cư trú tại xã")
    assert Candidate.objects.get().cell.code == "C1-A"
    assert event("class_passed", D(2024, 6, 1)).pk
