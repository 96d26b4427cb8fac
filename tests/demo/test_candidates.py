"""`ranks demo` writes candidates at every stage, with their mentors and audited stage events."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from ranks.core.audit import audit_verify
from ranks.core.clock import today
from ranks.core.models import AuditEntry
from ranks.people.models import Membership, Posting
from ranks.pipeline.models import MAIN_STAGES, Candidate, Stage, StageEvent
from ranks.pipeline.rules.calendar import working_days_between
from ranks.pipeline.selectors import candidate_current_stage

pytestmark = pytest.mark.django_db

SMALL = {"members": 300, "villages_per_commune": 1, "non_members": 30}
ORDER = {stage: index for index, stage in enumerate(MAIN_STAGES)}


def demo(**options) -> str:
    out = StringIO()
    call_command("demo", stdout=out, lang="en", **{**SMALL, **options})
    return out.getvalue()


def candidates() -> list[Candidate]:
    return list(
        Candidate.objects.select_related("person", "cell")
        .prefetch_related("events", "mentors")
        .order_by("person__person_id")
    )


def test_candidates_are_at_many_stages_and_their_events_are_in_order():
    out = demo()
    day = today()
    found = candidates()
    events = StageEvent.objects.count()
    assert f"Candidates: {len(found)}, stage events: {events}." in out
    assert len(found) >= 10
    assert not Membership.objects.filter(person__candidacies__isnull=False).exists()
    current = {candidate_current_stage(c) for c in found}
    assert len(current) >= 8, current
    assert {"source_list", "cell_resolution", "admission_decision", "ceremony"} <= current
    for c in found:
        assert c.source_group
        mentors = list(c.mentors.all())
        assert 1 <= len(mentors) <= 2
        for mentor in mentors:
            assert Posting.objects.filter(person=mentor, cell=c.cell).exists()
            assert Membership.objects.get(person=mentor).official_date <= day
        dated = sorted(c.events.all(), key=lambda e: (e.date, ORDER.get(e.stage, 99)))
        assert dated[0].date == c.added_on and dated[-1].date <= day
        main = [ORDER[e.stage] for e in dated if e.stage in ORDER]
        assert main == sorted(main)
        for e in dated:
            if e.votes_for is not None:
                assert e.votes_for <= e.official_members
            if e.received_on is not None:
                assert e.date <= e.received_on <= day


def test_there_are_overdue_items_a_handover_and_a_working_away_candidate():
    demo()
    day = today()
    handover = StageEvent.objects.select_related("candidate", "to_unit").get(
        stage=Stage.HANDED_OVER
    )
    assert handover.to_unit_id and handover.to_unit_id != handover.candidate.cell_id
    assert StageEvent.objects.filter(stage=Stage.WORKING_AWAY).count() == 1
    late_decision = late_ceremony = 0
    for c in candidates():
        events = {e.stage: e for e in c.events.all()}
        if Stage.CELL_RESOLUTION in events and Stage.ADMISSION_DECISION not in events:
            late_decision += working_days_between(events[Stage.CELL_RESOLUTION].date, day) > 60
        if Stage.ADMISSION_DECISION in events and Stage.CEREMONY not in events:
            received = events[Stage.ADMISSION_DECISION].received_on
            late_ceremony += working_days_between(received, day) > 30
    assert late_decision >= 1 and late_ceremony >= 1


def test_every_candidate_and_event_is_audited_and_the_chain_verifies():
    demo()
    assert audit_verify() is None
    entries = AuditEntry.objects
    assert (
        entries.filter(action="ranks.demo.candidate.created").count() == Candidate.objects.count()
    )
    assert entries.filter(action="ranks.demo.event.created").count() == StageEvent.objects.count()


def test_the_same_seed_gives_the_same_candidates_after_a_reset():
    def snapshot():
        return [
            (
                c.person.person_id,
                c.cell.code,
                c.added_on,
                c.source_group,
                sorted(m.person_id for m in c.mentors.all()),
                sorted((e.stage, e.date, e.decision_no, e.votes_for) for e in c.events.all()),
            )
            for c in candidates()
        ]

    demo(seed=7)
    first = snapshot()
    demo(seed=7, reset=True)
    assert first and snapshot() == first
    assert audit_verify() is None
