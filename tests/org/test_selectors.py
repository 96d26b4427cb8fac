"""Reading the tree: subtrees in one query whatever the depth, ancestry, flags, history."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ranks.core.actor import SYSTEM
from ranks.org.models import Unit, UnitKind, UnitVersion, valid_on_q
from ranks.org.selectors import (
    cell_places_on,
    places_of_units_on,
    unit_ancestry,
    unit_children_on,
    unit_history,
    unit_inherited_flags,
    unit_subtree,
    unit_subtree_ids,
    unit_version_nearest,
)
from ranks.org.services import unit_move
from ranks.org.tree import in_force
from tests.factories import LAST_OLD_DAY, REFORM

D = dt.date
DAY = D(2024, 1, 1)


def build(shape: dict[str, str | None]) -> dict[str, Unit]:
    """Units straight into the tables (code → parent code), all valid from 2000."""
    kind = UnitKind.objects.get(key="cell")
    units = {u.code: u for u in Unit.objects.bulk_create([Unit(code=c) for c in shape])}
    UnitVersion.objects.bulk_create(
        UnitVersion(
            unit=units[code],
            name=f"Unit {code}",
            kind=kind,
            parent=units[parent] if parent else None,
            valid_from=D(2000, 1, 1),
        )
        for code, parent in shape.items()
    )
    return units


def chain(depth: int) -> dict[str, str | None]:
    return {f"L{i}": (f"L{i - 1}" if i else None) for i in range(depth)}


def wide(children: int, grandchildren: int) -> dict[str, str | None]:
    shape: dict[str, str | None] = {"W": None}
    for i in range(children):
        shape[f"W{i}"] = "W"
        for j in range(grandchildren):
            shape[f"W{i}-{j}"] = f"W{i}"
    return shape


@pytest.mark.parametrize(
    "shape, root, size",
    [(chain(3), "L0", 3), (chain(60), "L0", 60), (wide(40, 10), "W", 441), (wide(3, 0), "W", 4)],
)
def test_a_subtree_of_a_date_is_one_query_whatever_its_depth(db, shape, root, size):
    units = build(shape)
    with CaptureQueriesContext(connection) as queries:
        versions = list(unit_subtree(units[root], DAY))
        # select_related: reading codes, kinds and parents costs nothing more.
        codes = {(v.unit.code, v.kind.key, v.parent.code if v.parent else None) for v in versions}
    assert len(queries) == 1
    assert len(codes) == size
    assert sorted(unit_subtree_ids([units[root].pk], DAY)) == sorted(u.pk for u in units.values())


def test_a_subtree_below_a_middle_unit_leaves_out_its_ancestors_and_siblings(db):
    units = build({**chain(5), **wide(2, 2)})
    assert sorted(v.unit.code for v in unit_subtree(units["L2"], DAY)) == ["L2", "L3", "L4"]
    assert sorted(v.unit.code for v in unit_subtree(units["W1"], DAY)) == ["W1", "W1-0", "W1-1"]


def test_ancestry_is_root_first_in_two_queries_whatever_the_depth(db, django_assert_num_queries):
    units = build(chain(40))
    with django_assert_num_queries(2):
        ancestry = unit_ancestry(units["L39"], DAY)
    assert [v.unit.code for v in ancestry] == [f"L{i}" for i in range(40)]


def test_the_subtree_follows_the_date(world):
    c1, n1 = Unit.objects.get(code="C1"), Unit.objects.get(code="N1")
    assert sorted(v.unit.code for v in unit_subtree(c1, LAST_OLD_DAY)) == ["C1", "C1-A", "C1-B"]
    assert list(unit_subtree(c1, REFORM)) == []
    assert sorted(v.unit.code for v in unit_subtree(n1, REFORM)) == ["C1-A", "C1-B", "N1"]
    assert [v.unit.code for v in unit_children_on(n1, REFORM)] == ["C1-A", "C1-B"]


def test_ancestry_and_inherited_flags_on_both_sides_of_the_reform(world):
    cell = Unit.objects.get(code="C2-A")
    before = unit_ancestry(cell, LAST_OLD_DAY)
    assert [v.unit.code for v in before] == ["P", "D2", "C2", "C2-A"]
    assert unit_inherited_flags(before) == {"mountainous"}
    after = unit_ancestry(cell, REFORM)
    assert [v.unit.code for v in after] == ["C2", "C2-A"]
    assert unit_inherited_flags(after) == frozenset()


def test_the_nearest_version_of_a_closed_unit_is_its_last_one(world):
    district = Unit.objects.get(code="D1")
    assert unit_version_nearest(district, D(2030, 1, 1)).valid_to == LAST_OLD_DAY
    assert unit_version_nearest(Unit.objects.get(code="N1"), D(2020, 1, 1)).valid_from == REFORM


def test_history_names_parents_as_they_were_called_then(world):
    unit_move(actor=SYSTEM, code="C1-A", new_parent_code="N1", on=D(2026, 1, 1), name="Chi bộ Đông")
    events = [
        (e.what, e.day, e.before, e.after) for e in unit_history(Unit.objects.get(code="C1-A"))
    ]
    assert events == [
        ("opened", D(2000, 1, 1), None, "Đảng bộ xã Một"),
        ("moved", REFORM, "Đảng bộ xã Một", "Đảng bộ xã Mới"),
        ("renamed", D(2026, 1, 1), "Chi bộ thôn Đông", "Chi bộ Đông"),
    ]


def test_history_of_a_closed_district(world):
    events = [(e.what, e.day) for e in unit_history(Unit.objects.get(code="D1"))]
    assert events == [("opened", D(2000, 1, 1)), ("closed", LAST_OLD_DAY)]


def test_places_of_units_and_cells_on_a_date(world):
    c1, n1 = Unit.objects.get(code="C1"), Unit.objects.get(code="N1")
    assert [p.place.code for p in places_of_units_on([c1.pk], LAST_OLD_DAY)] == ["S1", "V1"]
    # The village moved to the new commune; the school stayed with the old, closed one.
    assert [p.place.code for p in places_of_units_on([c1.pk, n1.pk], REFORM)] == ["S1", "V1"]
    assert [p.place.code for p in places_of_units_on([n1.pk], REFORM)] == ["V1"]
    cell = Unit.objects.get(code="C1-A")
    assert [p.place.code for p in cell_places_on(cell, REFORM)] == ["V1"]


@pytest.mark.django_db
def test_the_versions_valid_on_a_day_are_those_in_force_that_day():
    """`valid_on_q` (the ORM) and `in_force` (Python) agree, open ends and last days included,
    also through a relation."""
    kind = UnitKind.objects.get(key="cell")
    unit = Unit.objects.create(code="V")
    periods = [(None, D(2009, 12, 31)), (D(2010, 1, 1), D(2019, 12, 31)), (D(2020, 1, 1), None)]
    for valid_from, valid_to in periods:
        UnitVersion.objects.create(
            unit=unit, name=f"V {valid_from}", kind=kind, valid_from=valid_from, valid_to=valid_to
        )
    versions = list(UnitVersion.objects.filter(unit=unit))
    open_start = {v.pk for v in versions if v.valid_from is None}
    for day in (D(2009, 12, 31), D(2010, 1, 1), D(2019, 12, 31), D(2020, 1, 1), D(2030, 1, 1)):
        expected = {v.pk for v in versions if in_force(v.valid_from, v.valid_to, day)}
        assert len(expected) == 1
        found = UnitVersion.objects.filter(valid_on_q(day), unit=unit)
        assert set(found.values_list("pk", flat=True)) == expected
        assert (
            set(UnitVersion.objects.valid_on(day).filter(unit=unit).values_list("pk", flat=True))
            == expected
        )
        through = Unit.objects.filter(valid_on_q(day, prefix="versions__"), pk=unit.pk)
        assert through.count() == 1
        later = UnitVersion.objects.filter(valid_on_q(day, open_start=False), unit=unit)
        assert set(later.values_list("pk", flat=True)) == expected - open_start
