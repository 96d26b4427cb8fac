"""The staged import of people (PostgreSQL checks and writes the file itself) against the
ordinary path: the same people, the same history of places, the same counts, the same before and
after of every row in the audit, and, for every file it cannot vouch for, the ordinary path's
result and messages. The staged path is forced on small files here (RANKS_STAGED_MIN_BYTES=0).
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection, transaction
from django.utils.translation import override

from ranks.core.audit import audit_verify
from ranks.core.models import AuditEntry
from ranks.people.models import DATED_FIELDS, Person, PersonAttributes, PersonPlace
from ranks.people.names import fold
from tests.interchange.helpers import csv_bytes, db_counts, run
from tests.interchange.staged import MARKS, ORDINARY, STAGED
from tests.interchange.test_errors import CASES

pytestmark = MARKS
HEADER = [
    "person_id",
    "full_name",
    "birth_date",
    "gender",
    "ethnicity",
    "religion",
    "education_general",
    "occupation",
    "youth_union",
    "residence_place_code",
    "workplace_place_code",
    "national_id",
    "phone",
    "places_from",
    "attributes_from",
]
FAMILIES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Lò"]
MIDDLES = ["Văn", "Thị", "Đức", "Hữu", "Ngọc", "Thanh", "Quang", "  Minh", ""]
GIVENS = ["An", "Bình", "Chi", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Ánh", "Yến"]


def sample_rows(count: int, seed: int = 7) -> list[list]:
    """People as a script writes them: canonical values, blanks, places and moves; some rows
    update the people of the world (P-AN, P-DUNG, P-LAN), one of them to the same values."""
    rng = random.Random(seed)
    rows = [HEADER]
    for i in range(count):
        name = " ".join(
            w for w in (rng.choice(FAMILIES), rng.choice(MIDDLES).strip(), rng.choice(GIVENS)) if w
        )
        rows.append(
            [
                f"S-{i:05d}",
                name,
                (dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))).isoformat(),
                rng.choice(["male", "female", ""]),
                rng.choice(["Kinh", "Thái", "Mông", ""]),
                rng.choice(["Không", "Công giáo", 'Phật "giáo"', ""]),
                rng.choice(["primary", "upper_secondary", ""]),
                rng.choice(["farmer", "worker", "student", ""]),
                rng.choice(["true", "false", "", "Có"]),
                rng.choice(["V1", "V2", "S1", ""]),
                rng.choice(["", "", "S1"]),
                rng.choice(["", f"0300{i:08d}"]),
                rng.choice(["", "0912 345 678"]),
                rng.choice(["", "", "2020-05-01"]),
                rng.choice(["", "", "2021-03-04"]),
            ]
        )
    rows.append(
        [
            "P-AN",
            "Nguyễn Văn An",
            "1990-05-01",
            "male",
            "Kinh",
            "Không",
            "",
            "",
            "",
            "V1",
            "",
            "030090000001",
            "",
            "",
            "",
        ]
    )  # the same values: unchanged, however the ordinary path sees it
    rows.append(
        [
            "P-DUNG",
            "Đặng Thị Dung",
            "1995-02-03",
            "female",
            "Kinh",
            "Công giáo",
            "",
            "",
            "",
            "V2",
            "S1",
            "",
            "",
            "2024-01-02",
            "",
        ]
    )  # moved to V2 from 2 January 2024, and works at S1
    rows.append(
        [
            "P-LAN",
            "Nguyễn Văn Lân",
            "1988-08-08",
            "male",
            "Thái",
            "Không",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "2022-02-02",
        ]
    )
    return rows


def state() -> dict:
    """What a user could read of the people and their places, by person_id (ids differ between
    two runs: sequences do not roll back)."""
    code = {p.pk: p.person_id for p in Person.objects.all()}
    people = {
        p["person_id"]: {k: v for k, v in p.items() if k != "id"} for p in Person.objects.values()
    }
    periods = sorted(
        (code[pp.person_id], pp.role, pp.place_id, pp.valid_from, pp.valid_to)
        for pp in PersonPlace.objects.all()
    )
    attributes = sorted(
        (code[pa.person_id], pa.valid_from, pa.valid_to, *(getattr(pa, f) for f in DATED_FIELDS))
        for pa in PersonAttributes.objects.all()
    )
    return {"people": people, "periods": periods, "attributes": attributes}


def audited_rows(since: int) -> dict[str, tuple]:
    """Every person's (before, after) in the audit entries after `since`, per-row entries and
    batch entries alike, with the database id replaced by the person_id."""
    rows: dict[str, tuple] = {}
    for entry in AuditEntry.objects.filter(seq__gt=since, object_type="person"):
        if entry.action == "ranks.people.person.imported":
            befores = {row["person_id"]: row for row in table_rows(entry.before)}
            for after in table_rows(entry.after):
                before = befores.get(after["person_id"])
                rows[after["person_id"]] = (_no_id(before), _no_id(after))
        else:
            rows[entry.object_id] = (_no_id(entry.before), _no_id(entry.after))
    return rows


def table_rows(table) -> list[dict]:
    """The rows of a staged entry's table as snapshots: {"columns": […], "rows": [[…], …]}."""
    if table is None:
        return []
    return [dict(zip(table["columns"], row, strict=True)) for row in table["rows"]]


def _no_id(snapshot):
    return None if snapshot is None else {k: v for k, v in snapshot.items() if k != "id"}


def last_seq() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def import_and_read(data: bytes, settings) -> dict:
    """Import in a savepoint, read everything, undo: the next path starts from the same world."""
    seen = {}
    since = last_seq()
    try:
        with transaction.atomic(), settings:
            result = run("people", data)
            seen = {
                "result": (result.rows, result.created, result.updated, result.unchanged),
                "errors": [(e.row, e.column, e.value, e.reason) for e in result.errors],
                "staged": result.staged,
                **state(),
                "audit": audited_rows(since),
                "verified": audit_verify() is None,
            }
            raise _Undo
    except _Undo:
        pass
    return seen


class _Undo(Exception):
    pass


def test_staged_gives_what_the_ordinary_path_gives(world):
    data = csv_bytes(sample_rows(400))
    ordinary = import_and_read(data, ORDINARY)
    staged = import_and_read(data, STAGED)
    assert ordinary["staged"] is False and staged["staged"] is True
    assert ordinary["errors"] == staged["errors"] == []
    assert staged["result"] == ordinary["result"] == (403, 400, 2, 1)
    assert staged["people"] == ordinary["people"]
    for person in staged["people"].values():
        assert person["search_name"] == fold(person["full_name"])
    assert staged["periods"] == ordinary["periods"]
    moved = ("P-DUNG", "residence", world_place("V2"), dt.date(2024, 1, 2), None)
    assert moved in staged["periods"]
    assert staged["audit"] == ordinary["audit"]
    assert set(staged["audit"]) == {f"S-{i:05d}" for i in range(400)} | {"P-DUNG", "P-LAN"}
    assert staged["verified"] and ordinary["verified"]


def world_place(code: str) -> int:
    from ranks.org.models import Place

    return Place.objects.get(code=code).pk


def test_one_audit_entry_per_batch_that_verifies_and_breaks_when_altered(world, monkeypatch):
    from ranks.interchange.staged import people

    monkeypatch.setattr(people, "AUDIT_ROWS", 100)
    since = last_seq()
    with STAGED:
        result = run("people", csv_bytes(sample_rows(250)))
    assert result.staged and result.created == 250
    entries = list(AuditEntry.objects.filter(seq__gt=since))
    # Rows 1–99, 100–199 and 200–250 of the file (its row numbers count from the staging's 1).
    assert [len(e.after["rows"]) for e in entries] == [99, 100, 53]
    assert [e.action for e in entries] == ["ranks.people.person.imported"] * 3
    assert entries[0].object_id == "S-00000…S-00098"
    assert audit_verify() is None
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET after = jsonb_set(after, '{rows,20,2}', '\"X\"') "
            "WHERE seq = %s",
            [entries[1].seq],
        )
    broken = audit_verify()
    assert broken is not None and (broken.seq, broken.reason) == (entries[1].seq, "altered")


def test_a_second_import_changes_nothing_and_writes_no_entry(world):
    data = csv_bytes(sample_rows(120))
    with STAGED:
        first = run("people", data)
        since = last_seq()
        before = state()
        second = run("people", data)
    assert first.staged and second.staged
    assert (second.created, second.updated, second.unchanged) == (0, 0, 123)
    assert last_seq() == since
    assert state() == before


def test_a_dry_run_counts_and_writes_nothing(world):
    before = db_counts()
    with STAGED:
        result = run("people", csv_bytes(sample_rows(50)), dry_run=True)
    assert result.staged and result.dry_run and (result.created, result.updated) == (50, 2)
    assert db_counts() == before


PEOPLE_CASES = [case for case in CASES if case.values[0] == "people"]


@pytest.mark.parametrize("kind, rows, expected", PEOPLE_CASES)
def test_bad_files_get_the_ordinary_messages(world, kind, rows, expected):
    before = db_counts()
    with override("en"), STAGED:
        result = run(kind, csv_bytes(rows))
    assert [(e.row, e.column, e.value, e.reason) for e in result.errors] == expected
    assert not result.written and not result.staged
    assert db_counts() == before


@pytest.mark.parametrize(
    "cells",
    [
        {"gender": "Nam"},  # a list value by its Vietnamese name
        {"birth_date": "03/02/1995"},  # the Vietnamese way of writing a date
        {"full_name": " Lê Văn Bình"},  # a space the ordinary path strips
        {"phone": "'+84912345678"},  # the apostrophe a spreadsheet puts before a formula
        {"full_name": "Ðinh Văn Ða"},  # Ð (eth), which fold keeps
        {"full_name": "Le\u0301 Va\u0306n Bi\u0300nh"},  # letters written with combining marks
    ],
    ids=["label", "vn-date", "space", "apostrophe", "eth", "combining"],
)
def test_what_the_staged_path_cannot_vouch_for_goes_the_ordinary_way(world, cells):
    rows = sample_rows(30)
    row = dict(zip(HEADER, rows[5], strict=True))
    row.update(cells)
    rows[5] = [row[key] for key in HEADER]
    data = csv_bytes(rows)
    ordinary = import_and_read(data, ORDINARY)
    staged = import_and_read(data, STAGED)
    assert staged["staged"] is False
    assert staged["errors"] == ordinary["errors"] == []
    assert staged["people"] == ordinary["people"]
    assert staged["people"]["S-00004"]["search_name"] == fold(
        staged["people"]["S-00004"]["full_name"]
    )


@pytest.mark.parametrize(
    "cells, column, reason",
    [
        ({"birth_date": "2023-02-30"}, "birth_date", "Not a date: write YYYY-MM-DD or DD/MM/YYYY."),
        (
            {"residence_place_code": "NOWHERE"},
            "residence_place_code",
            "Unknown place code: NOWHERE.",
        ),
        ({"birth_date": "2999-01-01"}, "birth_date", "The birth date is in the future."),
        ({"person_id": "S-00001"}, "person_id", "The same key as row 3 of this file."),
    ],
    ids=["impossible-date", "unknown-place", "future", "twice"],
)
def test_a_bad_row_near_the_end_of_a_large_file_changes_nothing(world, cells, column, reason):
    rows = sample_rows(3000)
    row = dict(zip(HEADER, rows[-4], strict=True))
    row.update(cells)
    rows[-4] = [row[key] for key in HEADER]
    before, since = db_counts(), last_seq()
    with override("en"), STAGED:
        result = run("people", csv_bytes(rows))
    assert not result.staged
    assert [(e.row, e.column, e.reason) for e in result.errors] == [(3001, column, reason)]
    assert db_counts() == before and last_seq() == since


def test_a_line_holding_only_backslash_dot_is_not_the_end_of_the_file(world):
    """COPY would stop reading at such a line; the ordinary path reads it as the row it is."""
    after = [["T-1", "Lò Văn Pọm", "1990-01-01"], ["T-2", "Lò Thị Ún", "1991-01-01"]]
    data = csv_bytes(sample_rows(20)) + b"\\.\r\n" + csv_bytes(after)
    with override("en"), STAGED:
        result = run("people", data)
    assert not result.staged
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (25, "full_name", "A value is required."),
        (25, "birth_date", "A value is required."),
    ]


def test_the_audit_of_one_person_finds_the_batch_that_holds_them(world):
    from tests.cli.helpers import ranks

    with STAGED:
        run("people", csv_bytes(sample_rows(30)))
    lines = ranks("audit", "show", "--object-id", "S-00007")
    assert len(lines) == 1
    assert lines[0].endswith("ranks.people.person.imported\tperson:P-DUNG…S-00029")
    assert ranks("audit", "show", "--object-id", "S-99999") == ["No audit entries."]


def test_text_that_json_escapes_hashes_as_python_writes_it(world):
    """PostgreSQL writes the audit's JSON; Python verifies it: quotes, backslashes, control
    characters inside a cell, line separators and characters beyond the BMP."""
    rows = sample_rows(10)
    row = dict(zip(HEADER, rows[3], strict=True))
    row.update(ethnicity='a\\b\t"c"\u2028\x7f 😀', religion="x\ny\rz\x01z")
    rows[3] = [row[key] for key in HEADER]
    data = csv_bytes(rows)
    ordinary = import_and_read(data, ORDINARY)
    staged = import_and_read(data, STAGED)
    assert staged["staged"] and staged["verified"]
    assert staged["audit"]["S-00002"] == ordinary["audit"]["S-00002"]
    assert staged["people"]["S-00002"]["ethnicity"] == 'a\\b\t"c"\u2028\x7f 😀'


def definitions(*tables: str) -> set[tuple]:
    """The indexes and constraints of `tables`, as PostgreSQL would create them again."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
            [list(tables)],
        )
        found = {("index", *row) for row in cursor.fetchall()}
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s)",
            [list(tables)],
        )
        return found | {("constraint", *row) for row in cursor.fetchall()}


def test_into_empty_tables_rows_go_first_and_indexes_after(empty_db):
    tables = (Person._meta.db_table, PersonPlace._meta.db_table)
    before = definitions(*tables)
    assert any("gin_trgm_ops" in d[-1] for d in before)  # the search index is among them
    rows = [HEADER] + [
        [*row[:9], "", "", *row[11:]] for row in sample_rows(200)[1:201]
    ]  # no places: there are none
    data = csv_bytes(rows)
    ordinary = import_and_read(data, ORDINARY)
    staged = import_and_read(data, STAGED)
    assert staged["staged"] and staged["result"] == ordinary["result"] == (200, 200, 0, 0)
    assert staged["people"] == ordinary["people"] and staged["audit"] == ordinary["audit"]
    with STAGED:
        assert run("people", data).staged
    assert definitions(*tables) == before
    with connection.cursor() as cursor:  # the rebuilt unique index still refuses a duplicate
        with pytest.raises(Exception, match="duplicate key"), transaction.atomic():
            cursor.execute(
                "INSERT INTO people_person (person_id, full_name, search_name, birth_date, gender,"
                " ethnicity, religion, education_general, education_professional, occupation,"
                " youth_union, national_id, phone) SELECT person_id, full_name, search_name,"
                " birth_date, gender, ethnicity, religion, education_general,"
                " education_professional, occupation, youth_union, national_id, phone"
                " FROM people_person LIMIT 1"
            )


def test_empty_lines_at_the_end_of_the_file_are_no_rows(world):
    with STAGED:
        result = run("people", csv_bytes(sample_rows(30)) + b"\r\n\r\n")
    assert result.staged and result.ok and result.created == 30
