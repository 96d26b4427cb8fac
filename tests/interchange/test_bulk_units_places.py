"""The set-based units and places imports against the row-by-row ones: the same rows, the same
audit entries (database ids aside), the same counts and the same errors, on generated files with
units that move on 2025-07-01, renames, closures and combined cells, in file order and shuffled
(children before parents, across batches); a re-import changes nothing; a bad row at the end of
a large file writes nothing; and the queries of a batch do not grow with its rows."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils.translation import override

from ranks.core.actor import SYSTEM, Actor
from ranks.core.models import AuditEntry
from ranks.interchange.engine import run_import
from ranks.interchange.handlers import handler_for
from ranks.interchange.handlers.places import PlacesHandler, PlacesRowHandler
from ranks.interchange.handlers.units import UnitsHandler, UnitsRowHandler
from ranks.org.models import Place, PlaceVersion, Unit, UnitKind, UnitVersion
from ranks.org.services import unit_version_save
from tests.interchange.helpers import csv_bytes, db_counts

D = dt.date
REFORM = D(2025, 7, 1)
LAST_OLD_DAY = D(2025, 6, 30)
UNITS = [
    "code",
    "name",
    "kind",
    "parent_code",
    "valid_from",
    "valid_to",
    "area_flags",
    "can_admit",
]
PLACES = ["code", "name", "kind", "unit_code", "cell_codes", "area_flags", "valid_from", "valid_to"]


def test_handlers_are_registered():
    assert handler_for("units") is UnitsHandler
    assert handler_for("units", row_by_row=True) is UnitsRowHandler
    assert handler_for("places") is PlacesHandler
    assert handler_for("places", row_by_row=True) is PlacesRowHandler


def unit_rows(communes: int, cells: int = 4) -> list[list]:
    """A province's units in parent-first order: districts closed at the reform, communes that
    move to the province and are renamed, cells that move to the new commune, some renamed,
    some closed."""
    rows = [["R", "Tỉnh Thử", "provincial_committee", "", "1990-01-01", "", "", "false"]]
    for d in range(max(1, communes // 10)):
        rows.append(
            [
                f"D{d}",
                f"Huyện {d}",
                "district_committee",
                "R",
                "1990-01-01",
                LAST_OLD_DAY,
                "",
                "true",
            ]
        )
    for c in range(communes):
        d = c % max(1, communes // 10)
        flags = "mountainous" if c % 3 == 0 else ""
        rows.append(
            [
                f"C{c}",
                f"Xã {c}",
                "grassroots_committee",
                f"D{d}",
                "1990-01-01",
                LAST_OLD_DAY,
                flags,
                "false",
            ]
        )
        rows.append([f"C{c}", f"Xã {c} mới", "commune_committee", "R", REFORM, "", flags, "true"])
        for j in range(cells):
            code = f"C{c}-{j}"
            if j == 0:  # moves with the reform
                rows.append(
                    [code, f"Chi bộ {c}-{j}", "cell", f"C{c}", "1995-01-01", LAST_OLD_DAY, "", ""]
                )
                rows.append([code, f"Chi bộ {c}-{j}", "cell", f"C{c}", REFORM, "", "", ""])
            elif j == 1:  # renamed in 2010
                rows.append(
                    [code, f"Chi bộ thôn {j}", "cell", f"C{c}", "1995-01-01", "2009-12-31", "", ""]
                )
                rows.append([code, f"Chi bộ xóm {j}", "cell", f"C{c}", "2010-01-01", "", "", ""])
            elif j == 2:  # closed
                rows.append(
                    [code, f"Chi bộ {c}-{j}", "cell", f"C{c}", "1995-01-01", "2020-12-31", "", ""]
                )
            else:  # founded after the village it serves
                rows.append(
                    [code, f"Chi bộ {c}-{j}", "grassroots_cell", f"C{c}", "2004-01-01", "", "", ""]
                )
    return rows


def place_rows(communes: int, cells: int = 4) -> list[list]:
    rows = []
    for c in range(communes):
        for j in range(cells):
            code = f"V{c}-{j}"
            cell = f"C{c}-{j}"
            combined = f"{cell};C{c}-0" if j == 1 else cell  # a combined cell serves two
            rows.append(
                [
                    code,
                    f"Thôn {c}-{j}",
                    "village",
                    f"C{c}",
                    combined,
                    "",
                    "1980-01-01",
                    LAST_OLD_DAY,
                ]
            )
            after = "" if j == 2 else combined  # that cell closed in 2020
            rows.append([code, f"Thôn {c}-{j}", "village", f"C{c}", after, "", REFORM, ""])
        rows.append([f"S{c}", f"Trường {c}", "school", f"C{c}", "", "disadvantaged", "", ""])
    return rows


def state() -> dict:
    units = {}
    for v in UnitVersion.objects.select_related("unit", "kind", "parent").order_by(
        "unit__code", "valid_from"
    ):
        units.setdefault(v.unit.code, []).append(
            (
                v.valid_from,
                v.valid_to,
                v.name,
                v.kind.key,
                v.parent.code if v.parent else None,
                v.can_admit,
                v.area_flags,
                v.admin_code,
                v.latitude,
                v.longitude,
            )
        )
    places = {}
    for v in PlaceVersion.objects.select_related("place", "unit").order_by(
        "place__code", "valid_from"
    ):
        places.setdefault(v.place.code, []).append(
            (
                v.valid_from,
                v.valid_to,
                v.name,
                v.kind,
                v.unit.code,
                v.area_flags,
                sorted(v.cells.values_list("code", flat=True)),
            )
        )
    return {"units": units, "places": places, "unit_ids": Unit.objects.count()}


def last_seq() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def audit_since(seq: int) -> list:
    """The entries after `seq` with database ids replaced by codes, in a stable order."""
    units = dict(Unit.objects.values_list("pk", "code"))
    places = dict(Place.objects.values_list("pk", "code"))
    kinds = dict(UnitKind.objects.values_list("pk", "key"))

    def plain(data):
        if data is None:
            return None
        out = dict(data)
        out.pop("id", None)
        for key, names in (
            ("unit_id", units),
            ("parent_id", units),
            ("kind_id", kinds),
            ("place_id", places),
        ):
            if out.get(key) is not None:
                out[key] = names[out[key]]
        return out

    entries = [
        (e.actor, e.action, e.object_type, e.object_id, plain(e.before), plain(e.after))
        for e in AuditEntry.objects.filter(seq__gt=seq).order_by("seq")
    ]
    return sorted(entries, key=repr)


def outcome(kind: str, data: bytes, *, row_by_row: bool, actor: Actor = SYSTEM, keep=False):
    """Import `data` one way and say what happened; unless `keep`, forget it afterwards."""
    with transaction.atomic():
        seq = last_seq()
        with override("en"):
            result = run_import(
                actor=actor,
                kind=kind,
                stream=io.BytesIO(data),
                filename=f"{kind}.csv",
                row_by_row=row_by_row,
            )
        seen = {
            "errors": [(e.row, e.column, e.value, e.reason) for e in result.errors],
            "counts": (result.rows, result.created, result.updated, result.unchanged),
            "state": state(),
            "audit": audit_since(seq),
        }
        transaction.set_rollback(not keep)
    return seen


def both(kind: str, data: bytes, **kwargs) -> dict:
    bulk = outcome(kind, data, row_by_row=False, **kwargs)
    rows = outcome(kind, data, row_by_row=True, **kwargs)
    assert bulk["errors"] == rows["errors"]
    assert bulk["counts"] == rows["counts"]
    assert bulk["state"] == rows["state"]
    assert bulk["audit"] == rows["audit"]
    return bulk


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 37 rows: a unit's rows, and its parent's, land in different batches."""
    monkeypatch.setattr(UnitsHandler, "batch_size", 37)
    monkeypatch.setattr(PlacesHandler, "batch_size", 37)


def shuffled(rows: list[list], seed: int = 7) -> list[list]:
    rows = list(rows)
    random.Random(seed).shuffle(rows)
    return rows


@pytest.mark.parametrize("order", ["file", "shuffled"])
def test_units_and_places_bulk_as_row_by_row(empty_db, small_batches, order):
    units = unit_rows(12)
    places = place_rows(12)
    if order == "shuffled":
        units, places = shuffled(units), shuffled(places)
    seen = both("units", csv_bytes([UNITS, *units]))
    assert seen["errors"] == []
    assert seen["counts"] == (len(units), len(units), 0, 0)
    assert seen["state"]["units"]["C0-0"][1][4] == "C0"  # the cell moved with the reform
    outcome("units", csv_bytes([UNITS, *units]), row_by_row=False, keep=True)
    seen = both("places", csv_bytes([PLACES, *places]))
    assert seen["errors"] == []
    assert seen["counts"] == (len(places), len(places), 0, 0)
    assert seen["state"]["places"]["V0-1"][0][6] == ["C0-0", "C0-1"]  # a combined cell
    assert seen["state"]["places"]["V0-3"][0][6] == ["C0-3"]  # founded in 2004, linked since 1980


def test_changed_rows_bulk_as_row_by_row(empty_db, small_batches):
    """A second file renames, closes, moves and relinks: updates audited before and after."""
    units, places = unit_rows(8), place_rows(8)
    outcome("units", csv_bytes([UNITS, *units]), row_by_row=False, keep=True)
    outcome("places", csv_bytes([PLACES, *places]), row_by_row=False, keep=True)
    changed_units = []
    for n, row in enumerate(units):
        row = list(row)
        if n % 5 == 1:
            row[1] = row[1] + " (sửa)"
        elif n % 5 == 2 and row[5] == "":
            row[5] = "2030-12-31"
        elif n % 5 == 3:
            row[6] = "border"
        changed_units.append(row)
    changed_units.append(["C0-9", "Chi bộ mới", "cell", "C0", "2026-01-01", "", "", ""])
    seen = both("units", csv_bytes([UNITS, *shuffled(changed_units)]))
    assert seen["errors"] == []
    assert seen["counts"][1] == 1 and seen["counts"][2] > 0 and seen["counts"][3] > 0
    changed_places = []
    for n, row in enumerate(places):
        row = list(row)
        if n % 4 == 1:
            row[4] = ""  # no cell any more
        elif n % 4 == 2:
            row[4] = row[4] + ";C1-0" if row[4] else "C1-0"
        elif n % 4 == 3:
            row[1] = row[1] + " mới"
        changed_places.append(row)
    seen = both("places", csv_bytes([PLACES, *changed_places]))
    assert seen["errors"] == []
    assert seen["counts"][2] > 0 and seen["counts"][3] > 0
    # Without the cell_codes column, a re-import keeps the cells.
    without = [[r[0], r[1], r[2], r[3], r[6]] for r in places]
    seen = both(
        "places", csv_bytes([["code", "name", "kind", "unit_code", "valid_from"], *without])
    )
    assert seen["counts"] == (len(without), 0, 0, len(without))


def test_reimport_changes_nothing(empty_db):
    units, places = unit_rows(10), place_rows(10)
    first = outcome("units", csv_bytes([UNITS, *units]), row_by_row=False, keep=True)
    outcome("places", csv_bytes([PLACES, *places]), row_by_row=False, keep=True)
    before, seq = db_counts(), last_seq()
    for kind, header, rows in (("units", UNITS, units), ("places", PLACES, places)):
        again = outcome(kind, csv_bytes([header, *shuffled(rows)]), row_by_row=False, keep=True)
        assert again["errors"] == []
        assert again["counts"] == (len(rows), 0, 0, len(rows))
        assert again["audit"] == []
    assert db_counts() == before and last_seq() == seq
    assert first["state"]["units"] == state()["units"]


# The set-based path reads 5,000 rows in batches; the row-by-row path, the reference, writes each
# row and needs fewer to show the same (its rows are written before the bad one is met).
@pytest.mark.parametrize("row_by_row,size", [(False, 5000), (True, 1200)])
def test_bad_row_at_the_end_of_a_large_file_writes_nothing(empty_db, row_by_row, size):
    units = unit_rows(600, cells=5)[:size]
    units.insert(size - 10, ["ZZ", "Chi bộ lạc", "cell", "NOPE", "2000-01-01", "", "", ""])
    before = db_counts()
    with override("en"):
        result = run_import(
            actor=SYSTEM,
            kind="units",
            stream=io.BytesIO(csv_bytes([UNITS, *units])),
            filename="units.csv",
            row_by_row=row_by_row,
        )
    assert [(e.row, e.column, e.value, e.reason) for e in result.errors] == [
        (size - 8, "parent_code", "NOPE", "Unknown parent code: NOPE.")
    ]
    assert db_counts() == before


def test_errors_bulk_as_row_by_row(empty_db, small_batches):
    """Bad rows among good ones, some before their parents: the same report both ways."""
    units = unit_rows(6)
    bad = [
        ["X1", "Chi bộ X1", "cell", "NOPE", "2000-01-01", "", "", ""],
        ["X2", "Chi bộ X2", "cell", "C1", "2001-01-01", "2000-01-01", "", ""],  # ends first
        ["X3", "Chi bộ X3", "cell", "D0", "2026-01-01", "", "", ""],  # D0 closed in 2025
        ["L1", "Chi bộ L1", "cell", "L2", "2000-01-01", "", "", ""],
        ["L2", "Chi bộ L2", "cell", "L1", "2000-01-01", "", "", ""],
        ["L3", "Chi bộ L3", "cell", "L1", "2000-01-01", "", "", ""],  # below a loop
        ["C2-1", "Chi bộ", "cell", "C2", "2005-01-01", "", "", ""],  # overlaps its periods
        ["X4", "Chi bộ X4", "cell", "X5", "2000-01-01", "", "", ""],  # X5 is refused
        ["X5", "Chi bộ X5", "cell", "NOPE2", "2000-01-01", "", "", ""],
    ]
    rows = units[:30] + bad + units[30:]
    seen = both("units", csv_bytes([UNITS, *rows]))
    reasons = {row: reason for row, _c, _v, reason in seen["errors"]}
    assert reasons == {
        32: "Unknown parent code: NOPE.",
        33: "The end date is before the start date.",
        34: "The parent D0 never exists while this unit does (2026-01-01 – …).",
        35: "The parent links of these rows form a loop: L1 → L2 → L1.",
        36: "The parent links of these rows form a loop: L1 → L2 → L1.",
        38: "This period overlaps another period of the same code (1995-01-01 – 2009-12-31).",
        39: "Unknown parent code: X5.",
        40: "Unknown parent code: NOPE2.",
    }
    assert seen["state"]["unit_ids"] == 0  # rolled back
    outcome("units", csv_bytes([UNITS, *units]), row_by_row=False, keep=True)
    # A loop through the database: C3 would hang below its own cell, and C4-0 (moved by its
    # row) below itself through C5, whose row moves it under C4-0's old commune.
    rows = [
        ["C3", "Xã 3", "grassroots_committee", "C3-0", "1990-01-01", LAST_OLD_DAY, "", ""],
        ["C4-1", "Chi bộ xóm 1", "cell", "C4", "2010-01-01", "2024-12-31", "", ""],
    ]
    seen = both("units", csv_bytes([UNITS, *rows]))
    assert seen["errors"] == [
        (2, "parent_code", "C3-0", "This parent would put the unit below itself on 1990-01-01.")
    ]


def test_access_bulk_as_row_by_row(world):
    alice = Actor.for_user(world.users["alice"])
    rows = [
        UNITS,
        ["C1-C", "Chi bộ C", "cell", "C1", "2001-01-01", "", "", ""],
        ["C1-D", "Chi bộ D", "cell", "C1-C", "2001-01-01", "", "", ""],
        ["C2-B", "Chi bộ B", "cell", "C2", "2001-01-01", "", "", ""],
        ["C2-A", "Chi bộ bản Nà", "cell", "C1", "2000-01-01", "", "", ""],
        ["TOP", "Đảng bộ mới", "commune_committee", "", "2001-01-01", "", "", ""],
    ]
    seen = both("units", csv_bytes(rows), actor=alice)
    assert [e[0] for e in seen["errors"]] == [4, 5, 6]
    rows = [
        PLACES,
        ["V7", "Thôn Bảy", "village", "C1", "C1-A", "", "1980-01-01", ""],
        ["V8", "Thôn Tám", "village", "C2", "", "", "1980-01-01", ""],
        ["V9", "Thôn Chín", "village", "C1", "C2-A", "", "1980-01-01", ""],
    ]
    seen = both("places", csv_bytes(rows), actor=alice)
    assert [e[0] for e in seen["errors"]] == [3, 4]


def count_queries(kind: str, data: bytes) -> list[str]:
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        result = run_import(
            actor=SYSTEM, kind=kind, stream=io.BytesIO(data), filename=f"{kind}.csv"
        )
        assert result.ok, result.errors[:3]
        transaction.set_rollback(True)
    return [q["sql"] for q in queries.captured_queries]


def _reads(queries: list[str]) -> list[str]:
    # SQLite's bulk_create writes 500 rows a statement; PostgreSQL's COPY one per table.
    return [q for q in queries if not q.lstrip().upper().startswith(("INSERT", "UPDATE"))]


def test_queries_do_not_grow_with_the_rows(empty_db):
    """One batch of 200 rows and one of 2,000 rows run the same queries (writes aside on
    SQLite): nothing is looked up row by row."""
    unit_version_save(actor=SYSTEM, code="R", name="Tỉnh", kind="provincial_committee")
    assert UnitsHandler.batch_size >= 2000

    def units(communes):
        rows = [
            [f"K{c}", f"Xã {c}", "commune_committee", "R", "2000-01-01", "", "", ""]
            for c in range(communes)
        ]
        rows += [
            [f"K{c}-{j}", f"Chi bộ {j}", "cell", f"K{c}", "2000-01-01", "", "", ""]
            for c in range(communes)
            for j in range(9)
        ]
        return csv_bytes([UNITS, *rows])

    small, large = count_queries("units", units(20)), count_queries("units", units(200))
    assert len(_reads(small)) == len(_reads(large))
    if connection.vendor == "postgresql":
        assert len(small) == len(large)
    outcome("units", units(200), row_by_row=False, keep=True)

    def places(count):
        rows = [
            [
                f"V{n}",
                f"Thôn {n}",
                "village",
                f"K{n % 200}",
                f"K{n % 200}-{n % 9};K{n % 200}-0",
                "",
                "1980-01-01",
                "",
            ]
            for n in range(count)
        ]
        return csv_bytes([PLACES, *rows])

    small, large = count_queries("places", places(200)), count_queries("places", places(2000))
    assert len(_reads(small)) == len(_reads(large))
    if connection.vendor == "postgresql":
        assert len(small) == len(large)


def with_admin_codes(rows: list[list]) -> list[list]:
    """The rows with the official code of the administrative unit each committee leads (the
    code `ranks restructure plan` matches units by); cells have none."""
    codes = {"R": "52", **{f"D{d}": f"{551 + d}" for d in range(10)}}
    return [
        [*row, codes.get(row[0]) or (f"{21994 + int(row[0][1:])}" if row[2].endswith("committee")
                                     and row[0].startswith("C") else "")]
        for row in rows
    ]  # fmt: skip


def test_admin_codes_bulk_as_row_by_row(empty_db, small_batches):
    rows = with_admin_codes(shuffled(unit_rows(8)))
    seen = both("units", csv_bytes([[*UNITS, "admin_code"], *rows]))
    assert seen["errors"] == []
    assert [v[7] for v in seen["state"]["units"]["C3"]] == ["21997", "21997"]
    assert seen["state"]["units"]["R"][0][7] == "52"
    assert {v[7] for v in seen["state"]["units"]["C3-0"]} == {""}
    outcome("units", csv_bytes([[*UNITS, "admin_code"], *rows]), row_by_row=False, keep=True)
    # A file without the column keeps the codes; a file with it changes them.
    again = both("units", csv_bytes([UNITS, *unit_rows(8)]))
    assert again["counts"][3] == len(rows) and again["state"]["units"]["R"][0][7] == "52"
    changed = [[*row[:-1], "99" if row[0] == "R" else row[-1]] for row in rows]
    seen = both("units", csv_bytes([[*UNITS, "admin_code"], *changed]))
    assert seen["counts"][2] == 1 and seen["state"]["units"]["R"][0][7] == "99"
