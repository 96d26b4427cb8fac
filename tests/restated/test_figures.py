"""Figures restated in the structure of a date equal a recount from the records in which each
admission counts for the units its cell stands for in that tree (`tests/restated/recount.py`);
as it was, they are unchanged."""

from __future__ import annotations

import datetime as dt

import pytest

from ranks.core.errors import DomainError
from ranks.targets.progress import admission_ratio, composition, progress
from tests.restated import recount

D = dt.date
OLD = D(2024, 6, 30)
NEW = D(2026, 6, 30)


@pytest.fixture
def full_scope():
    from ranks.access.scope import scope_for
    from ranks.core.actor import SYSTEM

    return scope_for(SYSTEM)


@pytest.mark.parametrize(
    ("on", "structure_on"),
    [(D(2024, 12, 31), NEW), (D(2024, 8, 14), NEW), (D(2026, 12, 31), OLD), (D(2025, 12, 31), None),
     (D(2024, 12, 31), None), (D(2026, 3, 10), OLD), (D(2025, 12, 31), D(2025, 7, 1))],
)  # fmt: skip
def test_progress_equals_the_recount(restructured, full_scope, on, structure_on):
    result = progress(
        scope=full_scope, unit=restructured.units["P"], on=on, structure_on=structure_on
    )
    assert result.structure_on == structure_on
    start = D(on.year, 1, 1)
    shown = {row.code: row.actual for row in result.rows}
    assert shown == {code: recount.admitted(code, start, on, structure_on) for code in shown}
    assert sum(shown.values()) > 0


def test_2024_read_by_the_new_commune_and_2026_by_the_old_district(restructured, full_scope):
    units = restructured.units
    new_commune = progress(scope=full_scope, unit=units["N"], on=D(2024, 12, 31), structure_on=NEW)
    # The cells merged into N, and the cell of C1 closed before the merge (through C1's
    # successor): five admissions of 2024.
    assert (
        new_commune.unit.actual == 5 == recount.admitted("N", D(2024, 1, 1), D(2024, 12, 31), NEW)
    )
    codes = {r.code for r in new_commune.rows}
    assert codes == {"N", "C1-A", "C1-B", "C2-A", "N-B"}
    with pytest.raises(DomainError) as refused:
        progress(scope=full_scope, unit=units["N"], on=D(2024, 12, 31))
    assert refused.value.code == "not_in_force"
    old_district = progress(
        scope=full_scope, unit=units["D1"], on=D(2026, 12, 31), structure_on=OLD
    )
    # 2026 by the old district: its cells moved into N; the cell opened under N in 2026 is not
    # below it (it stands for the province).
    assert old_district.unit.actual == 2
    assert {r.code for r in old_district.rows} == {"D1", "C1", "C2", "C1-A", "C1-B", "C1-X", "C2-A"}
    province = progress(scope=full_scope, unit=units["P"], on=D(2026, 12, 31), structure_on=OLD)
    assert province.unit.actual == 4


def test_as_it_was_is_unchanged(restructured, full_scope):
    as_it_was = progress(scope=full_scope, unit=restructured.units["P"], on=D(2024, 12, 31))
    assert as_it_was.structure_on is None
    assert {r.code: r.actual for r in as_it_was.rows} == {
        r.code: recount.admitted(r.code, D(2024, 1, 1), D(2024, 12, 31), None)
        for r in as_it_was.rows
    }


@pytest.mark.parametrize("structure_on", [NEW, OLD])
@pytest.mark.parametrize("code", ["P", "N", "C3", "D1", "C1-A"])
def test_composition_equals_the_recount(restructured, full_scope, structure_on, code):
    start, end = D(2024, 2, 11), D(2026, 3, 6)
    unit = restructured.units[code]
    try:
        result = composition(
            scope=full_scope, unit=unit, start=start, end=end, sensitive=False,
            structure_on=structure_on,
        )  # fmt: skip
    except DomainError as error:  # a unit not in force in that tree
        assert error.code == "not_in_force"
        assert code in {"N", "D1"}
        return
    units = recount.standing(structure_on)
    counted = [
        g
        for cell, day, g in recount.admissions()
        if start <= day <= end and code in units(cell, day)
    ]
    assert result.total == len(counted)
    assert result.by["gender"] == {g: counted.count(g) for g in set(counted)}


@pytest.mark.parametrize(("year", "structure_on"), [(2024, NEW), (2026, OLD), (2025, NEW)])
def test_ratio_equals_the_recount(restructured, full_scope, year, structure_on):
    from ranks.people.models import Membership, Posting

    code = "N" if structure_on == NEW else "C1"
    result = admission_ratio(
        scope=full_scope, unit=restructured.units[code], year=year, structure_on=structure_on
    )
    units = recount.standing(structure_on)
    start = D(year, 1, 1)
    for row in [*result.siblings, *result.children]:
        admitted = recount.admitted(row.code, start, D(year, 12, 31), structure_on)
        present = 0
        for m in Membership.objects.filter(admission_decision_date__lte=start):
            if m.left_date is not None and m.left_date < start:
                continue
            posting = (
                Posting.objects.filter(membership=m, valid_from__lte=start)
                .exclude(valid_to__lt=start)
                .first()
            )
            if posting is not None and row.code in units(posting.cell_id, start):
                present += 1
        assert (row.admissions, row.members_at_start) == (admitted, present), row.code
    assert result.structure_on == structure_on
