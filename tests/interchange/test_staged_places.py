"""The staged import of places against the ordinary path: the same versions and cells (periods
across the 2025 reform, a combined cell, a cell founded after its village, a place's rows
anywhere in the file), the same counts, an audit that holds every version as the import created
it, and the ordinary path wherever the staged one leaves a file to it."""

from __future__ import annotations

import pytest
from django.utils.translation import override

from ranks.core.audit import audit_verify
from ranks.core.models import AuditEntry
from ranks.org.models import PlaceVersion
from tests.interchange.helpers import csv_bytes, db_counts, run
from tests.interchange.staged import MARKS, ORDINARY, STAGED
from tests.interchange.staged import outcome as staged_outcome
from tests.interchange.test_bulk_units_places import (
    PLACES,
    UNITS,
    audit_since,
    last_seq,
    place_rows,
    shuffled,
    state,
    unit_rows,
)

pytestmark = MARKS


def outcome(data: bytes, *, keep: bool = False) -> dict:
    return staged_outcome("places", data, state=state, audit_since=audit_since, keep=keep)


@pytest.fixture
def units(empty_db):
    with ORDINARY, override("en"):
        assert run("units", csv_bytes([UNITS, *unit_rows(10)])).errors == []


@pytest.fixture
def rows(units) -> list[list]:
    return shuffled(place_rows(10))


def test_staged_gives_what_the_ordinary_path_gives(rows):
    data = csv_bytes([PLACES, *rows])
    with ORDINARY:
        ordinary = outcome(data)
    since = last_seq()
    with STAGED:
        staged = outcome(data, keep=True)
    assert staged["staged"] and not ordinary["staged"]
    assert staged["errors"] == ordinary["errors"] == []
    assert staged["counts"] == ordinary["counts"] == (len(rows), len(rows), 0, 0)
    assert staged["state"] == ordinary["state"]
    assert staged["state"]["places"]["V0-1"][0][6] == ["C0-0", "C0-1"]  # a combined cell
    assert audit_verify() is None
    # The audit holds each version, with its cells, as the database has it now.
    entries = list(AuditEntry.objects.filter(seq__gt=since))
    assert {e.action for e in entries} == {"ranks.org.place.imported"}
    audited = []
    for entry in entries:
        table = entry.after
        audited += [dict(zip(table["columns"], row, strict=True)) for row in table["rows"]]
    day = lambda d: d and d.isoformat()  # noqa: E731
    versions = PlaceVersion.objects.select_related("place").prefetch_related("cells")
    assert sorted(audited, key=lambda v: v["id"]) == [
        {
            "place": v.place.code,
            "id": v.pk,
            "place_id": v.place_id,
            "name": v.name,
            "kind": v.kind,
            "unit_id": v.unit_id,
            "area_flags": v.area_flags,
            "valid_from": day(v.valid_from),
            "valid_to": day(v.valid_to),
            "cells": sorted(c.code for c in v.cells.all()),
        }
        for v in versions.order_by("pk")
    ]


def test_a_second_import_goes_the_ordinary_way_and_changes_nothing(rows):
    data = csv_bytes([PLACES, *rows])
    with STAGED:
        first = outcome(data, keep=True)
        before, seq = db_counts(), last_seq()
        again = outcome(data)
    assert first["staged"] and not again["staged"]
    assert again["errors"] == []
    assert again["counts"] == (len(rows), 0, 0, len(rows))
    assert again["audit"] == []
    assert db_counts() == before and last_seq() == seq


def test_cells_written_loosely_go_the_ordinary_way_to_the_same_result(rows):
    """Spaces around a cell code, an empty part, a flag in capitals: the ordinary path reads
    them as the clean file, so the result is the same."""
    loose = [list(r) for r in rows]
    for row in loose:
        if row[4]:
            row[4] = " ; ".join(row[4].split(";")) + ";"
        if row[5]:
            row[5] = row[5].upper()
    with ORDINARY:
        clean = outcome(csv_bytes([PLACES, *rows]))
    with STAGED:
        seen = outcome(csv_bytes([PLACES, *loose]))
    assert not seen["staged"]
    assert seen["errors"] == []
    assert seen["state"] == clean["state"]


@pytest.mark.parametrize(
    "change, column, reason",
    [
        ({6: "2023-02-30"}, "valid_from", "Not a date: write YYYY-MM-DD or DD/MM/YYYY."),
        ({3: "NOWHERE"}, "unit_code", "Unknown unit code: NOWHERE."),
        ({4: "C0-0;NOCELL"}, "cell_codes", "Unknown cell code: NOCELL."),
        ({5: "coastal;lunar"}, "area_flags", None),
        ({6: "2010-01-01", 7: "2009-12-31"}, "valid_to", "The end date is before the start date."),
        (
            {4: "C0-2", 6: "2021-01-01", 7: "2021-12-31"},
            "cell_codes",
            "The cell C0-2 never exists while this place does (2021-01-01 – 2021-12-31).",
        ),
    ],
    ids=["impossible-date", "unknown-unit", "unknown-cell", "unknown-flag", "ends-first", "never"],
)
def test_a_bad_row_gets_the_ordinary_message_and_changes_nothing(units, change, column, reason):
    rows = place_rows(10)
    bad = ["ZZ-1", "Thôn lạc", "village", "C0", "", "", "", ""]
    for index, value in change.items():
        bad[index] = value
    rows.insert(len(rows) - 1, bad)
    before, since = db_counts(), last_seq()
    with STAGED:
        seen = outcome(csv_bytes([PLACES, *rows]))
    assert not seen["staged"]
    assert [(row, col) for row, col, _value, _why in seen["errors"]] == [(len(rows), column)]
    if reason:
        assert seen["errors"][0][3] == reason
    assert db_counts() == before and last_seq() == since


def test_periods_of_one_place_that_overlap_are_refused_as_the_ordinary_path_does(units):
    rows = place_rows(10)
    rows.append(["V0-0", "Thôn 0-0", "village", "C0", "C0-0", "", "2020-01-01", ""])
    with ORDINARY:
        ordinary = outcome(csv_bytes([PLACES, *rows]))
    with STAGED:
        staged = outcome(csv_bytes([PLACES, *rows]))
    assert not staged["staged"]
    assert staged["errors"] == ordinary["errors"]
    assert [(row, col) for row, col, _v, _w in staged["errors"]] == [(len(rows) + 1, "valid_from")]


def test_the_audit_of_one_place_finds_the_batch_of_its_versions(rows):
    from tests.cli.helpers import ranks

    with STAGED:
        assert outcome(csv_bytes([PLACES, *rows]), keep=True)["staged"]
    lines = ranks("audit", "show", "--object-id", "V3-2")
    assert [line.split("\t")[3] for line in lines] == ["ranks.org.place.imported"]


def test_into_empty_tables_rows_go_first_and_indexes_after(rows):
    from tests.interchange.test_staged_people import definitions

    tables = ("org_place", "org_placeversion", "org_placeversion_cells")
    before = definitions(*tables)
    assert {d[1] for d in before} == set(tables)  # each table has an index or constraint
    data = csv_bytes([PLACES, *rows])
    with ORDINARY:
        ordinary = outcome(data)
    with STAGED:
        staged = outcome(data, keep=True)
    assert staged["staged"] and staged["state"] == ordinary["state"]
    assert definitions(*tables) == before
    assert audit_verify() is None
