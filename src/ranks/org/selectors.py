"""Reads of the organisation tree: a date's tree, subtrees, flags, history, unit pages, search."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.expressions import OrderBy, RawSQL
from django.db.models.functions import RowNumber

from ranks.core.collation import vietnamese
from ranks.core.replica import read_connection
from ranks.org import sql, tree
from ranks.org.models import Place, PlaceVersion, Unit, UnitVersion
from ranks.people.names import fold as fold_name

if TYPE_CHECKING:
    from ranks.access.scope import Scope


def unit_versions(unit: Unit) -> list[UnitVersion]:
    return list(unit.versions.select_related("kind", "parent").order_by("valid_from"))


def unit_version_on(unit: Unit, day: dt.date) -> UnitVersion | None:
    version: UnitVersion | None = (
        unit.versions.valid_on(day).select_related("kind", "parent").first()
    )
    return version


def unit_version_nearest(unit: Unit, day: dt.date) -> UnitVersion | None:
    """The version valid on `day`, else the last one before it, else the first after it."""
    version = unit_version_on(unit, day)
    if version:
        return version
    versions = unit_versions(unit)
    before = [v for v in versions if v.valid_to and v.valid_to < day]
    if before:
        return before[-1]
    return versions[0] if versions else None


def unit_subtree_ids(unit_ids: Iterable[int], day: dt.date) -> list[int]:
    text, params = sql.subtree_on_ids(list(unit_ids), day)
    with read_connection().cursor() as cursor:
        cursor.execute(text, params)
        return [row[0] for row in cursor.fetchall()]


def unit_subtree(unit: Unit, day: dt.date) -> QuerySet[UnitVersion]:
    """Versions valid on `day` of the unit and every unit below it: one query."""
    text, params = sql.subtree_on_ids([unit.pk], day)
    on_day: QuerySet[UnitVersion] = UnitVersion.objects.valid_on(day)
    return on_day.filter(unit_id__in=RawSQL(text, params)).select_related("unit", "kind", "parent")


def unit_children_on(unit: Unit, day: dt.date) -> QuerySet[UnitVersion]:
    on_day: QuerySet[UnitVersion] = UnitVersion.objects.valid_on(day)
    return (
        on_day.filter(parent=unit)
        .select_related("unit", "kind")
        .order_by("kind__order", vietnamese("name"))
    )


def unit_ancestry(unit: Unit, day: dt.date) -> list[UnitVersion]:
    """Versions on `day` from the root down to the unit itself: one query and one fetch."""
    text, params = sql.ancestors_on(unit.pk, day)
    with read_connection().cursor() as cursor:
        cursor.execute(text, params)
        depth = {row[0]: row[1] for row in cursor.fetchall()}
    versions = (
        UnitVersion.objects.valid_on(day).filter(unit_id__in=depth).select_related("unit", "kind")
    )
    return sorted(versions, key=lambda v: -depth[v.unit_id])


def unit_ancestries(units: Iterable[Unit], day: dt.date) -> dict[int, list[UnitVersion]]:
    """For each unit: the versions on `day` of the unit and every unit above it, the unit
    first. Two queries, whatever the number of units."""
    ids = sorted({u.pk for u in units})
    if not ids:
        return {}
    text, params = sql.ancestries_on(ids, day)
    with read_connection().cursor() as cursor:
        cursor.execute(text, params)
        rows = cursor.fetchall()
    versions = {
        v.unit_id: v
        for v in UnitVersion.objects.valid_on(day)
        .filter(unit_id__in={unit_id for _s, unit_id, _d in rows})
        .select_related("unit", "kind")
    }
    found: dict[int, list[tuple[int, UnitVersion]]] = {}
    for start, unit_id, depth in rows:
        if unit_id in versions:
            found.setdefault(start, []).append((depth, versions[unit_id]))
    return {
        start: [v for _d, v in sorted(chain, key=lambda x: x[0])] for start, chain in found.items()
    }


def competent_committees(cells: Iterable[Unit], day: dt.date) -> dict[int, UnitVersion | None]:
    """For each cell: the version on `day` of the committee competent to decide its candidates'
    admission (`tree.competent`: walking up from the cell, the first that may admit). Two
    queries, whatever the number of cells."""
    chains = unit_ancestries(cells, day)
    found: dict[int, UnitVersion | None] = {}
    for cell in cells:
        above = [v for v in chains.get(cell.pk, []) if v.unit_id != cell.pk]
        code = tree.competent([(v.unit.code, v.can_admit) for v in above])
        found[cell.pk] = next((v for v in above if v.unit.code == code), None)
    return found


@dataclass(frozen=True)
class Competent:
    """The committee competent on a day for a cell's admissions, and why: the grassroots
    committee above the cell is authorised to admit (`authorised`), or it is not and the
    committee directly above it decides."""

    version: UnitVersion
    authorised: bool

    @property
    def code(self) -> str:
        return self.version.unit.code


def competent_for(cells: Iterable[Unit], day: dt.date) -> dict[int, Competent | None]:
    """`competent_committees` with why each decides (`Competent`): two queries, whatever the
    number of cells."""
    cells = list(cells)
    return _competent_of(cells, unit_ancestries(cells, day))


def _competent_of(
    cells: list[Unit], chains: dict[int, list[UnitVersion]]
) -> dict[int, Competent | None]:
    """`competent_for` from the ancestries already read (`unit_ancestries`)."""
    found: dict[int, Competent | None] = {}
    for cell in cells:
        above = [v for v in chains.get(cell.pk, []) if v.unit_id != cell.pk]
        pairs = [(v.unit.code, v.can_admit) for v in above]
        code = tree.competent(pairs)
        version = next((v for v in above if v.unit.code == code), None)
        found[cell.pk] = (
            Competent(version, tree.competent_authorised(pairs) and version is above[0])
            if version is not None
            else None
        )
    return found


@dataclass(frozen=True)
class CompetentChange:
    """The competent committee changed while a file was in progress: since `since` it is
    `now`, before it was `was` (either may be None where no unit above was in force)."""

    since: dt.date
    now: Competent | None
    was: Competent | None


def competent_changes(
    starts: dict[int, tuple[Unit, dt.date]], day: dt.date
) -> dict[int, CompetentChange]:
    """`competent_with_changes` without the committees on `day`."""
    return competent_with_changes(starts, day)[1]


def competent_with_changes(
    starts: dict[int, tuple[Unit, dt.date]], day: dt.date
) -> tuple[dict[int, Competent | None], dict[int, CompetentChange]]:
    """For files in progress, keyed as the caller likes, each with its cell and the day it
    started (the admission vote): the last change of the cell's competent committee between
    that day and `day`, for those where it changed. The committee can change only on a day a
    version of the cells or of a unit above them begins (`can_admit` set, a restructure), so
    it is read on those days only: two queries for each such day, whatever the number of files.
    """
    if not starts:
        return {}, {}
    cells = {cell.pk: cell for cell, _s in starts.values()}
    first = min(start for _c, start in starts.values())
    reached: set[int] = set(cells)
    chains = {on: unit_ancestries(cells.values(), on) for on in (first, day)}
    for by_cell in chains.values():
        for chain in by_cell.values():
            reached.update(v.unit_id for v in chain)
    boundaries: set[dt.date] = set()
    for start, end in UnitVersion.objects.filter(unit_id__in=reached).values_list(
        "valid_from", "valid_to"
    ):
        if start is not None and first < start <= day:
            boundaries.add(start)
        # A version that ends on a day opens the next state the day after it.
        if end is not None and first <= end < day:
            boundaries.add(end + dt.timedelta(days=1))
    days = sorted({first, day, *boundaries})
    on_day = {
        on: _competent_of(list(cells.values()), chains[on])
        if on in chains
        else competent_for(cells.values(), on)
        for on in days
    }
    found: dict[int, CompetentChange] = {}
    for key, (cell, start) in starts.items():
        # Constant between two boundaries: on its start day a file has the committee of the
        # last boundary before it.
        opening = max(on for on in days if on <= start)
        points = [(start, on_day[opening][cell.pk])]
        points += [(on, on_day[on][cell.pk]) for on in days if start < on <= day]
        change = tree.competent_change([(on, c.code if c else None) for on, c in points])
        if change is not None:
            since = change[0]
            was = next(c for on, c in reversed(points) if on < since)
            found[key] = CompetentChange(since, on_day[since][cell.pk], was)
    return on_day[day], found


def competent_committee(cell: Unit, day: dt.date) -> UnitVersion | None:
    """The version on `day` of the committee competent to decide the admission of the
    candidates of `cell` (232-QĐ/TW: the grassroots committee when it is authorised to admit,
    otherwise the committee directly above it), or None when no unit above it is in force."""
    return competent_committees([cell], day)[cell.pk]


def unit_inherited_flags(ancestry: list[UnitVersion]) -> frozenset[str]:
    flags: set[str] = set()
    for version in ancestry:
        flags.update(version.area_flags or ())
    return frozenset(flags)


def unit_history(unit: Unit, *, can_admit: bool = False) -> list[tree.HistoryEvent]:
    """Opened, moved, renamed, closed (and, with `can_admit`, each change of whether it decides
    admissions); parents named as they were called at the time, their codes kept beside."""
    versions = unit_versions(unit)
    events = tree.history(
        (
            v.as_tree_version(code=unit.code, parent_code=v.parent.code if v.parent else None)
            for v in versions
        ),
        can_admit=can_admit,
    )
    parent_ids = {v.parent_id for v in versions if v.parent_id}
    parents = list(UnitVersion.objects.filter(unit_id__in=parent_ids).select_related("unit"))

    def name_at(code: str | None, day: dt.date | None) -> str | None:
        if code is None:
            return None
        on = day or dt.date.min
        for pv in parents:
            if pv.unit.code == code and tree.in_force(pv.valid_from, pv.valid_to, on):
                return pv.name
        return code

    named = []
    for e in events:
        if e.what in {"opened", "reopened"}:
            e = tree.HistoryEvent(e.day, e.what, None, name_at(e.after, e.day), after_code=e.after)
        elif e.what == "moved":
            day_before = e.day - dt.timedelta(days=1) if e.day else None
            e = tree.HistoryEvent(
                e.day,
                e.what,
                name_at(e.before, day_before),
                name_at(e.after, e.day),
                before_code=e.before,
                after_code=e.after,
            )
        named.append(e)
    return named


def places_of_units_on(unit_ids: Iterable[int], day: dt.date) -> QuerySet[PlaceVersion]:
    on_day: QuerySet[PlaceVersion] = PlaceVersion.objects.valid_on(day)
    return (
        on_day.filter(unit_id__in=list(unit_ids))
        .select_related("place")
        .prefetch_related("cells")
        .order_by("kind", vietnamese("name"))
    )


def cell_places_on(cell: Unit, day: dt.date) -> QuerySet[PlaceVersion]:
    on_day: QuerySet[PlaceVersion] = PlaceVersion.objects.valid_on(day)
    return on_day.filter(cells=cell).select_related("place").order_by(vietnamese("name"))


@dataclass(frozen=True)
class PlaceWithCells:
    """A place of a unit on a day, with the cells based there as (code, name that day)."""

    version: PlaceVersion
    cells: list[tuple[str, str]]


def places_with_cells_on(*, unit: Unit, day: dt.date) -> list[PlaceWithCells]:
    """The unit's places on `day`, each with the cells based there named as they were then."""
    places = list(places_of_units_on([unit.pk], day))
    cell_ids = {cell.pk for place in places for cell in place.cells.all()}
    names = dict(
        UnitVersion.objects.valid_on(day)
        .filter(unit_id__in=cell_ids)
        .values_list("unit_id", "name")
    )
    return [
        PlaceWithCells(place, [(c.code, names.get(c.pk, c.code)) for c in place.cells.all()])
        for place in places
    ]


@dataclass(frozen=True)
class UnitPage:
    """What a unit's page shows of the tree. A unit that did not exist on the day asked for is
    shown as it was on the nearest day it did (`shown_day`)."""

    version: UnitVersion | None
    shown_day: dt.date
    exists_on_day: bool
    breadcrumbs: list[UnitVersion]  # the units above it that the user may see, from the top
    own_flags: list[str]
    inherited_flags: list[str]  # those of the units above it, less its own
    children: list[UnitVersion]  # the units below it that the user may see
    places: list[PlaceWithCells]
    based_at: list[PlaceVersion]  # for a cell: the places it is based at
    history: list[tree.HistoryEvent]

    @property
    def holds_members(self) -> bool:
        return self.version is not None and self.version.kind.holds_members


def unit_page_on(*, unit: Unit, day: dt.date, scope: Scope) -> UnitPage:
    """The unit on `day` (or the nearest day it existed), the units above and below it that
    `scope` sees, its area flags, places and history."""
    version = unit_version_nearest(unit, day)
    exists_on_day = version is not None and tree.in_force(version.valid_from, version.valid_to, day)
    shown_day = (
        day if exists_on_day or version is None else (version.valid_to or version.valid_from or day)
    )
    ancestry = unit_ancestry(unit, shown_day) if version else []
    above = ancestry[:-1]
    visible_ids = set(
        scope.units(
            UnitVersion.objects.filter(unit_id__in=[v.unit_id for v in ancestry]), "unit"
        ).values_list("unit_id", flat=True)
    )
    own_flags = set(version.area_flags or ()) if version else set()
    holds_members = version is not None and version.kind.holds_members
    return UnitPage(
        version=version,
        shown_day=shown_day,
        exists_on_day=exists_on_day,
        breadcrumbs=[v for v in above if v.unit_id in visible_ids],
        own_flags=sorted(own_flags),
        inherited_flags=sorted(unit_inherited_flags(above) - own_flags),
        children=list(scope.units(unit_children_on(unit, shown_day), "unit")),
        places=places_with_cells_on(unit=unit, day=shown_day),
        based_at=list(cell_places_on(unit, shown_day)) if holds_members else [],
        # With each change of `can_admit`: the competent committee moves with it (R18).
        history=unit_history(unit, can_admit=True),
    )


@dataclass
class TreeNode:
    """A unit's version in the tree of a day, with the nodes of the units below it shown, and how
    many units are below it in all (`below`; the rest, `below - len(children)`, not shown)."""

    version: UnitVersion
    children: list[TreeNode] = field(default_factory=list)
    below: int = 0

    @property
    def more(self) -> int:
        return max(0, self.below - len(self.children))


# A unit shows this many of the units below it in the tree; the rest are a link away.
TREE_CHILDREN_SHOWN = 25


def _tree_order() -> list[OrderBy]:
    return [F("kind__order").asc(), vietnamese("name").asc(), F("unit__code").asc()]


def _first_children(
    visible: QuerySet[UnitVersion], parent_ids: list[int], per_parent: int
) -> list[UnitVersion]:
    """The first `per_parent` units below each of `parent_ids`, each with `siblings`, how many
    there are in all: one query, whose rows grow with the units shown, not with those below."""
    ranked = (
        visible.filter(parent_id__in=parent_ids)
        .select_related("unit", "kind")
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("parent_id")], order_by=_tree_order()),
            siblings=Window(Count("pk"), partition_by=[F("parent_id")]),
        )
        .filter(rank__lte=per_parent)
        .order_by("parent_id", "rank")
    )
    return list(ranked)


def _children_counts(visible: QuerySet[UnitVersion], parent_ids: list[int]) -> dict[int, int]:
    """How many units are below each of `parent_ids`: one query."""
    rows = (
        visible.filter(parent_id__in=parent_ids)
        .values("parent_id")
        .annotate(n=Count("pk"))
        .values_list("parent_id", "n")
    )
    return dict(rows)


def unit_tree_on(
    *, scope: Scope, day: dt.date, depth: int, per_parent: int = TREE_CHILDREN_SHOWN
) -> list[TreeNode]:
    """The tree of `day` from the top units that `scope` sees, `depth` levels deep, each unit with
    at most `per_parent` of the units below it and the count of them all: one query a level and
    one for the counts below the last level shown."""
    visible = scope.units_on(UnitVersion.objects.valid_on(day), day, path="unit")
    if scope.full:
        tops = visible.exclude(parent_id__in=UnitVersion.objects.valid_on(day).values("unit_id"))
    else:
        tops = visible.exclude(parent_id__in=RawSQL(*scope.unit_ids_on_sql(day)))
    roots = [TreeNode(v) for v in tops.select_related("unit", "kind").order_by(*_tree_order())]
    nodes = {node.version.unit_id: node for node in roots}
    level = [node.version.unit_id for node in roots]
    for _level in range(depth - 1):
        if not level:
            break
        children = _first_children(visible, level, per_parent)
        level = []
        for child in children:
            node = TreeNode(child)
            parent = nodes[child.parent_id]  # type: ignore[index]  # filtered on parent_id
            parent.children.append(node)
            parent.below = child.siblings  # type: ignore[attr-defined]  # annotated above
            nodes[child.unit_id] = node
            level.append(child.unit_id)
    if level:
        for parent_id, n in _children_counts(visible, level).items():
            nodes[parent_id].below = n
    return roots


def unit_children_page_on(*, scope: Scope, unit: Unit, day: dt.date) -> QuerySet[UnitVersion]:
    """The units below `unit` on `day` that `scope` sees, in the tree's order, for a page of
    them: a queryset, so only the page shown is read."""
    visible = scope.units_on(UnitVersion.objects.valid_on(day), day, path="unit")
    return visible.filter(parent=unit).select_related("unit", "kind").order_by(*_tree_order())


def unit_children_counts_on(
    *, scope: Scope, unit_ids: Iterable[int], day: dt.date
) -> dict[int, int]:
    """How many units that `scope` sees are below each of `unit_ids` on `day`: one query."""
    visible = scope.units_on(UnitVersion.objects.valid_on(day), day, path="unit")
    return _children_counts(visible, list(unit_ids))


def unit_tops_on(*, day: dt.date, limit: int = 2) -> list[UnitVersion]:
    """Up to `limit` units at the top of the tree of `day` (no parent in force then): one query."""
    on_day: QuerySet[UnitVersion] = UnitVersion.objects.valid_on(day)
    tops = on_day.exclude(parent_id__in=UnitVersion.objects.valid_on(day).values("unit_id"))
    return list(tops.select_related("unit", "kind").order_by("kind__order", "unit__code")[:limit])


def unit_highest_on(*, unit_ids: Iterable[int], day: dt.date) -> UnitVersion | None:
    """Of the units in force on `day`, the one highest in that day's tree (the fewest units
    above it; then by kind and code): two queries, whatever the number of units."""
    chains = unit_ancestries([Unit(pk=pk) for pk in set(unit_ids)], day)
    if not chains:
        return None
    chain = min(chains.values(), key=lambda c: (len(c), c[0].kind.order, c[0].unit.code))
    return chain[0]


@dataclass(frozen=True)
class UnitClosure:
    """A unit that has closed: its last version, the day it closed, and the units that carry on
    its work from the next day (`successors`, as they were on that day)."""

    version: UnitVersion
    closed_on: dt.date
    successors: list[UnitVersion]


SUCCESSORS_LIMIT = 50


def unit_closure(*, unit: Unit, day: dt.date) -> UnitClosure | None:
    """Whether `unit` had closed by `day` (its last version ends before it, and none follows),
    and who took over: the units below it on its last day that went on the next day (its cells,
    a commune's grassroots committees) now hang below other units; those units, each raised to
    the one above it of the closed unit's own kind if there is one (a province's cells went to
    new communes of a new province: the new province), are its successors. Four queries; the
    walk is over the subtree of its last day, in SQL."""
    last = unit.versions.select_related("kind", "unit").order_by("-valid_from").first()
    if last is None or last.valid_to is None or last.valid_to >= day:
        return None
    closed_on = last.valid_to
    after = closed_on + dt.timedelta(days=1)
    below_text, below_params = sql.subtree_on_ids([unit.pk], closed_on)
    on_next: QuerySet[UnitVersion] = UnitVersion.objects.valid_on(after)
    receivers = set(
        on_next.filter(unit_id__in=RawSQL(below_text, below_params))
        .exclude(parent_id__in=RawSQL(below_text, below_params))
        .exclude(parent_id=None)
        .values_list("parent_id", flat=True)
        .distinct()
    )
    chains = unit_ancestries([Unit(pk=pk) for pk in receivers], after)
    successors: dict[int, UnitVersion] = {}
    for chain in chains.values():
        same_kind = next((v for v in chain if v.kind_id == last.kind_id), chain[0])
        successors[same_kind.unit_id] = same_kind
    ordered = sorted(successors.values(), key=lambda v: (v.kind.order, fold_name(v.name)))
    return UnitClosure(version=last, closed_on=closed_on, successors=ordered[:SUCCESSORS_LIMIT])


def units_matching(*, scope: Scope, query: str, limit: int = 30) -> list[UnitVersion]:
    """Versions of the units `scope` sees whose name contains `query` or whose code it is."""
    found = scope.units(
        UnitVersion.objects.filter(Q(name__icontains=query) | Q(unit__code__iexact=query)), "unit"
    )
    return list(
        found.select_related("unit", "kind").order_by(vietnamese("name"), "-valid_from")[:limit]
    )


def unit_names_on(*, unit_ids: Iterable[int], day: dt.date) -> dict[int, str]:
    """The names of units on `day`, by id (a unit with no version then is left out): one query."""
    return dict(
        UnitVersion.objects.valid_on(day)
        .filter(unit_id__in=set(unit_ids))
        .values_list("unit_id", "name")
    )


def unit_labels_as_of(*, unit_ids: Iterable[int], day: dt.date) -> dict[int, tuple[str, str]]:
    """(code, name) of units as they were on `day`, else as they began: one query."""
    found: dict[int, tuple[str, str]] = {}
    versions = UnitVersion.objects.filter(unit_id__in=set(unit_ids)).select_related("unit")
    for v in sorted(versions, key=lambda v: v.valid_from or dt.date.min):
        if v.unit_id not in found or (v.valid_from or dt.date.min) <= day:
            found[v.unit_id] = (v.unit.code, v.name)
    return found


def place_versions(place: Place) -> list[PlaceVersion]:
    """Every period of the place, oldest first, with its unit and cells."""
    return list(
        place.versions.select_related("unit").prefetch_related("cells").order_by("valid_from")
    )


def place_version_nearest(place: Place, day: dt.date) -> PlaceVersion | None:
    """The version valid on `day`, else the last one before it, else the first after it."""
    versions = place_versions(place)
    for version in versions:
        if tree.in_force(version.valid_from, version.valid_to, day):
            return version
    before = [v for v in versions if v.valid_to and v.valid_to < day]
    if before:
        return before[-1]
    return versions[0] if versions else None


def cells_below_on(*, unit: Unit, day: dt.date, scope: Scope) -> list[tuple[str, str]]:
    """(code, name on `day`) of the cells at or below `unit` on `day` that `scope` covers, by
    name: what a place of that unit may be based on. One query, bounded by the unit's subtree."""
    text, params = sql.subtree_on_ids([unit.pk], day)
    on_day: QuerySet[UnitVersion] = UnitVersion.objects.valid_on(day)
    cells = scope.units(
        on_day.filter(unit_id__in=RawSQL(text, params), kind__holds_members=True), "unit"
    )
    return [
        (code, name)
        for code, name in cells.order_by(vietnamese("name"), "unit__code").values_list(
            "unit__code", "name"
        )
    ]
