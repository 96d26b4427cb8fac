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

from django.db.models.expressions import RawSQL

from ranks.org import sql
from ranks.org.models import Unit, UnitVersion
from ranks.org.restated import Span, chain_on, position_on
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
    restructures = Restructure.objects.filter(
        pk__in=RestructureUnit.objects.filter(unit_id__in=unit_ids).values("restructure_id"),
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


def _ids(select: tuple[str, list]) -> set[int]:
    return set(Unit.objects.filter(pk__in=RawSQL(*select)).values_list("pk", flat=True))


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
    while new:
        links = successor_links(new)
        successors.update(links)
        merged = {s for s, t in links if t in found}
        ever = _ids(sql.subtree_ever_ids(sorted(new))) if new else set()
        new = (ever | merged) - found
        found |= new
    # The successors named for the units found, wherever they stand.
    successors.update(successor_links(found - on_day))
    rows = UnitVersion.objects.filter(unit_id__in=found).values_list(
        "unit_id", "parent_id", "valid_from", "valid_to", "kind__holds_members"
    )
    versions: dict[int, list[Span]] = defaultdict(list)
    cells: set[int] = set()
    for unit_id, parent_id, vf, vt, holds in rows:
        versions[unit_id].append(Span(parent_id, vf, vt))
        if holds:
            cells.add(unit_id)
    restated = Restated(root_id=root_id, day=day, units=on_day, versions=dict(versions))
    chains: dict[int, list[int]] = {}
    for unit_id in sorted(found):
        at = position_on(unit_id, day, versions, successors)
        if at is None or at not in on_day:
            continue
        if at not in chains:
            chain = chain_on(at, day, versions)
            chains[at] = chain[: chain.index(root_id) + 1] if root_id in chain else []
        if chains[at]:
            restated.stands_for[unit_id] = chains[at]
            if unit_id in cells:
                restated.counts_for[unit_id] = chains[at]
    return restated
