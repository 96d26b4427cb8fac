"""Saving stage events: created, never overwritten, idempotent, and each refusal with its
message. C1-A has 3 official members on the day of the vote."""

import datetime as dt

import pytest
from django.utils import translation

from ranks.core.actor import SYSTEM, Actor
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from ranks.people.services import person_save
from ranks.pipeline.models import StageEvent
from ranks.pipeline.services import candidate_save, stage_event_save
from tests.factories import record_dossier

D = dt.date
OFFICER = Actor(name="alice")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def mai(world):
    """A candidate whose dossier is complete and valid on 2024-09-10 (R1–R6)."""
    person_save(
        actor=SYSTEM,
        person_id="P-MAI",
        full_name="Lò Thị Mai",
        birth_date=D(1995, 4, 5),
        education_general="upper_secondary",
    )
    candidate = candidate_save(
        actor=SYSTEM, person_id="P-MAI", cell_code="C1-A", added_on=D(2024, 3, 1)
    )
    record_dossier("P-MAI", "C1-A", D(2024, 3, 1))
    return candidate


def save(**kwargs):
    kwargs.setdefault("actor", OFFICER)
    kwargs.setdefault("person_id", "P-MAI")
    kwargs.setdefault("stage", "cell_resolution")
    kwargs.setdefault("date", D(2024, 9, 10))
    if kwargs["stage"] == "cell_resolution":
        # The official members left blank: the records' figure.
        kwargs.setdefault("votes_for", 3)
    return stage_event_save(**kwargs)


def entries():
    """Audit entries of events recorded by the tests (the dossier is recorded by SYSTEM)."""
    return list(
        AuditEntry.objects.filter(action__startswith="ranks.pipeline.event")
        .exclude(actor=SYSTEM.name)
        .order_by("seq")
    )


def events():
    """Events the tests recorded, not the dossier's."""
    return StageEvent.objects.exclude(recorded_by=SYSTEM.name)


def test_a_new_event_is_saved_with_its_stage_fields_and_audited(mai):
    event = save(detail=" vote ", votes_for=2, decision_no=" 12-NQ/CB ")
    stored = events().get()
    assert stored.pk == event.pk
    assert (stored.candidate, stored.stage, stored.date) == (mai, "cell_resolution", D(2024, 9, 10))
    assert (stored.detail, stored.votes_for, stored.official_members, stored.decision_no) == (
        "vote",
        2,
        3,
        "12-NQ/CB",
    )
    assert stored.recorded_by == "alice"
    assert stored.recorded_at is not None
    [entry] = entries()
    assert (entry.action, entry.object_type, entry.object_id, entry.before) == (
        "ranks.pipeline.event.created",
        "candidate",
        "P-MAI",
        None,
    )
    assert (entry.after["stage"], entry.after["date"], entry.after["votes_for"]) == (
        "cell_resolution",
        "2024-09-10",
        2,
    )


def test_the_same_stage_and_date_with_other_values_is_refused_not_overwritten(mai):
    save(votes_for=1)
    with pytest.raises(DomainError) as error:
        save(votes_for=3, actor=Actor(name="bob"))
    assert str(error.value) == (
        "Cell resolution is already recorded on 10/09/2024 with other values; it is not "
        "replaced. A second vote or meeting is recorded as its own event, on its day. To correct "
        "the recorded one, use “Correct” beside it on the candidate's page, with the reason."
    )
    stored = events().get()
    assert (stored.votes_for, stored.recorded_by) == (1, "alice")
    assert [e.action for e in entries()] == ["ranks.pipeline.event.created"]


def test_the_same_stage_on_another_date_is_another_event(mai):
    save(stage="working_away", date=D(2024, 5, 1), location="Bình Dương")
    save(stage="returned", date=D(2024, 12, 1))
    save(stage="working_away", date=D(2025, 5, 1), location="Đồng Nai")
    assert events().filter(stage="working_away").count() == 2


def test_the_same_input_twice_writes_one_audit_entry(mai):
    save(votes_for=3, received_on=D(2024, 9, 12))
    save(votes_for=3, official_members=3, received_on=D(2024, 9, 12))
    assert len(entries()) == 1
    assert events().count() == 1


def test_a_handover_names_the_receiving_unit(mai):
    event = save(stage="handed_over", date=D(2024, 6, 1), to_unit_code="C2")
    assert event.to_unit.code == "C2"
    assert entries()[0].after["to_unit_code"] == "C2"


def test_votes_equal_to_the_official_members_are_allowed(mai):
    event = save(votes_for=3, official_members=3)
    assert (event.votes_for, event.official_members) == (3, 3)


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"person_id": "P-NOBODY"}, "person_id", "Unknown person: P-NOBODY."),
        (
            {"person_id": "P-AN"},
            "person_id",
            "P-AN is not a candidate: add them to the source list first.",
        ),
        (
            {"stage": "elected"},
            "stage",
            "Unknown stage: elected. Allowed: identified, source_list, class_passed, "
            "introducers_assigned, dossier_prepared, background_verified, comments_collected, "
            "cell_resolution, committee_resolution, admission_decision, ceremony, official, "
            "removed, working_away, returned, paused, resumed, withdrawn, ineligible, "
            "handed_over, handover_accepted, handover_refused.",
        ),
        (
            {"votes_for": 4},
            "votes_for",
            "4 votes for is more than the 3 official members of the cell.",
        ),
        ({"votes_for": -1}, "votes_for", "The number must be 0 or more."),
        ({"official_members": -2}, "official_members", "The number must be 0 or more."),
        ({"to_unit_code": "X-9"}, "to_unit_code", "Unknown unit code: X-9."),
        (
            {"stage": "admission_decision", "received_on": D(2024, 9, 9)},
            "received_on",
            "The date received is before the event date.",
        ),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(mai, changes, field, message):
    count = AuditEntry.objects.count()
    with pytest.raises(DomainError) as error:
        save(**changes)
    assert (str(error.value), error.value.field) == (message, field)
    assert not events().exists()
    assert AuditEntry.objects.count() == count


def test_a_future_date_is_refused(mai):
    with pytest.raises(DomainError) as error:
        save(date=today() + dt.timedelta(days=1))
    assert (str(error.value), error.value.field) == ("The event date is in the future.", "date")


def test_a_refused_second_record_leaves_the_event_as_it_was(mai):
    save(votes_for=3)
    with pytest.raises(DomainError):
        save(votes_for=4)
    assert events().get().votes_for == 3
    assert len(entries()) == 1
