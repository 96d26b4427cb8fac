"""Writes of the pipeline: a person's candidacy and its stage events. Each change audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ranks.core.actor import Actor
from ranks.core.audit import Change, audit_record, audit_record_many, snapshot
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.counters.services import moving
from ranks.org.models import Unit, UnitVersion
from ranks.org.selectors import competent_for, unit_subtree_ids
from ranks.org.tree import in_force
from ranks.people.models import LeftReason, Membership, Person
from ranks.people.services import (
    cell_check,
    cell_on,
    membership_admit,
    membership_leave,
    membership_recognise,
)
from ranks.pipeline import rules
from ranks.pipeline.facts_from_records import EVENT_PREFETCH, official_counts, pipeline_facts
from ranks.pipeline.findings_text import (
    finding_citation,
    finding_message,
    format_day,
    rule_name,
    rule_title,
)
from ranks.pipeline.models import MAIN_STAGES, Candidate, SourceGroup, Stage, StageEvent

STAGES = frozenset(Stage.values)
SOURCE_GROUPS = frozenset(SourceGroup.values)

# What a stage event says besides its stage and date: what an update of it writes.
EVENT_DETAILS = (
    "detail",
    "class_name",
    "certificate_no",
    "youth_union_resolution",
    "votes_for",
    "official_members",
    "authority",
    "decision_no",
    "received_on",
    "to_unit",
    "location",
    "exception_approved_by",
    "exception_document",
)
# What an event says; who recorded it and when are kept but are not part of the comparison.
EVENT_FIELDS = ("id", "candidate", "stage", "date", *EVENT_DETAILS)


def _person(person_id: str, field: str) -> Person:
    if not person_id.strip():
        raise DomainError(_("A person needs an identifier."), field=field)
    person = Person.objects.filter(person_id=person_id.strip()).first()
    if person is None:
        raise DomainError(
            _("Unknown person: %(person_id)s.") % {"person_id": person_id}, field=field
        )
    return person


def _mentors(
    person_ids: Iterable[str], candidate: Person, field: str = "mentor_person_ids"
) -> list[Person]:
    wanted = mentor_ids_wanted(person_ids)
    found = {p.person_id: p for p in Person.objects.filter(person_id__in=wanted)}
    return mentors_check(wanted, found, candidate.person_id, field)


def mentor_ids_wanted(person_ids: Iterable[str]) -> list[str]:
    """The distinct identifiers of a list of mentors (or introducers), in order."""
    return sorted({p.strip() for p in person_ids if p and p.strip()})


def mentors_check(
    wanted: list[str], found: dict[str, Person], candidate_id: str, field: str
) -> list[Person]:
    """The people `wanted` names, from those `found` by identifier; each must exist, and none be
    the candidate."""
    missing = [p for p in wanted if p not in found]
    if missing:
        raise DomainError(
            _("Unknown person: %(person_id)s.") % {"person_id": ", ".join(missing)},
            field=field,
        )
    if candidate_id in found and candidate_id in wanted:
        raise DomainError(_("A candidate cannot be their own mentor."), field=field)
    return [found[p] for p in wanted]


def cells_on(pairs: Iterable[tuple[str, dt.date]]) -> dict[tuple[str, dt.date], Unit | DomainError]:
    """`people.services.cell_on` for many (code, day) pairs in two queries: the cell, or the
    error that refuses it."""
    pairs = set(pairs)
    units = {u.code: u for u in Unit.objects.filter(code__in={code for code, _ in pairs})}
    versions: dict[int, list[UnitVersion]] = {}
    for version in UnitVersion.objects.filter(unit__in=units.values()).select_related("kind"):
        versions.setdefault(version.unit_id, []).append(version)
    return {
        (code, day): _cell_or_error(code, day, units.get(code), versions) for code, day in pairs
    }


def _cell_or_error(
    code: str, day: dt.date, cell: Unit | None, versions: dict[int, list[UnitVersion]]
) -> Unit | DomainError:
    if cell is None:
        return DomainError(_("Unknown cell code: %(code)s.") % {"code": code}, field="cell_code")
    version = next(
        (v for v in versions.get(cell.pk, []) if in_force(v.valid_from, v.valid_to, day)),
        None,
    )
    try:
        cell_check(
            code, day, None if version is None else (version.name, version.kind.holds_members)
        )
    except DomainError as error:
        return error
    return cell


def cell_found(found: Unit | DomainError) -> Unit:
    """The cell `cells_on` found, or its refusal raised."""
    if isinstance(found, DomainError):
        raise found
    return found


# The columns of `snapshot(event, EVENT_FIELDS)`, in its order; and which hold dates.
_EVENT_COLUMNS = tuple(
    (f.attname, isinstance(f, models.DateField))
    for f in StageEvent._meta.concrete_fields
    if f.name in EVENT_FIELDS
)


def event_snapshot(event: StageEvent) -> dict[str, Any]:
    """`snapshot(event, EVENT_FIELDS)` without its JSON round trip (an import takes one per row):
    an event's values are text, numbers, booleans, None and dates."""
    state = {}
    for attname, is_date in _EVENT_COLUMNS:
        value = getattr(event, attname)
        state[attname] = value.isoformat() if is_date and value is not None else value
    return state


def _event_state(event: StageEvent, introducers: Iterable[str] | None = None) -> dict[str, Any]:
    to_unit = event.to_unit.code if event.to_unit is not None else None
    if introducers is None:
        introducers = [p.person_id for p in event.introducers.all()] if event.pk else []
    return {
        **event_snapshot(event),
        "to_unit_code": to_unit,
        "introducers": sorted(introducers),
    }


# Kept from the events by the counters (where the candidacy stands): the events are audited,
# these are not part of what a user changes on a candidacy.
DERIVED = ("stage_now", "side_now")


def _candidate_state(candidate: Candidate, mentor_ids: Iterable[str]) -> dict[str, Any]:
    fields = [f.name for f in Candidate._meta.concrete_fields if f.name not in DERIVED]
    return {
        **snapshot(candidate, fields),
        "cell_code": candidate.cell.code,
        "mentors": sorted(mentor_ids),
    }


def candidate_check_input(source_group: str, added_on: dt.date) -> None:
    """The checks of a candidacy that need nothing from the database."""
    if source_group and source_group not in SOURCE_GROUPS:
        raise DomainError(
            _("%(value)s is not an allowed value. Allowed: %(allowed)s.")
            % {"value": source_group, "allowed": ", ".join(SourceGroup.values)},
            field="source_group",
        )
    if added_on > today():
        raise DomainError(
            _("The date added to the source list is in the future."), field="added_on"
        )


def candidate_check_person(person: Person, added_on: dt.date) -> None:
    if added_on < person.birth_date:
        raise DomainError(
            _("The date added to the source list is before the birth date."),
            field="added_on",
        )


def candidate_apply(
    candidate: Candidate, cell: Unit, added_on: dt.date, source_group: str, note: str
) -> None:
    """Set what the arguments of `candidate_save` state on the candidacy (not saved)."""
    candidate.cell, candidate.added_on = cell, added_on
    candidate.source_group, candidate.note = source_group, note.strip()


def candidate_change(
    candidate: Candidate, before: dict[str, Any] | None, mentor_ids: list[str]
) -> Change:
    """The audit entry of a saved candidacy (`before` is None for a new one)."""
    return Change(
        "ranks.pipeline.candidate.updated" if before else "ranks.pipeline.candidate.created",
        "candidate",
        candidate.person.person_id,
        before,
        _candidate_state(candidate, mentor_ids),
    )


def candidate_save(
    *,
    actor: Actor,
    person_id: str,
    cell_code: str,
    added_on: dt.date,
    source_group: str = "",
    mentor_person_ids: Iterable[str] = (),
    note: str = "",
    new: bool = False,
) -> Candidate:
    """Create or update the person's candidacy; the arguments state it in full. With `new` (a
    person added to a source list) a person who is already a candidate is refused.

    The import of many candidacies (`interchange.handlers.pipeline.CandidatesHandler`) makes the
    same checks, through the same functions, on rows it loads a batch at a time."""
    candidate_check_input(source_group, added_on)
    with transaction.atomic():
        person = _person(person_id, "person_id")
        candidate = Candidate.objects.filter(person=person).select_related("cell").first()
        if new and candidate is not None:
            raise DomainError(
                _("%(person_id)s is already a candidate; record the next step on their page.")
                % {"person_id": person.person_id},
                field="person_id",
            )
        candidate_check_person(person, added_on)
        cell = cell_found(cells_on([(cell_code, added_on)])[(cell_code, added_on)])
        mentors = _mentors(mentor_person_ids, person)
        before = None
        if candidate is not None:
            current = candidate.mentors.values_list("person_id", flat=True)
            before = _candidate_state(candidate, current)
        else:
            candidate = Candidate(person=person)
        candidate_apply(candidate, cell, added_on, source_group, note)
        mentor_ids = [m.person_id for m in mentors]
        if before is not None and before == _candidate_state(candidate, mentor_ids):
            return candidate
        regrouped = (before or {}).get("source_group", "") != candidate.source_group
        # A source group moves the composition of the person's admissions; the cell and the
        # day added move the pipeline's counts.
        with moving(
            persons=[person.pk] if regrouped else [], candidacies=[person.pk], presence=False
        ):
            candidate.save()
        candidate.mentors.set(mentors)
        audit_record_many(actor, [candidate_change(candidate, before, mentor_ids)])
    return candidate


def _check_event_input(
    stage: str,
    date: dt.date,
    votes_for: int | None,
    official_members: int | None,
    received_on: dt.date | None,
    to_unit_code: str | None,
    location: str,
    introducer_person_ids: list[str],
    youth_union_resolution: bool,
    now: dt.date | None = None,
) -> None:
    if stage not in STAGES:
        raise DomainError(
            _("Unknown stage: %(stage)s. Allowed: %(allowed)s.")
            % {"stage": stage, "allowed": ", ".join(Stage.values)},
            field="stage",
        )
    if date > (now or today()):
        raise DomainError(_("The event date is in the future."), field="date")
    for field, value in (("votes_for", votes_for), ("official_members", official_members)):
        if value is not None and value < 0:
            raise DomainError(_("The number must be 0 or more."), field=field)
    if votes_for is not None and official_members is not None and votes_for > official_members:
        raise DomainError(
            _("%(votes)s votes for is more than the %(members)s official members of the cell.")
            % {"votes": votes_for, "members": official_members},
            field="votes_for",
        )
    if stage == Stage.CELL_RESOLUTION and votes_for is None:
        # The official members may be left blank: the records' figure (`vote_members`).
        raise DomainError(_("A cell resolution needs the votes for."), field="votes_for")
    if received_on is not None and received_on < date:
        raise DomainError(_("The date received is before the event date."), field="received_on")
    if stage in (Stage.HANDED_OVER, Stage.HANDOVER_ACCEPTED) and not to_unit_code:
        raise DomainError(
            _("A handover names the receiving unit.")
            if stage == Stage.HANDED_OVER
            else _("Accepting a handover names the cell that takes the candidate."),
            field="to_unit_code",
        )
    if stage == Stage.WORKING_AWAY and not location.strip():
        raise DomainError(_("Say where the candidate went to work."), field="location")
    if stage == Stage.INTRODUCERS_ASSIGNED and not introducer_person_ids:
        raise DomainError(_("Name at least one introducer."), field="introducer_person_ids")
    if youth_union_resolution and stage != Stage.INTRODUCERS_ASSIGNED:
        raise DomainError(
            _("The Youth Union resolution belongs to the introducers' assignment."),
            field="youth_union_resolution",
        )


# What ends each side state, for the messages of `_check_state`.
_ENDED_BY: dict[str, Stage] = {
    Stage.WORKING_AWAY: Stage.RETURNED,
    Stage.PAUSED: Stage.RESUMED,
    Stage.HANDED_OVER: Stage.HANDOVER_ACCEPTED,
    Stage.WITHDRAWN: Stage.SOURCE_LIST,
    Stage.INELIGIBLE: Stage.SOURCE_LIST,
}
# The side state a side event needs to be in force.
_NEEDS: dict[str, Stage] = {
    Stage.RETURNED: Stage.WORKING_AWAY,
    Stage.RESUMED: Stage.PAUSED,
    Stage.HANDOVER_ACCEPTED: Stage.HANDED_OVER,
    Stage.HANDOVER_REFUSED: Stage.HANDED_OVER,
}


def _label(stage: str) -> str:
    return str(Stage(stage).label)


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


def _check_state(events: list[StageEvent], stage: str, date: dt.date) -> None:
    """The event must fit where the candidacy stands on its day (side states, a closed file)."""
    state = rules.state_on(((e.stage, e.date) for e in events), date)
    if state.closed and stage in MAIN_STAGES:
        assert state.since is not None  # a closed candidacy closed on the day of its last stage
        raise DomainError(
            _("The candidacy ended with %(stage)s on %(date)s.")
            % {"stage": _label(state.stage), "date": format_day(state.since)},
            field="stage",
        )
    if stage in _NEEDS:
        if state.side != _NEEDS[stage]:
            raise DomainError(
                _sentence(
                    _("%(stage)s needs the candidate to be %(state)s on that date.")
                    % {"stage": _label(stage), "state": _label(_NEEDS[stage])}
                ),
                field="stage",
            )
        return
    if state.side is None or stage in (Stage.WITHDRAWN, Stage.INELIGIBLE):
        return
    if stage == Stage.SOURCE_LIST and state.side in (Stage.WITHDRAWN, Stage.INELIGIBLE):
        return  # put on a source list again: the candidacy starts over
    if state.side == Stage.WORKING_AWAY and (stage in MAIN_STAGES or stage == Stage.HANDED_OVER):
        # A candidate working away may still go through the steps, or be handed over to the
        # unit where they now work.
        return
    if stage in MAIN_STAGES or stage in _ENDED_BY:
        assert state.side_since is not None  # a side state in force began on its event's day
        raise DomainError(
            _("The candidate is %(state)s since %(date)s; record %(end)s first.")
            % {
                "state": _label(state.side),
                "date": format_day(state.side_since),
                "end": _label(_ENDED_BY[state.side]),
            },
            field="stage",
        )


def _introducers(person_ids: list[str], candidate: Candidate, date: dt.date) -> list[Person]:
    """The introducers must be party members on the day; R6 checks the rest."""
    people = _mentors(person_ids, candidate.person, field="introducer_person_ids")
    members = set(
        Membership.objects.filter(person__in=people, admission_decision_date__lte=date)
        .filter(Q(left_date__isnull=True) | Q(left_date__gt=date))
        .values_list("person_id", flat=True)
    )
    outside = [p.person_id for p in people if p.pk not in members]
    if outside:
        raise DomainError(
            _("%(people)s is not a party member on %(date)s.")
            % {"people": ", ".join(outside), "date": format_day(date)},
            field="introducer_person_ids",
        )
    return people


def _receiving_cell(
    candidate: Candidate, events: list[StageEvent], code: str, date: dt.date
) -> Unit:
    """The cell taking a handed-over candidate must be below the unit it was handed to."""
    handed = max(
        (e for e in events if e.stage == Stage.HANDED_OVER and e.date <= date),
        key=lambda e: (e.date, e.pk or 0),
    )
    cell = cell_on(code, date)
    assert handed.to_unit_id is not None  # a handover is refused without the unit it goes to
    below = unit_subtree_ids([handed.to_unit_id], date)
    if cell.pk not in below:
        raise DomainError(
            _("%(code)s is not a cell of the unit the candidate was handed to.") % {"code": code},
            field="to_unit_code",
        )
    return cell


def _refusal_message(findings: list[rules.Finding]) -> str:
    reasons = " ".join(
        f"{rule_title(f.rule)} ({finding_citation(f)}): {finding_message(f)}" for f in findings
    )
    return _(
        "Refused: %(reasons)s To record it anyway, give who approved the exception and the "
        "document."
    ) % {"reasons": reasons}


def _refusal_rule(finding: rules.Finding) -> dict[str, str]:
    """One rule of a refusal as the API gives it (the page shows the same words)."""
    return {
        "rule": finding.rule,
        "name": rule_name(finding.rule),
        "document": finding.document,
        "clause": finding.clause,
        "citation": finding_citation(finding),
        "message": finding_message(finding),
    }


def _candidate_for_event(person: Person) -> Candidate:
    candidate = (
        Candidate.objects.filter(person=person)
        .select_related("person", "cell")
        .prefetch_related(*EVENT_PREFETCH)
        .first()
    )
    if candidate is None:
        raise DomainError(
            _("%(person_id)s is not a candidate: add them to the source list first.")
            % {"person_id": person.person_id},
            field="person_id",
        )
    return candidate


def event_check_input(
    *,
    stage: str,
    date: dt.date,
    introducer_ids: list[str],
    youth_union_resolution: bool,
    votes_for: int | None,
    official_members: int | None,
    received_on: dt.date | None,
    to_unit_code: str | None,
    location: str,
    exception_approved_by: str,
    exception_document: str,
    now: dt.date | None = None,
) -> tuple[str, str]:
    """The checks of an event that need nothing from the database; who approved the exception
    and the document, stripped."""
    _check_event_input(
        stage, date, votes_for, official_members, received_on, to_unit_code, location,
        introducer_ids, youth_union_resolution, now,
    )  # fmt: skip
    approved_by, document = exception_approved_by.strip(), exception_document.strip()
    if bool(approved_by) != bool(document):
        raise DomainError(
            _("An exception needs both who approved it and the document."),
            field="exception_document" if approved_by else "exception_approved_by",
        )
    return approved_by, document


def event_apply(
    event: StageEvent,
    *,
    detail: str,
    class_name: str,
    certificate_no: str,
    youth_union_resolution: bool,
    votes_for: int | None,
    official_members: int | None,
    authority: str,
    decision_no: str,
    received_on: dt.date | None,
    to_unit: Unit | None,
    location: str,
    approved_by: str,
    document: str,
) -> None:
    """Set what the arguments of `stage_event_save` state on the event (not saved)."""
    event.detail = detail.strip()
    event.class_name = class_name.strip()
    event.certificate_no = certificate_no.strip()
    event.youth_union_resolution = youth_union_resolution
    event.votes_for, event.official_members = votes_for, official_members
    event.authority = authority.strip()
    event.decision_no = decision_no.strip()
    event.received_on, event.to_unit = received_on, to_unit
    event.location = location.strip()
    event.exception_approved_by, event.exception_document = approved_by, document


def event_check_fit(others: list[StageEvent], stage: str, date: dt.date) -> None:
    """The event must fit the candidacy's other events: its side states, a closed file, and a
    ceremony needs its decision."""
    _check_state(others, stage, date)
    if stage == Stage.CEREMONY and not any(
        e.stage == Stage.ADMISSION_DECISION and e.date <= date for e in others
    ):
        # Not even an exception: the membership the ceremony creates dates from a decision.
        raise DomainError(
            _("A ceremony needs the admission decision recorded first."), field="stage"
        )


def event_refusal(
    facts_before: rules.Pipeline,
    facts_after: rules.Pipeline,
    stage: str,
    date: dt.date,
    approved_by: str,
    after: dict[str, Any],
    excepted: str | None = None,
) -> None:
    """Refuse an event that breaks a rule, unless it is an exception: then its audited state
    lists the rules excepted (with `excepted`, the rule of an official members' figure other
    than the records', `vote_members`)."""
    refused = rules.refusals(facts_before, facts_after, stage, date)
    if refused and not approved_by:
        raise DomainError(
            _refusal_message(refused),
            field="stage",
            code="rule_refused",
            rules=[_refusal_rule(f) for f in refused],
        )
    if refused or excepted:
        after["exception_for"] = sorted(
            {f.rule for f in refused} | ({excepted} if excepted else set())
        )


def vote_rule(events: Iterable[StageEvent], date: dt.date) -> str:
    """The rule a cell resolution on `date` votes under: R11 (recognition) after a ceremony,
    R7 (admission) before."""
    ceremony = any(e.stage == Stage.CEREMONY and e.date < date for e in events)
    return "R11" if ceremony else "R7"


def vote_members(
    *,
    counted: int,
    official_members: int | None,
    votes_for: int | None,
    approved_by: str,
    date: dt.date,
    rule: str,
) -> tuple[int, str | None]:
    """The official members a cell resolution counts (R7, R11, R12) and the rule excepted, if
    any: the figure the records show in the cell on the vote's day (`counted`,
    `facts_from_records.official_counts`) when `official_members` is blank or agrees; another
    figure only as an exception, with who approved it and the document."""
    figure, excepted = counted, None
    if official_members is not None and official_members != counted:
        if not approved_by:
            raise DomainError(
                _(
                    "The records show %(counted)s official members in the cell on %(date)s, "
                    "not %(typed)s: a vote counts all the official members of the cell. Leave "
                    "the figure blank to use the records' figure, or record another figure as "
                    "an exception, with who approved it and the document."
                )
                % {"counted": counted, "typed": official_members, "date": format_day(date)},
                field="official_members",
            )
        figure, excepted = official_members, rule
    if votes_for is not None and votes_for > figure:
        raise DomainError(
            _("%(votes)s votes for is more than the %(members)s official members of the cell.")
            % {"votes": votes_for, "members": figure},
            field="votes_for",
        )
    return figure, excepted


def event_exists_refusal(existing: StageEvent) -> DomainError:
    """An event whose stage and date match a recorded one with other values: never an
    overwrite. A second vote is its own event, on its own day; a mistyped one is corrected."""
    return DomainError(
        _(
            "%(stage)s is already recorded on %(date)s with other values; it is not replaced. "
            "A second vote or meeting is recorded as its own event, on its day. To correct the "
            "recorded one, use “Correct” beside it on the candidate's page, with the reason."
        )
        % {"stage": _sentence(_label(existing.stage)), "date": format_day(existing.date)},
        field="date",
    )


def _committee_label(version: Any) -> str:
    return f"{version.name} ({version.unit.code})"


def decision_committee(
    *, cell: Unit, stage: str, date: dt.date, committee_code: str, committee_exception: str
) -> tuple[Unit | None, str, list[str]]:
    """The committee an admission decision is recorded for (R18), its exception's reason, and
    the rules excepted: the competent committee on the decision's day (`competent_for`) when
    none is named; another unit only as an exception, with the reason. Other events name no
    committee."""
    code, reason = (committee_code or "").strip(), (committee_exception or "").strip()
    if stage != Stage.ADMISSION_DECISION:
        if code or reason:
            raise DomainError(
                _("Only an admission decision names the committee that decided it."),
                field="committee_code",
            )
        return None, "", []
    competent = competent_for([cell], date)[cell.pk]
    if not code:
        # No unit above the cell in force that day: nothing to name (as an import does).
        return (competent.version.unit if competent else None), "", []
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise DomainError(
            _("Unknown unit code: %(code)s.") % {"code": code}, field="committee_code"
        )
    if competent is None or unit.pk == competent.version.unit_id:
        return unit, "", []
    named = (
        unit.versions.valid_on(date).select_related("unit").first()
        or unit.versions.select_related("unit").last()
    )
    finding = rules.wrong_committee(
        date,
        committee=_committee_label(named) if named is not None else code,
        competent=_committee_label(competent.version),
        authorised=competent.authorised,
    )
    assert finding is not None  # another unit than the competent one
    if not reason:
        raise DomainError(
            _(
                "Refused: %(reasons)s To record it anyway, mark it as an exception and give the "
                "reason."
            )
            % {
                "reasons": f"{rule_title(finding.rule)} ({finding_citation(finding)}): "
                f"{finding_message(finding)}"
            },
            field="committee_code",
            code="rule_refused",
            rules=[_refusal_rule(finding)],
        )
    return unit, reason, [finding.rule]


def event_change(person_id: str, before: dict[str, Any] | None, after: dict[str, Any]) -> Change:
    return Change(
        "ranks.pipeline.event.updated" if before else "ranks.pipeline.event.created",
        "candidate",
        person_id,
        before,
        after,
    )


def ceremony_decision(events: Iterable[StageEvent], facts: rules.Pipeline) -> tuple[dt.date, str]:
    """The admission decision a ceremony's membership dates from, and its number."""
    decision_event = max(
        (e for e in events if e.stage == Stage.ADMISSION_DECISION),
        key=lambda e: (e.date, e.pk or 0),
    )
    assert facts.decision is not None  # the decision event above makes the facts' decision
    return facts.decision.on, decision_event.decision_no


def stage_event_save(
    *,
    actor: Actor,
    person_id: str,
    stage: str,
    date: dt.date,
    detail: str = "",
    class_name: str = "",
    certificate_no: str = "",
    introducer_person_ids: Iterable[str] = (),
    youth_union_resolution: bool = False,
    votes_for: int | None = None,
    official_members: int | None = None,
    authority: str = "",
    decision_no: str = "",
    received_on: dt.date | None = None,
    to_unit_code: str | None = None,
    location: str = "",
    exception_approved_by: str = "",
    exception_document: str = "",
    committee_code: str = "",
    committee_exception: str = "",
) -> StageEvent:
    """Record a new event of the person's candidacy.

    Every event is its own: an event whose stage and date match a recorded one with the same
    values changes nothing (an import read again), with other values it is refused
    (`event_exists_refusal`): a second vote is recorded on its own day, a mistyped event is
    corrected with a reason (`stage_event_correct`).

    A cell resolution counts the official members the records show in the candidate's cell on
    its day (`vote_members`): a blank figure is the records', another one is an exception.
    An event that breaks a rule (`rules.refusals`) is refused with the rules' messages unless
    `exception_approved_by` and `exception_document` say who allowed it and by what document.
    An admission decision is recorded for the committee competent on its day (R18,
    `decision_committee`); another unit (`committee_code`) only as an exception with its reason
    (`committee_exception`). The ceremony creates the membership (party age from the admission decision, R13), official
    recognition dates official status from the end of probation (R11), removal ends it; a
    handover accepted moves the candidate to the receiving cell.

    The set-based import (`interchange.handlers.pipeline.EventsHandler`) makes the same checks
    through the same functions, on a batch of events and the records it loads for them at once.
    """
    introducer_ids = mentor_ids_wanted(introducer_person_ids)
    approved_by, document = event_check_input(
        stage=stage, date=date, introducer_ids=introducer_ids,
        youth_union_resolution=youth_union_resolution, votes_for=votes_for,
        official_members=official_members, received_on=received_on, to_unit_code=to_unit_code,
        location=location, exception_approved_by=exception_approved_by,
        exception_document=exception_document,
    )  # fmt: skip
    with transaction.atomic():
        person = _person(person_id, "person_id")
        candidate = _candidate_for_event(person)
        events = list(candidate.events.all())
        existing = next((e for e in events if e.stage == stage and e.date == date), None)
        excepted = None
        if stage == Stage.CELL_RESOLUTION:
            counted = official_counts([(candidate.cell_id, date)])[(candidate.cell_id, date)]
            if official_members is None or existing is None:
                official_members, excepted = vote_members(
                    counted=counted, official_members=official_members, votes_for=votes_for,
                    approved_by=approved_by, date=date, rule=vote_rule(events, date),
                )  # fmt: skip
        event = StageEvent(candidate=candidate, stage=stage, date=date, recorded_by=actor.name)
        to_unit = None
        if to_unit_code:
            to_unit = Unit.objects.filter(code=to_unit_code).first()
            if to_unit is None:
                raise DomainError(
                    _("Unknown unit code: %(code)s.") % {"code": to_unit_code},
                    field="to_unit_code",
                )
        introducers = _introducers(introducer_ids, candidate, date) if introducer_ids else []
        event_apply(
            event, detail=detail, class_name=class_name, certificate_no=certificate_no,
            youth_union_resolution=youth_union_resolution, votes_for=votes_for,
            official_members=official_members, authority=authority, decision_no=decision_no,
            received_on=received_on, to_unit=to_unit, location=location,
            approved_by=approved_by, document=document,
        )  # fmt: skip
        committee, committee_reason, committee_excepted = decision_committee(
            cell=candidate.cell, stage=stage, date=date, committee_code=committee_code,
            committee_exception=committee_exception,
        )  # fmt: skip
        after = _event_state(event, [p.person_id for p in introducers])
        if existing is not None:
            if same_event(_event_state(existing), after):
                return existing
            raise event_exists_refusal(existing)
        event_check_fit(events, stage, date)
        event.committee, event.committee_exception = committee, committee_reason
        if committee is not None:
            after["committee_code"] = committee.code
            after["committee_exception"] = committee_reason
        if stage == Stage.HANDOVER_ACCEPTED:
            to_unit = _receiving_cell(candidate, events, to_unit_code or "", date)
        checked = stage in rules.CHECKED_STAGES  # no facts are needed for the others
        facts_before = pipeline_facts(candidate, date, events=events) if checked else None
        # A new event moves the candidates by stage (a class passed, the pipeline's counts too).
        with moving(candidacies=[person.pk], presence=False):
            event.save()
        event.introducers.set(introducers)
        candidate = _candidate_for_event(person)
        facts_after = pipeline_facts(candidate, date) if checked else None
        if checked:
            assert facts_before is not None and facts_after is not None  # read when checked
            event_refusal(facts_before, facts_after, stage, date, approved_by, after, excepted)
        if committee_excepted:
            after["exception_for"] = sorted({*after.get("exception_for", []), *committee_excepted})
        audit_record_many(actor, [event_change(person.person_id, None, after)])
        _follow(actor, candidate, event, facts_after, to_unit)
    return event


def same_event(recorded: dict[str, Any], asked: dict[str, Any]) -> bool:
    """Whether an event asked for says what a recorded one says (its id and who recorded it
    aside): then recording it again changes nothing."""
    return {k: v for k, v in recorded.items() if k != "id"} == {
        k: v for k, v in asked.items() if k != "id"
    }


def _follow(
    actor: Actor,
    candidate: Candidate,
    event: StageEvent,
    facts: rules.Pipeline | None,
    to_unit: Unit | None,
) -> None:
    """What a new event changes beyond itself: membership, and the cell after a handover."""
    person = candidate.person
    if event.stage == Stage.CEREMONY:
        assert facts is not None  # a checked stage: its facts were read
        decided_on, decision_no = ceremony_decision(candidate.events.all(), facts)
        existing = person.memberships.filter(admission_decision_date=decided_on).first()
        if existing is None:
            membership_admit(
                actor=actor,
                person=person,
                cell_code=candidate.cell.code,
                admission_decision_date=decided_on,
                admission_decision_no=decision_no,
                ceremony_date=event.date,
            )
    elif event.stage == Stage.OFFICIAL:
        membership = person.memberships.filter(left_date__isnull=True).first()
        assert facts is not None  # a checked stage: its facts were read
        official_on = rules.official_date(facts)
        if membership is not None and official_on and membership.official_date != official_on:
            membership_recognise(actor=actor, membership=membership, official_date=official_on)
    elif event.stage == Stage.REMOVED:
        membership = person.memberships.filter(left_date__isnull=True).first()
        if membership is not None:
            membership_leave(
                actor=actor, membership=membership, on=event.date, reason=LeftReason.REMOVAL
            )
    elif event.stage == Stage.HANDOVER_ACCEPTED and to_unit is not None:
        before = _candidate_state(candidate, candidate.mentors.values_list("person_id", flat=True))
        candidate.cell = to_unit
        with moving(candidacies=[person.pk], presence=False):  # its entry and class move too
            candidate.save(update_fields=["cell"])
        audit_record(
            actor,
            "ranks.pipeline.candidate.moved",
            object_type="candidate",
            object_id=person.person_id,
            before=before,
            after=_candidate_state(candidate, before["mentors"]),
        )


# The stages whose event changed more than itself (`_follow`): their day and receiving cell
# stand as recorded; a correction may change what they say besides.
FOLLOWED = frozenset({Stage.CEREMONY, Stage.OFFICIAL, Stage.REMOVED, Stage.HANDOVER_ACCEPTED})


def stage_event_correct(
    *,
    actor: Actor,
    person_id: str,
    event_id: int,
    reason: str,
    date: dt.date,
    detail: str = "",
    class_name: str = "",
    certificate_no: str = "",
    introducer_person_ids: Iterable[str] = (),
    youth_union_resolution: bool = False,
    votes_for: int | None = None,
    official_members: int | None = None,
    authority: str = "",
    decision_no: str = "",
    received_on: dt.date | None = None,
    to_unit_code: str | None = None,
    location: str = "",
    exception_approved_by: str = "",
    exception_document: str = "",
    committee_code: str = "",
    committee_exception: str = "",
) -> StageEvent:
    """Correct a mistyped event of the person's candidacy: the arguments state it in full, the
    reason says why. Audited as `ranks.pipeline.event.corrected` with the event before and
    after and the reason; the rules are checked as for a new event on its (corrected) day, and
    a cell resolution counts the official members the records show (`vote_members`).

    The day of an event that changed a membership or moved the candidate (`FOLLOWED`), and of an
    admission decision a ceremony followed, is not corrected here: the membership dates from it.
    """
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why the event is corrected."), field="reason")
    introducer_ids = mentor_ids_wanted(introducer_person_ids)
    with transaction.atomic():
        person = _person(person_id, "person_id")
        candidate = _candidate_for_event(person)
        events = list(candidate.events.all())
        event = next((e for e in events if e.pk == event_id), None)
        if event is None:
            raise DomainError(_("No such event of this candidacy."), field="stage")
        stage = event.stage
        approved_by, document = event_check_input(
            stage=stage, date=date, introducer_ids=introducer_ids,
            youth_union_resolution=youth_union_resolution, votes_for=votes_for,
            official_members=official_members, received_on=received_on,
            to_unit_code=to_unit_code, location=location,
            exception_approved_by=exception_approved_by,
            exception_document=exception_document,
        )  # fmt: skip
        others = [e for e in events if e.pk != event.pk]
        ceremony_followed = stage == Stage.ADMISSION_DECISION and any(
            e.stage == Stage.CEREMONY for e in others
        )
        if date != event.date and (stage in FOLLOWED or ceremony_followed):
            raise DomainError(
                _(
                    "The date of %(stage)s cannot be corrected here: the membership or the "
                    "candidate's cell dates from it. Correct the membership on the person's page."
                )
                % {"stage": _label(stage)},
                field="date",
            )
        clash = next((e for e in others if e.stage == stage and e.date == date), None)
        if clash is not None:
            raise DomainError(
                _("%(stage)s is already recorded on %(date)s.")
                % {"stage": _sentence(_label(stage)), "date": format_day(date)},
                field="date",
            )
        excepted = None
        if stage == Stage.CELL_RESOLUTION:
            counted = official_counts([(candidate.cell_id, date)])[(candidate.cell_id, date)]
            official_members, excepted = vote_members(
                counted=counted, official_members=official_members, votes_for=votes_for,
                approved_by=approved_by, date=date, rule=vote_rule(others, date),
            )  # fmt: skip
        to_unit = None
        if to_unit_code:
            to_unit = Unit.objects.filter(code=to_unit_code).first()
            if to_unit is None:
                raise DomainError(
                    _("Unknown unit code: %(code)s.") % {"code": to_unit_code},
                    field="to_unit_code",
                )
        if stage == Stage.HANDOVER_ACCEPTED and to_unit != event.to_unit:
            raise DomainError(
                _("The cell that took the candidate cannot be corrected here."),
                field="to_unit_code",
            )
        introducers = _introducers(introducer_ids, candidate, date) if introducer_ids else []
        committee, committee_reason, committee_excepted = decision_committee(
            cell=candidate.cell, stage=stage, date=date, committee_code=committee_code,
            committee_exception=committee_exception,
        )  # fmt: skip
        if stage == Stage.ADMISSION_DECISION and not authority:
            authority = event.authority  # the legacy note stays
        before = _event_state(event)
        if event.committee is not None:
            before["committee_code"] = event.committee.code
            before["committee_exception"] = event.committee_exception
        event.date = date
        event.committee, event.committee_exception = committee, committee_reason
        event_apply(
            event, detail=detail, class_name=class_name, certificate_no=certificate_no,
            youth_union_resolution=youth_union_resolution, votes_for=votes_for,
            official_members=official_members, authority=authority, decision_no=decision_no,
            received_on=received_on, to_unit=to_unit, location=location,
            approved_by=approved_by, document=document,
        )  # fmt: skip
        after = _event_state(event, [p.person_id for p in introducers])
        if committee is not None:
            after["committee_code"] = committee.code
            after["committee_exception"] = committee_reason
        if before == after:
            raise DomainError(
                _("Nothing to correct: these are the values recorded."), field="stage"
            )
        event_check_fit(others, stage, date)
        checked = stage in rules.CHECKED_STAGES
        facts_before = pipeline_facts(candidate, date, events=others) if checked else None
        # Its day may move where the candidacy stands (the candidates by stage).
        with moving(candidacies=[person.pk], presence=False):
            event.save()
        event.introducers.set(introducers)
        if checked:
            facts_after = pipeline_facts(_candidate_for_event(person), date)
            assert facts_before is not None  # read when checked
            event_refusal(facts_before, facts_after, stage, date, approved_by, after, excepted)
        if committee_excepted:
            after["exception_for"] = sorted({*after.get("exception_for", []), *committee_excepted})
        audit_record(
            actor,
            "ranks.pipeline.event.corrected",
            object_type="candidate",
            object_id=person.person_id,
            before=before,
            after={**after, "reason": reason},
        )
    return event
