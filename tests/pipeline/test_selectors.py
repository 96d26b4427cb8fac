"""A candidate's current stage: the latest dated main stage; side states do not count. And the
handover waiting for an answer."""

import datetime as dt

import pytest

from ranks.core.actor import SYSTEM
from ranks.people.services import person_save
from ranks.pipeline.models import MAIN_STAGES, SIDE_STATES, Candidate, Stage
from ranks.pipeline.selectors import candidate_current_stage, candidate_state, handover_pending
from ranks.pipeline.services import candidate_save, stage_event_save
from tests.factories import record_dossier

D = dt.date


@pytest.fixture
def mai(world):
    person_save(
        actor=SYSTEM,
        person_id="P-MAI",
        full_name="Lò Thị Mai",
        birth_date=D(1995, 4, 5),
        education_general="lower_secondary",
    )
    return candidate_save(actor=SYSTEM, person_id="P-MAI", cell_code="C1-A", added_on=D(2024, 3, 1))


def event(stage, day, **fields):
    stage_event_save(actor=SYSTEM, person_id="P-MAI", stage=stage, date=day, **fields)


def test_the_stage_keys_are_those_of_the_interchange_format():
    assert MAIN_STAGES == (
        "identified",
        "source_list",
        "class_passed",
        "introducers_assigned",
        "dossier_prepared",
        "background_verified",
        "comments_collected",
        "cell_resolution",
        "committee_resolution",
        "admission_decision",
        "ceremony",
        "official",
        "removed",
    )
    assert SIDE_STATES == (
        "working_away",
        "returned",
        "paused",
        "resumed",
        "withdrawn",
        "ineligible",
        "handed_over",
        "handover_accepted",
        "handover_refused",
    )


def test_a_candidate_without_events_is_identified(mai):
    assert candidate_current_stage(mai) == Stage.IDENTIFIED


def test_the_latest_main_stage_is_current_and_side_states_lie_over_it(mai):
    event("source_list", D(2024, 3, 1))
    event("class_passed", D(2024, 5, 20))
    event("working_away", D(2024, 7, 1), location="Bình Dương")
    state = candidate_state(mai, D(2024, 7, 10))
    assert (state.stage, state.since, state.side, state.side_since) == (
        "class_passed",
        D(2024, 5, 20),
        "working_away",
        D(2024, 7, 1),
    )
    assert state.days_in_stage(D(2024, 7, 10)) == 51
    assert not state.stopped
    event("returned", D(2024, 8, 1))
    event("paused", D(2024, 8, 15))
    state = candidate_state(mai, D(2024, 9, 1))
    assert (state.stage, state.side, state.stopped) == ("class_passed", "paused", True)
    # Time in each stage: source list 80 days, then the class since 20/05.
    assert [(p.stage, p.days(D(2024, 9, 1))) for p in state.periods] == [
        ("source_list", 80),
        ("class_passed", 104),
    ]
    # On an earlier date the later events do not count.
    assert candidate_state(mai, D(2024, 4, 1)).stage == "source_list"


def test_an_event_entered_late_but_dated_earlier_does_not_win(mai):
    event("class_passed", D(2024, 5, 20))
    event("source_list", D(2024, 3, 1))
    assert candidate_current_stage(mai) == "class_passed"


def test_on_one_date_the_later_stage_wins(mai):
    record_dossier("P-MAI", "C1-A", D(2024, 3, 1))
    event("committee_resolution", D(2024, 9, 10), exception_approved_by="Huyện ủy",
          exception_document="CV 1")  # fmt: skip
    event("cell_resolution", D(2024, 9, 10), votes_for=3)  # of the 3 official members
    assert candidate_current_stage(mai) == "committee_resolution"


def test_prefetched_events_cost_no_query(mai, django_assert_num_queries):
    event("source_list", D(2024, 3, 1))
    candidate = Candidate.objects.prefetch_related("events").get(pk=mai.pk)
    with django_assert_num_queries(0):
        assert candidate_current_stage(candidate) == "source_list"


def test_the_latest_handover_waits_for_an_answer_until_one_is_recorded(mai):
    assert handover_pending(candidate=mai, day=D(2024, 6, 1)) is None
    event("handed_over", D(2024, 5, 2), to_unit_code="C2")
    event("handover_refused", D(2024, 5, 10))
    event("handed_over", D(2024, 6, 3), to_unit_code="C2")
    assert handover_pending(candidate=mai, day=D(2024, 5, 5)).date == D(2024, 5, 2)
    assert handover_pending(candidate=mai, day=D(2024, 6, 1)) is None
    assert handover_pending(candidate=mai, day=D(2024, 6, 3)).date == D(2024, 6, 3)
    event("handover_accepted", D(2024, 6, 10), to_unit_code="C2-A")
    assert handover_pending(candidate=mai, day=D(2024, 6, 10)) is None
