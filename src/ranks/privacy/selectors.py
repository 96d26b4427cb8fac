"""Everything Ranks holds about one person, and the requests a unit has to answer
(docs/privacy.md). A person's records are few: each read is a handful of indexed queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from ranks.access.scope import Scope
from ranks.core.models import AuditEntry
from ranks.org import sql
from ranks.org.models import Unit
from ranks.people.models import DATED_FIELDS, Person, PersonAttributes
from ranks.privacy.fields import CLASS_LABELS, PERSON_LABELS, kept_of
from ranks.privacy.models import DataRequest, RequestStatus

# Audit entries about a person are kept under these object types, with the person's identifier.
PERSON_OBJECTS = ("person", "candidate")
# Reads of many people's sensitive fields at once (an export of a unit's people).
BULK_READS = ("ranks.interchange.export.sensitive_read",)


@dataclass
class Item:
    label: str
    value: Any
    data_class: str = ""
    purpose: str = ""


@dataclass
class PersonData:
    person: Person
    fields: list[Item] = field(default_factory=list)
    places: list[dict[str, Any]] = field(default_factory=list)
    attributes: list[dict[str, Any]] = field(default_factory=list)
    memberships: list[dict[str, Any]] = field(default_factory=list)
    candidacies: list[dict[str, Any]] = field(default_factory=list)
    absences: list[dict[str, Any]] = field(default_factory=list)
    introduced: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    reads: list[dict[str, Any]] = field(default_factory=list)
    requests: list[DataRequest] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The export a person is given: plain values, the words of the user's language."""
        return {
            "person_id": self.person.person_id,
            "fields": [
                {"field": i.label, "value": i.value, "class": i.data_class, "purpose": i.purpose}
                for i in self.fields
            ],
            "places": self.places,
            "attributes": self.attributes,
            "memberships": self.memberships,
            "candidacies": self.candidacies,
            "absences": self.absences,
            "introduced": self.introduced,
            "changes": self.changes,
            "sensitive_reads": self.reads,
            "requests": [
                {
                    "kind": str(r.get_kind_display()),
                    "received_on": r.received_on.isoformat(),
                    "due_on": r.due_on.isoformat(),
                    "status": str(r.get_status_display()),
                    "answered_on": r.answered_on.isoformat() if r.answered_on else None,
                    "answer": r.answer,
                }
                for r in self.requests
            ],
        }


def _value(person: Person | PersonAttributes, name: str) -> Any:
    model_field = type(person)._meta.get_field(name)
    if model_field.is_relation:
        related = getattr(person, name)
        return f"{related.code}" if related is not None else ""
    if getattr(model_field, "choices", None):
        return str(getattr(person, f"get_{name}_display")())
    value = getattr(person, name)
    return value.isoformat() if isinstance(value, dt.date) else value


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def person_data(person: Person) -> PersonData:
    """Every record Ranks keeps about `person`, the changes made to them, who read their
    sensitive fields, and their requests. The caller checks the reader's grant and logs the read."""
    data = PersonData(person=person)
    kept = kept_of("people.Person")
    for name, item in kept.items():
        if name == "search_name":
            continue
        label = str(PERSON_LABELS[name])
        data.fields.append(
            Item(label, _value(person, name), str(CLASS_LABELS[item.data_class]), str(item.purpose))
        )
    for period in person.place_periods.select_related("place").order_by("valid_from", "pk"):
        data.places.append(
            {
                "role": str(period.get_role_display()),
                "place": period.place.code,
                "from": _iso(period.valid_from),
                "to": _iso(period.valid_to),
            }
        )
    # Occupation, education, ethnicity, religion and Youth Union over time (people.attributes).
    for held in person.attribute_periods.order_by("valid_from"):
        data.attributes.append(
            {
                "from": _iso(held.valid_from),
                "to": _iso(held.valid_to),
                **{str(PERSON_LABELS[name]): _value(held, name) for name in DATED_FIELDS},
            }
        )
    for membership in person.memberships.prefetch_related("postings__cell"):
        data.memberships.append(
            {
                "admission_decision_date": _iso(membership.admission_decision_date),
                "admission_decision_no": membership.admission_decision_no,
                "ceremony_date": _iso(membership.ceremony_date),
                "official_date": _iso(membership.official_date),
                "left_date": _iso(membership.left_date),
                "left_reason": str(membership.get_left_reason_display()),
                "postings": [
                    {"cell": p.cell.code, "from": _iso(p.valid_from), "to": _iso(p.valid_to)}
                    for p in sorted(membership.postings.all(), key=lambda p: p.valid_from)
                ],
            }
        )
    for candidacy in person.candidacies.select_related("cell").prefetch_related("events"):
        data.candidacies.append(
            {
                "cell": candidacy.cell.code,
                "added_on": _iso(candidacy.added_on),
                "note": candidacy.note,
                "events": [
                    {"stage": str(e.get_stage_display()), "date": _iso(e.date), "detail": e.detail}
                    for e in sorted(candidacy.events.all(), key=lambda e: (e.date, e.pk))
                ],
            }
        )
    for absence in person.absences.select_related("cell").order_by("started_on", "pk"):
        data.absences.append(
            {
                "cell": absence.cell.code,
                "where": absence.where,
                "from": _iso(absence.started_on),
                "to": _iso(absence.ended_on),
                "contact": absence.contact,
                "note": absence.note,
            }
        )
    for event in person.introductions.select_related("candidate__person").order_by("date"):
        data.introduced.append(
            {"candidate": event.candidate.person.person_id, "date": _iso(event.date)}
        )
    entries = AuditEntry.objects.filter(
        object_type__in=PERSON_OBJECTS, object_id=person.person_id
    ).order_by("seq")
    for entry in entries:
        row = {
            "seq": entry.seq,
            "at": entry.at.isoformat(timespec="seconds"),
            "who": entry.actor,
            "channel": entry.channel,
            "action": entry.action,
        }
        (data.reads if entry.action.endswith("sensitive_read") else data.changes).append(row)
    data.reads += _bulk_reads(person)
    data.reads.sort(key=lambda r: r.pop("seq"))
    for row in data.changes:
        row.pop("seq")
    data.requests = list(person.data_requests.select_related("unit").order_by("received_on", "pk"))
    return data


def _bulk_reads(person: Person) -> list[dict[str, Any]]:
    """Exports of a unit's people with their sensitive fields, made while the person was in a
    cell below that unit (or lived or worked at one of its places): each read them too."""
    reads = AuditEntry.objects.filter(action__in=BULK_READS).order_by("seq")
    if not reads.exists():
        return []
    found = []
    cells = set(person.postings.values_list("cell_id", flat=True)) | set(
        person.candidacies.values_list("cell_id", flat=True)
    )
    codes = {e.object_id for e in reads}
    units = {u.code: u.pk for u in Unit.objects.filter(code__in=codes)}
    below_each: dict[int, set[int]] = {}
    for entry in reads:
        if entry.object_id == "*":
            below = cells
        else:
            root = units.get(entry.object_id)
            if root is None:
                continue
            if root not in below_each:
                below_each[root] = _ids_below(root)
            below = below_each[root]
        if cells & below:
            found.append(
                {
                    "seq": entry.seq,
                    "at": entry.at.isoformat(timespec="seconds"),
                    "who": entry.actor,
                    "channel": entry.channel,
                    "action": entry.action,
                }
            )
    return found


def _ids_below(root: int) -> set[int]:
    return set(
        Unit.objects.filter(pk__in=RawSQL(*sql.subtree_ever_ids([root]))).values_list(
            "pk", flat=True
        )
    )


def unit_requests(*, unit: Unit, status: str = RequestStatus.OPEN) -> QuerySet[DataRequest]:
    """The requests received by `unit` and the units ever below it, soonest due first. The
    caller has checked the reader's grant over `unit`."""
    below = RawSQL(*sql.subtree_ever_ids([unit.pk]))
    return (
        DataRequest.objects.filter(unit_id__in=below, status=status)
        .select_related("person", "unit")
        .order_by("due_on", "pk")
    )


def person_home_code(person: Person, day: dt.date) -> str:
    """The cell a request of the person is received by, as a first guess: their posting on
    `day`, else their latest candidacy's cell; blank when neither."""
    posting = (
        person.postings.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .select_related("cell")
        .first()
    )
    if posting is not None:
        return str(posting.cell.code)
    candidacy = person.candidacies.select_related("cell").order_by("-added_on").first()
    return str(candidacy.cell.code) if candidacy is not None else ""


def request_of(scope: Scope, pk: int) -> DataRequest | None:
    """The request, if the person it is about is within `scope`."""
    found = DataRequest.objects.select_related("person", "unit").filter(pk=pk).first()
    if found is None or not scope.people(Person.objects.filter(pk=found.person_id)).exists():
        return None
    return found
