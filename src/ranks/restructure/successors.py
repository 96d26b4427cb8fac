"""The structure of a date, for figures restated in it (docs/progress.md, "Restated in the
structure of a date").

`successor_links` reads the successors restructures name (a merge, or a dissolve with one
target). `restated_cells` finds the cells whose position on a date S (`ranks.org.restated`, the
rule) is below a unit on S, and the units of S each one counts for. Its cost is the units ever
below the unit's subtree of S (and those merged into it), read as plain rows: never the members.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models.expressions import RawSQL

from ranks.counters.rollup import id_lists
from ranks.org import sql
from ranks.org.models import Unit, UnitVersion
from ranks.org.restated import MAX_STEPS, Span, position_on
from ranks.restructure.models import (
    Restructure,
    RestructureKind,
    RestructureStatus,
    RestructureUnit,
)

# The kinds of restructure that close their sources into one named successor.
SUCCEEDING = (RestructureKind.MERGE, RestructureKind.DISSOLVE)


def successor_links(unit_ids: set[int]) -> list[tuple[int, int]]:
    """(source, successor) of each applied merge or dissolve with one target that touched one
    of the units (as a source or as the target), through the index of `RestructureUnit`. Two
    queries. A source named by two such restructures keeps the later one's target."""
    if not unit_ids:
        return []
    (given, params), *_rest = id_lists(sorted(unit_ids))
    restructures = Restructure.objects.filter(
        pk__in=RestructureUnit.objects.filter(unit_id__in=RawSQL(given, params)).values(
            "restructure_id"
        ),
        kind__in=SUCCEEDING,
        status=RestructureStatus.APPLIED,
    ).order_by("effective_on", "pk")
    pairs: list[tuple[str, str]] = []
    for r in restructures.values_list("source_codes", "target_codes"):
        sources, targets = r
        if len(targets or ()) != 1:
            continue
        pairs += [(code, targets[0]) for code in sources or () if code != targets[0]]
    if not pairs:
        return []
    codes = {c for pair in pairs for c in pair}
    ids = dict(Unit.objects.filter(code__in=codes).values_list("code", "pk"))
    latest = {ids[s]: ids[t] for s, t in pairs if s in ids and t in ids}
    return sorted(latest.items())


@dataclass
class Restated:
    """The cells counted for a unit restated in the structure of `day`.

    `units`: the unit and every unit below it on `day`. `counts_for`: for each cell whose
    position on `day` is one of them, the units of `units` it counts for (its position and
    every unit above it up to the root). `stands_for` holds the same for every unit (cells or
    not) that stands below the root, and `versions` the versions read, by unit: the places of a
    day are counted by the units that own them (coverage)."""

    root_id: int
    day: dt.date
    units: set[int]
    counts_for: dict[int, list[int]] = field(default_factory=dict)
    stands_for: dict[int, list[int]] = field(default_factory=dict)
    versions: dict[int, list[Span]] = field(default_factory=dict)
    cells: set[int] = field(default_factory=set)

    def in_force(self, day: dt.date) -> set[int]:
        """The units standing below the root that are in force on `day` (another date)."""
        return {
            u for u in self.stands_for if any(s.valid_on(day) for s in self.versions.get(u, ()))
        }

    def group_of(self, unit_id: int) -> int | None:
        """The unit of the structure a unit is shown under: its parent in the tree of `day`
        when it is in force then, else the unit standing for it."""
        chain = self.stands_for.get(unit_id)
        if not chain:
            return None
        if chain[0] == unit_id:
            return chain[1] if len(chain) > 1 else None
        return chain[0]

    def pairs(self, unit_ids: set[int] | None = None) -> list[tuple[int, int]]:
        """(cell, unit) for each cell and each unit asked (all of `units` if None) it counts for."""
        wanted = self.units if unit_ids is None else unit_ids & self.units
        return sorted(
            (cell, unit) for cell, units in self.counts_for.items() for unit in units
            if unit in wanted
        )  # fmt: skip

    def cells_of(self, unit_id: int) -> set[int]:
        return {cell for cell, units in self.counts_for.items() if unit_id in units}

    def whole_units(self, cells: set[int], start: dt.date, end: dt.date) -> dict[int, set[int]]:
        """Units of their own tree whose counters hold exactly some of `cells` from `start` to
        `end`: every cell below such a unit on a day of the period is one of `cells`, and stays
        below it on every day of the period it is in force. No cell is below two of them. By
        unit, the cells it holds; the largest first. A figure of `cells` over the period is
        then these units' counters, and the records of the cells none of them holds."""
        touched: dict[int, set[int]] = defaultdict(set)
        broken: set[int] = set()
        memo: dict[tuple[int, dt.date, dt.date], list] = {}
        for cell in self.cells:
            pieces = chains_during(cell, start, end, self.versions, memo)
            if not pieces:
                continue
            ever = {u for _lo, _hi, chain in pieces for u in chain[1:]}
            always = set.intersection(*(set(chain[1:]) for _lo, _hi, chain in pieces))
            for unit in ever:
                touched[unit].add(cell)
            if cell not in cells:
                broken |= ever
            else:
                broken |= ever - always
        chosen: dict[int, set[int]] = {}
        taken: set[int] = set()
        for unit in sorted(set(touched) - broken, key=lambda u: (-len(touched[u]), u)):
            if unit in self.cells or touched[unit] & taken:
                continue
            chosen[unit] = touched[unit]
            taken |= touched[unit]
        return chosen


def chains_during(
    unit: int,
    start: dt.date,
    end: dt.date,
    versions: dict[int, list[Span]],
    memo: dict[tuple[int, dt.date, dt.date], list] | None = None,
) -> list[tuple[dt.date, dt.date, tuple[int, ...]]]:
    """The days from `start` to `end` the unit is in force, in pieces over which the units
    above it stay the same: (first day, last day, the unit and every unit above it). A parent
    not in force on some of those days ends the chain there. `memo`, shared by the calls for
    the cells of one tree, keeps each unit's pieces over each period asked."""
    memo = {} if memo is None else memo

    def walk(u: int, lo: dt.date, hi: dt.date, depth: int) -> list:
        key = (u, lo, hi)
        if key in memo:
            return memo[key]
        found = []
        for span in versions.get(u, ()):
            a, b = max(lo, span.start), min(hi, span.end)
            if a > b:
                continue
            if span.parent is None or depth >= MAX_STEPS:
                found.append((a, b, (u,)))
                continue
            day = a
            for pa, pb, chain in sorted(walk(span.parent, a, b, depth + 1)):
                if pa > day:
                    found.append((day, pa - dt.timedelta(days=1), (u,)))
                found.append((pa, pb, (u, *chain)))
                day = pb + dt.timedelta(days=1)
            if day <= b:
                found.append((day, b, (u,)))
        memo[key] = found
        return found

    return walk(unit, start, end, 0)


def _ids(select: tuple[str, list]) -> set[int]:
    return set(Unit.objects.filter(pk__in=RawSQL(*select)).values_list("pk", flat=True))


def _ever_below(unit_ids: set[int]) -> set[int]:
    """The units and every unit one of their versions was ever below, at any date: one
    recursive query over unit ids alone, the ids given as one parameter. (The periods of
    `sql.subtree_ever_ids` are not needed here: a unit ever below one of these is ever below
    it whatever the period, and walking the periods from tens of thousands of units at once
    took minutes for the central committee.)"""
    if not unit_ids:
        return set()
    (given, params), *_rest = id_lists(sorted(unit_ids))
    table = UnitVersion._meta.db_table
    text = (
        f"WITH RECURSIVE ever(unit_id) AS (SELECT v.unit_id FROM {table} v"
        f" WHERE v.unit_id IN ({given})"
        f" UNION SELECT c.unit_id FROM {table} c JOIN ever e ON c.parent_id = e.unit_id)"
        " SELECT unit_id FROM ever"
    )
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        return {int(row[0]) for row in cursor.fetchall()}


def restated_cells(root_id: int, day: dt.date) -> Restated:
    """The cells whose position on `day` is below the root on `day` (the root itself included).

    The units that can stand below the root on `day` are found by closure: the subtree of
    `day`, every unit ever below one of them, and every source a restructure merged into one of
    them, again until nothing is added (a few rounds of two queries). Their versions are read
    once, and the rule is applied in Python."""
    on_day = _ids(sql.subtree_on_ids([root_id], day))
    found = set(on_day)
    successors: dict[int, int] = {}
    new = set(on_day)
    first = True
    while new:
        links = successor_links(new)
        successors.update(links)
        merged = {s for s, t in links if t in found}
        # Every unit of the subtree is ever below the root, so the units ever below them are
        # those ever below the root: one seed instead of the whole subtree.
        ever = _ever_below({root_id} if first and on_day else new)
        first = False
        new = (ever | merged) - found
        found |= new
    # The successors named for the units found, wherever they stand.
    successors.update(successor_links(found - on_day))
    (found_sql, found_params), *_rest = id_lists(sorted(found)) or [("NULL", [])]
    rows = UnitVersion.objects.filter(unit_id__in=RawSQL(found_sql, found_params)).values_list(
        "unit_id", "parent_id", "valid_from", "valid_to", "kind__holds_members"
    )
    versions: dict[int, list[Span]] = defaultdict(list)
    cells: set[int] = set()
    for unit_id, parent_id, vf, vt, holds in rows:
        versions[unit_id].append(Span(parent_id, vf, vt))
        if holds:
            cells.add(unit_id)
    restated = Restated(
        root_id=root_id, day=day, units=on_day, versions=dict(versions), cells=cells
    )
    # Each unit of the subtree and every unit above it up to the root, built from the top: the
    # subtree's units hang below the root through units of the subtree (`chain_on`, shared).
    parent_on = {
        u: next((s.parent for s in versions.get(u, ()) if s.valid_on(day)), None) for u in on_day
    }
    chains: dict[int, list[int]] = {root_id: [root_id]} if root_id in on_day else {}

    def chain_of(unit_id: int) -> list[int]:
        path = []
        current: int | None = unit_id
        while current is not None and current not in chains and current in on_day:
            path.append(current)
            current = parent_on[current]
            if len(path) > MAX_STEPS:
                current = None
        above = chains.get(current, []) if current is not None else []
        for u in reversed(path):
            above = [u, *above] if above else []
            chains[u] = above
        return chains.get(unit_id, [])

    for unit_id in sorted(found):
        at = position_on(unit_id, day, versions, successors)
        if at is None or at not in on_day:
            continue
        if chain_of(at):
            restated.stands_for[unit_id] = chains[at]
            if unit_id in cells:
                restated.counts_for[unit_id] = chains[at]
    return restated
