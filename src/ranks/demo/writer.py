"""Writing a demo plan: bulk inserts in the caller's transaction, each object audited in bulk.

The per-row services check one input at a time and would take minutes for a province; the plan
is already consistent (every stage event one `stage_event_save` would accept, or an exception
with who approved it), so rows go in with `bulk_create` and one audit entry per unit, place,
person, membership, candidate and stage event goes into the chain with `audit_record_many`.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO, StringIO
from typing import TypeVar

from django.apps import apps
from django.db import models, transaction
from django.db.models import Max
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from ranks.access.models import Grant
from ranks.core.actor import Actor
from ranks.core.audit import Change, audit_record_many, audit_seq
from ranks.core.chain import GENESIS
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry, AuditHead
from ranks.counters import services as counters
from ranks.demo.generator.plan import (
    LAST_OLD_DAY,
    REFORM,
    EventPlan,
    PlaceVersionPlan,
    Plan,
    UnitVersionPlan,
)
from ranks.org.models import Place, PlaceVersion, Unit, UnitKind, UnitVersion
from ranks.people.models import Membership, Person, PersonAttributes, PersonPlace, Posting
from ranks.people.names import fold
from ranks.pipeline.models import Candidate, Stage, StageEvent
from ranks.pipeline.services import EVENT_DETAILS
from ranks.restructure.plans import HEADER, run_plan
from ranks.restructure.reform import reform_rows

BATCH = 1000
_M = TypeVar("_M", bound=models.Model)
_V = TypeVar("_V", UnitVersionPlan, PlaceVersionPlan)

# What `--reset` empties, children first. Unit kinds are configuration and stay.
FLUSHED: tuple[type[models.Model], ...] = (
    Posting,
    Membership,
    Person,
    Grant,
    PlaceVersion,
    Place,
    UnitVersion,
    Unit,
)


@dataclass(frozen=True)
class Counts:
    units: int
    unit_versions: int
    places: int
    people: int
    members: int
    active: int
    probationary: int
    audit_entries: int
    candidates: int = 0
    events: int = 0
    restructures: int = 0


def demo_units() -> int:
    return Unit.objects.count()


# -- flushing -------------------------------------------------------------------------------


def _dependants() -> list[type[models.Model]]:
    """Models of other Ranks apps whose rows hang off units, places or people (targets,
    candidates, …): they are emptied first, or the units could not go."""
    found: list[type[models.Model]] = []
    targets = set(FLUSHED)
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            if model in targets or not model.__module__.startswith("ranks."):
                continue
            if model in {UnitKind, AuditEntry, AuditHead}:
                continue
            if any(
                f.is_relation
                and f.related_model in targets
                and (f.many_to_one or f.one_to_one or f.many_to_many)
                for f in model._meta.get_fields()
                if not f.auto_created or f.concrete
            ):
                found.append(model)
                targets.add(model)
                changed = True
    return found


def flush(actor: Actor) -> int:
    """Empty the Ranks data (units, places, people, grants, what hangs off them, the audit log);
    return how many rows went. The new chain starts with an entry that says so."""
    order = [*_dependants(), *FLUSHED]
    removed = 0
    for _attempt in range(len(order) + 1):
        pending = [m for m in order if m._default_manager.exists()]
        if not pending:
            break
        for model in pending:
            try:
                with transaction.atomic():
                    removed += model._default_manager.all().delete()[0]
            except (ProtectedError, RestrictedError):
                continue
    else:
        raise DomainError(_("The Ranks data could not be emptied: other data still refers to it."))
    removed += AuditEntry.objects.all().delete()[0]
    AuditHead.objects.update_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})
    audit_record_many(
        actor,
        [Change("ranks.demo.flushed", "demo", "-", after={"rows_removed": removed})],
    )
    return removed


# -- writing --------------------------------------------------------------------------------


def _bulk(model: type[_M], rows: Sequence[_M]) -> None:
    model._default_manager.bulk_create(rows, batch_size=BATCH)


def _ids(model: type[models.Model], key: str, values: Iterable[str]) -> dict[str, int]:
    values = list(values)
    out: dict[str, int] = {}
    for start in range(0, len(values), BATCH):
        chunk = values[start : start + BATCH]
        out.update(model._default_manager.filter(**{f"{key}__in": chunk}).values_list(key, "id"))
    return out


def _unit_changes(plan: Plan) -> list[Change]:
    changes = []
    for unit in plan.units:
        first = unit.versions[0]
        changes.append(
            Change(
                "ranks.demo.unit.created",
                "unit",
                unit.code,
                after={
                    "name": first.name,
                    "kind": first.kind,
                    "parent": first.parent,
                    "valid_from": first.valid_from,
                    "valid_to": first.valid_to,
                },
            )
        )
        for before, after in zip(unit.versions, unit.versions[1:], strict=False):
            changes.append(
                Change(
                    "ranks.demo.unit.moved",
                    "unit",
                    unit.code,
                    before={
                        "name": before.name,
                        "parent": before.parent,
                        "valid_to": before.valid_to,
                    },
                    after={
                        "name": after.name,
                        "parent": after.parent,
                        "valid_from": after.valid_from,
                    },
                )
            )
    return changes


def _write_units(plan: Plan) -> None:
    kinds = dict(UnitKind.objects.values_list("key", "id"))
    missing = {v.kind for u in plan.units for v in u.versions} - set(kinds)
    if missing:
        raise DomainError(_("Unknown unit kind: %(kind)s.") % {"kind": ", ".join(sorted(missing))})
    _bulk(Unit, [Unit(code=u.code) for u in plan.units])
    ids = _ids(Unit, "code", [u.code for u in plan.units])
    _bulk(
        UnitVersion,
        [
            UnitVersion(
                unit_id=ids[u.code],
                name=v.name,
                kind_id=kinds[v.kind],
                parent_id=ids[v.parent] if v.parent else None,
                valid_from=v.valid_from,
                valid_to=v.valid_to,
                can_admit=v.can_admit,
                area_flags=list(v.area_flags),
                admin_code=v.admin_code,
                latitude=v.latitude,
                longitude=v.longitude,
            )
            for u in plan.units
            for v in u.versions
        ],
    )


def _write_places(plan: Plan) -> list[Change]:
    units = dict(Unit.objects.values_list("code", "id"))
    _bulk(Place, [Place(code=p.code) for p in plan.places])
    ids = _ids(Place, "code", [p.code for p in plan.places])
    _bulk(
        PlaceVersion,
        [
            PlaceVersion(
                place_id=ids[p.code],
                name=v.name,
                kind=v.kind,
                unit_id=units[v.unit],
                valid_from=v.valid_from,
                valid_to=v.valid_to,
            )
            for p in plan.places
            for v in p.versions
        ],
    )
    version_ids = {
        (place_id, valid_from): pk
        for pk, place_id, valid_from in PlaceVersion.objects.filter(
            place_id__in=list(ids.values())
        ).values_list("id", "place_id", "valid_from")
    }
    through = PlaceVersion.cells.through
    _bulk(
        through,
        [
            through(placeversion_id=version_ids[(ids[p.code], v.valid_from)], unit_id=units[cell])
            for p in plan.places
            for v in p.versions
            for cell in v.cells
        ],
    )
    changes = []
    for p in plan.places:
        first = p.versions[0]
        changes.append(
            Change(
                "ranks.demo.place.created",
                "place",
                p.code,
                after={
                    "name": first.name,
                    "kind": first.kind,
                    "unit": first.unit,
                    "cells": list(first.cells),
                    "valid_from": first.valid_from,
                    "valid_to": first.valid_to,
                },
            )
        )
        for before, after in zip(p.versions, p.versions[1:], strict=False):
            changes.append(
                Change(
                    "ranks.demo.place.moved",
                    "place",
                    p.code,
                    before={"unit": before.unit, "valid_to": before.valid_to},
                    after={"unit": after.unit, "valid_from": after.valid_from},
                )
            )
    return changes


def _write_people(plan: Plan) -> list[Change]:
    places = _ids(
        Place,
        "code",
        {p.residence for p in plan.people if p.residence}
        | {p.workplace for p in plan.people if p.workplace},
    )
    rows = []
    changes = []
    for p in plan.people:
        rows.append(
            Person(
                person_id=p.person_id,
                full_name=p.full_name,
                search_name=fold(p.full_name),  # bulk_create skips Person.save()
                birth_date=p.birth_date,
                gender=p.gender,
                ethnicity=p.ethnicity,
                religion=p.religion,
                education_general=p.education_general,
                education_professional=p.education_professional,
                occupation=p.occupation,
                youth_union=p.youth_union,
                residence_place_id=places.get(p.residence) if p.residence else None,
                workplace_place_id=places.get(p.workplace) if p.workplace else None,
                national_id=p.national_id,
                phone=p.phone,
            )
        )
        # Religion, ethnicity and national ID are sensitive: the log names the person only.
        changes.append(
            Change(
                "ranks.demo.person.created",
                "person",
                p.person_id,
                after={
                    "full_name": p.full_name,
                    "birth_date": p.birth_date,
                    "gender": p.gender,
                    "residence": p.residence,
                },
            )
        )
    _bulk(Person, rows)
    # Where they live and work, since a time before the demo's history begins.
    ids = _ids(Person, "person_id", [p.person_id for p in plan.people])
    _bulk(
        PersonPlace,
        [
            PersonPlace(person_id=ids[p.person_id], role=role, place_id=places[code])
            for p in plan.people
            for role, code in (("residence", p.residence), ("workplace", p.workplace))
            if code
        ],
    )
    # Their occupation, education and the rest, held since birth (people.attributes).
    _bulk(
        PersonAttributes,
        [
            PersonAttributes(
                person_id=ids[p.person_id],
                valid_from=p.birth_date,
                ethnicity=p.ethnicity,
                religion=p.religion,
                education_general=p.education_general,
                education_professional=p.education_professional,
                occupation=p.occupation,
                youth_union=p.youth_union,
            )
            for p in plan.people
        ],
    )
    return changes


def _write_memberships(plan: Plan) -> list[Change]:
    people = _ids(Person, "person_id", [m.person_id for m in plan.memberships])
    units = dict(Unit.objects.values_list("code", "id"))
    _bulk(
        Membership,
        [
            Membership(
                person_id=people[m.person_id],
                admission_decision_date=m.admission_decision_date,
                admission_decision_no=m.admission_decision_no,
                ceremony_date=m.ceremony_date,
                official_date=m.official_date,
                left_date=m.left_date,
                left_reason=m.left_reason,
            )
            for m in plan.memberships
        ],
    )
    membership_ids: dict[int, int] = {}
    person_ids = list(people.values())
    for start in range(0, len(person_ids), BATCH):
        membership_ids.update(
            Membership.objects.filter(person_id__in=person_ids[start : start + BATCH]).values_list(
                "person_id", "id"
            )
        )
    postings = []
    changes = []
    for m in plan.memberships:
        pid = people[m.person_id]
        for posting in m.postings:
            postings.append(
                Posting(
                    membership_id=membership_ids[pid],
                    person_id=pid,
                    cell_id=units[posting.cell],
                    valid_from=posting.valid_from,
                    valid_to=posting.valid_to,
                )
            )
        changes.append(
            Change(
                "ranks.demo.membership.admitted",
                "person",
                m.person_id,
                after={
                    "cell": m.postings[0].cell,
                    "admission_decision_date": m.admission_decision_date,
                    "admission_decision_no": m.admission_decision_no,
                    "ceremony_date": m.ceremony_date,
                    "official_date": m.official_date,
                },
            )
        )
        for before, after in zip(m.postings, m.postings[1:], strict=False):
            changes.append(
                Change(
                    "ranks.demo.membership.transferred",
                    "person",
                    m.person_id,
                    before={"cell": before.cell},
                    after={"cell": after.cell, "on": after.valid_from},
                )
            )
        if m.left_date:
            changes.append(
                Change(
                    "ranks.demo.membership.ended",
                    "person",
                    m.person_id,
                    after={"left_date": m.left_date, "left_reason": m.left_reason},
                )
            )
    _bulk(Posting, postings)
    return changes


def _event_change(person_id: str, e: EventPlan) -> Change:
    """The audit entry of one event: what the service's entry holds, the given fields only."""
    after: dict = {"stage": e.stage, "date": e.date}
    for key in EVENT_DETAILS:
        value = getattr(e, key)
        if value is not None and value != "" and value is not False:  # 0 votes are kept
            after[key] = value
    if e.stage == Stage.INTRODUCERS_ASSIGNED:
        after["introducers"] = sorted(e.introducers)
    if e.exception_for:
        after["exception_for"] = list(e.exception_for)
    return Change("ranks.demo.event.created", "candidate", person_id, after=after)


def _write_candidates(plan: Plan, actor: Actor) -> list[Change]:
    """Candidates, their mentors, stage events and introducers; one audit entry per candidate,
    event and move to another cell."""
    wanted = {c.person_id for c in plan.candidates}
    wanted |= {m for c in plan.candidates for m in c.mentors}
    wanted |= {p for c in plan.candidates for e in c.events for p in e.introducers}
    people = _ids(Person, "person_id", sorted(wanted))
    units = dict(Unit.objects.values_list("code", "id"))
    _bulk(
        Candidate,
        [
            Candidate(
                person_id=people[c.person_id],
                cell_id=units[c.cell],
                added_on=c.added_on,
                source_group=c.source_group,
                note=c.note,
            )
            for c in plan.candidates
        ],
    )
    ids: dict[int, int] = {}
    person_ids = [people[c.person_id] for c in plan.candidates]
    for start in range(0, len(person_ids), BATCH):
        ids.update(
            Candidate.objects.filter(person_id__in=person_ids[start : start + BATCH]).values_list(
                "person_id", "id"
            )
        )
    through = Candidate.mentors.through
    mentors, events, changes = [], [], []
    for c in plan.candidates:
        candidate_id = ids[people[c.person_id]]
        mentors += [through(candidate_id=candidate_id, person_id=people[m]) for m in c.mentors]
        changes.append(
            Change(
                "ranks.demo.candidate.created",
                "candidate",
                c.person_id,
                after={
                    "cell": c.started_in or c.cell,
                    "added_on": c.added_on,
                    "source_group": c.source_group,
                    "mentors": list(c.mentors),
                },
            )
        )
        for e in c.events:
            events.append(
                StageEvent(
                    candidate_id=candidate_id,
                    stage=e.stage,
                    date=e.date,
                    detail=e.detail,
                    class_name=e.class_name,
                    certificate_no=e.certificate_no,
                    youth_union_resolution=e.youth_union_resolution,
                    votes_for=e.votes_for,
                    official_members=e.official_members,
                    authority=e.authority,
                    decision_no=e.decision_no,
                    received_on=e.received_on,
                    to_unit_id=units[e.to_unit] if e.to_unit else None,
                    location=e.location,
                    exception_approved_by=e.exception_approved_by,
                    exception_document=e.exception_document,
                    recorded_by=actor.name,
                )
            )
            changes.append(_event_change(c.person_id, e))
            if e.stage == Stage.HANDOVER_ACCEPTED and c.started_in:
                changes.append(
                    Change(
                        "ranks.demo.candidate.moved",
                        "candidate",
                        c.person_id,
                        before={"cell": c.started_in},
                        after={"cell": c.cell, "on": e.date},
                    )
                )
    _bulk(through, mentors)
    _bulk(StageEvent, events)
    _write_introducers(plan, ids, people)
    return changes


def _write_introducers(plan: Plan, ids: dict[int, int], people: dict[str, int]) -> None:
    """The introducers of each assignment, keyed by (candidate, date): one per stage and day."""
    assigned = [
        (ids[people[c.person_id]], e) for c in plan.candidates for e in c.events if e.introducers
    ]
    candidate_ids = sorted({candidate_id for candidate_id, _e in assigned})
    event_ids: dict[tuple[int, object], int] = {}
    for start in range(0, len(candidate_ids), BATCH):
        rows = StageEvent.objects.filter(
            candidate_id__in=candidate_ids[start : start + BATCH],
            stage=Stage.INTRODUCERS_ASSIGNED,
        ).values_list("candidate_id", "date", "id")
        event_ids.update({(candidate_id, day): pk for candidate_id, day, pk in rows})
    through = StageEvent.introducers.through
    _bulk(
        through,
        [
            through(stageevent_id=event_ids[(candidate_id, e.date)], person_id=people[p])
            for candidate_id, e in assigned
            for p in e.introducers
        ],
    )


# The decision of the 2025 reform, as the demo's restructures record it.
REFORM_REASON = "Sắp xếp đơn vị hành chính cấp tỉnh, cấp xã năm 2025"
REFORM_DOCUMENT = (
    "Nghị quyết của Quốc hội và các nghị quyết của Ủy ban Thường vụ Quốc hội về việc sắp xếp "
    "đơn vị hành chính năm 2025"
)


def _until_reform(versions: list[_V]) -> list[_V]:
    """The versions of a unit or place as the tree of 2024 knows them: those from before the
    reform, the last one open. A unit that begins with the reform keeps its versions."""
    before = [v for v in versions if v.valid_from is None or v.valid_from < REFORM]
    if before and before[-1].valid_to == LAST_OLD_DAY:
        before[-1] = dataclasses.replace(before[-1], valid_to=None)
    return before or list(versions)


def _tree_of_2024(plan: Plan) -> Plan:
    """The plan with the tree of 2024 and the units that the reform founds (the new province
    and communes, with their coordinates and flags, which a plan file does not carry)."""
    return dataclasses.replace(
        plan,
        units=[dataclasses.replace(u, versions=_until_reform(u.versions)) for u in plan.units],
        places=[dataclasses.replace(p, versions=_until_reform(p.versions)) for p in plan.places],
    )


def _reform_plan_rows(plan: Plan) -> list[dict[str, str]]:
    """The rows of the reform's plan file for the province (`restructure.reform`), with what a
    real decision says and the conversion table does not: which cells and villages of a divided
    commune go to which new commune, and the agencies' committees that move to the new province
    under a new name."""
    rows, _notes = reform_rows(
        province=plan.province, reason=REFORM_REASON, document=REFORM_DOCUMENT
    )
    goes_to = {u.code: v.parent for u in plan.units for v in u.versions if v.valid_from == REFORM}
    goes_to |= {p.code: v.unit for p in plan.places for v in p.versions if v.valid_from == REFORM}
    by_source: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        if row["kind"] == "split":
            by_source.setdefault(row["source"], []).append(row)
    for split_rows in by_source.values():
        codes = [c for r in split_rows for c in r.get("map", "").split(";") if c]
        for row in split_rows:
            row["map"] = ";".join(c for c in codes if goes_to.get(c) == row["target"])
    rows += _rows_left_out(plan, rows, goes_to)
    for u in plan.units:
        was, now = (u.versions[-2], u.versions[-1]) if len(u.versions) > 1 else (None, None)
        if was is None or now is None or now.valid_from != REFORM or was.name == now.name:
            continue
        common = {"effective_on": REFORM.isoformat(), "source": u.code, "name": now.name}
        common |= {"reason": REFORM_REASON, "document": REFORM_DOCUMENT}
        if was.parent != now.parent and now.parent:
            rows.append({"kind": "move", "target": now.parent, **common})
        else:
            rows.append({"kind": "rename", **common})
    return rows


def _rows_left_out(
    plan: Plan, rows: list[dict[str, str]], goes_to: dict[str, str | None]
) -> list[dict[str, str]]:
    """Rows for the units that close with the reform and that the conversion table leaves out
    (an island district standing in for its own commune): each is merged into the new unit its
    cells and places go to, or split among them, or with none dissolved."""
    named = {c for r in rows for c in r.get("source", "").split(";") if c}
    closing = {u.code for u in plan.units if u.versions[-1].valid_to == LAST_OLD_DAY}
    below: dict[str, list[str]] = {}
    for u in plan.units:
        owner = next((v.parent for v in u.versions if v.valid_from and v.valid_from < REFORM), None)
        if owner:
            below.setdefault(owner, []).append(u.code)
    for p in plan.places:
        place_owner = next(
            (v.unit for v in p.versions if v.valid_from and v.valid_from < REFORM), None
        )
        if place_owner:
            below.setdefault(place_owner, []).append(p.code)

    def targets(code: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for child in below.get(code, []):
            if child in closing:
                for target in targets(child):
                    found.setdefault(target, [])
            elif goes_to.get(child):
                found.setdefault(str(goes_to[child]), []).append(child)
        return found

    common = {"effective_on": REFORM.isoformat(), "reason": REFORM_REASON,
              "document": REFORM_DOCUMENT}  # fmt: skip
    more: list[dict[str, str]] = []
    for code in sorted(closing - named):
        found = targets(code)
        if len(found) == 1:
            more.append({"kind": "merge", "source": code, "target": next(iter(found)), **common})
        elif found:
            for target, codes in found.items():
                more.append({"kind": "split", "source": code, "target": target,
                             "map": ";".join(codes), **common})  # fmt: skip
        else:
            more.append({"kind": "dissolve", "source": code, **common})
    return more


def _tree_as_planned(plan: Plan) -> list[str]:
    """The units and places whose versions differ from the plan's: none once the reform's plan
    has been applied to the tree of 2024."""
    units = {u.code: [(v.name, v.kind, v.parent, v.valid_from, v.valid_to) for v in u.versions]
             for u in plan.units}  # fmt: skip
    found: dict[str, list[tuple]] = {}
    for code, *values in (
        UnitVersion.objects.filter(unit__code__in=list(units))
        .order_by("unit__code", "valid_from")
        .values_list("unit__code", "name", "kind__key", "parent__code", "valid_from", "valid_to")
    ):
        found.setdefault(code, []).append(tuple(values))
    places = {p.code: [(v.unit, v.valid_from, v.valid_to) for v in p.versions]
              for p in plan.places}  # fmt: skip
    found_places: dict[str, list[tuple]] = {}
    for code, *values in (
        PlaceVersion.objects.filter(place__code__in=list(places))
        .order_by("place__code", "valid_from")
        .values_list("place__code", "unit__code", "valid_from", "valid_to")
    ):
        found_places.setdefault(code, []).append(tuple(values))
    return [c for c in units if found.get(c) != units[c]] + [
        c for c in places if found_places.get(c) != places[c]
    ]


def _apply_reform(plan: Plan, actor: Actor) -> int:
    """Apply the reform's plan to the tree of 2024, as `ranks restructure apply` would; return
    how many restructures it recorded."""
    stream = StringIO()
    csv_writer = csv.DictWriter(stream, fieldnames=HEADER)
    csv_writer.writeheader()
    csv_writer.writerows(_reform_plan_rows(plan))
    result = run_plan(
        actor=actor,
        stream=BytesIO(stream.getvalue().encode()),
        filename="reform.csv",
        write=True,
    )
    if result.errors:
        raise DomainError(
            _("The plan of the reform is refused: %(reasons)s")
            % {"reasons": "; ".join(f"{e.row}: {e.reason}" for e in result.errors[:5])}
        )
    differ = _tree_as_planned(plan)
    if differ:
        raise DomainError(
            _("The plan of the reform does not give the demo's tree: %(codes)s")
            % {"codes": ", ".join(differ[:10])}
        )
    return sum(1 for d in result.done if d.restructure_id is not None)


def write_plan(plan: Plan, actor: Actor) -> Counts:
    """Store the plan in the current transaction and audit every object it creates.

    The tree is written as it stood in 2024, with the units the reform founds; the reform's
    plan (`ranks restructure plan`) is then applied to it as one act per restructure, audited
    as such, and the tree checked against the plan's."""
    with transaction.atomic():
        last = Membership.objects.aggregate(last=Max("pk"))["last"] or 0
        last_candidate = Candidate.objects.aggregate(last=Max("pk"))["last"] or 0
        first_seq = audit_seq()
        tree = _tree_of_2024(plan)
        _write_units(tree)
        changes = _unit_changes(tree)
        changes += _write_places(tree)
        counters.rebuild_coverage()
        audit_record_many(actor, changes)
        restructures = _apply_reform(plan, actor)
        changes = []
        changes += _write_people(plan)
        changes += _write_memberships(plan)
        changes += _write_candidates(plan, actor)
        counters.add_new("SELECT id FROM people_membership WHERE id > %s", [last])
        counters.add_new_candidates(
            "SELECT id FROM pipeline_candidate WHERE id > %s", [last_candidate]
        )
        counters.rebuild_coverage()  # the province's places, people and members together
        audit_record_many(actor, changes)
        written = audit_seq() - first_seq  # the restructures' entries too
    day = today()
    active = [
        m
        for m in plan.memberships
        if m.admission_decision_date <= day and (m.left_date is None or m.left_date > day)
    ]
    return Counts(
        units=len(plan.units),
        unit_versions=sum(len(u.versions) for u in plan.units),
        places=len(plan.places),
        people=len(plan.people),
        members=len(plan.memberships),
        active=len(active),
        probationary=sum(1 for m in active if not m.official_date or m.official_date > day),
        audit_entries=written,
        candidates=len(plan.candidates),
        events=sum(len(c.events) for c in plan.candidates),
        restructures=restructures,
    )
