"""Coverage and cell health restated in the structure of a date: the places and cells of the
day, counted for (and shown under) the units that their units stand for in that tree, equal a
recount from the records (`coverage.recount.Records` for the places of the day)."""

from __future__ import annotations

import datetime as dt

import pytest

from ranks.access.scope import scope_for
from ranks.core.actor import SYSTEM
from ranks.coverage.health import cell_health
from ranks.coverage.recount import Records
from ranks.coverage.selectors import Counts, cells_shown, coverage_shown, restated_cell_health
from ranks.org.models import Unit
from ranks.org.restated import chain_on, position_on
from ranks.org.tree import in_force
from tests.restated import recount

D = dt.date
OLD = D(2024, 6, 30)
NEW = D(2026, 6, 30)


def expected_coverage(code: str, day: dt.date, structure_on: dt.date) -> Counts:
    """The places of `day` below the province (with the records' rules of `Records`), each
    counted for the units its own version of `structure_on` belongs to in that tree, or, with
    no version then, for those its owner of the day stands for (the rule)."""
    records = Records(Unit.objects.get(code="P"))
    units = recount.standing(structure_on)
    versions, _successors = recount.tree_facts()
    codes = {pk: c for c, pk in Unit.objects.values_list("code", "pk")}
    total = Counts()
    for version in records.places:
        if not in_force(version.valid_from, version.valid_to, day) or not records.tree.chain(
            version.unit_id, day
        ):
            continue
        then = next(
            (
                v
                for v in records.places
                if v.place_id == version.place_id
                and in_force(v.valid_from, v.valid_to, structure_on)
            ),
            None,
        )
        if then is not None:
            counted = {codes[u] for u in chain_on(then.unit_id, structure_on, versions)}
        else:
            counted = units(version.unit_id, day)
        if code in counted:
            total.add(records.has_members(version.place_id, day), records.has_cell(version, day))
    return total


@pytest.mark.parametrize(
    ("code", "day", "structure_on"),
    [("N", D(2024, 12, 31), NEW), ("P", D(2024, 12, 31), NEW), ("C3", D(2024, 5, 1), NEW),
     ("D1", D(2026, 6, 1), OLD), ("C1", D(2026, 6, 1), OLD), ("D2", D(2026, 1, 1), OLD)],
)  # fmt: skip
def test_coverage_equals_the_recount(restructured, code, day, structure_on):
    shown = coverage_shown(
        unit=restructured.units[code], day=day, which="any", structure_on=structure_on
    )
    assert shown.coverage.totals == expected_coverage(code, day, structure_on)
    assert shown.coverage.totals.total > 0
    assert shown.map is None and not shown.listed
    for child_code, _name, counts in shown.below:
        assert counts == expected_coverage(child_code, day, structure_on)
    last = shown.trend.rows[-1]
    assert last.on == day and last.totals == shown.coverage.totals
    for row in shown.trend.rows:
        assert row.totals == expected_coverage(code, row.on, structure_on)


def test_coverage_as_it_was_is_unchanged(restructured):
    unit = restructured.units["P"]
    shown = coverage_shown(unit=unit, day=D(2024, 12, 31), which="any")
    assert shown.coverage.totals == Records(unit).coverage(D(2024, 12, 31)).totals


@pytest.mark.parametrize(
    ("code", "day", "structure_on"),
    [("N", D(2024, 12, 31), NEW), ("P", D(2024, 12, 31), NEW), ("D1", D(2026, 6, 1), OLD),
     ("P", D(2026, 6, 1), OLD)],
)  # fmt: skip
def test_cells_equal_the_recount(restructured, code, day, structure_on):
    unit = restructured.units[code]
    versions, successors = recount.tree_facts()
    units = recount.standing(structure_on)
    codes = {pk: c for c, pk in Unit.objects.values_list("code", "pk")}
    # Every cell of the day, as it was, with its figures from its records.
    of_day = {h.code: h for h in cell_health(restructured.units["P"], day)}
    expected = {}
    for cell_code, health in of_day.items():
        cell = restructured.units[cell_code].pk
        if code not in units(cell, day):
            continue
        at = position_on(cell, structure_on, versions, successors)
        group = (
            at if at != cell else next(s.parent for s in versions[cell] if s.valid_on(structure_on))
        )
        expected[cell_code] = (codes[group], health.official_members, health.probationary_members)
    assert expected
    shown = cells_shown(unit=unit, day=day, structure_on=structure_on)
    got = {h.code: (h.parent_code, h.official_members, h.probationary_members) for h in shown.rows}
    assert got == expected
    full = restated_cell_health(unit, day, structure_on, None)
    assert {
        h.code: (h.parent_code, h.official_members, h.probationary_members) for h in full
    } == expected
    assert len(full) == len(expected)  # each cell once


def test_a_cell_outside_the_users_units_is_never_listed(restructured):
    from django.contrib.auth import get_user_model

    from tests.factories import actor

    newc = actor(get_user_model().objects.get(username="newc"))
    scope = scope_for(newc)
    rows = cells_shown(
        unit=restructured.units["N"], day=D(2024, 12, 31), structure_on=NEW, scope=scope
    ).rows
    everyone = cells_shown(unit=restructured.units["N"], day=D(2024, 12, 31), structure_on=NEW).rows
    # C1-X closed before the merge: it stands for N in 2026, but was never below N.
    assert "C1-X" in {h.code for h in everyone}
    assert {h.code for h in rows} == {h.code for h in everyone} - {"C1-X"}
    assert scope_for(SYSTEM) is not None


@pytest.mark.parametrize(("on", "structure_on"), [(D(2024, 12, 31), NEW), (D(2026, 6, 1), OLD)])
def test_progress_of_places_equals_the_recount(restructured, on, structure_on):
    from ranks.targets.progress import progress

    result = progress(
        scope=scope_for(SYSTEM), unit=restructured.units["P"], on=on,
        metric="places_with_members", structure_on=structure_on,
    )  # fmt: skip
    for row in result.rows:
        expected = expected_coverage(row.code, on, structure_on)
        assert row.actual == expected.total - expected.without_members, row.code
    assert result.unit.actual > 0
    assert next(p.actual for p in result.curve if p.day == on) == result.unit.actual
