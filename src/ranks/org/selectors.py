"""Reads of the organisation tree: a date's tree, subtrees, breadcrumbs, flags, history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from ranks.org import sql, tree
from ranks.org.models import PlaceVersion, Unit, UnitVersion


def unit_versions(unit: Unit) -> list[UnitVersion]:
    return list(unit.versions.select_related("kind", "parent").order_by("valid_from"))


def unit_version_on(unit: Unit, day: dt.date) -> UnitVersion | None:
    return unit.versions.valid_on(day).select_related("kind", "parent").first()


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
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        return [row[0] for row in cursor.fetchall()]


def unit_subtree(unit: Unit, day: dt.date) -> QuerySet[UnitVersion]:
    """Versions valid on `day` of the unit and every unit below it: one query."""
    text, params = sql.subtree_on_ids([unit.pk], day)
    return (
        UnitVersion.objects.valid_on(day)
        .filter(unit_id__in=RawSQL(text, params))
        .select_related("unit", "kind", "parent")
    )


def unit_children_on(unit: Unit, day: dt.date) -> QuerySet[UnitVersion]:
    return (
        UnitVersion.objects.valid_on(day)
        .filter(parent=unit)
        .select_related("unit", "kind")
        .order_by("kind__order", "name")
    )


def unit_ancestry(unit: Unit, day: dt.date) -> list[UnitVersion]:
    """Versions on `day` from the root down to the unit itself: one query and one fetch."""
    text, params = sql.ancestors_on(unit.pk, day)
    with connection.cursor() as cursor:
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
    with connection.cursor() as cursor:
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


def unit_inherited_flags(ancestry: list[UnitVersion]) -> frozenset[str]:
    flags: set[str] = set()
    for version in ancestry:
        flags.update(version.area_flags or ())
    return frozenset(flags)


def unit_history(unit: Unit) -> list[tree.HistoryEvent]:
    """Opened, moved, renamed, closed; parents named as they were called at the time."""
    versions = unit_versions(unit)
    events = tree.history(
        v.as_tree_version(code=unit.code, parent_code=v.parent.code if v.parent else None)
        for v in versions
    )
    parent_ids = {v.parent_id for v in versions if v.parent_id}
    parents = list(UnitVersion.objects.filter(unit_id__in=parent_ids).select_related("unit"))

    def name_at(code: str | None, day: dt.date | None) -> str | None:
        if code is None:
            return None
        on = day or dt.date.min
        for pv in parents:
            if pv.unit.code == code and (pv.valid_from or dt.date.min) <= on <= (
                pv.valid_to or dt.date.max
            ):
                return pv.name
        return code

    named = []
    for e in events:
        if e.what in {"opened", "reopened"}:
            e = tree.HistoryEvent(e.day, e.what, None, name_at(e.after, e.day))
        elif e.what == "moved":
            day_before = e.day - dt.timedelta(days=1) if e.day else None
            e = tree.HistoryEvent(
                e.day, e.what, name_at(e.before, day_before), name_at(e.after, e.day)
            )
        named.append(e)
    return named


def places_of_units_on(unit_ids: Iterable[int], day: dt.date) -> QuerySet[PlaceVersion]:
    return (
        PlaceVersion.objects.valid_on(day)
        .filter(unit_id__in=list(unit_ids))
        .select_related("place")
        .prefetch_related("cells")
        .order_by("kind", "name")
    )


def cell_places_on(cell: Unit, day: dt.date) -> QuerySet[PlaceVersion]:
    return PlaceVersion.objects.valid_on(day).filter(cells=cell).select_related("place")


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
