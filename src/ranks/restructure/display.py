"""Reads for the restructure pages: who sees a restructure, what it did (from its audit entry),
a preview's steps with names and kinds worded, and the units offered on the form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from ranks.access.scope import Scope
from ranks.core.models import AuditEntry
from ranks.org import sql
from ranks.org.models import Unit, UnitKind, UnitVersion
from ranks.org.selectors import unit_names_on
from ranks.restructure.models import Restructure
from ranks.restructure.plan import Plan


def restructure_named(restructure: Restructure) -> set[str]:
    """The units a restructure names: its sources, its targets and the targets of its mapping.
    Seeing it needs each of them; undoing it, the manager role over each."""
    mapping = (restructure.params or {}).get("mapping") or {}
    return set(restructure.source_codes) | set(restructure.target_codes) | set(mapping.values())


def _covers_all(scope: Scope, codes: set[str]) -> bool:
    if scope.full:
        return True
    return scope.units(Unit.objects.filter(code__in=codes)).count() == len(codes)


def restructure_seen(*, scope: Scope, restructure_id: int) -> Restructure | None:
    """The restructure if `scope` covers every unit it names, else None: a restructure outside
    the scope is answered like a missing one."""
    found = Restructure.objects.filter(pk=restructure_id).first()
    if found is None or not _covers_all(scope, restructure_named(found)):
        return None
    return found


def restructures_seen_ids(*, scope: Scope, restructures: Iterable[Restructure]) -> set[int]:
    """Which of `restructures` `scope` sees (each unit they name covered): one query."""
    acts = list(restructures)
    named = {r.pk: restructure_named(r) for r in acts}
    codes = set().union(*named.values()) if named else set()
    if scope.full:
        return set(named)
    covered = set(scope.units(Unit.objects.filter(code__in=codes)).values_list("code", flat=True))
    return {pk for pk, names in named.items() if names <= covered}


def kind_labels() -> dict[str, str]:
    return {k.key: k.label for k in UnitKind.objects.all()}


def kind_choices() -> list[tuple[str, str]]:
    return [(k.key, k.label) for k in UnitKind.objects.all()]


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    kind: str
    parent: str | None
    was_name: str
    was_kind: str
    was_parent: str | None

    @property
    def renamed(self) -> bool:
        return self.name != self.was_name

    @property
    def rekinded(self) -> bool:
        return self.kind != self.was_kind

    @property
    def moved(self) -> bool:
        return self.parent != self.was_parent


@dataclass(frozen=True)
class PlaceRow:
    code: str
    unit: str
    was_unit: str
    cells: tuple[tuple[str, str], ...] = ()  # (closed cell, the cell linked instead)

    @property
    def moved(self) -> bool:
        return self.unit != self.was_unit


@dataclass(frozen=True)
class Steps:
    """What a restructure does or did, worded for a page."""

    units: list[UnitRow]
    places: list[PlaceRow]
    closes: list[tuple[str, str]]  # (code, name the day before)


def _unit_rows(rows: Iterable[dict[str, Any]]) -> list[UnitRow]:
    labels = kind_labels()
    return [
        UnitRow(
            code=r["code"],
            name=r["name"],
            kind=labels.get(r["kind"], r["kind"]),
            parent=r["parent"],
            was_name=r["was_name"],
            was_kind=labels.get(r["was_kind"], r["was_kind"]),
            was_parent=r["was_parent"],
        )
        for r in rows
    ]


def _closes(codes: list[str], on: dt.date) -> list[tuple[str, str]]:
    ids = dict(Unit.objects.filter(code__in=codes).values_list("code", "pk"))
    names = unit_names_on(unit_ids=ids.values(), day=on - dt.timedelta(days=1))
    return [(code, names.get(ids.get(code, 0), "")) for code in codes]


def plan_steps(plan: Plan) -> Steps:
    """The steps of a preview's plan, with kinds worded and the names of the sources closing."""
    return Steps(
        units=_unit_rows(
            {
                "code": s.code,
                "name": s.name,
                "kind": s.kind,
                "parent": s.parent,
                "was_name": s.was_name,
                "was_kind": s.was_kind,
                "was_parent": s.was_parent,
            }
            for s in plan.units
        ),
        places=[PlaceRow(p.code, p.unit, p.was_unit, p.cells) for p in plan.places],
        closes=_closes(list(plan.closes), plan.request.on),
    )


def restructure_steps(restructure: Restructure) -> Steps:
    """What the restructure did, from its audit entry `ranks.restructure.applied` (which lists
    every unit, place and source closed)."""
    entry = (
        AuditEntry.objects.filter(
            action="ranks.restructure.applied",
            object_type="restructure",
            object_id=str(restructure.pk),
        )
        .order_by("seq")
        .first()
    )
    after = (entry.after if entry else None) or {}
    return Steps(
        units=_unit_rows(after.get("units", [])),
        places=[
            PlaceRow(
                p["code"],
                p["unit"],
                p["was_unit"],
                tuple((a, b) for a, b in p.get("cells", [])),
            )
            for p in after.get("places", [])
        ],
        closes=_closes(list(after.get("closed", [])), restructure.effective_on),
    )


def units_offered(
    *, unit: Unit, day: dt.date, scope: Scope, limit: int
) -> tuple[list[tuple[str, str]], int]:
    """(code, name) of the unit and the units below it on `day` that `scope` covers, at most
    `limit` of them, the highest first, and how many there are in all: what the form offers to
    name as a source or a target. Two queries, bounded by the unit's subtree."""
    text, params = sql.subtree_on_ids([unit.pk], day)
    on_day: QuerySet[UnitVersion] = UnitVersion.objects.valid_on(day)
    found = scope.units(on_day.filter(unit_id__in=RawSQL(text, params)), "unit")
    rows = found.order_by("kind__order", "unit__code").values_list("unit__code", "name")
    return list(rows[:limit]), found.count()
