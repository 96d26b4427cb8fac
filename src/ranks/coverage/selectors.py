"""Coverage on any date and its trend year by year (DESIGN §7, R17); what the coverage, cell
health and secondment pages read.

A place has a party member on a date when a member (admitted by then, not yet left) lived or
worked there that day, by the history of where people live and work. It has a cell when a cell
that existed that day was based there (a combined cell counts for every place it serves). A place
belongs to the unit's subtree on a date when its version that day belongs to a unit below it.

The figures (in all, by kind, by area flag, by unit below) are read from the coverage counters
(`ranks.counters`, docs/counters.md): one query for any number of dates, whatever the members
below. The list of places without a member or a cell is read from the records a page at a time,
and the map's counts by commune in one query: their cost is the subtree's places, each looked up
through an index, never the members below. `ranks.coverage.recount.Records` states the same
rules in Python; the tests hold both to it.

The pages' reads (`coverage_shown`, `cells_shown`, `cell_section`, `secondments_shown`) put these
together with cell health (`ranks.coverage.health`) and the map (`ranks.coverage.map`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Min, Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from ranks.access.scope import Scope
from ranks.core.collation import COLLATION, sort_key, vietnamese
from ranks.core.errors import DomainError
from ranks.core.replica import read_connection
from ranks.counters.models import COVERAGE_COLUMNS, CoverageCount
from ranks.counters.rollup import id_lists
from ranks.counters.selectors import RECORDS_LIMIT, coverage_sums, members_on, once
from ranks.coverage.health import MIN_OFFICIAL, CellHealth, cell_figures, cell_health
from ranks.coverage.map import (
    BANDS,
    BY_STATUS,
    Circle,
    CommuneList,
    MapLayout,
    MapUnit,
    commune_list,
    gazetteer,
    map_layout,
    place_units,
)
from ranks.coverage.models import Secondment
from ranks.org import sql
from ranks.org.models import PlaceKind, Unit, UnitVersion
from ranks.org.rollup import VersionTree
from ranks.org.selectors import unit_ancestries
from ranks.org.tree import AREA_FLAGS, in_force
from ranks.people.selectors import CellMember, cell_members_with_status
from ranks.reports.charts import TrendChart, YearPoint, trend_chart
from ranks.restructure.successors import Restated, restated_cells

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
    # Without members or without a cell: read a page at a time (`BlankPlaces`), or a list.
    # All of them (`coverage.recount`) or read a page at a time.
    blank: list[BlankPlace] | BlankPlaces = field(default_factory=list)
    blank_by_owner: dict[str, int] = field(default_factory=dict)
    # Per unit directly under the one asked for, and per unit a place belongs to (the commune,
    # for the map): code → counts.
    by_child: dict[str, Counts] = field(default_factory=dict)
    by_owner: dict[str, Counts] = field(default_factory=dict)
    # Per unit at every depth (by primary key), the unit asked for included.
    by_unit: dict[int, Counts] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "unit": self.code,
            "on": self.on.isoformat(),
            **self.totals.as_dict(),
            "by_kind": {k: c.as_dict() for k, c in sorted(self.by_kind.items())},
            "by_area_flag": {k: c.as_dict() for k, c in sorted(self.by_flag.items())},
        }


def group_counts(vector: Sequence[int], group: str) -> Counts:
    places, members, cell = (
        vector[COVERAGE_COLUMNS.index(f"{group}_{m}")] for m in ("places", "members", "cell")
    )
    return Counts(total=places, without_members=places - members, without_cell=places - cell)


def counted_coverage(unit: Unit, days: Sequence[dt.date]) -> list[Coverage]:
    """Coverage of the unit's subtree on each day, from the counters: in all, by kind, by area
    flag and by unit directly below (no lists). Two queries however many days."""
    versions = list(
        UnitVersion.objects.filter(Q(unit_id=unit.pk) | Q(parent_id=unit.pk)).select_related("unit")
    )
    sums = coverage_sums({v.unit_id for v in versions}, days)
    found = []
    for day in days:
        on = [v for v in versions if in_force(v.valid_from, v.valid_to, day)]
        root = next((v for v in on if v.unit_id == unit.pk), None)
        result = Coverage(unit.code, root.name if root else unit.code, day)
        found.append(result)
        vector = sums.get((unit.pk, day))
        if root is None or vector is None:
            continue
        result.totals = group_counts(vector, "all")
        result.by_unit[unit.pk] = result.totals
        for kind in PlaceKind.values:
            if vector[COVERAGE_COLUMNS.index(f"kind_{kind}_places")]:
                result.by_kind[kind] = group_counts(vector, f"kind_{kind}")
        for flag in AREA_FLAGS:
            if vector[COVERAGE_COLUMNS.index(f"flag_{flag}_places")]:
                result.by_flag[flag] = group_counts(vector, f"flag_{flag}")
        for child in on:
            below = sums.get((child.unit_id, day))
            if child.parent_id == unit.pk and child.unit_id != unit.pk and below is not None:
                result.by_child[child.unit.code] = group_counts(below, "all")
                result.by_unit[child.unit_id] = result.by_child[child.unit.code]
    return found


def restated_of(unit: Unit, structure_on: dt.date) -> Restated:
    """The units and cells that stand below the unit in the tree of `structure_on`
    (`restructure.successors.restated_cells`); refused when the unit is not in force then."""
    restated = once(
        ("restated", unit.pk, structure_on), lambda: restated_cells(unit.pk, structure_on)
    )
    if unit.pk not in restated.units:
        raise DomainError(
            _("%(code)s does not exist on %(date)s.")
            % {"code": unit.code, "date": structure_on.strftime("%d/%m/%Y")},
            field="structure_on",
            code="not_in_force",
        )
    return restated


def restated_coverage(unit: Unit, days: Sequence[dt.date], structure_on: dt.date) -> list[Coverage]:
    """Coverage on each day restated in the tree of `structure_on`: each place of the day counts
    for the unit it belongs to in that tree (its version of that date), or, when it had none
    then, for the unit its owner of the day stands for in that tree (`ranks.org.restated`).
    In all, by kind and by unit directly below. Area flags are the units' own (a flag of the
    province of the day), so they are not restated: `by_flag` stays empty.

    A place's owner in another tree is not a counter: this is one pass over the places of the
    day that belong below the unit in that tree (`_restated_places`), each looked up through the
    indexes of people's places and of cells (as the list of blank places), never the members."""
    restated = restated_of(unit, structure_on)
    shown = dict(
        (uid, (code, name))
        for uid, code, name in UnitVersion.objects.valid_on(structure_on)
        .filter(unit_id__in=restated.units)
        .values_list("unit_id", "unit__code", "name")
    )
    children_on_s = {
        uid for uid in restated.units
        if (c := restated.stands_for.get(uid)) and len(c) > 1 and c[0] == uid and c[1] == unit.pk
    }  # fmt: skip
    found = []
    for day in days:
        code, name = shown.get(unit.pk, (unit.code, unit.code))
        result = Coverage(code, name, day)
        found.append(result)
        for kind, owner_day, owner_then, members, cell in _restated_places(restated, day):
            chain = restated.stands_for.get(owner_then if owner_then is not None else owner_day)
            if not chain:
                continue
            has_members, has_cell = bool(members), bool(cell)
            result.totals.add(has_members, has_cell)
            result.by_kind.setdefault(kind, Counts()).add(has_members, has_cell)
            for uid in chain:
                result.by_unit.setdefault(uid, Counts()).add(has_members, has_cell)
                if uid in children_on_s:
                    result.by_child.setdefault(shown[uid][0], Counts()).add(has_members, has_cell)
    return found


def _restated_places(
    restated: Restated, day: dt.date
) -> list[tuple[str, int, int | None, int, int]]:
    """(kind, owner on `day`, owner in the restated tree or None, has members, has a cell) of
    each place in force on `day`, under an owner in force then, that belongs to a unit of the
    restated tree on its date, or had no version then and is owned on `day` by a unit that
    stands below the restated root. One query of two parts, each through an index."""
    then = restated.day
    d, t = sql.date_param(day), sql.date_param(then)
    start, end = "COALESCE({a}.valid_from, '0001-01-01')", "COALESCE({a}.valid_to, '9999-12-31')"

    def on(a: str) -> str:
        return f"{start.format(a=a)} <= %s AND {end.format(a=a)} >= %s"

    (units_sql, units_params), *_rest = id_lists(sorted(restated.units))
    (owners_sql, owners_params), *_rest = id_lists(sorted(restated.stands_for))
    facts = (
        "pv.kind, pv.unit_id,"
        " CASE WHEN EXISTS (SELECT 1 FROM people_personplace pp"
        " JOIN people_membership m ON m.person_id = pp.person_id"
        f" WHERE pp.place_id = pv.place_id AND {on('pp')}"
        " AND m.admission_decision_date <= %s AND (m.left_date IS NULL OR m.left_date > %s))"
        " THEN 1 ELSE 0 END,"
        " CASE WHEN EXISTS (SELECT 1 FROM org_placeversion_cells pc"
        " JOIN org_unitversion cv ON cv.unit_id = pc.unit_id"
        f" WHERE pc.placeversion_id = pv.id AND {on('cv')}) THEN 1 ELSE 0 END"
    )
    facts_params = [d, d, d, d, d, d]
    owner_in_force = (
        f"EXISTS (SELECT 1 FROM org_unitversion ov WHERE ov.unit_id = pv.unit_id AND {on('ov')})"
    )
    text = (
        f"SELECT {facts.replace('pv.unit_id,', 'pv.unit_id, sv.unit_id,', 1)}"
        " FROM org_placeversion sv JOIN org_placeversion pv ON pv.place_id = sv.place_id"
        f" WHERE sv.unit_id IN ({sql.first(units_sql)}) AND {on('sv')} AND {on('pv')}"
        f" AND {owner_in_force}"
        f" UNION ALL SELECT {facts.replace('pv.unit_id,', 'pv.unit_id, NULL,', 1)}"
        " FROM org_placeversion pv"
        f" WHERE pv.unit_id IN ({sql.first(owners_sql)}) AND {on('pv')} AND {owner_in_force}"
        " AND NOT EXISTS (SELECT 1 FROM org_placeversion sv"
        f" WHERE sv.place_id = pv.place_id AND {on('sv')})"
    )
    params = [
        *facts_params, *units_params, t, t, d, d, d, d,
        *facts_params, *owners_params, d, d, d, d, t, t,
    ]  # fmt: skip
    with read_connection().cursor() as cursor:
        cursor.execute(text, params)
        return [
            (kind, int(owner_day), int(owner_then) if owner_then is not None else None, m, c)
            for kind, owner_day, owner_then, m, c in cursor.fetchall()
        ]


def _places_on(unit: Unit, day: dt.date) -> tuple[str, list[Any]]:
    """A `WITH` clause ending in `pl`: each place below the unit on `day` (its version that day
    owned by a unit of the subtree that day), with its owner and whether a member lives or
    works there and a cell is based there. Its cost is the subtree's places, each looked up
    through the indexes of people's places and of cells, never the members below."""
    cte, params = sql.subtree_on_cte([unit.pk], day)
    d = sql.date_param(day)
    start, end = "COALESCE({a}.valid_from, '0001-01-01')", "COALESCE({a}.valid_to, '9999-12-31')"

    def on(a: str) -> str:
        return f"{start.format(a=a)} <= %s AND {end.format(a=a)} >= %s"

    text = (
        f"{cte}, pl AS (SELECT pv.id AS id, p.code AS code, pv.name AS name, pv.kind AS kind,"
        " pv.area_flags AS area_flags, pv.unit_id AS owner, u.code AS owner_code,"
        " ov.name AS owner_name,"
        " CASE WHEN EXISTS (SELECT 1 FROM people_personplace pp"
        " JOIN people_membership m ON m.person_id = pp.person_id"
        f" WHERE pp.place_id = pv.place_id AND {on('pp')}"
        " AND m.admission_decision_date <= %s AND (m.left_date IS NULL OR m.left_date > %s))"
        " THEN 1 ELSE 0 END AS has_members,"
        " CASE WHEN EXISTS (SELECT 1 FROM org_placeversion_cells pc"
        " JOIN org_unitversion cv ON cv.unit_id = pc.unit_id"
        f" WHERE pc.placeversion_id = pv.id AND {on('cv')}) THEN 1 ELSE 0 END AS has_cell"
        " FROM org_placeversion pv"
        " JOIN org_place p ON p.id = pv.place_id JOIN org_unit u ON u.id = pv.unit_id"
        f" JOIN org_unitversion ov ON ov.unit_id = pv.unit_id AND {on('ov')}"
        # The subtree's units first, then their places through the index (`sql.first`): a
        # join on the recursive CTE, which PostgreSQL cannot estimate, was planned as a nested
        # loop over every place of the database.
        f" WHERE pv.unit_id IN ({sql.first('SELECT unit_id FROM on_sub')}) AND {on('pv')})"
    )
    return text, [*params, d, d, d, d, d, d, d, d, d, d]


BLANK_FILTERS = {
    "any": "(pl.has_members = 0 OR pl.has_cell = 0)",
    "members": "pl.has_members = 0",
    "cell": "pl.has_cell = 0",
    "both": "(pl.has_members = 0 AND pl.has_cell = 0)",
}


def _flags(value: str | list[str] | None) -> tuple[str, ...]:
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return tuple(value or ())


class BlankPlaces:
    """The places below a unit on a day without a member, without a cell, or either (`which`),
    by their commune's name, their name and code: read a page at a time (Django's `Paginator`
    takes it as it takes a query), each page one query and one for the flags its communes and
    the units above them pass down."""

    def __init__(self, unit: Unit, day: dt.date, which: str = "any", count: int | None = None):
        """`count`: how many there are, when the caller knows it already (the counters, or
        `places_by_owner`), to spare a pass over the places."""
        self.unit, self.day, self.which = unit, day, which
        self._count: int | None = count

    def _query(self, select: str, tail: str = "") -> list[tuple[Any, ...]]:
        text, params = _places_on(self.unit, self.day)
        with read_connection().cursor() as cursor:
            cursor.execute(
                f"{text} SELECT {select} FROM pl WHERE {BLANK_FILTERS[self.which]}{tail}", params
            )
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows

    def count(self) -> int:
        if self._count is None:
            self._count = int(self._query("COUNT(*)")[0][0])
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[BlankPlace]:
        return iter(self[0 : self.count()])

    def __getitem__(self, index: slice) -> list[BlankPlace]:
        if not isinstance(index, slice):
            raise TypeError("a page of blank places is asked by a slice")
        start, stop = index.start or 0, index.stop
        if stop is not None and stop <= start:
            return []
        # Names in Vietnamese order (core.collation); codes in code point order on both.
        vi = (
            f' COLLATE "{COLLATION}"'
            if connection.vendor == "postgresql"
            else f" COLLATE {COLLATION}"
        )
        code = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
        limit = f" LIMIT {int(stop - start)}" if stop is not None else " LIMIT -1"
        if connection.vendor == "postgresql" and stop is None:
            limit = ""
        rows = self._query(
            "pl.code, pl.name, pl.kind, pl.owner, pl.owner_code, pl.owner_name, pl.area_flags,"
            " pl.has_members, pl.has_cell",
            f" ORDER BY pl.owner_name{vi}, pl.name{vi}, pl.code{code}{limit} OFFSET {int(start)}",
        )
        inherited = _inherited_flags(self.unit, self.day, {r[3] for r in rows})
        return [
            BlankPlace(
                code=code, name=name, kind=kind, unit_code=owner_code, unit_name=owner_name,
                area_flags=tuple(sorted(inherited.get(owner, frozenset()) | set(_flags(flags)))),
                has_members=bool(members), has_cell=bool(cell),
            )
            for code, name, kind, owner, owner_code, owner_name, flags, members, cell in rows
        ]  # fmt: skip


def _inherited_flags(unit: Unit, day: dt.date, owners: set[int]) -> dict[int, frozenset[str]]:
    """The area flags each owner has on `day` from itself and every unit above it up to the
    unit asked for: one query, the owners' ancestry."""
    if not owners:
        return {}
    d = sql.date_param(day)
    on = "COALESCE(v.valid_from, '0001-01-01') <= %s AND COALESCE(v.valid_to, '9999-12-31') >= %s"
    marks = ", ".join(["%s"] * len(owners))
    with read_connection().cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE up(start, unit_id, parent_id, flags, depth) AS ("
            " SELECT v.unit_id, v.unit_id, v.parent_id, v.area_flags, 0 FROM org_unitversion v"
            f" WHERE v.unit_id IN ({marks}) AND {on}"
            " UNION ALL SELECT up.start, v.unit_id, v.parent_id, v.area_flags, up.depth + 1"
            f" FROM up {sql.versions_of('up.parent_id')}"
            f" WHERE up.unit_id <> %s AND up.depth < 64 AND {on})"
            " SELECT start, flags FROM up",
            [*sorted(owners), d, d, unit.pk, d, d],
        )
        found: dict[int, set[str]] = defaultdict(set)
        for start, flags in cursor.fetchall():
            found[start].update(_flags(flags))
    return {k: frozenset(v) for k, v in found.items()}


@dataclass
class Owners:
    """The places below a unit on a day by the unit owning them (the commune, for the map)."""

    counts: dict[str, Counts]  # by the owner's code
    blank: dict[str, int]  # places without a member or without a cell, by the owner's code
    blank_both: int  # places without a member and without a cell, in all

    def blank_count(self, which: str) -> int:
        """How many places `BlankPlaces(…, which)` lists."""
        if which == "any":
            return sum(self.blank.values())
        if which == "both":
            return self.blank_both
        field = {"members": "without_members", "cell": "without_cell"}[which]
        return sum(getattr(c, field) for c in self.counts.values())


def places_by_owner(unit: Unit, day: dt.date) -> Owners:
    """For each unit owning places below the unit on `day`: its places' counts, and how many of
    them are blank. One query, one pass over the subtree's places."""
    text, params = _places_on(unit, day)
    with read_connection().cursor() as cursor:
        cursor.execute(
            f"{text} SELECT pl.owner_code, COUNT(*), SUM(pl.has_members), SUM(pl.has_cell),"
            f" SUM(CASE WHEN {BLANK_FILTERS['any']} THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN {BLANK_FILTERS['both']} THEN 1 ELSE 0 END) FROM pl"
            " GROUP BY pl.owner_code",
            params,
        )
        rows = cursor.fetchall()
    return Owners(
        counts={
            code: Counts(total=n, without_members=n - int(m), without_cell=n - int(c))
            for code, n, m, c, _b, _bb in rows
        },
        blank={code: int(b) for code, _n, _m, _c, b, _bb in rows if b},
        blank_both=sum(int(bb) for *_rest, bb in rows),
    )


def coverage_on(unit: Unit, day: dt.date, which: str = "any") -> Coverage:
    """Coverage of the unit's subtree on `day`: the figures from the counters, the counts by
    commune for the map from the places, and the blank places (`which` of them) to read a page
    at a time."""
    result = counted_coverage(unit, [day])[0]
    owners = places_by_owner(unit, day)
    result.by_owner, result.blank_by_owner = owners.counts, owners.blank
    result.blank = BlankPlaces(unit, day, which, count=owners.blank_count(which))
    return result


def _the_one_root(unit: Unit, structure_on: dt.date) -> bool:
    """Whether the unit is in force on `structure_on` and is the root of the only tree: no
    version of it has a parent and no other unit ever lacked one. Two queries."""
    if not UnitVersion.objects.valid_on(structure_on).filter(unit=unit).exists():
        return False
    return not UnitVersion.objects.filter(
        Q(parent__isnull=True) & ~Q(unit=unit) | Q(unit=unit, parent__isnull=False)
    ).exists()


# A trend shows at most this many years, the last ones to its date: a date asked far ahead (the
# year 9998) would otherwise ask for thousands of points, and no chart reads them.
TREND_YEARS = 100


def coverage_trend(
    unit: Unit,
    until: dt.date,
    years: Sequence[int] | None = None,
    structure_on: dt.date | None = None,
) -> list[Coverage]:
    """Coverage at the end of each year (and on `until` for its own year), from the first year
    the unit had places (at most `TREND_YEARS` years), or `years`: from the counters, two
    queries and one. With `structure_on`, restated in that tree (`restated_coverage`)."""
    chosen = years is not None
    whole = structure_on is not None and _the_one_root(unit, structure_on)
    if years is None:
        counted = [unit.pk]
        if structure_on is not None and not whole:
            counted = sorted(restated_of(unit, structure_on).stands_for)
        first = CoverageCount.objects.filter(unit_id__in=counted).aggregate(d=Min("day"))["d"]
        start = min(first.year, until.year) if first else until.year
        years = range(max(start, until.year - TREND_YEARS + 1), until.year + 1)
    days: Iterable[dt.date] = [min(dt.date(y, 12, 31), until) for y in years]
    if whole:
        # The one root holds every place of every day in any tree: restated, its totals and
        # kinds are its own counters (a trend shows the totals), not a pass over the places of
        # each year.
        found = [
            Coverage(c.code, c.name, c.on, totals=c.totals, by_kind=c.by_kind)
            for c in counted_coverage(unit, list(days))
        ]
    elif structure_on is not None:
        found = restated_coverage(unit, list(days), structure_on)
    else:
        found = counted_coverage(unit, list(days))
    if not chosen:
        # From the first year the unit had places: members admitted long before (1945) would
        # otherwise open the trend with decades of nothing.
        while len(found) > 1 and found[0].totals.total == 0:
            found.pop(0)
    return found


# --- the pages: coverage with its trend and map, cell health, a cell's section, secondments ---

# Above this many places a unit's coverage page shows its figures and the units below it, not a
# map of every commune and a list of every blank place: one pass over the places of the whole
# country would cost seconds, and no officer reads a hundred thousand rows (docs/counters.md).
LIST_LIMIT = 20_000
# The communes of the map are looked up in the gazetteer of before or after this day.
REFORM = dt.date(2025, 7, 1)


@dataclass(frozen=True)
class MapCircle:
    circle: Circle
    name: str
    counts: Counts
    blank: int


@dataclass(frozen=True)
class MapBand:
    low: float
    high: float
    colour: str


@dataclass(frozen=True)
class CoverageMap:
    """The circles of the communes owning places, the units that could not be placed, the
    legend's colour bands, and the communes numbered on the map and listed beside it."""

    layout: MapLayout
    circles: list[MapCircle]
    missing: list[MapUnit]
    bands: list[MapBand]
    communes: CommuneList


@dataclass(frozen=True)
class Trend:
    rows: list[Coverage]
    chart: TrendChart | None


@dataclass(frozen=True)
class CoverageShown:
    """What a unit's coverage page shows on a day. Up to `LIST_LIMIT` places: the blank places
    (a page at a time) and the map; above it: the units directly below, (code, name, counts)."""

    coverage: Coverage
    listed: bool
    below: list[tuple[str, str, Counts]]
    trend: Trend
    map: CoverageMap | None


def _map_units(day: dt.date, codes: set[str]) -> list[MapUnit]:
    """Each unit owning places, with its province (the provincial committee above it, else the
    root) and its district committee, if any: three queries, whatever the subtree."""
    chains = unit_ancestries(Unit.objects.filter(code__in=codes), day)
    found = []
    for chain in chains.values():
        v = chain[0]
        province = next((c for c in chain if c.kind.key == "provincial_committee"), chain[-1])
        district = next((c for c in chain if c.kind.key == "district_committee"), None)
        found.append(
            MapUnit(
                code=v.unit.code,
                name=v.name,
                province=province.name,
                district=district.name if district else None,
                lat=v.latitude,
                lon=v.longitude,
            )
        )
    return sorted(found, key=lambda m: (sort_key(m.name), m.code))


def communes_on_map(*, coverage: Coverage, order: str = BY_STATUS) -> CoverageMap:
    """The map of `coverage_on`'s counts by commune: a circle for each unit owning places that
    could be placed, by its recorded coordinates or its name in the gazetteer of the day; and
    the list of those units beside it, in `order` (`ranks.coverage.map.LIST_ORDERS`), their
    names in Vietnamese order (one query over the communes shown)."""
    units = _map_units(coverage.on, set(coverage.by_owner))
    order_list = [gazetteer(coverage.on < REFORM), gazetteer(coverage.on >= REFORM)]
    points, missing = place_units(units, order_list)
    blanks = coverage.blank_by_owner
    layout = map_layout(points, {k: c.total for k, c in coverage.by_owner.items()}, blanks)
    names = {m.code: m.name for m in units}
    circles = [
        MapCircle(
            circle=c,
            name=names.get(c.code, c.code),
            counts=coverage.by_owner[c.code],
            blank=blanks.get(c.code, 0),
        )
        for c in layout.circles
    ]
    bands, low = [], 0.0
    for bound, colour in BANDS:
        bands.append(MapBand(low=low, high=bound, colour=colour))
        low = bound
    by_name = (
        UnitVersion.objects.valid_on(coverage.on)
        .filter(unit__code__in=list(coverage.by_owner))
        .order_by(vietnamese("name"), "unit__code")
        .values_list("unit__code", flat=True)
    )
    communes = commune_list(
        layout,
        names,
        {k: (c.total, c.without_members, c.without_cell) for k, c in coverage.by_owner.items()},
        blanks,
        {code: rank for rank, code in enumerate(by_name)},
        order,
    )
    return CoverageMap(
        layout=layout, circles=circles, missing=missing, bands=bands, communes=communes
    )


def children_covered(
    *, unit: Unit, coverage: Coverage, structure_on: dt.date | None = None
) -> list[tuple[str, str, Counts]]:
    """The counts of each unit directly below (`counted_coverage`'s `by_child`) with its name
    on the day (or in the tree of `structure_on`), by name: (code, name, counts)."""
    names = dict(
        UnitVersion.objects.valid_on(structure_on or coverage.on)
        .filter(parent_id=unit.pk)
        .values_list("unit__code", "name")
    )
    return sorted(
        ((code, names.get(code, code), c) for code, c in coverage.by_child.items()),
        key=lambda row: (sort_key(row[1]), row[0]),
    )


def trend_charted(*, unit: Unit, day: dt.date, structure_on: dt.date | None = None) -> Trend:
    """The coverage at the end of each year up to `day` (`coverage_trend`), and its chart."""
    rows = coverage_trend(unit, day, structure_on=structure_on)
    points = [
        YearPoint(c.on.year, c.totals.total, c.totals.without_members, c.totals.without_cell)
        for c in rows
    ]
    return Trend(rows=rows, chart=trend_chart(points) if points else None)


def coverage_shown(
    *,
    unit: Unit,
    day: dt.date,
    which: str,
    map_order: str = BY_STATUS,
    structure_on: dt.date | None = None,
) -> CoverageShown:
    """The coverage page of a unit on `day`, its blank places `which` of them (`BLANK_FILTERS`),
    the communes beside its map in `map_order`. Restated in the tree of `structure_on`: the
    figures and the units directly below in that tree, without the map and the list of places
    (those are the places of the day's tree)."""
    if structure_on is not None:
        restated = restated_coverage(unit, [day], structure_on)[0]
        return CoverageShown(
            coverage=restated,
            listed=False,
            below=children_covered(unit=unit, coverage=restated, structure_on=structure_on),
            trend=trend_charted(unit=unit, day=day, structure_on=structure_on),
            map=None,
        )
    coverage = counted_coverage(unit, [day])[0]
    listed = coverage.totals.total <= LIST_LIMIT
    below: list[tuple[str, str, Counts]] = []
    if listed:
        coverage = coverage_on(unit, day, which)
    else:
        below = children_covered(unit=unit, coverage=coverage)
    return CoverageShown(
        coverage=coverage,
        listed=listed,
        below=below,
        trend=trend_charted(unit=unit, day=day),
        map=communes_on_map(coverage=coverage, order=map_order) if listed else None,
    )


@dataclass(frozen=True)
class CellsShown:
    """The cells below a unit on a day. `detailed`: read from the members' records (below
    `RECORDS_LIMIT` members); else from the cells' counters, the age bands and the members
    working away left for `with_details` to read for the page shown."""

    rows: list[CellHealth]
    detailed: bool

    def flag_counts(self) -> Counter[str]:
        return Counter(f for r in self.rows for f in r.flags)


def cells_shown(
    *, unit: Unit, day: dt.date, structure_on: dt.date | None = None, scope: Scope | None = None
) -> CellsShown:
    """Every cell below the unit on `day` with its figures and flags (`CellsShown`). With
    `structure_on`, the cells of `day` that stand below the unit in that tree, under the units
    they belong to in it (`restated_cells_of`), read from their counters, as many as there are
    (`with_details` reads the records of the page shown)."""
    if structure_on is not None:
        rows = restated_rows(
            unit, day, structure_on, scope, lambda cells: cell_figures(unit, day, among=cells)
        )
        return CellsShown(rows=rows, detailed=False)
    detailed = members_on([unit.pk], day.replace(day=1)).get(unit.pk, 0) < RECORDS_LIMIT
    return CellsShown(
        rows=cell_health(unit, day) if detailed else cell_figures(unit, day), detailed=detailed
    )


def restated_rows(
    unit: Unit,
    day: dt.date,
    structure_on: dt.date,
    scope: Scope | None,
    read: Callable[[list[int]], list[CellHealth]],
) -> list[CellHealth]:
    """The cells in force on `day` that stand below the unit in the tree of `structure_on`
    (those `scope` covers: a cell outside the user's units is never shown, though the figures
    above count it), read by `read` (`cell_figures(among=)` or `cell_health(only=)`), each shown
    under the unit it belongs to in that tree, by that unit's name and the cell's."""
    restated = restated_of(unit, structure_on)
    cells = sorted(c for c in restated.in_force(day) if c in restated.counts_for)
    if scope is not None and cells:
        (cells_sql, cells_params), *_rest = id_lists(cells)
        cells = sorted(
            scope.units(Unit.objects.filter(pk__in=RawSQL(cells_sql, cells_params))).values_list(
                "pk", flat=True
            )
        )
    if not cells:
        return []
    groups = {cell: restated.group_of(cell) for cell in cells}
    names = dict(
        (uid, (code, name))
        for uid, code, name in UnitVersion.objects.valid_on(structure_on)
        .filter(unit_id__in={g for g in groups.values() if g is not None})
        .values_list("unit_id", "unit__code", "name")
    )
    rows = read(cells)
    for row in rows:
        group = groups.get(row.unit_id) if row.unit_id is not None else None
        row.parent_code, row.parent_name = names.get(group, (None, "")) if group else (None, "")
    return sorted(rows, key=lambda h: (sort_key(h.parent_name), sort_key(h.name), h.code))


def restated_cell_health(
    unit: Unit, day: dt.date, structure_on: dt.date, scope: Scope | None
) -> list[CellHealth]:
    """`cell_health` of every cell `restated_rows` finds, from the records of those cells (the
    cells report, as the report as it was)."""
    return restated_rows(
        unit, day, structure_on, scope, lambda cells: cell_health(unit, day, only=cells)
    )


@dataclass(frozen=True)
class CellSection:
    """A cell's health and flags, and who would remain if every secondment ended on the day."""

    health: CellHealth
    remaining: list[CellMember]
    remaining_official: int
    stands: bool  # at least `MIN_OFFICIAL` official members without the seconded


def cell_section(*, unit: Unit, day: dt.date) -> CellSection | None:
    """For a cell's page: its health and flags, its secondments in force, and who would remain if
    every secondment ended on `day`; None when `unit` is not a cell on `day`."""
    rows = [h for h in cell_health(unit, day) if h.code == unit.code]
    if not rows:
        return None
    health = rows[0]
    seconded = {s.person_id for s in health.seconded}
    remaining = [
        member
        for member in cell_members_with_status(cell_id=unit.pk, day=day)
        if member.person.person_id not in seconded
    ]
    return CellSection(
        health=health,
        remaining=remaining,
        remaining_official=health.official_without_secondments,
        stands=health.official_without_secondments >= MIN_OFFICIAL,
    )


def cells_below(*, unit: Unit, day: dt.date) -> list[UnitVersion]:
    """The versions on `day` of the cells (units holding members) below the unit, in the tree's
    order."""
    tree = VersionTree.below([unit.pk])
    return [v for v, _depth in tree.subtree(unit.pk, day) if v.kind.holds_members]


def cells_covered(*, scope: Scope, cells: Sequence[UnitVersion]) -> set[int]:
    """The unit ids of those of `cells` that `scope` covers: one query."""
    ids = [v.unit_id for v in cells]
    return set(scope.units(Unit.objects.filter(pk__in=ids)).values_list("pk", flat=True))


@dataclass
class SecondmentShown:
    secondment: Secondment
    cell_name: str
    current: bool  # in force on the day
    may_end: bool  # an officer of its cell may end it: it had not ended before the day
    end_error: str | None = None  # why ending it was refused, when it was


def _in_force(s: Secondment, day: dt.date) -> bool:
    return s.from_date <= day and (s.to_date is None or s.to_date >= day)


def secondments_shown(
    *, cells: Sequence[UnitVersion], day: dt.date, show_all: bool, officer_of: Collection[int]
) -> list[SecondmentShown]:
    """The secondments to `cells`, newest first: those in force on `day`, or all of them;
    `officer_of`: the ids of the cells whose secondments the user may end."""
    names = {v.unit_id: v.name for v in cells}
    found = []
    for s in (
        Secondment.objects.filter(cell_id__in=[v.unit_id for v in cells])
        .select_related("person", "cell", "home_unit")
        .order_by("-from_date", "id")
    ):
        current = _in_force(s, day)
        if not show_all and not current:
            continue
        found.append(
            SecondmentShown(
                secondment=s,
                cell_name=names.get(s.cell_id, s.cell.code),
                current=current,
                may_end=s.cell_id in officer_of and (s.to_date is None or s.to_date >= day),
            )
        )
    return found


def secondment_endable(*, pk: int, officer_of: Collection[int]) -> Secondment | None:
    """The secondment `pk` if it is to one of the cells of `officer_of`, else None."""
    return Secondment.objects.filter(pk=pk, cell_id__in=officer_of).first()
