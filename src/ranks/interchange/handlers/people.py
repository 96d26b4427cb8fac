"""Importing people in batches: one query per batch to find them, one to write, one to audit."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ranks.core import bulk
from ranks.core.audit import Change, audit_record_many, snapshot
from ranks.core.errors import DomainError
from ranks.counters.services import moving
from ranks.interchange.engine import Reject, Row
from ranks.interchange.handlers.base import Handler
from ranks.org.models import Place
from ranks.people.attributes import AttributeChange, attribute_periods_follow, values_of
from ranks.people.models import Person
from ranks.people.names import fold
from ranks.people.services import (
    PERSON_FIELDS,
    ROLE_FIELDS,
    attributes_check,
    attributes_start,
    person_check,
    place_periods_follow,
)

# Fields a blank cell sets to "" (the rest of PERSON_FIELDS are required, or youth_union: false).
BLANK_AS_EMPTY = (
    "gender",
    "ethnicity",
    "religion",
    "education_general",
    "education_professional",
    "occupation",
    "national_id",
    "phone",
)
PLACE_COLUMNS = {
    "residence_place_code": "residence_place",
    "workplace_place_code": "workplace_place",
}


class PeopleHandler(Handler):
    batch_size = 1000

    def handle(self, rows: list[Row]) -> None:
        ctx = self.ctx
        ids = [row.values["person_id"] for row in rows]
        existing = {p.person_id: p for p in Person.objects.filter(person_id__in=ids)}
        visible = set(
            ctx.scope.people(Person.objects.filter(person_id__in=ids)).values_list(
                "person_id", flat=True
            )
        )
        codes = {row.values.get(c) for row in rows for c in PLACE_COLUMNS if row.values.get(c)}
        places = {p.code: p for p in Place.objects.filter(code__in=codes)}
        places_in_scope = set(
            ctx.scope.places(Place.objects.filter(code__in=codes)).values_list("code", flat=True)
        )
        self.old_places = {
            person_id: {role: getattr(p, attr) for role, attr in ROLE_FIELDS.items()}
            for person_id, p in existing.items()
        }
        self.moved_on = {row.values["person_id"]: row.values.get("places_from") for row in rows}
        old_attributes = {person_id: values_of(p) for person_id, p in existing.items()}
        attributes_from = {
            row.values["person_id"]: row.values.get("attributes_from") for row in rows
        }
        creates: list[Person] = []
        updates: list[Person] = []
        changes: list[Change] = []
        changed_fields: set[str] = set()
        for row in rows:
            try:
                person, before, fields = self.prepare(
                    row, existing, visible, places, places_in_scope
                )
            except Reject as reject:
                ctx.error(row, reject.column, reject.message)
                continue
            except DomainError as error:
                ctx.error(row, error.field or "person_id", str(error))
                continue
            after = snapshot(person)
            after.pop("search_name", None)
            if before is None:
                creates.append(person)
                changes.append(
                    Change("ranks.people.person.created", "person", person.person_id, None, after)
                )
                ctx.outcome("created")
            elif before != after:
                updates.append(person)
                changed_fields.update(fields)
                changes.append(
                    Change("ranks.people.person.updated", "person", person.person_id, before, after)
                )
                ctx.outcome("updated")
            else:
                ctx.outcome("unchanged")
        if not ctx.result.ok:
            return  # the import will be rolled back: save the work
        bulk.insert(Person, creates)
        # The places people leave are their own; those they come to are named.
        place_ids = {
            p.pk
            for person in updates
            for p in (person.residence_place, person.workplace_place)
            if p
        }
        with moving(persons=[p.pk for p in updates], places=place_ids):
            bulk.update(Person, updates, sorted(changed_fields | {"search_name"}))
            # The history of where people live and work, dated by each row's places_from.
            by_day: dict = {}
            for person in creates + updates:
                old = self.old_places.get(person.person_id, {})
                for role, attr in ROLE_FIELDS.items():
                    new = getattr(person, attr)
                    if new != old.get(role):
                        by_day.setdefault(self.moved_on.get(person.person_id), []).append(
                            (person.pk, role, old.get(role), new)
                        )
            for day, moves in by_day.items():
                place_periods_follow(moves, day)
            # The history of their attributes, dated by each row's attributes_from.
            attribute_periods_follow(
                AttributeChange(
                    person.pk,
                    person.birth_date,
                    old_attributes.get(person.person_id),
                    values_of(person),
                    attributes_start(
                        attributes_from.get(person.person_id),
                        person.birth_date,
                        old_attributes.get(person.person_id),
                    ),
                )
                for person in creates + updates
            )
        audit_record_many(ctx.actor, changes)

    def prepare(self, row: Row, existing, visible, places, places_in_scope):
        ctx = self.ctx
        person_id = row.values["person_id"]
        person = existing.get(person_id)
        if person is not None and person_id not in visible and not ctx.scope.full:
            raise Reject(
                "person_id",
                _("This person_id is already used outside your units: %(code)s.")
                % {"code": person_id},
            )
        fields = {k: row.values[k] for k in PERSON_FIELDS if k in row.values}
        for key in BLANK_AS_EMPTY:
            if key in fields and fields[key] is None:
                fields[key] = ""
        if "youth_union" in fields and fields["youth_union"] is None:
            fields["youth_union"] = False
        person_check(fields)
        birth = fields.get("birth_date") or (person.birth_date if person else None)
        attributes_check(row.values.get("attributes_from"), birth)
        in_scope_place = False
        for column, attr in PLACE_COLUMNS.items():
            if column not in row.values:
                continue
            code = row.values[column]
            if not code:
                fields[attr] = None
                continue
            if code not in places or (code not in places_in_scope and not ctx.scope.full):
                raise Reject(column, _("Unknown place code: %(code)s.") % {"code": code})
            fields[attr] = places[code]
            in_scope_place = True
        if person is None and not ctx.scope.full and not in_scope_place:
            raise Reject(
                "residence_place_code",
                _("A new person needs a residence or workplace place in your units."),
            )
        before = None
        if person is None:
            person = Person(person_id=person_id)
        else:
            before = snapshot(person)
            before.pop("search_name", None)
        for key, value in fields.items():
            setattr(person, key, value)
        person.search_name = fold(person.full_name)
        return person, before, [k for k in fields]
