"""Coverage from the records in Python, stated apart from the SQL that keeps the counters
(`ranks.counters.coverage_sql`) and reads the blank places (`ranks.coverage.selectors`), so
that each checks the other: `recount` for `ranks counters verify`, `Records` for the tests of
the figures and lists on a date (DESIGN §7, R17)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection
from django.db.models.expressions import RawSQL

from ranks.counters.models import COVERAGE_COLUMNS, CoverageCount
from ranks.counters.services import closure_sql
from ranks.coverage.selectors import BlankPlace, Counts, Coverage
from ranks.org import sql
from ranks.org.models import PlaceVersion, Unit, UnitVersion
from ranks.org.rollup import VersionTree
from ranks.org.tree import AREA_FLAGS, in_force
from ranks.people.models import PersonPlace

Key = tuple[int, dt.date]


def _members_at(place_ids: set[int]):
    """(place, from, to, admitted, left) of each membership of each person who ever lived or
    worked at the places, with the period they did."""
    return PersonPlace.objects.filter(
        place_id__in=place_ids, person__memberships__isnull=False
    ).values_list(
        "place_id",
        "valid_from",
        "valid_to",
        "person__memberships__admission_decision_date",
        "person__memberships__left_date",
    )


class Records:
    """What coverage reads, loaded once for any number of dates."""

    def __init__(self, unit: Unit):
        self.unit = unit
        self.tree = VersionTree.below([unit.pk])
        ever = RawSQL(*sql.subtree_ever_ids([unit.pk]))
        self.places = list(PlaceVersion.objects.filter(unit_id__in=ever).select_related("place"))
        links = PlaceVersion.cells.through.objects.filter(
            placeversion_id__in=[v.pk for v in self.places]
        ).values_list("placeversion_id", "unit_id")
        self.cells: dict[int, list[int]] = defaultdict(list)
        for version_id, cell_id in links:
            self.cells[version_id].append(cell_id)
        # A cell based at a place counts wherever it sits in the tree (a combined cell serves
        # places of several units): its own versions, whatever the subtree.
        self.cell_versions = VersionTree(
            UnitVersion.objects.filter(unit_id__in={c for cs in self.cells.values() for c in cs})
        )
        # A member's presence at a place: the overlap of where they lived or worked and their
        # membership (from the admission decision to the day before leaving).
        self.presence: dict[
            int, list[tuple[dt.date | None, dt.date | None, dt.date, dt.date | None]]
        ]
        self.presence = defaultdict(list)
        for place_id, vf, vt, admitted, left in _members_at({v.place_id for v in self.places}):
            self.presence[place_id].append((vf, vt, admitted, left))

    def has_members(self, place_id: int, day: dt.date) -> bool:
        for vf, vt, admitted, left in self.presence.get(place_id, ()):
            if in_force(vf, vt, day) and admitted <= day and (left is None or day < left):
                return True
        return False

    def has_cell(self, version: PlaceVersion, day: dt.date) -> bool:
        return any(
            self.cell_versions.version(c, day) is not None for c in self.cells.get(version.pk, ())
        )

    def coverage(self, day: dt.date, with_lists: bool = True) -> Coverage:
        root = self.tree.version(self.unit.pk, day)
        result = Coverage(self.unit.code, root.name if root else self.unit.code, day)
        if root is None:
            return result
        flags_of: dict[int, frozenset[str]] = {}
        blank: list[BlankPlace] = []
        for version in self.places:
            if not in_force(version.valid_from, version.valid_to, day):
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
                assert child is not None  # the chain holds only units in force on the day
                result.by_child.setdefault(child.unit.code, Counts()).add(members, cell)
            for unit_id in chain[: chain.index(self.unit.pk) + 1]:
                result.by_unit.setdefault(unit_id, Counts()).add(members, cell)
            owner = self.tree.version(version.unit_id, day)
            assert owner is not None  # the chain starts at the owner
            result.by_owner.setdefault(owner.unit.code, Counts()).add(members, cell)
            if with_lists and not (members and cell):
                blank.append(
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
        blank.sort(key=lambda b: (b.unit_name, b.name, b.code))
        result.blank = blank
        return result


Period = tuple[dt.date, dt.date]


def _merged(periods: list[Period]) -> list[Period]:
    """The periods joined where they overlap or touch."""
    found: list[list[dt.date]] = []
    for a, b in sorted(p for p in periods if p[0] <= p[1]):
        if found and (found[-1][1] == dt.date.max or found[-1][1] + dt.timedelta(days=1) >= a):
            found[-1][1] = max(found[-1][1], b)
        else:
            found.append([a, b])
    return [(a, b) for a, b in found]


def _column(group: str, measure: str) -> int:
    return COVERAGE_COLUMNS.index(f"{group}_{measure}")


def _closure(unit: Unit) -> set[int]:
    text, params = closure_sql(unit.pk)
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        return {row[0] for row in cursor.fetchall()}


def recount(unit: Unit | None = None) -> dict[Key, tuple[int, ...]]:
    """From the records: each (unit, day)'s change in coverage, for every unit or for the unit
    and every unit ever below it."""
    wanted = None if unit is None else _closure(unit)
    tree = VersionTree(UnitVersion.objects.all())
    places = PlaceVersion.objects.all()
    if wanted is not None:
        places = places.filter(unit_id__in=wanted)
    versions = list(places.prefetch_related("cells"))
    lived: dict[int, list[Period]] = defaultdict(list)
    for place_id, vf, vt, admitted, left in _members_at({v.place_id for v in versions}):
        a = max(vf or dt.date.min, admitted)
        b = min(vt or dt.date.max, left - dt.timedelta(days=1) if left else dt.date.max)
        lived[place_id].append((a, b))
    lived_merged = {place_id: _merged(periods) for place_id, periods in lived.items()}
    found: dict[Key, list[int]] = defaultdict(lambda: [0] * len(COVERAGE_COLUMNS))

    def add(unit_id: int, a: dt.date, b: dt.date, columns: list[int]) -> None:
        if a > b or (wanted is not None and unit_id not in wanted):
            return
        for i in columns:
            found[(unit_id, a)][i] += 1
            if b < dt.date.max:
                found[(unit_id, b + dt.timedelta(days=1))][i] -= 1

    for v in versions:
        va, vb = v.valid_from or dt.date.min, v.valid_to or dt.date.max
        based = _merged(
            [
                (max(va, x.valid_from or dt.date.min), min(vb, x.valid_to or dt.date.max))
                for cell in v.cells.all()
                for x in tree.by_unit.get(cell.pk, ())
            ]
        )
        for unit_id, a, b, flags in _spans(tree, v, va, vb):
            groups = ["all", f"kind_{v.kind}", *(f"flag_{f}" for f in AREA_FLAGS if f in flags)]
            groups = [g for g in groups if f"{g}_places" in COVERAGE_COLUMNS]
            add(unit_id, a, b, [_column(g, "places") for g in groups])
            for ma, mb in lived_merged.get(v.place_id, ()):
                add(unit_id, max(a, ma), min(b, mb), [_column(g, "members") for g in groups])
            for ca, cb in based:
                add(unit_id, max(a, ca), min(b, cb), [_column(g, "cell") for g in groups])
    return {key: tuple(v) for key, v in found.items() if any(v)}


def _spans(tree: VersionTree, version: PlaceVersion, a: dt.date, b: dt.date):
    """(unit, first day, last day, flags) of each period the place version is below a unit: its
    owner and each unit above it, on the days each unit on the way up has a version, with the
    flags of the place and of the units from the owner up to that one."""
    stack = [(version.unit_id, a, b, frozenset(version.area_flags or ()), 0)]
    while stack:
        unit_id, lo, hi, flags, depth = stack.pop()
        if depth >= 64:
            continue
        for v in tree.by_unit.get(unit_id, ()):
            x, y = max(lo, v.valid_from or dt.date.min), min(hi, v.valid_to or dt.date.max)
            if x > y:
                continue
            mine = flags | frozenset(v.area_flags or ())
            yield unit_id, x, y, mine
            if v.parent_id is not None:
                stack.append((v.parent_id, x, y, mine, depth + 1))


def counted(unit: Unit | None = None) -> dict[Key, tuple[int, ...]]:
    """What the coverage counters hold: each (unit, day)'s sums."""
    from ranks.targets.recount import daily_sums

    return daily_sums(CoverageCount, COVERAGE_COLUMNS, unit)
