"""The staged import of units against the ordinary path: the same versions (units that move on
2025-07-01, renames, closures, cells founded after their commune), in any order of rows, below
a unit already stored or from the top, the same counts, an audit that holds every version as
the import created it, and the ordinary path wherever the staged one leaves a file to it."""

from __future__ import annotations

import pytest

from ranks.core.audit import audit_verify
from ranks.core.models import AuditEntry
from ranks.org.models import UnitVersion
from tests.interchange.helpers import csv_bytes, db_counts
from tests.interchange.staged import MARKS, ORDINARY, STAGED
from tests.interchange.staged import outcome as staged_outcome
from tests.interchange.test_bulk_units_places import (
    UNITS,
    audit_since,
    last_seq,
    shuffled,
    state,
    unit_rows,
)

pytestmark = MARKS


def outcome(data: bytes, *, keep: bool = False) -> dict:
    return staged_outcome("units", data, state=state, audit_since=audit_since, keep=keep)


def test_staged_gives_what_the_ordinary_path_gives(empty_db):
    rows = shuffled(unit_rows(12))  # children before their parents
    data = csv_bytes([UNITS, *rows])
    with ORDINARY:
        ordinary = outcome(data)
    since = last_seq()
    with STAGED:
        staged = outcome(data, keep=True)
    assert staged["staged"] and not ordinary["staged"]
    assert staged["errors"] == ordinary["errors"] == []
    assert staged["counts"] == ordinary["counts"] == (len(rows), len(rows), 0, 0)
    assert staged["state"] == ordinary["state"]
    assert staged["state"]["units"]["C0-0"][1][4] == "C0"  # the cell moved with the reform
    assert audit_verify() is None
    # The audit holds each version as the database has it now, with its parent's code.
    entries = list(AuditEntry.objects.filter(seq__gt=since))
    assert {e.action for e in entries} == {"ranks.org.unit.imported"}
    audited = []
    for entry in entries:
        table = entry.after
        audited += [dict(zip(table["columns"], row, strict=True)) for row in table["rows"]]
    day = lambda d: d and d.isoformat()  # noqa: E731
    versions = UnitVersion.objects.select_related("unit", "parent")
    assert sorted(audited, key=lambda v: v["id"]) == [
        {
            "unit": v.unit.code,
            "id": v.pk,
            "unit_id": v.unit_id,
            "name": v.name,
            "kind_id": v.kind_id,
            "parent": v.parent.code if v.parent else None,
            "parent_id": v.parent_id,
            "valid_from": day(v.valid_from),
            "valid_to": day(v.valid_to),
            "can_admit": v.can_admit,
            "area_flags": v.area_flags,
            "admin_code": v.admin_code,
            "latitude": v.latitude,
            "longitude": v.longitude,
        }
        for v in versions.order_by("pk")
    ]


def test_below_a_stored_unit(empty_db):
    rows = unit_rows(8)
    top, rest = rows[:1], shuffled(rows[1:])
    with ORDINARY:
        outcome(csv_bytes([UNITS, *top]), keep=True)
        ordinary = outcome(csv_bytes([UNITS, *rest]))
    with STAGED:
        staged = outcome(csv_bytes([UNITS, *rest]))
    assert staged["staged"]
    assert staged["errors"] == [] and staged["state"] == ordinary["state"]


def test_a_second_import_goes_the_ordinary_way_and_changes_nothing(empty_db):
    rows = unit_rows(8)
    data = csv_bytes([UNITS, *rows])
    with STAGED:
        first = outcome(data, keep=True)
        before, seq = db_counts(), last_seq()
        again = outcome(csv_bytes([UNITS, *shuffled(rows)]))
    assert first["staged"] and not again["staged"]
    assert again["errors"] == []
    assert again["counts"] == (len(rows), 0, 0, len(rows))
    assert again["audit"] == []
    assert db_counts() == before and last_seq() == seq


def test_cells_written_loosely_go_the_ordinary_way_to_the_same_result(empty_db):
    """A flag in capitals, `TRUE ` with a space, `có` for true: the ordinary path reads them
    as the clean file, so the result is the same."""
    rows = unit_rows(6)
    loose = [list(r) for r in rows]
    for row in loose:
        row[6] = row[6].upper()
        row[7] = {"true": "TRUE ", "false": "không"}.get(row[7], row[7])
    with ORDINARY:
        clean = outcome(csv_bytes([UNITS, *rows]))
    with STAGED:
        seen = outcome(csv_bytes([UNITS, *loose]))
    assert not seen["staged"]
    assert seen["errors"] == []
    assert seen["state"] == clean["state"]


BAD = {
    "unknown-parent": (["X1", "Chi bộ X1", "cell", "NOPE", "2000-01-01", "", "", ""], []),
    "ends-first": (["X2", "Chi bộ X2", "cell", "C1", "2001-01-01", "2000-01-01", "", ""], []),
    "parent-closed": (["X3", "Chi bộ X3", "cell", "D0", "2026-01-01", "", "", ""], []),
    "loop": (
        ["L1", "Chi bộ L1", "cell", "L2", "2000-01-01", "", "", ""],
        [["L2", "Chi bộ L2", "cell", "L1", "2000-01-01", "", "", ""]],
    ),
    "overlap": (["C2-1", "Chi bộ", "cell", "C2", "2005-01-01", "", "", ""], []),
    "own-parent": (["X6", "Chi bộ X6", "cell", "X6", "2000-01-01", "", "", ""], []),
    "unknown-kind": (["X7", "Chi bộ X7", "hamlet", "C1", "2000-01-01", "", "", ""], []),
    "impossible-date": (["X8", "Chi bộ X8", "cell", "C1", "2001-02-29", "", "", ""], []),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_row_gets_the_ordinary_message_and_changes_nothing(empty_db, case):
    rows = unit_rows(6)
    bad, more = BAD[case]
    data = csv_bytes([UNITS, *rows[:-1], bad, *more, rows[-1]])
    with ORDINARY:
        ordinary = outcome(data)
    before, since = db_counts(), last_seq()
    with STAGED:
        seen = outcome(data)
    assert not seen["staged"]
    assert seen["errors"] and seen["errors"] == ordinary["errors"]
    assert seen["errors"][0][0] == len(rows) + 1  # the bad row's line in the file
    assert db_counts() == before and last_seq() == since


def test_links_that_loop_at_different_times_go_the_ordinary_way(empty_db):
    """A under B until 1999, B under A from 2000: the ordinary path puts a file's rows parent
    first whatever their dates, and names the loop; the staged path leaves the file to it."""
    rows = [
        ["R", "Tỉnh", "provincial_committee", "", "1990-01-01", "", "", "false"],
        ["A", "Xã A", "commune_committee", "B", "1990-01-01", "1999-12-31", "", "false"],
        ["A", "Xã A", "commune_committee", "R", "2000-01-01", "", "", "false"],
        ["B", "Xã B", "commune_committee", "R", "1990-01-01", "1999-12-31", "", "false"],
        ["B", "Xã B", "commune_committee", "A", "2000-01-01", "", "", "false"],
    ]
    data = csv_bytes([UNITS, *rows])
    with ORDINARY:
        ordinary = outcome(data)
    with STAGED:
        staged = outcome(data)
    assert not staged["staged"] and staged["errors"] == ordinary["errors"]
    assert {reason for _r, _c, _v, reason in staged["errors"]} == {
        "The parent links of these rows form a loop: A → B → A."
    }


def test_the_audit_of_one_unit_finds_the_batch_of_its_versions(empty_db):
    from tests.cli.helpers import ranks

    with STAGED:
        assert outcome(csv_bytes([UNITS, *unit_rows(6)]), keep=True)["staged"]
    lines = ranks("audit", "show", "--object-id", "C3-1")
    assert [line.split("\t")[3] for line in lines] == ["ranks.org.unit.imported"]


def test_into_empty_tables_rows_go_first_and_indexes_after(empty_db):
    from tests.interchange.test_staged_people import definitions

    tables = ("org_unit", "org_unitversion")
    before = definitions(*tables)
    assert {d[1] for d in before} == set(tables)
    data = csv_bytes([UNITS, *shuffled(unit_rows(6))])
    with ORDINARY:
        ordinary = outcome(data)
    with STAGED:
        staged = outcome(data, keep=True)
    assert staged["staged"] and staged["state"] == ordinary["state"]
    assert definitions(*tables) == before
    assert audit_verify() is None


def test_admin_codes_staged_as_ordinary(empty_db):
    from tests.interchange.test_bulk_units_places import with_admin_codes

    data = csv_bytes([[*UNITS, "admin_code"], *with_admin_codes(shuffled(unit_rows(12)))])
    with ORDINARY:
        ordinary = outcome(data)
    with STAGED:
        staged = outcome(data, keep=True)
    assert staged["staged"] and staged["errors"] == ordinary["errors"] == []
    assert staged["state"] == ordinary["state"]
    assert [v[7] for v in staged["state"]["units"]["C3"]] == ["21997", "21997"]
    audited = [row for e in AuditEntry.objects.all() for row in e.after["rows"]]
    assert ["52"] == [row[11] for row in audited if row[0] == "R"]
