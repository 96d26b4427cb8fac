"""Writes of coverage: members seconded to cells, and the end of a secondment. Each audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ranks.core.actor import Actor
from ranks.core.audit import Change, audit_record, audit_record_many, snapshot
from ranks.core.errors import DomainError
from ranks.coverage.models import Secondment, SecondmentRole
from ranks.org.models import Unit
from ranks.people import status
from ranks.people.models import Membership, Person
from ranks.pipeline.services import cell_found, cells_on

MEMBER_STATUSES = {status.PROBATIONARY, status.OFFICIAL}


def _state(secondment: Secondment) -> dict[str, Any]:
    return {
        **snapshot(secondment),
        "person": secondment.person.person_id,
        "cell_code": secondment.cell.code,
        "home_unit_code": secondment.home_unit.code if secondment.home_unit else None,
    }


def _object_id(secondment: Secondment) -> str:
    return f"{secondment.person.person_id}@{secondment.cell.code}/{secondment.from_date}"


def secondment_check_input(role: str, from_date: dt.date, to_date: dt.date | None) -> None:
    """The checks of a secondment that need nothing from the database."""
    if role not in SecondmentRole.values:
        raise DomainError(
            _("%(value)s is not an allowed value. Allowed: %(allowed)s.")
            % {"value": role, "allowed": ", ".join(SecondmentRole.values)},
            field="role",
        )
    if to_date is not None and to_date < from_date:
        raise DomainError(_("The end date is before the start date."), field="to_date")


def secondment_check_person(
    person: Person | None, person_id: str, memberships: Iterable[Membership], day: dt.date
) -> Person:
    """The seconded person exists (`person`, found by `person_id`) and is a member on `day`;
    `memberships` are all of theirs."""
    if not person_id.strip():
        raise DomainError(_("A person needs an identifier."), field="person_id")
    if person is None:
        raise DomainError(
            _("Unknown person: %(person_id)s.") % {"person_id": person_id}, field="person_id"
        )
    if not any(m.status_on(day) in MEMBER_STATUSES for m in memberships):
        raise DomainError(
            # By id, not name: a seconded member often comes from outside the user's units.
            _("%(person_id)s is not a party member on %(day)s.")
            % {"person_id": person.person_id, "day": day.strftime("%d/%m/%Y")},
            field="person_id",
        )
    return person


def secondment_home_unit(code: str | None, unit: Unit | None) -> Unit | None:
    """The home unit named by `code` (`unit`: the one found by it)."""
    if code and unit is None:
        raise DomainError(
            _("Unknown unit code: %(code)s.") % {"code": code}, field="home_unit_code"
        )
    return unit if code else None


def secondment_change(secondment: Secondment, before: dict[str, Any] | None) -> Change:
    return Change(
        "ranks.coverage.secondment.updated" if before else "ranks.coverage.secondment.created",
        "secondment",
        _object_id(secondment),
        before,
        _state(secondment),
    )


def secondment_save(
    *,
    actor: Actor,
    person_id: str,
    cell_code: str,
    role: str,
    from_date: dt.date,
    to_date: dt.date | None = None,
    home_unit_code: str | None = None,
) -> Secondment:
    """Create or update the secondment keyed by (person, cell, from_date).

    The import of many secondments (`interchange.handlers.secondments.SecondmentsHandler`) makes
    the same checks through the same functions, a batch at a time."""
    secondment_check_input(role, from_date, to_date)
    with transaction.atomic():
        person = Person.objects.filter(person_id=person_id.strip()).first()
        person = secondment_check_person(
            person, person_id, person.memberships.all() if person else [], from_date
        )
        cell = cell_found(cells_on([(cell_code, from_date)])[(cell_code, from_date)])
        home_unit = None
        if home_unit_code:
            home_unit = Unit.objects.filter(code=home_unit_code).first()
        home_unit = secondment_home_unit(home_unit_code, home_unit)
        secondment = Secondment.objects.filter(
            person=person, cell=cell, from_date=from_date
        ).first()
        before = _state(secondment) if secondment else None
        if secondment is None:
            secondment = Secondment(person=person, cell=cell, from_date=from_date)
        secondment.role, secondment.to_date, secondment.home_unit = role, to_date, home_unit
        if before is not None and before == _state(secondment):
            return secondment
        secondment.save()
        audit_record_many(actor, [secondment_change(secondment, before)])
    return secondment


def secondment_end(*, actor: Actor, secondment: Secondment, on: dt.date) -> Secondment:
    """The secondment ends on `on` (its last day); an end can be brought forward, not pushed back."""
    if on < secondment.from_date:
        raise DomainError(_("The end date is before the start date."), field="to_date")
    with transaction.atomic():
        secondment = Secondment.objects.select_for_update().get(pk=secondment.pk)
        if secondment.to_date == on:
            return secondment
        if secondment.to_date is not None and secondment.to_date < on:
            raise DomainError(
                _("The secondment had already ended on %(day)s.") % {"day": secondment.to_date},
                field="to_date",
            )
        before = _state(secondment)
        secondment.to_date = on
        secondment.save(update_fields=["to_date"])
        audit_record(
            actor,
            "ranks.coverage.secondment.ended",
            object_type="secondment",
            object_id=_object_id(secondment),
            before=before,
            after=_state(secondment),
        )
    return secondment
