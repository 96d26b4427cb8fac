"""A candidate's page on a day, and what the pipeline's forms offer to choose from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ranks.core.collation import vietnamese
from ranks.org.models import Unit, UnitVersion
from ranks.org.selectors import unit_labels_as_of, unit_subtree
from ranks.people.models import Membership, Person
from ranks.people.selectors import cell_members_on
from ranks.people.status import OFFICIAL, PROBATIONARY
from ranks.pipeline import rules
from ranks.pipeline.facts_from_records import official_counts, pipeline_facts, vote_outcome
from ranks.pipeline.findings_text import finding_citation, finding_message
from ranks.pipeline.models import Candidate, Stage, StageEvent
from ranks.pipeline.selectors.standing import candidate_state

if TYPE_CHECKING:
    from ranks.access.scope import Scope

# The side events that fit where a candidacy stands, by its side state (None: none in force).
SIDE_ACTIONS: dict[str | None, tuple[str, ...]] = {
    None: (Stage.WORKING_AWAY, Stage.PAUSED, Stage.HANDED_OVER, Stage.WITHDRAWN, Stage.INELIGIBLE),
    Stage.WORKING_AWAY: (Stage.RETURNED, Stage.HANDED_OVER, Stage.WITHDRAWN, Stage.INELIGIBLE),
    Stage.PAUSED: (Stage.RESUMED, Stage.WITHDRAWN, Stage.INELIGIBLE),
    Stage.HANDED_OVER: (Stage.WITHDRAWN, Stage.INELIGIBLE),
    # Put on a source list again, the candidacy starts over.
    Stage.WITHDRAWN: (Stage.SOURCE_LIST,),
    Stage.INELIGIBLE: (Stage.SOURCE_LIST,),
}
STAGE_ORDER = {stage: i for i, stage in enumerate(Stage.values)}


@dataclass(frozen=True)
class FindingRow:
    """A rule's finding as the page shows it: its citation and its message in words."""

    status: str
    rule: str
    citation: str
    message: str
    date: dt.date | None
    code: str
    # The rule's document and clause as the engine keeps them; `citation` says them in words.
    document: str = ""
    clause: str = ""


@dataclass(frozen=True)
class NextStep:
    stage: str
    allowed: bool
    blockers: list[FindingRow]


@dataclass(frozen=True)
class TimelineEntry:
    event: StageEvent
    to_unit_code: str
    to_unit_name: str
    is_later: bool  # after the day shown
    # An admission decision: the committee it is recorded for (R18).
    committee_code: str = ""
    committee_name: str = ""


@dataclass(frozen=True)
class StageTime:
    stage: str
    start: dt.date
    end: dt.date | None
    days: int


@dataclass(frozen=True)
class CandidateOverview:
    """A candidacy on a day: where it stands, its timeline, what the rules find, and what may be
    recorded next."""

    state: rules.State
    days_in_stage: int | None
    cell_name: str
    mentors: list[Person]
    timeline: list[TimelineEntry]
    periods: list[StageTime]
    eligibility: list[FindingRow]
    deadlines: list[FindingRow]
    next_stages: list[NextStep]
    side_actions: list[str]
    handover_to: tuple[str, str] | None  # (code, name) of the unit a pending handover is to
    # The latest cell vote up to the day (admission or recognition) and what follows from it.
    vote: rules.VoteOutcome | None = None
    # After the ceremony: the person's membership status on the day (probationary, official).
    member_status: str = ""

    @property
    def vote_failed(self) -> bool:
        """The candidacy stands at a cell resolution whose latest vote failed."""
        return (
            self.vote is not None and self.vote.failed and self.state.stage == Stage.CELL_RESOLUTION
        )


def _finding_rows(findings: Iterable[rules.Finding]) -> list[FindingRow]:
    return [
        FindingRow(
            status=f.status,
            rule=f.rule,
            citation=finding_citation(f),
            message=finding_message(f),
            date=f.date,
            code=f.code,
            document=f.document,
            clause=f.clause,
        )
        for f in findings
    ]


def candidate_eligibility(*, candidate: Candidate, day: dt.date) -> list[FindingRow]:
    """What the rules find for the candidacy on `day`, as its page lists them under Eligibility
    (`rules.evaluate`), from a candidacy read with what `pipeline_facts` reads."""
    return _finding_rows(rules.evaluate(pipeline_facts(candidate, day), day))


def candidate_overview(
    *,
    candidate: Candidate,
    day: dt.date,
    may_record: bool,
    handover: StageEvent | None,
) -> CandidateOverview:
    """What the candidate's page shows on `day`, from a candidacy read with what
    `pipeline_facts` reads (`pipeline.access.candidate_or_404`): the unit names and the mentors
    are the only queries more. What may be recorded next only when `may_record`."""
    state = candidate_state(candidate, day)
    facts = pipeline_facts(candidate, day)
    status = _member_status(candidate, day)
    events = sorted(candidate.events.all(), key=lambda e: (e.date, STAGE_ORDER[e.stage], e.pk))
    unit_ids = {
        candidate.cell_id,
        *(e.to_unit_id for e in events if e.to_unit_id),
        *(e.committee_id for e in events if e.committee_id),
    }
    names = unit_labels_as_of(unit_ids=unit_ids, day=day)
    timeline_entries = [
        TimelineEntry(
            event=e,
            to_unit_code=names.get(e.to_unit_id, ("", ""))[0] if e.to_unit_id else "",
            to_unit_name=names.get(e.to_unit_id, ("", ""))[1] if e.to_unit_id else "",
            is_later=e.date > day,
            committee_code=names.get(e.committee_id, ("", ""))[0] if e.committee_id else "",
            committee_name=names.get(e.committee_id, ("", ""))[1] if e.committee_id else "",
        )
        for e in events
    ]
    next_stages: list[NextStep] = []
    side_actions: list[str] = []
    if may_record and not state.closed:
        side_actions = list(SIDE_ACTIONS.get(state.side, ()))
        if not state.stopped:
            next_stages = [
                NextStep(stage=n.stage, allowed=n.allowed, blockers=_finding_rows(n.blockers))
                for n in rules.next_stages(facts, day)
            ]
    return CandidateOverview(
        state=state,
        days_in_stage=state.days_in_stage(day),
        cell_name=names.get(candidate.cell_id, ("", candidate.cell.code))[1],
        mentors=list(candidate.mentors.all()),
        timeline=timeline_entries,
        periods=[StageTime(p.stage, p.start, p.end, p.days(day)) for p in state.periods],
        eligibility=_finding_rows(rules.evaluate(facts, day)),  # `candidate_eligibility`
        deadlines=_finding_rows(rules.due(facts, day)),
        next_stages=next_stages,
        side_actions=side_actions,
        handover_to=names.get(handover.to_unit_id) if handover and handover.to_unit_id else None,
        vote=vote_outcome(events, day),
        # Read whatever the stage, so that the page's queries do not depend on it.
        member_status=status if facts.ceremony is not None else "",
    )


def _member_status(candidate: Candidate, day: dt.date) -> str:
    """The person's membership status on `day` once admitted: probationary or official (one
    query); blank when they are not a member that day."""
    for membership in Membership.objects.filter(person_id=candidate.person_id).order_by(
        "-admission_decision_date"
    ):
        status = membership.status_on(day)
        if status in (PROBATIONARY, OFFICIAL):
            return status
    return ""


def candidacy_visible(*, scope: Scope, person: Person) -> bool:
    """Whether the person's candidacy is in `scope` (its page would not answer 404)."""
    return bool(scope.units(Candidate.objects.filter(person=person), "cell").exists())


# --- the forms' choices --------------------------------------------------------------------------


@dataclass(frozen=True)
class FormChoices:
    """What a form offers: people of the cell (introducers, mentors) and cells, as (key, name);
    and, for a cell resolution, the official members counted in the records."""

    members: list[tuple[str, str]] = field(default_factory=list)
    cells: list[tuple[str, str]] = field(default_factory=list)
    counted: int | None = None


def _recordable_cells(*, officer: Scope, unit: Unit, day: dt.date) -> list[UnitVersion]:
    """Versions on `day` of the cells below `unit` the officer scope may record for, by name."""
    versions = officer.units(unit_subtree(unit, day).filter(kind__holds_members=True), "unit")
    return list(versions.order_by(vietnamese("name")))


def event_choices(
    *,
    candidate: Candidate,
    stage: str,
    day: dt.date,
    officer: Scope,
    handover: StageEvent | None,
) -> FormChoices:
    """What the form of `stage` offers on `day`: the official members of the candidate's cell as
    introducers (R6), the official members counted for a cell resolution (R7), and the cells
    below the receiving unit that may take a handed-over candidate."""
    if stage == Stage.INTRODUCERS_ASSIGNED:
        return FormChoices(
            members=[
                (p.person.person_id, p.person.full_name)
                for p in cell_members_on(candidate.cell_id, day)
                if p.membership.official_date is not None
                and p.membership.official_date <= day
                and p.person_id != candidate.person_id
            ]
        )
    if stage == Stage.CELL_RESOLUTION:
        # The figure the vote counts: the records of the cell on the day (R7, R11, R12).
        return FormChoices(
            counted=official_counts([(candidate.cell_id, day)])[(candidate.cell_id, day)]
        )
    if stage == Stage.HANDOVER_ACCEPTED and handover is not None and handover.to_unit is not None:
        cells = _recordable_cells(officer=officer, unit=handover.to_unit, day=day)
        return FormChoices(cells=[(v.unit.code, v.name) for v in cells])
    return FormChoices()


def candidate_choices(*, officer: Scope, unit: Unit, day: dt.date) -> FormChoices:
    """What adding to a source list below `unit` offers: the cells the officer scope may add to
    and, when there is one, its members as mentors."""
    cells = _recordable_cells(officer=officer, unit=unit, day=day)
    members = []
    if len(cells) == 1:
        members = [
            (p.person.person_id, p.person.full_name) for p in cell_members_on(cells[0].unit_id, day)
        ]
    return FormChoices(members=members, cells=[(v.unit.code, v.name) for v in cells])
