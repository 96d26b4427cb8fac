"""The test's own recount of restated figures from the records: every membership's admission,
its cell on its decision date, and the units that cell stands for in the tree of a date (the
rule of `ranks.org.restated`, fed with every version and restructure of the database)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from ranks.org.models import Unit, UnitVersion
from ranks.org.restated import Span, chain_on, position_on
from ranks.people.models import Membership, Posting
from ranks.restructure.models import Restructure


def tree_facts() -> tuple[dict[int, list[Span]], dict[int, int]]:
    versions: dict[int, list[Span]] = defaultdict(list)
    for unit_id, parent_id, vf, vt in UnitVersion.objects.values_list(
        "unit_id", "parent_id", "valid_from", "valid_to"
    ):
        versions[unit_id].append(Span(parent_id, vf, vt))
    ids = dict(Unit.objects.values_list("code", "pk"))
    successors = {}
    for r in Restructure.objects.filter(status="applied", kind__in=["merge", "dissolve"]):
        if len(r.target_codes) == 1:
            for code in r.source_codes:
                successors[ids[code]] = ids[r.target_codes[0]]
    return versions, successors


def standing(structure_on: dt.date | None):
    """A function giving, for a cell and an event's day, the codes of the units the event counts
    for: as it was (the tree of the day) or restated (the tree of `structure_on`)."""
    versions, successors = tree_facts()
    codes = {pk: code for code, pk in Unit.objects.values_list("code", "pk")}

    def units(cell_id: int, day: dt.date) -> set[str]:
        if structure_on is None:
            return {codes[u] for u in chain_on(cell_id, day, versions)}
        at = position_on(cell_id, structure_on, versions, successors)
        return {codes[u] for u in chain_on(at, structure_on, versions)} if at else set()

    return units


def admissions() -> list[tuple[int, dt.date, str]]:
    """(cell, decision date, gender) of every admission, in the cell of the posting that starts
    on the decision date (the lower id of two)."""
    found = []
    for m in Membership.objects.select_related("person"):
        day = m.admission_decision_date
        cells = sorted(
            p.cell_id
            for p in Posting.objects.filter(membership=m)
            if p.valid_from <= day and (p.valid_to is None or p.valid_to >= day)
        )
        found.append((cells[0], day, m.person.gender))
    return found


def admitted(unit: str, start: dt.date, end: dt.date, structure_on: dt.date | None) -> int:
    units = standing(structure_on)
    return sum(
        1 for cell, day, _g in admissions() if start <= day <= end and unit in units(cell, day)
    )
