"""The structure of a date is kept (`PositionSnapshot`): a restated read after the first reads
it by index, in as many queries whatever the size of the tree, and any change to the tree (a
restructure applied or undone, a unit moved, even a statement written by hand) is seen by the
next read, never the snapshot of the tree before."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ranks.core.actor import SYSTEM
from ranks.org.kinds import ensure_unit_kinds
from ranks.org.models import Unit, UnitKind, UnitVersion
from ranks.org.services import unit_move, unit_version_save, units_move
from ranks.restructure.models import PositionSnapshot, TreeGeneration, UnitPosition
from ranks.restructure.services import restructure_apply, restructure_undo
from ranks.restructure.successors import restated_cells

D = dt.date
S = D(2026, 6, 1)


def _codes(restated, units) -> dict[str, list[str]]:
    """Each cell counted, by code, with the codes of the units it counts for."""
    code = {u.pk: u.code for u in units.values()}
    return {code[c]: [code[u] for u in chain] for c, chain in restated.counts_for.items()}


def test_a_second_read_of_a_date_reads_the_kept_structure(restructured):
    units = restructured.units
    first = restated_cells(units["P"].pk, S)
    assert PositionSnapshot.objects.filter(day=S).count() == 1
    # Every unit is ever below the province: composition reads every version, not the closure.
    assert PositionSnapshot.objects.get(day=S).everywhere == [units["P"].pk]
    assert first.everything and not restated_cells(units["N"].pk, S).everything
    kept = UnitPosition.objects.count()
    with CaptureQueriesContext(connection) as queries:
        again = restated_cells(units["P"].pk, S)
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "DELETE"))]
    assert UnitPosition.objects.count() == kept
    assert again.counts_for == first.counts_for and again.stands_for == first.stands_for
    assert again.units == first.units
    # Another unit of the same date reads the same snapshot.
    n = restated_cells(units["N"].pk, S)
    assert PositionSnapshot.objects.count() == 1
    assert _codes(n, units) == {
        "C1-A": ["C1-A", "N"], "C1-B": ["C1-B", "N"], "C2-A": ["C2-A", "N"], "N-B": ["N-B", "N"],
        "C1-X": ["N"],
    }  # fmt: skip


def test_a_restructure_applied_then_undone_is_seen_by_the_next_read(restructured):
    units = restructured.units
    assert "C3-A" not in _codes(restated_cells(units["N"].pk, S), units)
    moved = restructure_apply(
        actor=SYSTEM, kind="move", on=D(2026, 1, 1), sources=["C3"], targets=["N"]
    )
    assert _codes(restated_cells(units["N"].pk, S), units)["C3-A"] == ["C3-A", "C3", "N"]
    # In the province's tree of S, C3-A now counts for N too.
    assert _codes(restated_cells(units["P"].pk, S), units)["C3-A"] == ["C3-A", "C3", "N", "P"]
    restructure_undo(actor=SYSTEM, restructure_id=moved.pk)
    assert "C3-A" not in _codes(restated_cells(units["N"].pk, S), units)
    assert _codes(restated_cells(units["P"].pk, S), units)["C3-A"] == ["C3-A", "C3", "P"]


def test_a_unit_moved_is_seen_by_the_next_read(restructured):
    units = restructured.units
    before = D(2024, 12, 31)
    assert _codes(restated_cells(units["C1"].pk, before), units)["C1-A"] == ["C1-A", "C1"]
    unit_move(actor=SYSTEM, code="C1-A", new_parent_code="C2", on=D(2024, 10, 1))
    assert "C1-A" not in _codes(restated_cells(units["C1"].pk, before), units)
    assert _codes(restated_cells(units["C2"].pk, before), units)["C1-A"] == ["C1-A", "C2"]
    # The bulk move of a restructure's plan, too.
    units_move(actor=SYSTEM, moves={"C1-B": ("C2", "Chi bộ thôn Tây")}, on=D(2024, 11, 1))
    assert _codes(restated_cells(units["C2"].pk, before), units)["C1-B"] == ["C1-B", "C2"]
    assert "C1-B" not in _codes(restated_cells(units["C1"].pk, before), units)


def test_a_version_changed_by_hand_is_seen_by_the_next_read(restructured):
    """No writer can forget to say the tree changed: the database says it (its triggers)."""
    units = restructured.units
    assert _codes(restated_cells(units["C3"].pk, S), units) == {"C3-A": ["C3-A", "C3"]}
    versions = UnitVersion.objects.filter(unit=units["C3-A"])
    versions.update(parent=units["N"])
    assert _codes(restated_cells(units["C3"].pk, S), units) == {}
    assert _codes(restated_cells(units["N"].pk, S), units)["C3-A"] == ["C3-A", "N"]
    # Put back (the counters were not told).
    versions.update(parent=units["C3"])
    assert _codes(restated_cells(units["C3"].pk, S), units) == {"C3-A": ["C3-A", "C3"]}


def _country(provinces: int, communes: int, cells: int) -> Unit:
    """A root with provinces, communes and cells, written in bulk (the read is measured)."""
    ensure_unit_kinds(UnitKind)
    kinds = {k.key: k for k in UnitKind.objects.all()}
    root = Unit.objects.create(code="TW")
    UnitVersion.objects.create(unit=root, name="Trung ương", kind=kinds["central"])
    level = [(root, "TW")]
    for kind, size in [
        ("provincial_committee", provinces),
        ("commune_committee", communes),
        ("cell", cells),
    ]:
        made = Unit.objects.bulk_create(
            [Unit(code=f"{code}-{i}") for _parent, code in level for i in range(size)]
        )
        parents = [parent for parent, _code in level for _i in range(size)]
        UnitVersion.objects.bulk_create(
            [
                UnitVersion(
                    unit=u, parent=p, name=u.code, kind=kinds[kind], valid_from=D(2020, 1, 1)
                )
                for u, p in zip(made, parents, strict=True)
            ]
        )
        level = [(u, u.code) for u in made]
    return root


@pytest.mark.parametrize("size", [(2, 2, 2), (6, 8, 10)])
def test_a_restated_read_takes_as_many_queries_whatever_the_units(db, size):
    root = _country(*size)
    provinces, communes, cells = size
    with CaptureQueriesContext(connection) as building:
        restated_cells(root.pk, S)
    with CaptureQueriesContext(connection) as reading:
        restated = restated_cells(root.pk, S)
        province = restated_cells(Unit.objects.get(code="TW-0").pk, S)
    assert len(restated.counts_for) == provinces * communes * cells
    assert len(province.counts_for) == communes * cells
    # The first read builds the structure of the date: a dozen statements, and the rows
    # inserted in batches (as many rows a batch as the database takes parameters).
    assert len([q for q in building if not q["sql"].startswith(("INSERT", "SET CONS"))]) <= 12
    # Each later one: the generation, the snapshot, the rows below the root (and, on PostgreSQL
    # in a transaction, the tree's deferred triggers fired before the generation).
    assert len([q for q in reading if not q["sql"].startswith("SET CONSTRAINTS")]) == 2 * 3 + 1


def test_the_command_keeps_the_structure_of_the_dates_given(restructured):
    out = StringIO()
    call_command("restructure", "structure", "2026-06-01", "31/12/2024", stdout=out)
    standing = UnitPosition.objects.filter(snapshot__day=S).count()
    assert f"Đã lưu sẵn cơ cấu tổ chức ngày 01/06/2026: {standing} đơn vị" in out.getvalue()
    assert "ngày 31/12/2024" in out.getvalue()
    assert PositionSnapshot.objects.count() == 2
    with CaptureQueriesContext(connection) as queries:
        restated_cells(restructured.units["P"].pk, S)
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith("INSERT")]
    with pytest.raises(CommandError, match="restructure structure NGÀY"):
        call_command("restructure", "structure", "2026-13-01", stdout=StringIO())


def test_a_change_committed_raises_the_generation_it_commits_with(transactional_db):
    """Outside a test's transaction: the generation is raised as the change commits (on
    PostgreSQL by a trigger deferred to the commit), and read as any row."""
    ensure_unit_kinds(UnitKind)
    for code, kind, parent in [("P", "provincial_committee", None), ("C1", "commune_committee", "P"),
                               ("C2", "commune_committee", "P"), ("C1-A", "cell", "C1")]:  # fmt: skip
        unit_version_save(
            actor=SYSTEM, code=code, name=code, kind=kind, parent_code=parent,
            valid_from=D(2020, 1, 1), can_admit=kind != "cell",
        )  # fmt: skip
    generation = TreeGeneration.objects.get().generation
    c1, c2 = (Unit.objects.get(code=c).pk for c in ("C1", "C2"))
    assert list(restated_cells(c1, S).counts_for) == [Unit.objects.get(code="C1-A").pk]
    unit_move(actor=SYSTEM, code="C1-A", new_parent_code="C2", on=D(2026, 1, 1))
    assert TreeGeneration.objects.get().generation > generation
    assert restated_cells(c1, S).counts_for == {}
    assert list(restated_cells(c2, S).counts_for) == [Unit.objects.get(code="C1-A").pk]
