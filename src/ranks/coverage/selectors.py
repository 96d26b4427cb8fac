"""Coverage on any date, and its trend year by year (DESIGN §7, R17).

A place has a party member on a date when a member (admitted by then, not yet left) lived or
worked there that day, by the history of where people live and work. It has a cell when a cell
that existed that day was based there (a combined cell counts for every place it serves). A place
belongs to the unit's subtree on a date when its version that day belongs to a unit below it.

Four queries for one date or for many (the trend): unit versions, place versions, the cells
based at them, and the members' places with their membership periods; the rest is arithmetic.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models.expressions import RawSQL

from ranks.org import sql
from ranks.org.models import PlaceVersion, Unit
from ranks.people.models import PersonPlace
from ranks.targets.progress import Tree

TOTALS = ("total", "without_members", "without_cell")


@dataclass
class Counts:
    total: int = 0
    without_members: int = 0
    without_cell: int = 0

    def add(self, has_members: bool, has_cell: bool) -> None:
        self.total += 1
        self.without_members += not has_members
        self.without_cell += not has_cell

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in TOTALS}


@dataclass(frozen=True)
class BlankPlace:
    code: str
    name: str
    kind: str
    unit_code: str  # the unit the place belongs to (usually its commune)
    unit_name: str
    area_flags: tuple[str, ...]
    has_members: bool
    has_cell: bool


@dataclass
class Coverage:
    code: str
    name: str
    on: dt.date
    totals: Counts = field(default_factory=Counts)
    by_kind: dict[str, Counts] = field(default_factory=dict)
    by_flag: dict[str, Counts] = field(default_factory=dict)
    blank: list[BlankPlace] = field(default_factory=list)  # without members or without a cell
    # Per unit directly under the one asked for, and per unit a place belongs to (the commune,
    # for the map): code → counts.
    by_child: dict[str, Counts] = field(default_factory=dict)
    by_owner: dict[str, Counts] = field(default_factory=dict)
    # Per unit at every depth (by primary key), the unit asked for included.
    by_unit: dict[int, Counts] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "unit": self.code,
            "on": self.on.isoformat(),
            **self.totals.as_dict(),
            "by_kind": {k: c.as_dict() for k, c in sorted(self.by_kind.items())},
            "by_area_flag": {k: c.as_dict() for k, c in sorted(self.by_flag.items())},
        }


def _within(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start or dt.date.min) <= day <= (end or dt.date.max)


class Records:
    """What coverage reads, loaded once for any number of dates."""

    def __init__(self, unit: Unit):
        self.unit = unit
        self.tree = Tree.below([unit.pk])
        ever = RawSQL(*sql.subtree_ever_ids([unit.pk]))
        self.places = list(PlaceVersion.objects.filter(unit_id__in=ever).select_related("place"))
        links = PlaceVersion.cells.through.objects.filter(
            placeversion_id__in=[v.pk for v in self.places]
        ).values_list("placeversion_id", "unit_id")
        self.cells: dict[int, list[int]] = defaultdict(list)
        for version_id, cell_id in links:
            self.cells[version_id].append(cell_id)
        # A member's presence at a place: the overlap of where they lived or worked and their
        # membership (from the admission decision to the day before leaving).
        self.presence: dict[
            int, list[tuple[dt.date | None, dt.date | None, dt.date, dt.date | None]]
        ]
        self.presence = defaultdict(list)
        rows = PersonPlace.objects.filter(
            place_id__in={v.place_id for v in self.places},
            person__memberships__isnull=False,
        ).values_list(
            "place_id",
            "valid_from",
            "valid_to",
            "person__memberships__admission_decision_date",
            "person__memberships__left_date",
        )
        for place_id, vf, vt, admitted, left in rows:
            self.presence[place_id].append((vf, vt, admitted, left))

    def has_members(self, place_id: int, day: dt.date) -> bool:
        for vf, vt, admitted, left in self.presence.get(place_id, ()):
            if _within(day, vf, vt) and admitted <= day and (left is None or day < left):
                return True
        return False

    def has_cell(self, version: PlaceVersion, day: dt.date) -> bool:
        return any(self.tree.version(c, day) is not None for c in self.cells.get(version.pk, ()))

    def coverage(self, day: dt.date, with_lists: bool = True) -> Coverage:
        root = self.tree.version(self.unit.pk, day)
        result = Coverage(self.unit.code, root.name if root else self.unit.code, day)
        if root is None:
            return result
        flags_of: dict[int, frozenset[str]] = {}
        for version in self.places:
            if not _within(day, version.valid_from, version.valid_to):
                continue
            chain = self.tree.chain(version.unit_id, day)
            if self.unit.pk not in chain:
                continue
            below = chain[: chain.index(self.unit.pk)]
            if version.unit_id not in flags_of:
                inherited: set[str] = set()
                for unit_id in chain:
                    v = self.tree.version(unit_id, day)
                    inherited.update(v.area_flags or () if v else ())
                flags_of[version.unit_id] = frozenset(inherited)
            flags = sorted(flags_of[version.unit_id] | set(version.area_flags or ()))
            members = self.has_members(version.place_id, day)
            cell = self.has_cell(version, day)
            result.totals.add(members, cell)
            result.by_kind.setdefault(version.kind, Counts()).add(members, cell)
            for flag in flags:
                result.by_flag.setdefault(flag, Counts()).add(members, cell)
            if below:
                child = self.tree.version(below[-1], day)
                result.by_child.setdefault(child.unit.code, Counts()).add(members, cell)
            for unit_id in chain[: chain.index(self.unit.pk) + 1]:
                result.by_unit.setdefault(unit_id, Counts()).add(members, cell)
            owner = self.tree.version(version.unit_id, day)
            result.by_owner.setdefault(owner.unit.code, Counts()).add(members, cell)
            if with_lists and not (members and cell):
                result.blank.append(
                    BlankPlace(
                        code=version.place.code,
                        name=version.name,
                        kind=version.kind,
                        unit_code=owner.unit.code,
                        unit_name=owner.name,
                        area_flags=tuple(flags),
                        has_members=members,
                        has_cell=cell,
                    )
                )
        result.blank.sort(key=lambda b: (b.unit_name, b.name, b.code))
        return result

    def first_day(self) -> dt.date | None:
        starts = [v.valid_from for v in self.places if v.valid_from]
        starts += [admitted for rows in self.presence.values() for _vf, _vt, admitted, _l in rows]
        return min(starts) if starts else None


def coverage_on(unit: Unit, day: dt.date) -> Coverage:
    """Coverage of the unit's subtree on `day`, with the list of blank places."""
    return Records(unit).coverage(day)


def coverage_trend(
    unit: Unit, until: dt.date, years: Sequence[int] | None = None
) -> list[Coverage]:
    """Coverage at the end of each year (and on `until` for its own year), from the earliest
    year with data, or `years`: the same four queries however many years."""
    records = Records(unit)
    chosen = years is not None
    if years is None:
        first = records.first_day()
        years = range(first.year if first else until.year, until.year + 1)
    days: Iterable[dt.date] = (min(dt.date(y, 12, 31), until) for y in years)
    found = [records.coverage(day, with_lists=False) for day in days]
    if not chosen:
        # From the first year the unit had places: members admitted long before (1945) would
        # otherwise open the trend with decades of nothing.
        while len(found) > 1 and found[0].totals.total == 0:
            found.pop(0)
    return found
