"""Writes about members working away ("đi làm ăn xa"): the start of an absence, the yearly
comment on it (R15) and the return, each checked against the member's postings and audited.

An absence runs from `started_on` (the first day away) to `ended_on` (the day the member is back;
empty while away). A member has at most one open absence, and absences do not overlap. The
actor must hold the officer role over the cell the member belongs to on the day recorded."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.core.audit import audit_record, snapshot
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.people.models import Absence, AbsenceComment, AbsenceWhere, Person, Posting


def _person(person_id: str) -> Person:
    # The row is locked so that two starts for the same member at once cannot both pass.
    person = Person.objects.select_for_update().filter(person_id=person_id.strip()).first()
    if person is None:
        raise DomainError(
            _("Unknown person: %(person_id)s.") % {"person_id": person_id}, field="person_id"
        )
    return person


def _dd(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _not_future(day: dt.date, field: str) -> None:
    if day > today():
        raise DomainError(_("The date %(day)s is in the future.") % {"day": _dd(day)}, field=field)


def _posting_on(
    actor: Actor, person: Person, day: dt.date, field: str, *, refusal: str = ""
) -> Posting:
    """The member's posting in force on `day`, if the actor holds the officer role over its
    cell (else `refusal`, or the words about working away and the return)."""
    posting = Posting.objects.valid_on(day).filter(person=person).select_related("cell").first()
    if posting is None:
        raise DomainError(
            _("%(name)s is not a party member in a cell on %(day)s.")
            % {"name": person.full_name, "day": _dd(day)},
            field=field,
        )
    if not scope_for(actor, role="officer").covers(posting.cell_id):
        raise DomainError(
            refusal
            or _(
                "Recording working away or a return needs the officer role for the member's cell."
            ),
            field="person_id",
            code="permission_denied",
        )
    return posting


def absence_start(
    *,
    actor: Actor,
    person_id: str,
    started_on: dt.date,
    where_kind: str,
    where: str,
    contact: str = "",
    note: str = "",
) -> Absence:
    """Record that a member works away from `started_on`: in another province, abroad or at an
    enterprise (`where_kind`), named by `where`; `contact` says how the cell keeps in touch."""
    if where_kind not in AbsenceWhere.values:
        raise DomainError(
            _("%(value)s is not an allowed value. Allowed: %(allowed)s.")
            % {"value": where_kind, "allowed": ", ".join(AbsenceWhere.values)},
            field="where_kind",
        )
    where = where.strip()
    if not where:
        raise DomainError(_("Say where the member works."), field="where")
    _not_future(started_on, "started_on")
    with transaction.atomic():
        person = _person(person_id)
        posting = _posting_on(actor, person, started_on, "started_on")
        running = person.absences.filter(ended_on__isnull=True).first()
        if running is not None:
            raise DomainError(
                _("%(name)s is already recorded as working away since %(day)s.")
                % {"name": person.full_name, "day": _dd(running.started_on)},
                field="started_on",
            )
        # A closed absence the new one would reach into: it runs from its start until the
        # member's return, and the new one from `started_on` on.
        earlier = (
            person.absences.filter(Q(ended_on__gt=started_on) | Q(started_on__gte=started_on))
            .order_by("-started_on")
            .first()
        )
        if earlier is not None:
            assert earlier.ended_on is not None
            raise DomainError(
                _(
                    "This overlaps the working away already recorded from %(start)s to "
                    "%(end)s: the new one must start on or after the return."
                )
                % {"start": _dd(earlier.started_on), "end": _dd(earlier.ended_on)},
                field="started_on",
            )
        absence = Absence.objects.create(
            person=person,
            cell=posting.cell,
            where_kind=where_kind,
            where=where,
            started_on=started_on,
            contact=contact.strip(),
            note=note.strip(),
        )
        audit_record(
            actor,
            "ranks.people.absence.started",
            object_type="person",
            object_id=person.person_id,
            after={**snapshot(absence), "cell": posting.cell.code},
        )
    return absence


def absence_return(*, actor: Actor, person_id: str, ended_on: dt.date, note: str = "") -> Absence:
    """Record that a member working away is back on `ended_on`. A note is added to the one
    written at the start (on a new line)."""
    _not_future(ended_on, "ended_on")
    with transaction.atomic():
        person = _person(person_id)
        absence = person.absences.filter(ended_on__isnull=True).order_by("-started_on").first()
        if absence is None:
            raise DomainError(
                _("%(name)s is not recorded as working away.") % {"name": person.full_name},
                field="ended_on",
            )
        if ended_on < absence.started_on:
            raise DomainError(
                _("The return is dated before the start of the working away (%(day)s).")
                % {"day": _dd(absence.started_on)},
                field="ended_on",
            )
        _posting_on(actor, person, ended_on, "ended_on")
        before = snapshot(absence)
        absence.ended_on = ended_on
        note = note.strip()
        if note:
            absence.note = f"{absence.note}\n{note}" if absence.note else note
        absence.save(update_fields=["ended_on", "note"])
        audit_record(
            actor,
            "ranks.people.absence.returned",
            object_type="person",
            object_id=person.person_id,
            before=before,
            after=snapshot(absence),
        )
    return absence


def absence_comment(
    *, actor: Actor, person_id: str, on: dt.date, by_cell: str, text: str
) -> AbsenceComment:
    """Record the comment on a member working away (R15), dated `on`, from the cell or
    organisation where the member lives (`by_cell`). The member must be away on `on` (from the
    start up to the day before the return) and the actor an officer of the member's cell then."""
    by_cell = by_cell.strip()
    if not by_cell:
        raise DomainError(
            _("Say which cell or organisation where the member lives gave the comment."),
            field="by_cell",
        )
    text = text.strip()
    if not text:
        raise DomainError(_("Write the comment."), field="text")
    _not_future(on, "on")
    with transaction.atomic():
        person = _person(person_id)
        absence = (
            person.absences.filter(started_on__lte=on)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
            .first()
        )
        if absence is None:
            raise DomainError(
                _("%(name)s is not recorded as working away on %(day)s.")
                % {"name": person.full_name, "day": _dd(on)},
                field="on",
            )
        _posting_on(
            actor,
            person,
            on,
            "on",
            refusal=_(
                "Recording a comment on working away needs the officer role for the member's cell."
            ),
        )
        if absence.comments.filter(on=on).exists():
            raise DomainError(
                _("A comment dated %(day)s is already recorded.") % {"day": _dd(on)}, field="on"
            )
        comment = AbsenceComment.objects.create(absence=absence, on=on, by_cell=by_cell, text=text)
        audit_record(
            actor,
            "ranks.people.absence.commented",
            object_type="person",
            object_id=person.person_id,
            after=snapshot(comment),
        )
    return comment
