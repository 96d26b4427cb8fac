"""`ranks demo` writes candidates at every stage, with their mentors and audited stage events.

Most tests read the demo built once for the module (`province`, conftest.py); test_rules.py
holds what the rules and a user expect of it: overdue items, handovers, working away."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from ranks.core.audit import audit_verify
from ranks.core.clock import today
from ranks.core.models import AuditEntry
from ranks.demo.generator import REFORM
from ranks.people.models import Membership, Posting
from ranks.pipeline.models import MAIN_STAGES, Candidate, Stage, StageEvent
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


def test_candidates_are_at_many_stages_and_their_events_are_in_order(province):
    day = today()
    found = candidates()
    events = StageEvent.objects.count()
    assert f"Candidates: {len(found)}, stage events: {events}." in province.output
    assert len(found) >= 100
    past_ceremony = [c for c in found if any(e.stage == Stage.CEREMONY for e in c.events.all())]
    members = Membership.objects.filter(person__candidacies__isnull=False)
    assert past_ceremony and members.count() == len(past_ceremony)
    current = {candidate_current_stage(c) for c in found}
    assert set(MAIN_STAGES) - current == {Stage.REMOVED}, current
    for c in found:
        assert c.source_group
        mentors = list(c.mentors.all())
        assert 1 <= len(mentors) <= 2
        for mentor in mentors:
            assert Posting.objects.filter(person=mentor, cell=c.cell).exists()
            assert Membership.objects.get(person=mentor).official_date <= day
        dated = sorted(c.events.all(), key=lambda e: (e.date, ORDER.get(e.stage, 99)))
        assert dated[0].date == c.added_on and dated[-1].date <= day
        # The cell votes again after probation, on recognition (R11).
        ceremony = next((e.date for e in dated if e.stage == Stage.CEREMONY), None)
        main = [
            ORDER[e.stage]
            for e in dated
            if e.stage in ORDER
            and not (e.stage == Stage.CELL_RESOLUTION and ceremony and e.date > ceremony)
        ]
        assert main == sorted(main)
        for e in dated:
            if e.votes_for is not None:
                assert e.votes_for <= e.official_members
            if e.received_on is not None:
                assert e.date <= e.received_on <= day
            if e.stage == Stage.CLASS_PASSED:
                assert e.class_name.startswith("Lớp bồi dưỡng nhận thức về Đảng khóa ")
                assert e.certificate_no
            if e.stage in (Stage.COMMITTEE_RESOLUTION, Stage.ADMISSION_DECISION):
                assert e.authority and e.decision_no


def test_decisions_are_signed_by_the_district_before_the_reform_and_the_commune_after(province):
    decisions = StageEvent.objects.filter(stage=Stage.ADMISSION_DECISION)
    assert decisions.filter(date__gte=REFORM).exists()
    for e in decisions:
        assert e.authority.startswith("Ban Thường vụ "), e.authority
        if e.date < REFORM:
            assert e.authority.split()[3] in ("Huyện", "Thành", "Thị", "Quận"), e.authority
            assert "-QĐ/ĐU" not in e.decision_no
        else:
            assert "Đảng ủy" in e.authority and e.decision_no.endswith("-QĐ/ĐU")
    for e in StageEvent.objects.filter(stage=Stage.COMMITTEE_RESOLUTION):
        assert e.authority.startswith("Đảng ủy ") and e.decision_no.endswith("-NQ/ĐU")


def test_every_candidate_and_event_is_audited_and_the_chain_verifies(province):
    assert audit_verify() is None
    entries = AuditEntry.objects
    assert (
        entries.filter(action="ranks.demo.candidate.created").count() == Candidate.objects.count()
    )
    assert entries.filter(action="ranks.demo.event.created").count() == StageEvent.objects.count()
    admitted = Membership.objects.count()
    assert entries.filter(action="ranks.demo.membership.admitted").count() == admitted


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

    demo(seed=7, reset=True)  # the module's demo may be loaded: start afresh
    first = snapshot()
    demo(seed=7, reset=True)
    assert first and snapshot() == first
    assert audit_verify() is None
