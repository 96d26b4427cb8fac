"""What the pipeline's reads answer with, and the plain data they are built from.

The data come from the selectors the pages use (`pipeline.selectors`, `pipeline.due`); the words
(rule names, citations, messages) from `pipeline.findings_text`, in the language asked for.
`CandidateSerializer` over `candidate_data(...)` is a candidate as its page shows it; the
pipeline's writes may answer with it too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rest_framework import serializers

from ranks.pipeline import rules
from ranks.pipeline.access import CandidateAccess
from ranks.pipeline.due import DueItem
from ranks.pipeline.findings_text import finding_citation, finding_message, rule_name
from ranks.pipeline.models import StageEvent
from ranks.pipeline.rules.timeline import BEGINS
from ranks.pipeline.selectors import (
    FindingRow,
    Row,
    candidate_basis,
    candidate_overview,
    state_key_of,
)
from ranks.pipeline.selectors.candidate import TimelineEntry
from ranks.pipeline.stages import STATE_FILTERS, SourceGroup, Stage

FINDING_STATUSES = (rules.OK, rules.WARNING, rules.BLOCKED)
SIDE_STATES = tuple(s for s in Stage.values if s in BEGINS)
MEMBER_STATUSES = ("probationary", "official")


# --- the serializers -------------------------------------------------------------------------


class PipelineUnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text="Its name on the date asked for.")


class PipelinePersonSerializer(serializers.Serializer):
    person_id = serializers.CharField()
    full_name = serializers.CharField()


class RuleFindingSerializer(serializers.Serializer):
    """A rule's finding in the words the page shows."""

    status = serializers.ChoiceField(
        choices=FINDING_STATUSES, help_text="ok, warning (due soon, or watch), blocked."
    )
    rule = serializers.CharField(help_text="The rule's id: R1 … R15.")
    name = serializers.CharField(help_text="The rule's name, translated.")
    document = serializers.CharField(help_text="The document, as the rules keep it.")
    clause = serializers.CharField(help_text="The clause, as the rules keep it.")
    citation = serializers.CharField(help_text="Document and clause in words, translated.")
    message = serializers.CharField(help_text="What the rule finds, translated.")
    code = serializers.CharField(help_text="The finding's code (a key of its message).")
    date = serializers.DateField(
        allow_null=True, help_text="When it becomes ok, or when it falls due."
    )


class CandidateStandingSerializer(serializers.Serializer):
    """Where the candidacy stands on the date."""

    stage = serializers.ChoiceField(choices=Stage.choices, help_text="The main stage reached.")
    stage_since = serializers.DateField(allow_null=True)
    days_in_stage = serializers.IntegerField(allow_null=True)
    side_state = serializers.ChoiceField(
        choices=SIDE_STATES,
        allow_null=True,
        help_text="Working away, paused, handed over, withdrawn or found ineligible; null: none.",
    )
    side_since = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(
        choices=tuple(STATE_FILTERS),
        help_text="As the source list filters: member (admitted: ceremony or official "
        "recognition), removed, else the side state, else active.",
    )
    vote_failed = serializers.BooleanField(
        help_text="It stands at the cell resolution and the latest vote failed (R7)."
    )


class CandidateRowSerializer(serializers.Serializer):
    """A candidacy as the source list shows it."""

    person_id = serializers.CharField()
    full_name = serializers.CharField()
    cell = PipelineUnitSerializer()
    source_group = serializers.ChoiceField(choices=SourceGroup.choices, allow_blank=True)
    source_group_name = serializers.CharField(help_text="Translated; empty when none.")
    added_on = serializers.DateField()
    standing = CandidateStandingSerializer()
    mentors = PipelinePersonSerializer(many=True)
    next_due = RuleFindingSerializer(
        allow_null=True,
        help_text="The earliest deadline running on the date (of those the candidate's page "
        "lists); null: none.",
    )


class CandidateVoteSerializer(serializers.Serializer):
    """The latest cell vote up to the date and what follows from it (R7, R11, R12)."""

    recognition = serializers.BooleanField(help_text="A vote on recognition (after the ceremony).")
    on = serializers.DateField()
    votes_for = serializers.IntegerField()
    official_members = serializers.IntegerField()
    required = serializers.IntegerField()
    passed = serializers.BooleanField()
    against = serializers.BooleanField(help_text="Recognition: two thirds did not vote for.")
    held = serializers.IntegerField(help_text="Recognition votes held without two thirds.")
    most = serializers.IntegerField(help_text="Recognition votes allowed so.")
    upper_decides = serializers.BooleanField()


class ExceptionSerializer(serializers.Serializer):
    approved_by = serializers.CharField()
    document = serializers.CharField()


class CandidateEventSerializer(serializers.Serializer):
    """A stage event with every field it keeps (blank where its stage has none)."""

    id = serializers.IntegerField()
    stage = serializers.ChoiceField(choices=Stage.choices)
    date = serializers.DateField()
    after_date = serializers.BooleanField(help_text="Dated after the date asked for.")
    detail = serializers.CharField(allow_blank=True)
    class_name = serializers.CharField(allow_blank=True)
    certificate_no = serializers.CharField(allow_blank=True)
    introducers = PipelinePersonSerializer(many=True)
    youth_union_resolution = serializers.BooleanField()
    votes_for = serializers.IntegerField(allow_null=True)
    official_members = serializers.IntegerField(allow_null=True)
    authority = serializers.CharField(allow_blank=True)
    committee = PipelineUnitSerializer(
        allow_null=True,
        help_text="Admission decision: the committee it is recorded for (R18).",
    )
    committee_exception = serializers.CharField(
        allow_blank=True,
        help_text="Why a committee other than the competent one decided (an exception to R18).",
    )
    decision_no = serializers.CharField(allow_blank=True)
    received_on = serializers.DateField(allow_null=True)
    to_unit = PipelineUnitSerializer(
        allow_null=True,
        help_text="Handed over: the receiving unit; handover accepted: the cell taking it.",
    )
    location = serializers.CharField(allow_blank=True)
    exception = ExceptionSerializer(
        allow_null=True, help_text="Kept as an exception to a rule: who approved it, the document."
    )
    recorded_by = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class StagePeriodSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    start = serializers.DateField()
    end = serializers.DateField(allow_null=True)
    days = serializers.IntegerField()


class NextStageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    allowed = serializers.BooleanField()
    blockers = RuleFindingSerializer(many=True)


class HandoverSerializer(serializers.Serializer):
    date = serializers.DateField()
    to_unit = PipelineUnitSerializer()
    detail = serializers.CharField(allow_blank=True)


class CandidateSerializer(serializers.Serializer):
    """A candidacy on a date as its page shows it."""

    person_id = serializers.CharField()
    full_name = serializers.CharField()
    birth_date = serializers.DateField()
    cell = PipelineUnitSerializer()
    source_group = serializers.ChoiceField(choices=SourceGroup.choices, allow_blank=True)
    source_group_name = serializers.CharField()
    added_on = serializers.DateField()
    note = serializers.CharField(allow_blank=True)
    mentors = PipelinePersonSerializer(many=True)
    on = serializers.DateField()
    standing = CandidateStandingSerializer()
    member_status = serializers.ChoiceField(
        choices=MEMBER_STATUSES,
        allow_null=True,
        help_text="After the ceremony: the membership's status on the date; else null.",
    )
    vote = CandidateVoteSerializer(allow_null=True)
    handover = HandoverSerializer(
        allow_null=True, help_text="A handover waiting for the receiving unit's answer."
    )
    may_record = serializers.BooleanField(
        help_text="The caller is an officer over the candidate's cell."
    )
    may_answer_handover = serializers.BooleanField()
    events = CandidateEventSerializer(many=True, help_text="In the order they count.")
    periods = StagePeriodSerializer(many=True, help_text="Time in each stage.")
    eligibility = RuleFindingSerializer(many=True)
    deadlines = RuleFindingSerializer(many=True)
    next_stages = NextStageSerializer(
        many=True, help_text="What may be recorded next; only for who may record (as the page)."
    )
    side_actions = serializers.ListField(
        child=serializers.CharField(),
        help_text="Side events that fit now (stages); only for who may record.",
    )
    basis = serializers.CharField(
        help_text="The version of the candidacy (also the `ETag`): send it as `If-Match` with a "
        "step recorded on this copy."
    )


class EligibilitySerializer(serializers.Serializer):
    person_id = serializers.CharField()
    on = serializers.DateField()
    findings = RuleFindingSerializer(many=True)


class DueItemSerializer(serializers.Serializer):
    person_id = serializers.CharField()
    full_name = serializers.CharField()
    cell = PipelineUnitSerializer()
    status = serializers.ChoiceField(
        choices=(rules.WARNING, rules.BLOCKED), help_text="warning: due soon; blocked: too late."
    )
    overdue = serializers.BooleanField()
    date = serializers.DateField(allow_null=True)
    rule = serializers.CharField()
    name = serializers.CharField()
    document = serializers.CharField()
    clause = serializers.CharField()
    citation = serializers.CharField()
    message = serializers.CharField()


# --- the data --------------------------------------------------------------------------------


def finding_data(finding: FindingRow | rules.Finding) -> dict[str, Any]:
    """A finding as `RuleFindingSerializer` reads it; a row of the page keeps its words."""
    if isinstance(finding, FindingRow):
        citation, message = finding.citation, finding.message
    else:
        citation, message = finding_citation(finding), finding_message(finding)
    return {
        "status": finding.status,
        "rule": finding.rule,
        "name": rule_name(finding.rule),
        "document": finding.document,
        "clause": finding.clause,
        "citation": citation,
        "message": message,
        "code": finding.code,
        "date": finding.date,
    }


def _standing(state: rules.State, day: dt.date, vote_failed: bool) -> dict[str, Any]:
    return {
        "stage": state.stage,
        "stage_since": state.since,
        "days_in_stage": state.days_in_stage(day),
        "side_state": state.side,
        "side_since": state.side_since,
        "status": state_key_of(state),
        "vote_failed": vote_failed,
    }


def _person(person) -> dict[str, str]:
    return {"person_id": person.person_id, "full_name": person.full_name}


def row_data(row: Row, day: dt.date) -> dict[str, Any]:
    """A row of the source list (`rows_with_deadlines`) as `CandidateRowSerializer` reads it."""
    c = row.candidate
    return {
        **_person(c.person),
        "cell": {"code": c.cell.code, "name": row.cell_name},
        "source_group": c.source_group,
        "source_group_name": str(c.get_source_group_display()) if c.source_group else "",
        "added_on": c.added_on,
        "standing": _standing(row.state, day, row.failed_vote is not None),
        "mentors": [_person(m) for m in c.mentors.all()],
        "next_due": finding_data(row.next_due) if row.next_due else None,
    }


def _event(entry: TimelineEntry) -> dict[str, Any]:
    e: StageEvent = entry.event
    return {
        "id": e.pk,
        "stage": e.stage,
        "date": e.date,
        "after_date": entry.is_later,
        "detail": e.detail,
        "class_name": e.class_name,
        "certificate_no": e.certificate_no,
        "introducers": [_person(p) for p in e.introducers.all()],
        "youth_union_resolution": e.youth_union_resolution,
        "votes_for": e.votes_for,
        "official_members": e.official_members,
        "authority": e.authority,
        "committee": (
            {"code": entry.committee_code, "name": entry.committee_name} if e.committee_id else None
        ),
        "committee_exception": e.committee_exception,
        "decision_no": e.decision_no,
        "received_on": e.received_on,
        "to_unit": (
            {"code": entry.to_unit_code, "name": entry.to_unit_name} if e.to_unit_id else None
        ),
        "location": e.location,
        "exception": (
            {"approved_by": e.exception_approved_by, "document": e.exception_document}
            if e.exception_approved_by
            else None
        ),
        "recorded_by": e.recorded_by,
        "recorded_at": e.recorded_at,
    }


def _vote(vote: rules.VoteOutcome | None) -> dict[str, Any] | None:
    if vote is None:
        return None
    return {
        "recognition": vote.recognition,
        "on": vote.on,
        "votes_for": vote.votes_for,
        "official_members": vote.official_members,
        "required": vote.required,
        "passed": vote.passed,
        "against": vote.against,
        "held": vote.held,
        "most": vote.most,
        "upper_decides": vote.upper_decides,
    }


def candidate_data(seen: CandidateAccess, day: dt.date) -> dict[str, Any]:
    """A candidacy the caller may see (`pipeline.access.candidate_or_404`) on `day`, as its page
    shows it (`candidate_overview`), for `CandidateSerializer`."""
    candidate = seen.candidate
    person = candidate.person
    overview = candidate_overview(
        candidate=candidate, day=day, may_record=seen.may_record, handover=seen.handover
    )
    handover = None
    if seen.handover is not None and overview.handover_to is not None:
        code, name = overview.handover_to
        handover = {
            "date": seen.handover.date,
            "to_unit": {"code": code, "name": name},
            "detail": seen.handover.detail,
        }
    return {
        **_person(person),
        "birth_date": person.birth_date,
        "cell": {"code": candidate.cell.code, "name": overview.cell_name},
        "source_group": candidate.source_group,
        "source_group_name": (
            str(candidate.get_source_group_display()) if candidate.source_group else ""
        ),
        "added_on": candidate.added_on,
        "note": candidate.note,
        "mentors": [_person(m) for m in overview.mentors],
        "on": day,
        "standing": _standing(overview.state, day, overview.vote_failed),
        "member_status": overview.member_status or None,
        "vote": _vote(overview.vote),
        "handover": handover,
        "may_record": seen.may_record,
        "may_answer_handover": seen.may_answer_handover,
        "events": [_event(entry) for entry in overview.timeline],
        "periods": [
            {"stage": p.stage, "start": p.start, "end": p.end, "days": p.days}
            for p in overview.periods
        ],
        "eligibility": [finding_data(f) for f in overview.eligibility],
        "deadlines": [finding_data(f) for f in overview.deadlines],
        "next_stages": [
            {
                "stage": n.stage,
                "allowed": n.allowed,
                "blockers": [finding_data(b) for b in n.blockers],
            }
            for n in overview.next_stages
        ],
        "side_actions": [str(s) for s in overview.side_actions],
        "basis": candidate_basis(candidate),
    }


def due_data(item: DueItem) -> dict[str, Any]:
    """An item of the due list as `DueItemSerializer` reads it."""
    return {
        "person_id": item.person_id,
        "full_name": item.full_name,
        "cell": {"code": item.cell_code, "name": item.cell_name},
        "status": item.status,
        "overdue": item.overdue,
        "date": item.date,
        "rule": item.rule,
        "name": rule_name(item.rule),
        "document": item.document,
        "clause": item.clause,
        "citation": item.citation,
        "message": item.message,
    }
