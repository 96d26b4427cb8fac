"""Recording and answering a person's request about their own data; reading all their data
(docs/privacy.md). Each is audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from ranks.core.actor import Actor
from ranks.core.audit import audit_record
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.org.models import Unit
from ranks.people.models import Person
from ranks.pipeline.rules.calendar import add_working_days
from ranks.privacy.models import DataRequest, RequestKind, RequestStatus
from ranks.privacy.selectors import PersonData, person_data

# A person's request is answered within two working days of its receipt (Decree 356/2025/ND-CP),
# counted on the working-day calendar of the rules (Vietnam's public holidays included).
ANSWER_WORKING_DAYS = 2


def due_on(received_on: dt.date) -> dt.date:
    return add_working_days(received_on, ANSWER_WORKING_DAYS)


def person_data_read(*, actor: Actor, person: Person) -> PersonData:
    """Everything kept about `person`, sensitive fields included: the read is audited as a read
    of their sensitive fields, so it shows in their own next export."""
    audit_record(
        actor,
        "ranks.privacy.person_data.sensitive_read",
        object_type="person",
        object_id=person.person_id,
        after={"fields": "all"},
    )
    return person_data(person)


@transaction.atomic
def data_request_record(
    *,
    actor: Actor,
    person: Person,
    unit: Unit,
    kind: str,
    received_on: dt.date,
    detail: str = "",
) -> DataRequest:
    if kind not in RequestKind.values:
        raise DomainError(_("Unknown kind of request: %(kind)s.") % {"kind": kind})
    if received_on > today():
        raise DomainError(_("A request cannot be received after today."))
    request = DataRequest.objects.create(
        person=person,
        unit=unit,
        kind=kind,
        received_on=received_on,
        due_on=due_on(received_on),
        detail=detail.strip(),
        recorded_by=actor.name,
    )
    audit_record(
        actor,
        "ranks.privacy.request.recorded",
        object_type="person",
        object_id=person.person_id,
        after={
            "request": request.pk,
            "unit": unit.code,
            "kind": kind,
            "received_on": received_on.isoformat(),
            "due_on": request.due_on.isoformat(),
        },
    )
    return request


@transaction.atomic
def data_request_answer(
    *, actor: Actor, request: DataRequest, status: str, answer: str, answered_on: dt.date
) -> DataRequest:
    request = DataRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RequestStatus.OPEN:
        raise DomainError(_("This request has already been answered."))
    if status not in (RequestStatus.ANSWERED, RequestStatus.REFUSED):
        raise DomainError(_("Choose whether the request was answered or refused."))
    if not answer.strip():
        raise DomainError(_("Write the answer given, or the reason for refusing."))
    if answered_on < request.received_on or answered_on > today():
        raise DomainError(
            _("The answer's date must be between the day the request was received and today.")
        )
    before = {"status": request.status}
    request.status = status
    request.answer = answer.strip()
    request.answered_on = answered_on
    request.answered_by = actor.name
    request.save(update_fields=["status", "answer", "answered_on", "answered_by"])
    audit_record(
        actor,
        "ranks.privacy.request.answered",
        object_type="person",
        object_id=request.person.person_id,
        before=before,
        after={
            "request": request.pk,
            "status": status,
            "answered_on": answered_on.isoformat(),
            "late": answered_on > request.due_on,
        },
    )
    return request
