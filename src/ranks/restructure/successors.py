"""The structure of a date, for figures restated in it (docs/progress.md, "Restated in the
structure of a date").

`successor_links` reads the successors restructures name (a merge, or a dissolve with one
target). `restated_cells` finds the cells whose position on a date S (`ranks.org.restated`, the
rule) is below a unit on S, and the units of S each one counts for. Its cost is the units ever
below the unit's subtree of S (and those merged into it), read as plain rows: never the members.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Subquery
from django.db.models.expressions import RawSQL

from ranks.counters.rollup import id_lists
from ranks.org.models import Unit, UnitVersion
from ranks.org.restated import MAX_STEPS, Span, position_on
from ranks.restructure.models import (
    PositionSnapshot,
    Restructure,
    RestructureKind,
    RestructureStatus,
    RestructureUnit,
    TreeGeneration,
    UnitPosition,
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
    not) that stands below the root. `versions` and `cells` (read when first asked, for
    `whole_units`): the versions of every unit that can stand below the root on `day`, by
    unit, and those of them that are cells. `everything`: every unit of the tree is ever below
    the root (`PositionSnapshot.everywhere`), so those are all the units."""

    root_id: int
    day: dt.date
    units: set[int]
    counts_for: dict[int, list[int]] = field(default_factory=dict)
    stands_for: dict[int, list[int]] = field(default_factory=dict)
    # Every unit is ever below the root: every unit can stand below it (`_found` not needed).
    everything: bool = False
    _versions: dict[int, list[Span]] | None = None
    _cells: set[int] | None = None

    def _read_versions(self) -> None:
        found = None if self.everything else _found(self.root_id, self.units)
        self._versions, self._cells = _versions_of(found)

    @property
    def versions(self) -> dict[int, list[Span]]:
        if self._versions is None:
            self._read_versions()
        return self._versions or {}

    @property
    def cells(self) -> set[int]:
        if self._cells is None:
            self._read_versions()
        return self._cells or set()

    def in_force(self, day: dt.date) -> set[int]:
        """The units standing below the root that are in force on `day` (another date): one
        query."""
        if not self.stands_for:
            return set()
        (ids_sql, ids_params), *_rest = id_lists(sorted(self.stands_for))
        return set(
            UnitVersion.objects.valid_on(day)
            .filter(unit_id__in=RawSQL(ids_sql, ids_params))
            .values_list("unit_id", flat=True)
        )

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


def _found(root_id: int, on_day: set[int]) -> set[int]:
    """The units that can stand below the root on a date, `on_day` being its subtree then: every
    unit ever below one of them, and every source a restructure merged into one of them, again
    until nothing is added (a few rounds of two queries)."""
    found = set(on_day)
    new = set(on_day)
    first = True
    while new:
        links = successor_links(new)
        merged = {s for s, t in links if t in found}
        # Every unit of the subtree is ever below the root, so the units ever below them are
        # those ever below the root: one seed instead of the whole subtree.
        ever = _ever_below({root_id} if first and on_day else new)
        first = False
        new = (ever | merged) - found
        found |= new
    return found


def _versions_of(unit_ids: set[int] | None) -> tuple[dict[int, list[Span]], set[int]]:
    """The versions of the units (None: of every unit), by unit, and those of them that are
    cells (a version of a kind that holds members): one query."""
    versions: dict[int, list[Span]] = defaultdict(list)
    cells: set[int] = set()
    chosen = UnitVersion.objects.all()
    if unit_ids is not None:
        if not unit_ids:
            return {}, cells
        (ids_sql, ids_params), *_rest = id_lists(sorted(unit_ids))
        chosen = chosen.filter(unit_id__in=RawSQL(ids_sql, ids_params))
    rows = chosen.order_by().values_list(
        "unit_id", "parent_id", "valid_from", "valid_to", "kind__holds_members"
    )
    for unit_id, parent_id, vf, vt, holds in rows:
        versions[unit_id].append(Span(parent_id, vf, vt))
        if holds:
            cells.add(unit_id)
    return dict(versions), cells


# --- The structure of a date, kept (`PositionSnapshot`) ------------------------------------

# The dates whose structure is kept at most; the one built longest ago goes first.
KEPT_DATES = 12


# The triggers that raise the tree's generation on PostgreSQL (migration 0004), deferred to
# the commit of the transaction that writes the tree.
_TRIGGERS = ", ".join(
    f"{t}_tree_changed"
    for t in (
        "org_unit",
        "org_unitkind",
        "org_unitversion",
        "restructure_restructure",
        "restructure_restructureunit",
    )
)


def _generation() -> int:
    """The tree's generation now (raised by the database's triggers on every change).

    On PostgreSQL, inside a transaction, the triggers of the tree's writes this transaction
    has made are fired first (they wait for the commit otherwise), and its flag cleared, so
    that a write after this read raises the generation again."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {_TRIGGERS} IMMEDIATE")
            cursor.execute(
                "SELECT (SELECT generation FROM restructure_treegeneration WHERE id = 1),"
                " set_config('ranks.tree_changed', '', true)"
            )
            generation = cursor.fetchone()[0]
            cursor.execute(f"SET CONSTRAINTS {_TRIGGERS} DEFERRED")
        return generation or 0
    return TreeGeneration.objects.filter(pk=1).values_list("generation", flat=True).first() or 0


def all_successor_links() -> dict[int, int]:
    """`successor_links` of every unit: the one successor each applied merge or dissolve with
    one target names, the later one's for a source named twice. Two queries."""
    restructures = Restructure.objects.filter(
        kind__in=SUCCEEDING, status=RestructureStatus.APPLIED
    ).order_by("effective_on", "pk")
    pairs: list[tuple[str, str]] = []
    for sources, targets in restructures.values_list("source_codes", "target_codes"):
        if len(targets or ()) != 1:
            continue
        pairs += [(code, targets[0]) for code in sources or () if code != targets[0]]
    if not pairs:
        return {}
    codes = {c for pair in pairs for c in pair}
    ids = dict(Unit.objects.filter(code__in=codes).values_list("code", "pk"))
    return {ids[s]: ids[t] for s, t in pairs if s in ids and t in ids}


# A row of `UnitPosition`: unit, position, parent on the day, order, last, a cell.
Position = tuple[int, int, int | None, int, int, bool]


def build_positions(day: dt.date) -> tuple[list[Position], list[int]]:
    """The position on `day` of every unit of the country (`ranks.org.restated`), each with its
    place in a walk of the tree of `day` from the top: the whole tree once (every version, every
    successor), the rule in Python. The rows of `UnitPosition`, without their snapshot, and the
    units every unit is ever below (`PositionSnapshot.everywhere`)."""
    versions, cells = _versions_of(None)
    successors = all_successor_links()
    parent_on: dict[int, int | None] = {}
    for unit_id, spans in versions.items():
        span = next((s for s in spans if s.valid_on(day)), None)
        if span is not None:
            parent_on[unit_id] = span.parent
    children: dict[int | None, list[int]] = defaultdict(list)
    for unit_id, parent_id in parent_on.items():
        # A unit whose parent is not in force on the day tops a tree of its own, as the
        # subtree of the day below it (`sql.subtree_on_ids`) has it.
        children[parent_id if parent_id in parent_on else None].append(unit_id)
    order: dict[int, int] = {}
    last: dict[int, int] = {}
    counter = 0
    for top in sorted(children[None]):
        stack: list[tuple[int, bool]] = [(top, False)]
        while stack:
            unit_id, done = stack.pop()
            if done:
                last[unit_id] = counter - 1
                continue
            if unit_id in order:  # a loop in the data
                continue
            order[unit_id] = counter
            counter += 1
            stack.append((unit_id, True))
            stack += [(c, False) for c in sorted(children.get(unit_id, ()), reverse=True)]
    rows: list[Position] = []
    for unit_id in sorted(versions):
        at = position_on(unit_id, day, versions, successors)
        if at is None or at not in order:
            continue
        mine = at == unit_id
        rows.append(
            (
                unit_id,
                at,
                parent_on.get(unit_id) if mine else None,
                order[at],
                last[at] if mine else order[at],
                unit_id in cells,
            )
        )
    return rows, _everywhere(versions)


def _everywhere(versions: dict[int, list[Span]]) -> list[int]:
    """The units at the top of a version that every unit is ever below (or is): through the
    parents of every version, at any date."""
    below: dict[int, set[int]] = defaultdict(set)
    tops = set()
    for unit_id, spans in versions.items():
        for span in spans:
            if span.parent is None:
                tops.add(unit_id)
            else:
                below[span.parent].add(unit_id)
    found = []
    for top in sorted(tops):
        seen, stack = {top}, [top]
        while stack:
            for child in below.get(stack.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        if len(seen) == len(versions):
            found.append(top)
    return found


def _insert_positions(snapshot_id: int, rows: list[Position]) -> None:
    """The rows of a snapshot in one statement: arrays unnested on PostgreSQL, a JSON list on
    SQLite (an ORM `bulk_create` spent 10 s preparing the 48,444 rows of a tenth of the
    country)."""
    table = UnitPosition._meta.db_table
    columns = '(snapshot_id, unit_id, position_id, parent_id, "order", last, cell)'
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns_of = list(zip(*rows, strict=True)) if rows else [()] * 6
            cursor.execute(
                f"INSERT INTO {table} {columns} SELECT %s, * FROM unnest(%s::bigint[],"
                " %s::bigint[], %s::bigint[], %s::int[], %s::int[], %s::boolean[])",
                [snapshot_id, *(list(c) for c in columns_of)],
            )
        else:
            cursor.execute(
                f"INSERT INTO {table} {columns} SELECT %s, json_extract(value, '$[0]'),"
                " json_extract(value, '$[1]'), json_extract(value, '$[2]'),"
                " json_extract(value, '$[3]'), json_extract(value, '$[4]'),"
                " json_extract(value, '$[5]') FROM json_each(%s)",
                [snapshot_id, json.dumps(rows)],
            )


def positions_of(day: dt.date) -> tuple[int, list[int]]:
    """The id of the snapshot of the structure of `day` valid for the tree as it is, and its
    `everywhere`: read (two queries), or built and kept when missing or made for another
    generation of the tree.

    The generation is read before the tree: a change committed while the snapshot is built
    leaves it stamped with the generation before, so the next read builds it again. Two
    readers building the same date at once: the second one's insert meets the first's row
    (the date is unique) and keeps no snapshot; it reads the first's, or, when that one is not
    yet committed, its own rows, unsaved, are not needed: it builds again on its next read."""
    generation = _generation()
    fields = ("pk", "everywhere", "generation")
    kept = PositionSnapshot.objects.filter(day=day).values_list(*fields).first()
    if kept is not None and kept[2] == generation:
        return kept[0], kept[1]
    rows, everywhere = build_positions(day)
    try:
        with transaction.atomic():
            PositionSnapshot.objects.filter(day=day).delete()
            # The snapshots of a tree that has changed since are no use to anyone.
            PositionSnapshot.objects.exclude(generation=generation).delete()
            old = PositionSnapshot.objects.order_by("-built_at", "-pk")[KEPT_DATES - 1 :]
            PositionSnapshot.objects.filter(pk__in=list(old.values_list("pk", flat=True))).delete()
            snapshot = PositionSnapshot.objects.create(
                day=day, generation=generation, everywhere=everywhere
            )
            _insert_positions(snapshot.pk, rows)
    except IntegrityError:
        kept = PositionSnapshot.objects.filter(day=day).values_list(*fields).first()
        if kept is None:
            raise
        return kept[0], kept[1]
    return snapshot.pk, everywhere


def keep_structure(day: dt.date) -> int:
    """Build the structure of `day` now, when it is not kept for the tree as it is (so that the
    first restated read of that date does not pay for it): the units that stand somewhere."""
    return UnitPosition.objects.filter(snapshot_id=positions_of(day)[0]).count()


def restated_cells(root_id: int, day: dt.date) -> Restated:
    """The cells whose position on `day` is below the root on `day` (the root itself included).

    Read from the structure of `day` kept for the tree as it is (`positions_of`): the rows
    whose position's place in the walk of the tree of `day` is between the root's and the last
    unit below it, through the index on (snapshot, order), in one query. The chains up to
    the root are built from the top, from the parents of the units in force then. Their
    versions, and the units ever below the root (`whole_units`), are read when first asked."""
    for _attempt in range(3):
        snapshot, everywhere = positions_of(day)
        # The root's row, when it is in force on the day, bounds the rows below it: one
        # statement, so that it sees the snapshot whole or not at all.
        top = UnitPosition.objects.filter(
            snapshot_id=snapshot, unit_id=root_id, position_id=root_id
        )
        rows = list(
            UnitPosition.objects.filter(
                snapshot_id=snapshot,
                order__gte=Subquery(top.values("order")[:1]),
                order__lte=Subquery(top.values("last")[:1]),
            ).values_list("unit_id", "position_id", "parent_id", "cell")
        )
        # Nothing: the root is not in force on the day, or the snapshot was dropped since it
        # was read (another reader building a newer one): then read it again.
        if rows or PositionSnapshot.objects.filter(pk=snapshot).exists():
            break
    if not rows:
        return Restated(root_id=root_id, day=day, units=set())
    on_day = {u for u, at, _p, _c in rows if u == at}
    parent_on = {u: p for u, at, p, _c in rows if u == at}
    restated = Restated(root_id=root_id, day=day, units=on_day, everything=root_id in everywhere)
    # Each unit of the subtree and every unit above it up to the root, built from the top: the
    # subtree's units hang below the root through units of the subtree.
    chains: dict[int, list[int]] = {root_id: [root_id]}

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

    for unit_id, at, _parent, cell in sorted(rows):
        if chain_of(at):
            restated.stands_for[unit_id] = chains[at]
            if cell:
                restated.counts_for[unit_id] = chains[at]
    return restated
