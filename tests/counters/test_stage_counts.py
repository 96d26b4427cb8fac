"""Candidates by stage: counters kept by every writer of the pipeline (docs/counters.md), read by
the source list's counts, and the database's reading of where a candidacy stands
(`pipeline.selectors.standing`) against the rules' own (`rules.state_on`). `counters_agree`
(tests/conftest.py) recounts the counters from the records after each test."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ranks.core.actor import SYSTEM
from ranks.counters import services as counters
from ranks.counters.models import StageCount
from ranks.counters.selectors import by_stage, in_pipeline, stages_on
from ranks.org.models import Unit
from ranks.people.services import person_save
from ranks.pipeline import rules
from ranks.pipeline.models import Candidate, Stage, StageEvent
from ranks.pipeline.selectors import standing
from ranks.pipeline.services import candidate_save, stage_event_save
from ranks.targets.recount import verify

D = dt.date


def candidate(person_id: str, cell: str, added_on: dt.date, group: str = ""):
    person_save(
        actor=SYSTEM, person_id=person_id, full_name="Lò Văn Pọm", birth_date=D(2003, 5, 5),
        education_general="upper_secondary",
    )  # fmt: skip
    return candidate_save(
        actor=SYSTEM, person_id=person_id, cell_code=cell, added_on=added_on, source_group=group
    )


def event(person_id: str, stage: str, day: dt.date, **fields):
    return stage_event_save(actor=SYSTEM, person_id=person_id, stage=stage, date=day, **fields)


def stages(code: str, day: dt.date) -> dict[str, int]:
    unit = Unit.objects.get(code=code)
    return {s: n for s, n in by_stage(stages_on([unit.pk], day).get(unit.pk, {})).items() if n}


def test_a_candidate_and_each_event_move_the_counts_of_every_unit_above_at_once(world):
    before = stages("P", D(2024, 6, 1))
    candidate("Q-1", "C2-A", D(2024, 3, 5))
    event("Q-1", "source_list", D(2024, 3, 5))
    event("Q-1", "class_passed", D(2024, 4, 10), certificate_no="GCN-Q-1")
    for code in ("C2-A", "C2", "P"):
        assert stages(code, D(2024, 3, 4)).get("identified", 0) == 0  # not added yet
        assert stages(code, D(2024, 3, 5)).get("source_list") == 1
        assert stages(code, D(2024, 4, 9)).get("source_list") == 1
        assert stages(code, D(2024, 4, 10)).get("class_passed") == 1
    assert stages("D1", D(2024, 4, 10)) == {}
    after = stages("P", D(2024, 6, 1))
    assert after.get("class_passed", 0) == before.get("class_passed", 0) + 1


def test_a_side_state_is_counted_with_the_stage_and_a_withdrawal_leaves_the_pipeline(world):
    candidate("Q-2", "C2-A", D(2024, 3, 5))
    event("Q-2", "source_list", D(2024, 3, 5))
    cell = Unit.objects.get(code="C2-A").pk
    event("Q-2", "working_away", D(2024, 5, 1), location="Bình Dương")
    away = stages_on([cell], D(2024, 5, 2))[cell]
    assert away == {"stage_source_list_working_away": 1} and in_pipeline(away) == 1
    event("Q-2", "returned", D(2024, 6, 1))
    event("Q-2", "withdrawn", D(2024, 7, 1), detail="Không muốn tiếp tục")
    assert stages_on([cell], D(2024, 6, 15))[cell] == {"stage_source_list_active": 1}
    withdrawn = stages_on([cell], D(2024, 7, 1))[cell]
    assert withdrawn == {"stage_source_list_withdrawn": 1} and in_pipeline(withdrawn) == 0
    # Put on a source list again, it starts over.
    event("Q-2", "source_list", D(2024, 9, 1))
    assert stages_on([cell], D(2024, 9, 1))[cell] == {"stage_source_list_active": 1}


def test_a_handover_moves_the_candidate_to_the_receiving_units(world):
    candidate("Q-3", "C1-A", D(2024, 3, 1))
    event("Q-3", "source_list", D(2024, 3, 1))
    event("Q-3", "handed_over", D(2024, 5, 2), to_unit_code="C2", detail="Về nơi cư trú")
    assert stages("D1", D(2024, 5, 3)) == {"source_list": 1}
    event("Q-3", "handover_accepted", D(2024, 5, 10), to_unit_code="C2-A")
    # The candidate's current cell stands for the cell of each day (as the source list reads it).
    assert stages("D1", D(2024, 5, 3)) == {}
    assert stages("D2", D(2024, 5, 3)) == {"source_list": 1}
    cell = Unit.objects.get(code="C2-A").pk
    assert stages_on([cell], D(2024, 5, 3))[cell] == {"stage_source_list_handed_over": 1}
    assert stages_on([cell], D(2024, 5, 10))[cell] == {"stage_source_list_active": 1}


def test_the_2025_reform_counts_the_candidates_in_the_tree_of_each_day(world):
    candidate("Q-4", "C2-A", D(2024, 3, 5))
    assert stages("D2", D(2025, 6, 30)) == {"identified": 1}
    # The districts and the old province closed with the reform; the commune goes on.
    assert stages("D2", D(2025, 7, 1)) == {} and stages("P", D(2025, 7, 1)) == {}
    assert stages("C2", D(2025, 7, 1)) == {"identified": 1}


def test_a_corrected_day_added_moves_both_days(world):
    candidate("Q-5", "C2-A", D(2024, 3, 5))
    candidate_save(actor=SYSTEM, person_id="Q-5", cell_code="C2-A", added_on=D(2024, 1, 20))
    assert stages("P", D(2024, 1, 20)) == {"identified": 1}
    assert stages("P", D(2024, 1, 19)) == {}


def test_rebuild_and_a_first_load_give_the_same_counts(world):
    candidate("Q-6", "C2-A", D(2024, 3, 5))
    event("Q-6", "source_list", D(2024, 3, 5))
    event("Q-6", "paused", D(2024, 4, 1), detail="ốm")
    kept = stages("P", D(2024, 6, 1))
    StageCount.objects.all().delete()
    assert stages("P", D(2024, 6, 1)) == {}
    counters.rebuild()
    assert stages("P", D(2024, 6, 1)) == kept == {"source_list": 1}
    counters.fold()
    assert stages("P", D(2024, 6, 1)) == kept


def signed_in(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_the_province_board_counts_from_the_counters_with_a_fixed_number_of_queries(client, world):
    signed_in(client, "vera")  # a viewer at the province

    def board() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as seen:
            text = client.get("/units/P/candidates/?view=board&on=2024-06-01").content.decode()
        return text, len(seen)

    candidate("Q-7", "C2-A", D(2024, 3, 5))
    _text, few = board()
    for n in range(8):
        candidate(f"Q-M{n}", "C1-A" if n % 2 else "C2-A", D(2024, 2, 1 + n))
        event(f"Q-M{n}", "source_list", D(2024, 2, 1 + n))
    text, many = board()
    assert many == few
    column = text.split('data-test="column-source_list"')[1].split("</section>")[0]
    assert 'data-test="count-source_list">8<' in column
    assert column.count('data-test="card-') == 8
    assert 'data-test="total">9 candidates<' in text
    # A filter the counters do not hold (the source group) is counted from the records.
    candidate("Q-G", "C2-A", D(2024, 3, 5), group="worker")
    grouped = client.get("/units/P/candidates/?view=board&on=2024-06-01&group=worker")
    assert 'data-test="total">1 candidate<' in grouped.content.decode()


# --- where a candidacy stands, read by the database ----------------------------------------

FIRST = D(2024, 1, 1)
offsets = st.integers(min_value=0, max_value=40)
events = st.lists(
    st.tuples(st.sampled_from([s for s in Stage.values if s != "identified"]), offsets),
    max_size=9,
    unique=True,
)


class Rollback(Exception):
    pass


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events, st.integers(min_value=0, max_value=20))
def test_the_database_reads_where_a_candidacy_stands_as_the_rules_do(world, sequence, added):
    """Any events at all (written straight to the table, bypassing the rules of order), read on
    every day: the same stage and side state as `rules.state_on`, and counters equal to a
    recount after a rebuild."""
    try:
        with transaction.atomic():
            person_save(actor=SYSTEM, person_id="Q-H", full_name="Hà Văn Hà",
                        birth_date=D(2000, 1, 1))  # fmt: skip
            found = candidate_save(
                actor=SYSTEM, person_id="Q-H", cell_code="C1-A",
                added_on=FIRST + dt.timedelta(days=added),
            )  # fmt: skip
            StageEvent.objects.bulk_create(
                StageEvent(
                    candidate=found,
                    stage=stage,
                    date=FIRST + dt.timedelta(days=n),
                    recorded_by="test",
                )  # fmt: skip
                for stage, n in sequence
            )
            pairs = [(stage, FIRST + dt.timedelta(days=n)) for stage, n in sequence]
            for n in range(0, 42, 3):
                day = FIRST + dt.timedelta(days=n)
                read = standing(Candidate.objects.filter(pk=found.pk), day).get()
                state = rules.state_on(pairs, day)
                assert (read.stage_on, read.side_on) == (state.stage, state.side), day
            counters.rebuild()
            assert verify() == []
            raise Rollback
    except Rollback:
        pass


def test_each_candidacy_keeps_where_its_events_leave_it(world):
    """`stage_now` and `side_now` (today's source list reads them) are kept by every writer;
    the fixture `counters_agree` checks them after every test too."""
    candidate("Q-8", "C2-A", D(2024, 3, 5))
    event("Q-8", "source_list", D(2024, 3, 5))
    event("Q-8", "paused", D(2024, 4, 1), detail="ốm")
    kept = Candidate.objects.get(person__person_id="Q-8")
    assert (kept.stage_now, kept.side_now) == ("source_list", "paused")
    read = standing(Candidate.objects.filter(pk=kept.pk), D(2026, 1, 1)).get()
    assert (read.stage_on, read.side_on) == ("source_list", "paused")
    event("Q-8", "resumed", D(2024, 5, 1))
    kept.refresh_from_db()
    assert (kept.stage_now, kept.side_now) == ("source_list", "")
