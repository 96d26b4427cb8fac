"""A file links two dated things (a place and the cells based there, a unit and its parent): the
link holds while both exist, so the second need not exist on the first's first day; a link that
never overlaps is an error. Coverage reads a village as without a cell until its cell opens."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils.translation import override

from ranks.core.actor import SYSTEM
from ranks.coverage.selectors import coverage_on
from ranks.interchange.engine import run_import
from ranks.org.models import PlaceVersion, Unit, UnitVersion
from tests.interchange.helpers import csv_bytes, db_counts

D = dt.date
UNITS = ["code", "name", "kind", "parent_code", "valid_from", "valid_to"]
PLACES = ["code", "name", "kind", "unit_code", "cell_codes", "valid_from", "valid_to"]


def run(kind, rows, row_by_row):
    with override("en"):
        return run_import(
            actor=SYSTEM,
            kind=kind,
            stream=io.BytesIO(csv_bytes(rows)),
            filename=f"{kind}.csv",
            row_by_row=row_by_row,
        )


def errors(result):
    return [(e.row, e.column, e.value, e.reason) for e in result.errors]


@pytest.fixture(params=[False, True], ids=["bulk", "row-by-row"])
def row_by_row(request):
    return request.param


def test_village_since_1980_with_cell_founded_2004(empty_db, row_by_row):
    units = [
        UNITS,
        ["T", "Tỉnh", "provincial_committee", "", "1970-01-01", ""],
        ["X-A", "Chi bộ thôn Đông", "cell", "X", "2004-01-01", ""],
        ["X", "Đảng bộ xã", "grassroots_committee", "T", "1975-01-01", ""],
        # A cell recorded since before its commune committee: the parent need only overlap.
        ["Y", "Đảng bộ xã mới", "grassroots_committee", "T", "2001-01-01", ""],
        ["Y-B", "Chi bộ cũ", "cell", "Y", "1995-01-01", ""],
    ]
    result = run("units", units, row_by_row)
    assert errors(result) == [] and result.created == 5
    places = [
        PLACES,
        ["V", "Thôn Đông", "village", "X", "X-A", "1980-01-01", ""],
        ["W", "Thôn Tây", "village", "X", "", "1980-01-01", ""],
    ]
    result = run("places", places, row_by_row)
    assert errors(result) == [] and result.created == 2
    version = PlaceVersion.objects.get(place__code="V")
    assert [c.code for c in version.cells.all()] == ["X-A"]
    assert UnitVersion.objects.get(unit__code="Y-B").parent.code == "Y"

    unit = Unit.objects.get(code="X")
    on_2000 = coverage_on(Unit.objects.get(code="T"), D(2000, 1, 1))
    assert on_2000.totals.total == 2 and on_2000.totals.without_cell == 2
    on_2010 = coverage_on(unit, D(2010, 1, 1))
    assert on_2010.totals.total == 2 and on_2010.totals.without_cell == 1
    assert {b.code for b in on_2010.blank if not b.has_cell} == {"W"}


def test_links_that_never_overlap_are_errors(empty_db, row_by_row):
    units = [
        UNITS,
        ["T", "Tỉnh", "provincial_committee", "", "1970-01-01", ""],
        ["X", "Đảng bộ xã", "grassroots_committee", "T", "2001-01-01", "2010-12-31"],
        ["X-A", "Chi bộ", "cell", "X", "2004-01-01", ""],
    ]
    assert errors(run("units", units, row_by_row)) == []
    before = db_counts()
    units = [
        UNITS,
        ["X-C", "Chi bộ C", "cell", "X", "2011-01-01", ""],
        ["X-D", "Chi bộ D", "cell", "X", "1990-01-01", "2000-12-31"],
    ]
    assert errors(run("units", units, row_by_row)) == [
        (
            2,
            "parent_code",
            "X",
            "The parent X never exists while this unit does (2011-01-01 – …).",
        ),
        (
            3,
            "parent_code",
            "X",
            "The parent X never exists while this unit does (1990-01-01 – 2000-12-31).",
        ),
    ]
    places = [PLACES, ["V", "Thôn", "village", "X", "X-A", "1980-01-01", "2003-12-31"]]
    assert errors(run("places", places, row_by_row)) == [
        (
            2,
            "cell_codes",
            "X-A",
            "The cell X-A never exists while this place does (1980-01-01 – 2003-12-31).",
        )
    ]
    assert db_counts() == before


def test_message_is_translated(empty_db):
    units = [
        UNITS,
        ["T", "Tỉnh", "provincial_committee", "", "1970-01-01", ""],
        ["X", "Xã", "grassroots_committee", "T", "2001-01-01", "2010-12-31"],
        ["X-C", "Chi bộ C", "cell", "X", "2011-01-01", ""],
    ]
    with override("vi"):
        result = run_import(
            actor=SYSTEM,
            kind="units",
            stream=io.BytesIO(csv_bytes(units)),
            filename="units.csv",
        )
    assert len(result.errors) == 1
    assert "never exists" not in result.errors[0].reason and "X" in result.errors[0].reason
