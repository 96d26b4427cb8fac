"""The staged import of members against the ordinary path: the same memberships and postings
(transfers, leavings, postings across the 2025 reform, a member's rows anywhere in the file), the
same counts, an audit that holds every membership and posting as the import left them, and the
ordinary path wherever the staged one leaves a file to it."""

from __future__ import annotations

import random

import pytest

from ranks.core.audit import audit_verify
from ranks.core.models import AuditEntry
from ranks.counters import services as counters
from ranks.counters.models import TABLES
from ranks.people.models import Membership, Posting
from tests.interchange.helpers import csv_bytes, db_counts
from tests.interchange.staged import MARKS, ORDINARY, STAGED
from tests.interchange.staged import outcome as staged_outcome
from tests.interchange.test_bulk_members import (
    HEADER,
    audit_since,
    last_seq,
    make_people,
    sample_rows,
    state,
)

pytestmark = MARKS


def outcome(data: bytes, *, keep: bool = False) -> dict:
    return staged_outcome("members", data, state=state, audit_since=audit_since, keep=keep)


def first_loads(rows: list[list]) -> list[list]:
    """The rows of people admitted once (the staged path's case), shuffled: a member's rows
    anywhere in the file."""
    admissions: dict[str, set] = {}
    for row in rows:
        admissions.setdefault(row[0], set()).add(row[2])
    kept = [row for row in rows if len(admissions[row[0]]) == 1]
    random.Random(3).shuffle(kept)
    return kept


@pytest.fixture
def file(world) -> bytes:
    return csv_bytes([HEADER, *first_loads(sample_rows(make_people(300)))])


def test_staged_gives_what_the_ordinary_path_gives(file):
    with ORDINARY:
        ordinary = outcome(file)
    since = last_seq()
    with STAGED:
        staged = outcome(file, keep=True)
    assert staged["staged"] and not ordinary["staged"]
    assert staged["errors"] == ordinary["errors"] == []
    assert staged["counts"] == ordinary["counts"]
    assert staged["state"] == ordinary["state"]
    assert audit_verify() is None
    # The audit holds each membership and its postings as the database has them now.
    entries = list(AuditEntry.objects.filter(seq__gt=since))
    assert {e.action for e in entries} == {"ranks.people.membership.imported"}
    audited = {"memberships": [], "postings": []}
    for entry in entries:
        for part, rows in audited.items():
            table = entry.after[part]
            rows += [dict(zip(table["columns"], row, strict=True)) for row in table["rows"]]
    memberships = Membership.objects.select_related("person").filter(
        person__person_id__startswith="G-"
    )
    day = lambda d: d and d.isoformat()  # noqa: E731
    assert sorted(audited["memberships"], key=lambda m: m["id"]) == [
        {
            "person": m.person.person_id,
            "id": m.pk,
            "person_id": m.person_id,
            "admission_decision_date": day(m.admission_decision_date),
            "admission_decision_no": m.admission_decision_no,
            "ceremony_date": day(m.ceremony_date),
            "official_date": day(m.official_date),
            "left_date": day(m.left_date),
            "left_reason": m.left_reason,
        }
        for m in memberships.order_by("pk")
    ]
    postings = Posting.objects.filter(person__person_id__startswith="G-")
    assert sorted(audited["postings"], key=lambda p: p["id"]) == [
        {
            "person": p.person.person_id,
            "id": p.pk,
            "membership_id": p.membership_id,
            "person_id": p.person_id,
            "cell": p.cell.code,
            "cell_id": p.cell_id,
            "valid_from": day(p.valid_from),
            "valid_to": day(p.valid_to),
        }
        for p in postings.select_related("person", "cell").order_by("pk")
    ]


def test_what_the_staged_path_leaves_to_the_ordinary_one(world):
    """A second import (memberships stored), a re-admission, rows of one membership that
    disagree: the ordinary path's result, with its counts and messages."""
    rows = sample_rows(make_people(60))
    once = first_loads(rows)
    data = csv_bytes([HEADER, *once])
    with STAGED:
        first = outcome(data, keep=True)
        again = outcome(data)
        readmitted = outcome(csv_bytes([HEADER, *rows]))
    assert first["staged"] and not again["staged"] and not readmitted["staged"]
    assert first["errors"] == again["errors"] == readmitted["errors"] == []
    assert again["counts"] == (len(once), 0, 0, len(once))
    assert again["audit"] == []
    with ORDINARY:
        assert readmitted == outcome(csv_bytes([HEADER, *rows]))


@pytest.mark.parametrize(
    "change, column, reason",
    [
        (
            {2: "2023-02-30"},
            "admission_decision_date",
            "Not a date: write YYYY-MM-DD or DD/MM/YYYY.",
        ),
        ({1: "NOWHERE"}, "cell_code", "Unknown cell code: NOWHERE."),
        ({0: "NOBODY"}, "person_id", "Unknown person: NOBODY."),
        ({6: "2026-01-01", 7: ""}, "left_reason", "A leaving date needs a reason."),
        (
            {8: "1999-01-01"},
            "cell_from",
            "A member belongs to a cell only from the admission decision on.",
        ),
    ],
    ids=["impossible-date", "unknown-cell", "unknown-person", "no-reason", "before-admission"],
)
def test_a_bad_row_gets_the_ordinary_message_and_changes_nothing(world, change, column, reason):
    rows = first_loads(sample_rows(make_people(40)))
    bad = list(rows[-2])
    for index, value in change.items():
        bad[index] = value
    rows[-2] = bad
    before, since = db_counts(), last_seq()
    with STAGED:
        seen = outcome(csv_bytes([HEADER, *rows]))
    assert not seen["staged"]
    assert [(row, col, why) for row, col, _value, why in seen["errors"]] == [
        (len(rows), column, reason)
    ]
    assert db_counts() == before and last_seq() == since


def test_the_audit_of_one_person_finds_the_batch_of_their_membership(file):
    from tests.cli.helpers import ranks

    with STAGED:
        assert outcome(file, keep=True)["staged"]
    lines = ranks("audit", "show", "--object-id", "G-00001")
    assert [line.split("\t")[3] for line in lines] == ["ranks.people.membership.imported"] * len(
        lines
    )
    assert len(lines) == 1


def test_into_empty_tables_rows_go_first_and_indexes_after(file):
    from tests.interchange.test_staged_people import definitions

    Posting.objects.all().delete()
    Membership.objects.all().delete()
    for model, _columns in TABLES:  # nothing left to count
        model.objects.all().delete()
    counters.rebuild_coverage()  # the places are left, with no member
    tables = (Membership._meta.db_table, Posting._meta.db_table)
    before = definitions(*tables)
    with ORDINARY:
        ordinary = outcome(file)
    with STAGED:
        staged = outcome(file, keep=True)
    assert staged["staged"] and staged["state"] == ordinary["state"]
    assert staged["counts"] == ordinary["counts"]
    assert definitions(*tables) == before
    assert audit_verify() is None
