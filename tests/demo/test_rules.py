"""Every demo event is one `stage_event_save` would accept, or an exception with who approved it
and the document; and the demo shows what a user should find in it.

The demo is built once for the module (`province` in conftest.py). Each candidacy is replayed in
date order through the checks the service makes: the side states (a handed-over candidate takes
no step until accepted) and `rules.refusals` on the facts before and after the event.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.db.models import Q

from ranks.access.scope import Scope
from ranks.core.clock import today
from ranks.core.models import AuditEntry
from ranks.org.selectors import unit_ancestry, unit_inherited_flags, unit_subtree_ids
from ranks.people.models import Membership, Posting
from ranks.pipeline import rules
from ranks.pipeline.due import due_list
from ranks.pipeline.facts_from_records import EVENT_PREFETCH, pipeline_facts
from ranks.pipeline.models import MAIN_STAGES, Candidate, Stage, StageEvent
from ranks.pipeline.selectors import candidate_state

pytestmark = pytest.mark.django_db

# From the source list to official recognition: every stage is some candidate's stage today.
PATH = MAIN_STAGES[MAIN_STAGES.index(Stage.SOURCE_LIST) : MAIN_STAGES.index(Stage.OFFICIAL) + 1]
ORDER = {stage: index for index, stage in enumerate(Stage.values)}  # two on a day: §5 order

# What ends each side state, and the side state an event needs (as the service checks them).
ENDED_BY = {
    Stage.WORKING_AWAY: Stage.RETURNED,
    Stage.PAUSED: Stage.RESUMED,
    Stage.HANDED_OVER: Stage.HANDOVER_ACCEPTED,
    Stage.WITHDRAWN: Stage.SOURCE_LIST,
    Stage.INELIGIBLE: Stage.SOURCE_LIST,
}
NEEDS = {
    Stage.RETURNED: Stage.WORKING_AWAY,
    Stage.RESUMED: Stage.PAUSED,
    Stage.HANDOVER_ACCEPTED: Stage.HANDED_OVER,
    Stage.HANDOVER_REFUSED: Stage.HANDED_OVER,
}


def candidates() -> list[Candidate]:
    return list(
        Candidate.objects.select_related("person", "cell")
        .prefetch_related(*EVENT_PREFETCH, "mentors")
        .order_by("person__person_id")
    )


def in_order(events) -> list[StageEvent]:
    return sorted(events, key=lambda e: (e.date, ORDER[e.stage]))


def state_refusal(before: list[StageEvent], stage: str, on: dt.date) -> str:
    """Why the side states refuse `stage` on `on`, or "" (services._check_state)."""
    state = rules.state_on(((e.stage, e.date) for e in before), on)
    if state.closed and stage in MAIN_STAGES:
        return f"the candidacy ended with {state.stage}"
    if stage in NEEDS:
        return "" if state.side == NEEDS[stage] else f"needs {NEEDS[stage]}"
    if state.side is None or stage in (Stage.WITHDRAWN, Stage.INELIGIBLE):
        return ""
    if stage == Stage.SOURCE_LIST and state.side in (Stage.WITHDRAWN, Stage.INELIGIBLE):
        return ""
    if state.side == Stage.WORKING_AWAY and (stage in MAIN_STAGES or stage == Stage.HANDED_OVER):
        return ""
    if stage in MAIN_STAGES or stage in ENDED_BY:
        return f"{state.side} since {state.side_since}"
    return ""


def test_every_event_passes_the_rules_or_is_an_exception_with_approver_and_document(province):
    refused, exceptions = [], []
    for candidate in candidates():
        events = in_order(candidate.events.all())
        for index, event in enumerate(events):
            where = (candidate.person.person_id, event.stage, event.date)
            assert event.date <= today(), where
            assert bool(event.exception_approved_by) == bool(event.exception_document), where
            assert not state_refusal(events[:index], event.stage, event.date), where
            # What pipeline_facts reads of the tree, read once for both.
            flags = unit_inherited_flags(unit_ancestry(candidate.cell, event.date))
            before = pipeline_facts(candidate, event.date, flags, events=events[:index])
            after = pipeline_facts(candidate, event.date, flags, events=events[: index + 1])
            findings = rules.refusals(before, after, event.stage, event.date)
            if not findings:
                assert not event.exception_approved_by, f"{where}: an exception for nothing"
            elif event.exception_approved_by and event.exception_document:
                exceptions.append((where, sorted({f.rule for f in findings})))
            else:
                refused.append((where, [f"{f.rule} {f.code}" for f in findings]))
    assert not refused
    # Realistic exceptions: a ceremony later than 30 working days, with the upper committee's
    # consent (Hải Dương is not a mountainous province: no village elder over 60 here).
    assert [rule for _where, rule in exceptions] == [["R9"]]


def test_introducers_are_written_and_audited(province):
    audited = {
        (e.object_id, e.after["date"]): e.after
        for e in AuditEntry.objects.filter(
            action="ranks.demo.event.created", after__stage=Stage.INTRODUCERS_ASSIGNED
        )
    }
    assigned = StageEvent.objects.filter(stage=Stage.INTRODUCERS_ASSIGNED).select_related(
        "candidate__person"
    )
    assert assigned
    for event in assigned.prefetch_related("introducers"):
        introducers = sorted(p.person_id for p in event.introducers.all())
        assert len(introducers) == (1 if event.youth_union_resolution else 2)
        if event.youth_union_resolution:
            assert event.candidate.person.youth_union
        entry = audited[(event.candidate.person.person_id, event.date.isoformat())]
        assert entry["introducers"] == introducers
    with_events = set(assigned.values_list("candidate_id", flat=True))
    later = StageEvent.objects.filter(stage=Stage.DOSSIER_PREPARED)
    assert set(later.values_list("candidate_id", flat=True)) <= with_events
    assert assigned.filter(youth_union_resolution=True).exists()


def test_cell_votes_count_the_official_members_of_the_cell_that_day(province):
    failed = 0
    for candidate in candidates():
        events = in_order(candidate.events.all())
        for event in events:
            if event.stage != Stage.CELL_RESOLUTION:
                continue
            day = event.date
            # The candidate, recognised later with effect from the end of probation, was not
            # counted at the vote on their own recognition.
            members = (
                Posting.objects.filter(cell=candidate.cell, valid_from__lte=day)
                .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
                .filter(membership__official_date__lte=day)
                .filter(Q(membership__left_date__isnull=True) | Q(membership__left_date__gt=day))
                .exclude(person=candidate.person)
            )
            assert event.official_members == members.count() >= 3
            if 3 * event.votes_for < 2 * event.official_members:
                failed += 1
                assert event is events[-1], "after a failed vote the candidate stays there"
                assert candidate_state(candidate).stage == Stage.CELL_RESOLUTION
    assert failed >= 1


def test_every_stage_overdue_items_handovers_and_a_candidate_working_away(province):
    day = today()
    found = candidates()
    states = {c.pk: candidate_state(c, day) for c in found}
    assert set(PATH) <= {s.stage for s in states.values()}

    items = due_list(scope=Scope(full=True), unit=province, on=day)
    assert any(i.rule == "R8" and i.overdue for i in items)
    assert any(i.rule == "R9" and i.overdue for i in items)

    pending = [c for c in found if states[c.pk].side == Stage.HANDED_OVER]
    assert len(pending) == 1
    handed = next(e for e in pending[0].events.all() if e.stage == Stage.HANDED_OVER)
    commune = handed.to_unit.versions.valid_on(day).get()
    assert commune.kind.key == "commune_committee", "the home commune has it to accept"
    assert handed.to_unit_id != pending[0].cell_id

    accepted = [c for c in found if any(e.stage == Stage.HANDOVER_ACCEPTED for e in c.events.all())]
    assert len(accepted) == 1
    candidate = accepted[0]
    events = in_order(candidate.events.all())
    handed = next(e for e in events if e.stage == Stage.HANDED_OVER)
    taken = next(e for e in events if e.stage == Stage.HANDOVER_ACCEPTED)
    assert taken.to_unit_id == candidate.cell_id
    assert candidate.cell_id in unit_subtree_ids([handed.to_unit_id], taken.date)
    assert events.index(taken) < len(events) - 1, "the steps go on in the receiving cell"
    assert all(
        Posting.objects.filter(person=m, cell=candidate.cell).exists()
        for m in candidate.mentors.all()
    )
    moved = AuditEntry.objects.get(action="ranks.demo.candidate.moved")
    assert moved.after["cell"] == candidate.cell.code

    away = [c for c in found if states[c.pk].side == Stage.WORKING_AWAY]
    assert len(away) == 1
    assert next(e for e in away[0].events.all() if e.stage == Stage.WORKING_AWAY).location


def test_every_candidate_past_the_ceremony_is_a_member_from_the_decision(province):
    day = today()
    memberships = defaultdict(list)
    for m in Membership.objects.prefetch_related("postings"):
        memberships[m.person_id].append(m)
    admitted = recognised = 0
    for candidate in candidates():
        events = {e.stage: e for e in in_order(candidate.events.all())}
        mine = memberships[candidate.person_id]
        if Stage.CEREMONY not in events:
            assert not mine, candidate.person.person_id
            continue
        admitted += 1
        decision = events[Stage.ADMISSION_DECISION]
        assert len(mine) == 1
        m = mine[0]
        assert m.admission_decision_date == decision.date
        assert m.admission_decision_no == decision.decision_no
        assert m.ceremony_date == events[Stage.CEREMONY].date
        assert m.left_date is None
        [posting] = m.postings.all()
        assert (posting.cell_id, posting.valid_from, posting.valid_to) == (
            candidate.cell_id,
            decision.date,
            None,
        )
        official = rules.official_date(pipeline_facts(candidate, day))
        assert m.official_date == official
        recognised += official is not None
    assert admitted > recognised >= 1
