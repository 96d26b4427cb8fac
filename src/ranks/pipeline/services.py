"""Writes of the pipeline: a person's candidacy and its stage events. Each change audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ranks.core.actor import Actor
from ranks.core.audit import audit_record, snapshot
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.org.models import Unit
from ranks.people.models import Person
from ranks.people.services import cell_on
from ranks.pipeline.models import Candidate, SourceGroup, Stage, StageEvent

# What an event says; who recorded it and when are kept but are not part of the comparison.
EVENT_FIELDS = (
    "id",
    "candidate",
    "stage",
    "date",
    "detail",
    "certificate_no",
    "votes_for",
    "official_members",
    "decision_no",
    "received_on",
    "to_unit",
)


def _person(person_id: str, field: str) -> Person:
    if not person_id.strip():
        raise DomainError(_("A person needs an identifier."), field=field)
    person = Person.objects.filter(person_id=person_id.strip()).first()
    if person is None:
        raise DomainError(
            _("Unknown person: %(person_id)s.") % {"person_id": person_id}, field=field
        )
    return person


def _mentors(person_ids: Iterable[str], candidate: Person) -> list[Person]:
    wanted = sorted({p.strip() for p in person_ids if p and p.strip()})
    found = {p.person_id: p for p in Person.objects.filter(person_id__in=wanted)}
    missing = [p for p in wanted if p not in found]
    if missing:
        raise DomainError(
            _("Unknown person: %(person_id)s.") % {"person_id": ", ".join(missing)},
            field="mentor_person_ids",
        )
    if candidate.person_id in found:
        raise DomainError(_("A candidate cannot be their own mentor."), field="mentor_person_ids")
    return [found[p] for p in wanted]


def _event_state(event: StageEvent) -> dict[str, Any]:
    to_unit = event.to_unit.code if event.to_unit_id else None
    return {**snapshot(event, EVENT_FIELDS), "to_unit_code": to_unit}


def _candidate_state(candidate: Candidate, mentor_ids: Iterable[str]) -> dict[str, Any]:
    return {
        **snapshot(candidate),
        "cell_code": candidate.cell.code,
        "mentors": sorted(mentor_ids),
    }


def candidate_save(
    *,
    actor: Actor,
    person_id: str,
    cell_code: str,
    added_on: dt.date,
    source_group: str = "",
    mentor_person_ids: Iterable[str] = (),
    note: str = "",
) -> Candidate:
    """Create or update the person's candidacy; the arguments state it in full."""
    if source_group and source_group not in SourceGroup.values:
        raise DomainError(
            _("%(value)s is not an allowed value. Allowed: %(allowed)s.")
            % {"value": source_group, "allowed": ", ".join(SourceGroup.values)},
            field="source_group",
        )
    if added_on > today():
        raise DomainError(
            _("The date added to the source list is in the future."), field="added_on"
        )
    with transaction.atomic():
        person = _person(person_id, "person_id")
        if added_on < person.birth_date:
            raise DomainError(
                _("The date added to the source list is before the birth date."),
                field="added_on",
            )
        cell = cell_on(cell_code, added_on)
        mentors = _mentors(mentor_person_ids, person)
        candidate = Candidate.objects.filter(person=person).select_related("cell").first()
        before = None
        if candidate is not None:
            current = candidate.mentors.values_list("person_id", flat=True)
            before = _candidate_state(candidate, current)
        else:
            candidate = Candidate(person=person)
        candidate.cell, candidate.added_on = cell, added_on
        candidate.source_group, candidate.note = source_group, note.strip()
        mentor_ids = [m.person_id for m in mentors]
        if before is not None and before == _candidate_state(candidate, mentor_ids):
            return candidate
        candidate.save()
        candidate.mentors.set(mentors)
        audit_record(
            actor,
            "ranks.pipeline.candidate.updated" if before else "ranks.pipeline.candidate.created",
            object_type="candidate",
            object_id=person.person_id,
            before=before,
            after=_candidate_state(candidate, mentor_ids),
        )
    return candidate


def _check_event_input(
    stage: str,
    date: dt.date,
    votes_for: int | None,
    official_members: int | None,
    received_on: dt.date | None,
) -> None:
    if stage not in Stage.values:
        raise DomainError(
            _("Unknown stage: %(stage)s. Allowed: %(allowed)s.")
            % {"stage": stage, "allowed": ", ".join(Stage.values)},
            field="stage",
        )
    if date > today():
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
    if received_on is not None and received_on < date:
        raise DomainError(_("The date received is before the event date."), field="received_on")


def stage_event_save(
    *,
    actor: Actor,
    person_id: str,
    stage: str,
    date: dt.date,
    detail: str = "",
    certificate_no: str = "",
    votes_for: int | None = None,
    official_members: int | None = None,
    decision_no: str = "",
    received_on: dt.date | None = None,
    to_unit_code: str | None = None,
) -> StageEvent:
    """Create or update the event of the person's candidacy keyed by (stage, date)."""
    _check_event_input(stage, date, votes_for, official_members, received_on)
    with transaction.atomic():
        person = _person(person_id, "person_id")
        candidate = Candidate.objects.filter(person=person).first()
        if candidate is None:
            raise DomainError(
                _("%(person_id)s is not a candidate: add them to the source list first.")
                % {"person_id": person.person_id},
                field="person_id",
            )
        to_unit = None
        if to_unit_code:
            to_unit = Unit.objects.filter(code=to_unit_code).first()
            if to_unit is None:
                raise DomainError(
                    _("Unknown unit code: %(code)s.") % {"code": to_unit_code},
                    field="to_unit_code",
                )
        event = (
            StageEvent.objects.filter(candidate=candidate, stage=stage, date=date)
            .select_related("to_unit")
            .first()
        )
        before = _event_state(event) if event else None
        if event is None:
            event = StageEvent(candidate=candidate, stage=stage, date=date, recorded_by=actor.name)
        event.detail = detail.strip()
        event.certificate_no = certificate_no.strip()
        event.votes_for, event.official_members = votes_for, official_members
        event.decision_no = decision_no.strip()
        event.received_on, event.to_unit = received_on, to_unit
        if before is not None and before == _event_state(event):
            return event
        event.save()
        audit_record(
            actor,
            "ranks.pipeline.event.updated" if before else "ranks.pipeline.event.created",
            object_type="candidate",
            object_id=person.person_id,
            before=before,
            after=_event_state(event),
        )
    return event
