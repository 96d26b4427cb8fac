"""Writes about people: persons, admissions, transfers, recognition, leaving. Each one audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ranks.core import bulk
from ranks.core.actor import Actor
from ranks.core.audit import audit_record, snapshot
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.counters.services import moving
from ranks.org.models import Place, Unit, UnitVersion
from ranks.people.attributes import AttributeChange, attribute_periods_follow, values_of
from ranks.people.models import (
    DATED_FIELDS,
    SENSITIVE_FIELDS,
    EducationGeneral,
    EducationProfessional,
    Gender,
    LeftReason,
    Membership,
    Occupation,
    Person,
    PersonPlace,
    PlaceRole,
    Posting,
)

PERSON_FIELDS = (
    "full_name",
    "birth_date",
    "gender",
    "ethnicity",
    "religion",
    "education_general",
    "education_professional",
    "occupation",
    "youth_union",
    "national_id",
    "phone",
)
_CHOICES = {
    "gender": Gender,
    "education_general": EducationGeneral,
    "education_professional": EducationProfessional,
    "occupation": Occupation,
}


def _place(code: str | None, field: str) -> Place | None:
    if not code:
        return None
    place = Place.objects.filter(code=code).first()
    if place is None:
        raise DomainError(_("Unknown place code: %(code)s.") % {"code": code}, field=field)
    return place


# The allowed keys of each list, computed once (an import checks every row against them).
_ALLOWED = {name: frozenset(choices.values) for name, choices in _CHOICES.items()}
_LEFT_REASONS = frozenset(LeftReason.values)


def person_check(fields: dict[str, Any]) -> None:
    """Refuse values a person cannot have (the same checks for a form, a service call, an import)."""
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    if "full_name" in fields and not str(fields["full_name"] or "").strip():
        raise DomainError(_("A person needs a full name."), field="full_name")
    birth = fields.get("birth_date")
    if birth is not None and birth > today():
        raise DomainError(_("The birth date is in the future."), field="birth_date")
    for name, choices in _CHOICES.items():
        value = fields.get(name)
        if value and value not in _ALLOWED[name]:
            raise DomainError(
                _("%(value)s is not an allowed value. Allowed: %(allowed)s.")
                % {"value": value, "allowed": ", ".join(choices.values)},
                field=name,
            )


def attributes_check(attributes_from: dt.date | None, birth_date: dt.date | None) -> None:
    """Refuse a date for the attributes in the future or before the person was born."""
    if attributes_from is None:
        return
    if attributes_from > today():
        raise DomainError(
            _("The date from which the attributes hold is in the future."),
            field="attributes_from",
        )
    if birth_date is not None and attributes_from < birth_date:
        raise DomainError(
            _("The date from which the attributes hold is before the birth date."),
            field="attributes_from",
        )


def attributes_start(
    attributes_from: dt.date | None, birth_date: dt.date, before: dict[str, Any] | None
) -> dt.date:
    """The day changed attributes hold from: the date given, else the birth date for a new
    person (the values known earliest) and today for a change."""
    if attributes_from is not None:
        return attributes_from
    return birth_date if before is None else today()


ROLE_FIELDS = {PlaceRole.RESIDENCE: "residence_place_id", PlaceRole.WORKPLACE: "workplace_place_id"}


def place_periods_follow(
    moves: list[tuple[int, str, int | None, int | None]], on: dt.date | None
) -> None:
    """Keep the history of where people live and work: each (person pk, role, old place pk, new
    place pk) closes the open period the day before `on` and opens one from `on`. Without `on`
    a first place has no known start and a later one starts today. Three queries however many."""
    moves = [m for m in moves if m[2] != m[3]]
    if not moves:
        return
    start = on or today()
    closing = [(pk, role) for pk, role, old, _new in moves if old is not None]
    if closing:
        condition = Q()
        for pk, role in closing:
            condition |= Q(person_id=pk, role=role)
        open_periods = PersonPlace.objects.filter(condition, valid_to__isnull=True)
        ends = start - dt.timedelta(days=1)
        # A period that would end before it began (a second change on the same day) goes.
        open_periods.filter(valid_from__gt=ends).delete()
        open_periods.update(valid_to=ends)
    bulk.insert(
        PersonPlace,
        [
            PersonPlace(
                person_id=pk,
                role=role,
                place_id=new,
                valid_from=start if (old is not None or on is not None) else None,
            )
            for pk, role, old, new in moves
            if new is not None
        ],
    )


def person_save(
    *,
    actor: Actor,
    person_id: str,
    residence_place_code: str | None = None,
    workplace_place_code: str | None = None,
    places_from: dt.date | None = None,
    attributes_from: dt.date | None = None,
    **fields: Any,
) -> Person:
    """Create or update the person keyed by `person_id`. A changed residence or workplace is
    dated `places_from` (default: today) in the history of where the person lived and worked;
    changed occupation, education, ethnicity, religion or Youth Union membership are dated
    `attributes_from` (default: today, or the birth date for a new person) in the history of the
    person's attributes (`ranks.people.attributes`)."""
    person_id = person_id.strip()
    if not person_id:
        raise DomainError(_("A person needs an identifier."), field="person_id")
    person_check(fields)
    with transaction.atomic():
        person = Person.objects.filter(person_id=person_id).first()
        before = snapshot(person) if person else None
        if person is None:
            if "full_name" not in fields or fields.get("birth_date") is None:
                raise DomainError(
                    _("A new person needs a full name and a birth date."), field="full_name"
                )
            person = Person(person_id=person_id)
        old_attributes = values_of(person) if person.pk else None
        for name, value in fields.items():
            if value is None:
                # None clears a field; a yes/no field cleared is "no", not "" (which cannot be saved).
                value = None if name == "birth_date" else False if name == "youth_union" else ""
            setattr(person, name, value)
        if places_from is not None and places_from > today():
            raise DomainError(_("The date of the move is in the future."), field="places_from")
        attributes_check(attributes_from, person.birth_date)
        old_places = {role: getattr(person, attr) for role, attr in ROLE_FIELDS.items()}
        if residence_place_code is not None:
            person.residence_place = _place(residence_place_code, "residence_place_code")
        if workplace_place_code is not None:
            person.workplace_place = _place(workplace_place_code, "workplace_place_code")
        person.search_name = ""
        after = snapshot(person)
        after.pop("search_name", None)
        if before is not None:
            before.pop("search_name", None)
            if before == after:
                return person
        # The places it leaves are the person's own; those it comes to are named.
        places = [p.pk for p in (person.residence_place, person.workplace_place) if p]
        with moving(persons=[person.pk] if person.pk else [], places=places):
            person.save()
            place_periods_follow(
                [
                    (person.pk, role, old_places[role], getattr(person, attr))
                    for role, attr in ROLE_FIELDS.items()
                ],
                places_from,
            )
            attribute_periods_follow(
                [
                    AttributeChange(
                        person.pk,
                        person.birth_date,
                        old_attributes,
                        values_of(person),
                        attributes_start(attributes_from, person.birth_date, old_attributes),
                    )
                ]
            )
        audit_record(
            actor,
            "ranks.people.person.updated" if before else "ranks.people.person.created",
            object_type="person",
            object_id=person_id,
            before=before,
            after=after,
        )
    return person


def cell_on(code: str, day: dt.date) -> Unit:
    cell = Unit.objects.filter(code=code).first()
    if cell is None:
        raise DomainError(_("Unknown cell code: %(code)s.") % {"code": code}, field="cell_code")
    version = UnitVersion.objects.valid_on(day).filter(unit=cell).select_related("kind").first()
    cell_check(code, day, None if version is None else (version.name, version.kind.holds_members))
    return cell


def cell_check(code: str, day: dt.date, version: tuple[str, bool] | None) -> None:
    """Refuse a cell whose version on `day` (its name and whether its kind holds members) is
    missing or is no cell. `cell_on` and the set-based members import share it."""
    if version is None:
        raise DomainError(
            _("The cell %(code)s does not exist on %(day)s.") % {"code": code, "day": day},
            field="cell_code",
        )
    name, holds_members = version
    if not holds_members:
        raise DomainError(
            _("%(name)s is not a cell: members are kept in cells.") % {"name": name},
            field="cell_code",
        )


def _check_dates(
    admission: dt.date,
    ceremony: dt.date | None,
    official: dt.date | None,
    on: dt.date | None = None,
) -> None:
    if admission > (on or today()):
        raise DomainError(
            _("The admission decision date is in the future."), field="admission_decision_date"
        )
    if ceremony and ceremony < admission:
        raise DomainError(
            _("The ceremony is before the admission decision."), field="ceremony_date"
        )
    if official and official < (ceremony or admission):
        raise DomainError(_("Official status is dated before the ceremony."), field="official_date")


def membership_admit(
    *,
    actor: Actor,
    person: Person,
    cell_code: str,
    admission_decision_date: dt.date,
    admission_decision_no: str = "",
    ceremony_date: dt.date | None = None,
    official_date: dt.date | None = None,
) -> Membership:
    """Record an admission decision: the membership and its first posting to the cell."""
    _check_dates(admission_decision_date, ceremony_date, official_date)
    with transaction.atomic(), moving(persons=[person.pk]):
        cell = cell_on(cell_code, admission_decision_date)
        active = (
            person.memberships.filter(left_date__isnull=True).exists()
            or person.memberships.filter(left_date__gte=admission_decision_date).exists()
        )
        if active:
            raise DomainError(
                _("This person is already a party member on that date."), field="person_id"
            )
        membership = Membership.objects.create(
            person=person,
            admission_decision_date=admission_decision_date,
            admission_decision_no=admission_decision_no,
            ceremony_date=ceremony_date,
            official_date=official_date,
        )
        Posting.objects.create(
            membership=membership, person=person, cell=cell, valid_from=admission_decision_date
        )
        audit_record(
            actor,
            "ranks.people.membership.admitted",
            object_type="person",
            object_id=person.person_id,
            after={**snapshot(membership), "cell": cell.code},
        )
    return membership


def membership_transfer(
    *, actor: Actor, membership: Membership, to_cell_code: str, on: dt.date
) -> Posting:
    """From `on` the member belongs to another cell."""
    with transaction.atomic(), moving(memberships=[membership.pk]):
        if membership.left_date and membership.left_date < on:
            raise DomainError(_("The member had already left on that date."), field="on")
        current = membership.postings.valid_on(on).first()
        if current is None:
            raise DomainError(_("The member belongs to no cell on that date."), field="on")
        if current.valid_from >= on:
            raise DomainError(
                _("The transfer date must be after the member joined the current cell."), field="on"
            )
        cell = cell_on(to_cell_code, on)
        if cell.pk == current.cell_id:
            raise DomainError(_("The member already belongs to that cell."), field="cell_code")
        before = snapshot(current)
        end = current.valid_to
        current.valid_to = on - dt.timedelta(days=1)
        current.save(update_fields=["valid_to"])
        posting = Posting.objects.create(
            membership=membership, person=membership.person, cell=cell, valid_from=on, valid_to=end
        )
        audit_record(
            actor,
            "ranks.people.membership.transferred",
            object_type="person",
            object_id=membership.person.person_id,
            before=before,
            after={**snapshot(posting), "cell": cell.code},
        )
    return posting


def membership_recognise(
    *, actor: Actor, membership: Membership, official_date: dt.date
) -> Membership:
    _check_dates(membership.admission_decision_date, membership.ceremony_date, official_date)
    with transaction.atomic(), moving(memberships=[membership.pk]):  # the official members
        before = snapshot(membership)
        membership.official_date = official_date
        membership.save(update_fields=["official_date"])
        audit_record(
            actor,
            "ranks.people.membership.recognised",
            object_type="person",
            object_id=membership.person.person_id,
            before=before,
            after=snapshot(membership),
        )
    return membership


def membership_correct(
    *, actor: Actor, membership: Membership, admission_decision_date: dt.date
) -> Membership:
    """Correct the date of the admission decision, as the decision itself reads. The first
    posting starts with it; every figure counted on the old date moves to the new one."""
    new = admission_decision_date
    _check_dates(new, membership.ceremony_date, membership.official_date)
    if membership.left_date and new > membership.left_date:
        raise DomainError(
            _("Leaving is dated before the admission decision."), field="admission_decision_date"
        )
    old = membership.admission_decision_date
    if new == old:
        return membership
    with transaction.atomic(), moving(memberships=[membership.pk]):
        others = membership.person.memberships.exclude(pk=membership.pk)
        if any(
            m.admission_decision_date <= (membership.left_date or dt.date.max)
            and new <= (m.left_date or dt.date.max)
            for m in others
        ):
            raise DomainError(
                _("This person is already a party member on that date."),
                field="admission_decision_date",
            )
        postings = list(membership.postings.order_by("valid_from"))
        first = postings[0] if postings else None
        if first is not None:
            if first.valid_to is not None and new > first.valid_to:
                raise DomainError(
                    _("The member had moved to another cell by that date."),
                    field="admission_decision_date",
                )
            cell_on(first.cell.code, new)
        before = snapshot(membership)
        membership.admission_decision_date = new
        membership.save(update_fields=["admission_decision_date"])
        if first is not None and first.valid_from == old:
            first.valid_from = new
            first.save(update_fields=["valid_from"])
        audit_record(
            actor,
            "ranks.people.membership.corrected",
            object_type="person",
            object_id=membership.person.person_id,
            before=before,
            after=snapshot(membership),
        )
    return membership


def membership_leave(
    *, actor: Actor, membership: Membership, on: dt.date, reason: str
) -> Membership:
    """Death, removal or transfer out of the system: the membership and its posting end on `on`."""
    if reason not in LeftReason.values:
        raise DomainError(
            _("%(value)s is not an allowed value. Allowed: %(allowed)s.")
            % {"value": reason, "allowed": ", ".join(LeftReason.values)},
            field="left_reason",
        )
    if on < membership.admission_decision_date:
        raise DomainError(_("Leaving is dated before the admission decision."), field="left_date")
    if on > today():
        raise DomainError(_("The leaving date is in the future."), field="left_date")
    with transaction.atomic(), moving(memberships=[membership.pk]):
        if membership.left_date:
            raise DomainError(_("This membership has already ended."), field="left_date")
        before = snapshot(membership)
        membership.left_date, membership.left_reason = on, reason
        membership.save(update_fields=["left_date", "left_reason"])
        membership.postings.filter(valid_from__gt=on).delete()
        membership.postings.filter(valid_to__isnull=True).update(valid_to=on)
        membership.postings.filter(valid_to__gt=on).update(valid_to=on)
        audit_record(
            actor,
            "ranks.people.membership.ended",
            object_type="person",
            object_id=membership.person.person_id,
            before=before,
            after=snapshot(membership),
        )
    return membership


def person_sensitive_read(
    *, actor: Actor, person: Person, with_history: bool = False
) -> dict[str, Any]:
    """The sensitive fields of a person, with the read written to the audit log (not the values).
    `with_history` adds, under "history", the person's ethnicity and religion over time (newest
    first: `valid_from`, `valid_to`, `ethnicity`, `religion`), and the log says so."""
    logged: dict[str, Any] = {"fields": list(SENSITIVE_FIELDS)}
    if with_history:
        logged["history"] = list(SENSITIVE_DATED)
    audit_record(
        actor,
        "ranks.people.person.sensitive_read",
        object_type="person",
        object_id=person.person_id,
        after=logged,
    )
    found: dict[str, Any] = {name: getattr(person, name) for name in SENSITIVE_FIELDS}
    if with_history:
        found["history"] = list(
            person.attribute_periods.order_by("-valid_from").values(
                "valid_from", "valid_to", *SENSITIVE_DATED
            )
        )
    return found


# The dated attributes that are sensitive (their history shown only under the sensitive grant).
SENSITIVE_DATED = tuple(f for f in DATED_FIELDS if f in SENSITIVE_FIELDS)


MEMBERSHIP_FIELDS = (
    "admission_decision_no",
    "ceremony_date",
    "official_date",
    "left_date",
    "left_reason",
)


def membership_values(fields: dict[str, Any]) -> dict[str, Any]:
    """The stored value of each membership field given (None clears: "" for text, else None)."""
    return {
        key: value
        if value is not None
        else ("" if key in ("admission_decision_no", "left_reason") else None)
        for key, value in fields.items()
    }


def membership_row_check(
    admission_decision_date: dt.date,
    cell_from: dt.date | None,
    fields: dict[str, Any],
    on: dt.date | None = None,
) -> tuple[dt.date, dict[str, Any]]:
    """The checks of one member-and-cell record that need no database: its dates and leaving,
    as of `on` (default: today). Returns the day the posting starts and every membership field
    (None where not given)."""
    on = on or today()
    unknown = set(fields) - set(MEMBERSHIP_FIELDS)
    if unknown:
        raise TypeError(f"unknown membership fields: {sorted(unknown)}")
    cell_from = cell_from or admission_decision_date
    merged = {k: fields.get(k) for k in MEMBERSHIP_FIELDS}
    _check_dates(
        admission_decision_date, merged.get("ceremony_date"), merged.get("official_date"), on
    )
    left_date, left_reason = merged.get("left_date"), merged.get("left_reason") or ""
    if left_date and left_date < admission_decision_date:
        raise DomainError(_("Leaving is dated before the admission decision."), field="left_date")
    if left_date and left_date > on:
        raise DomainError(_("The leaving date is in the future."), field="left_date")
    if left_date and not left_reason:
        raise DomainError(_("A leaving date needs a reason."), field="left_reason")
    if left_reason and left_reason not in _LEFT_REASONS:
        raise DomainError(
            _("%(value)s is not an allowed value. Allowed: %(allowed)s.")
            % {"value": left_reason, "allowed": ", ".join(LeftReason.values)},
            field="left_reason",
        )
    if cell_from < admission_decision_date:
        raise DomainError(
            _("A member belongs to a cell only from the admission decision on."), field="cell_from"
        )
    if left_date and cell_from > left_date:
        raise DomainError(_("The member had already left on that date."), field="cell_from")
    return cell_from, merged


def membership_overlap_check(
    other_left_dates: Iterable[dt.date | None], admission_decision_date: dt.date
) -> None:
    """A new membership may not start while another of the person's (given by when each left,
    None if not) is still running."""
    for left_date in other_left_dates:
        if left_date is None or left_date >= admission_decision_date:
            raise DomainError(
                _("This person is already a party member on that date."), field="person_id"
            )


def posting_ends(starts: list[dt.date], left_date: dt.date | None) -> list[dt.date | None]:
    """Where each of a membership's postings (their starts, in order) ends: the day before the
    next one starts; the last one when the member left."""
    return [
        *(following - dt.timedelta(days=1) for following in starts[1:]),
        *([left_date] if starts else []),
    ]


def membership_posting_save(
    *,
    actor: Actor,
    person: Person,
    cell_code: str,
    admission_decision_date: dt.date,
    cell_from: dt.date | None = None,
    **fields: Any,
) -> str:
    """Record that a member, admitted on a date, belongs to a cell from `cell_from` (default: the
    admission date). Creates the membership if needed, updates its dates, adds or corrects the
    posting and fits it between the member's other postings. Returns created/updated/unchanged.

    This is how a file of members (one row per member and cell) is recorded, and re-recording
    the same row changes nothing. The set-based members import
    (`ranks.interchange.handlers.members`) does the same for a batch of rows with the same checks.
    """
    cell_from, merged = membership_row_check(admission_decision_date, cell_from, fields)
    with transaction.atomic(), moving(persons=[person.pk]):
        cell = cell_on(cell_code, cell_from)
        membership = person.memberships.filter(
            admission_decision_date=admission_decision_date
        ).first()
        outcome = "unchanged"
        if membership is None:
            membership_overlap_check(
                person.memberships.values_list("left_date", flat=True), admission_decision_date
            )
            membership = Membership.objects.create(
                person=person,
                admission_decision_date=admission_decision_date,
                **membership_values(merged),
            )
            audit_record(
                actor,
                "ranks.people.membership.admitted",
                object_type="person",
                object_id=person.person_id,
                after={**snapshot(membership), "cell": cell.code},
            )
            outcome = "created"
        else:
            before = snapshot(membership)
            for key, value in membership_values(fields).items():
                setattr(membership, key, value)
            after = snapshot(membership)
            if after != before:
                membership.save()
                audit_record(
                    actor,
                    "ranks.people.membership.updated",
                    object_type="person",
                    object_id=person.person_id,
                    before=before,
                    after=after,
                )
                outcome = "updated"
        posting = membership.postings.filter(valid_from=cell_from).first()
        if posting is not None and posting.cell_id != cell.pk:
            before = snapshot(posting)
            posting.cell = cell
            posting.save(update_fields=["cell"])
            audit_record(
                actor,
                "ranks.people.posting.updated",
                object_type="person",
                object_id=person.person_id,
                before=before,
                after={**snapshot(posting), "cell": cell.code},
            )
            outcome = "updated" if outcome == "unchanged" else outcome
        elif posting is None:
            posting = Posting.objects.create(
                membership=membership, person=person, cell=cell, valid_from=cell_from
            )
            audit_record(
                actor,
                "ranks.people.posting.created",
                object_type="person",
                object_id=person.person_id,
                after={**snapshot(posting), "cell": cell.code},
            )
            outcome = "updated" if outcome == "unchanged" else outcome
        _fit_postings(membership)
    return outcome


def _fit_postings(membership: Membership) -> None:
    """Each posting ends the day before the next one starts; the last ends when the member left."""
    postings = list(membership.postings.order_by("valid_from"))
    ends = posting_ends([p.valid_from for p in postings], membership.left_date)
    for current, end in zip(postings, ends, strict=True):
        if current.valid_to != end:
            current.valid_to = end
            current.save(update_fields=["valid_to"])
