"""Exporting each kind for a unit's subtree, in the columns of the import, as CSV or XLSX.

Columns of sensitive data (ethnicity, religion, national ID) are left out for users without the
sensitive grant, so that re-importing their export leaves those values as they are.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.db.models import OuterRef, QuerySet, Subquery

from ranks.access.scope import Scope
from ranks.core.actor import Actor
from ranks.core.audit import audit_record
from ranks.core.collation import person_order
from ranks.core.formulas import neutralise
from ranks.coverage.models import Secondment
from ranks.interchange.schema import KINDS, Column
from ranks.org.models import Place, PlaceVersion, Unit, UnitVersion
from ranks.people.models import SENSITIVE_FIELDS, Person, PersonAttributes, Posting
from ranks.pipeline.models import Candidate, StageEvent
from ranks.targets.models import Target

Record = dict[str, Any]


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return neutralise(";".join(str(v) for v in value))  # a list may start with "=C1" too
    return neutralise(str(value))


class Export:
    """What one export writes: the columns and an iterator of records."""

    def __init__(self, kind: str, columns: list[Column], records: Iterable[Record]):
        self.kind = kind
        self.columns = columns
        self.records = records

    def rows(self) -> Iterator[list[str]]:
        for record in self.records:
            yield [cell_text(record.get(c.key)) for c in self.columns]


def _within(scopes: list[Scope], qs: QuerySet, how: str, path: str = "pk") -> QuerySet:
    for scope in scopes:
        qs = getattr(scope, how)(qs, path)
    return qs


def export_kind(
    *, actor: Actor, kind: str, scope: Scope, root: Unit | None, sensitive: bool
) -> Export:
    """Records of `kind` under `root` (None: all the user may see), as far as `scope` reaches."""
    scopes = [scope] if root is None else [scope, Scope(full=False, root_ids=(root.pk,))]
    spec = KINDS[kind]
    columns = list(spec.columns)
    if kind == "people" and not sensitive:
        columns = [c for c in columns if c.key not in SENSITIVE_FIELDS]
    records = EXPORTERS[kind](scopes)
    if kind == "people" and sensitive:
        audit_record(
            actor,
            "ranks.interchange.export.sensitive_read",
            object_type="unit",
            object_id=root.code if root else "*",
            after={"kind": kind, "fields": list(SENSITIVE_FIELDS)},
        )
    return Export(kind, columns, records)


def _units(scopes) -> Iterator[Record]:
    """The subtree's versions, plus those of every unit they name as parent (within the user's
    scope), so the file stands on its own: a cell that moved to a new commune in 2025 brings
    that commune and the units above it."""
    ids = set(_within(scopes, Unit.objects.all(), "units").values_list("pk", flat=True))
    frontier = ids
    while frontier:
        parents = set(
            UnitVersion.objects.filter(unit_id__in=frontier, parent_id__isnull=False).values_list(
                "parent_id", flat=True
            )
        )
        parents = set(
            scopes[0].units(Unit.objects.filter(pk__in=parents - ids)).values_list("pk", flat=True)
        )
        ids |= parents
        frontier = parents
    versions = UnitVersion.objects.filter(unit_id__in=ids)
    for v in (
        versions.select_related("unit", "kind", "parent")
        .order_by("unit__code", "valid_from")
        .iterator(2000)
    ):
        yield {
            "code": v.unit.code,
            "name": v.name,
            "kind": v.kind.key,
            "parent_code": v.parent.code if v.parent else None,
            "valid_from": v.valid_from,
            "valid_to": v.valid_to,
            "area_flags": sorted(v.area_flags or []),
            "can_admit": v.can_admit,
            "admin_code": v.admin_code,
        }


def _places(scopes) -> Iterator[Record]:
    versions = _within(scopes, PlaceVersion.objects.all(), "places", "place")
    versions = (
        versions.select_related("place", "unit")
        .prefetch_related("cells")
        .order_by("place__code", "valid_from")
    )
    for v in versions.iterator(2000):
        yield {
            "code": v.place.code,
            "name": v.name,
            "kind": v.kind,
            "unit_code": v.unit.code,
            "cell_codes": sorted(c.code for c in v.cells.all()),
            "area_flags": sorted(v.area_flags or []),
            "valid_from": v.valid_from,
            "valid_to": v.valid_to,
        }


def _people(scopes) -> Iterator[Record]:
    people = _within(scopes, Person.objects.all(), "people")
    place_codes = dict(Place.objects.values_list("pk", "code"))
    # Since when the current attributes hold: the start of each person's open period.
    current = PersonAttributes.objects.filter(person_id=OuterRef("pk"), valid_to__isnull=True)
    people = people.annotate(attributes_from=Subquery(current.values("valid_from")[:1]))
    for p in people.order_by(*person_order()).iterator(2000):  # as registers read
        yield {
            "person_id": p.person_id,
            "full_name": p.full_name,
            "birth_date": p.birth_date,
            "gender": p.gender,
            "ethnicity": p.ethnicity,
            "religion": p.religion,
            "education_general": p.education_general,
            "education_professional": p.education_professional,
            "occupation": p.occupation,
            "youth_union": p.youth_union,
            "residence_place_code": place_codes.get(p.residence_place_id),
            "workplace_place_code": place_codes.get(p.workplace_place_id),
            "national_id": p.national_id,
            "phone": p.phone,
            "attributes_from": p.attributes_from,
        }


def _members(scopes) -> Iterator[Record]:
    postings = _within(scopes, Posting.objects.all(), "people", "person")
    postings = _within(scopes, postings, "units", "cell")
    postings = postings.select_related("person", "cell", "membership").order_by(
        "person__person_id", "valid_from"
    )
    for p in postings.iterator(2000):
        m = p.membership
        yield {
            "person_id": p.person.person_id,
            "cell_code": p.cell.code,
            "admission_decision_date": m.admission_decision_date,
            "admission_decision_no": m.admission_decision_no,
            "ceremony_date": m.ceremony_date,
            "official_date": m.official_date,
            "left_date": m.left_date,
            "left_reason": m.left_reason,
            "cell_from": p.valid_from,
        }


def _candidates(scopes) -> Iterator[Record]:
    candidates = _within(scopes, Candidate.objects.all(), "units", "cell")
    candidates = candidates.select_related("person", "cell").prefetch_related("mentors")
    for c in candidates.order_by("person__person_id").iterator(2000):
        yield {
            "person_id": c.person.person_id,
            "cell_code": c.cell.code,
            "added_on": c.added_on,
            "source_group": c.source_group,
            "mentor_person_ids": sorted(m.person_id for m in c.mentors.all()),
        }


def _events(scopes) -> Iterator[Record]:
    events = _within(scopes, StageEvent.objects.all(), "units", "candidate__cell")
    events = events.select_related("candidate__person", "to_unit").prefetch_related("introducers")
    for e in events.order_by("candidate__person__person_id", "date", "id").iterator(2000):
        yield {
            "person_id": e.candidate.person.person_id,
            "stage": e.stage,
            "date": e.date,
            "detail": e.detail,
            "certificate_no": e.certificate_no,
            "votes_for": e.votes_for,
            "official_members": e.official_members,
            "decision_no": e.decision_no,
            "received_on": e.received_on,
            "to_unit_code": e.to_unit.code if e.to_unit else None,
            "class_name": e.class_name,
            "introducer_person_ids": sorted(p.person_id for p in e.introducers.all()),
            "youth_union_resolution": e.youth_union_resolution,
            "authority": e.authority,
            "location": e.location,
            "exception_approved_by": e.exception_approved_by,
            "exception_document": e.exception_document,
        }


def _targets(scopes) -> Iterator[Record]:
    targets = _within(scopes, Target.objects.all(), "units", "unit").select_related("unit")
    for t in targets.order_by("unit__code", "year", "metric").iterator(2000):
        yield {"unit_code": t.unit.code, "year": t.year, "metric": t.metric, "value": t.value}


def _secondments(scopes) -> Iterator[Record]:
    secondments = _within(scopes, Secondment.objects.all(), "units", "cell")
    secondments = secondments.select_related("person", "cell", "home_unit")
    for s in secondments.order_by("cell__code", "person__person_id", "from_date").iterator(2000):
        yield {
            "person_id": s.person.person_id,
            "cell_code": s.cell.code,
            "role": s.role,
            "from_date": s.from_date,
            "to_date": s.to_date,
            "home_unit_code": s.home_unit.code if s.home_unit else None,
        }


EXPORTERS: dict[str, Any] = {
    "units": _units,
    "places": _places,
    "people": _people,
    "members": _members,
    "candidates": _candidates,
    "events": _events,
    "targets": _targets,
    "secondments": _secondments,
}


def write_csv(export: Export, stream: IO[str]) -> int:
    """UTF-8 with a BOM, so that Excel opens Vietnamese text correctly. Returns rows written."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([c.key for c in export.columns])
    count = 0
    for row in export.rows():
        writer.writerow(row)
        count += 1
    return count


def write_xlsx(export: Export, stream: IO[bytes]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(export.kind)
    bold = Font(bold=True)
    header = []
    for column in export.columns:
        cell = WriteOnlyCell(sheet, value=column.key)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in export.rows():
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # text, never a formula
            cells.append(cell)
        sheet.append(cells)
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    stream.write(buffer.getvalue())
    return count
