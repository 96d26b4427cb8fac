"""The staged import of candidates against the ordinary path, on the demo's source lists: the same
candidacies and mentors, the same counts, an audit that holds every candidacy as the import
created it, and the ordinary path wherever the staged one leaves a file to it."""

from __future__ import annotations

import csv
import io

import pytest

from ranks.core.audit import audit_verify
from ranks.core.models import AuditEntry
from ranks.pipeline.models import Candidate
from tests.interchange.helpers import csv_bytes, db_counts
from tests.interchange.staged import MARKS, ORDINARY, STAGED, last_seq
from tests.interchange.staged import outcome as staged_outcome
from tests.interchange.test_bulk_pipeline import (  # noqa: F401 (demo is a fixture)
    audit_since,
    clear,
    demo,
    exported,
    stored,
)

pytestmark = [*MARKS, pytest.mark.usefixtures("demo")]


def outcome(data: bytes, *, keep: bool = False) -> dict:
    return staged_outcome(
        "candidates",
        data,
        state=lambda: stored("candidates"),
        audit_since=audit_since,
        keep=keep,
    )


@pytest.fixture
def rows() -> list[dict]:
    """The demo's candidates as exported; none stored any more (in the test's transaction)."""
    found = list(csv.DictReader(io.StringIO(exported("candidates"))))
    clear("candidates")
    return found


def as_file(rows: list[dict]) -> bytes:
    header = list(rows[0])
    return csv_bytes([header, *([row[k] for k in header] for row in rows)])


def test_staged_gives_what_the_ordinary_path_gives(rows):
    data = as_file(rows)
    with ORDINARY:
        ordinary = outcome(data)
    since = last_seq()
    with STAGED:
        staged = outcome(data, keep=True)
    assert staged["staged"] and not ordinary["staged"]
    assert staged["errors"] == ordinary["errors"] == []
    assert staged["counts"] == ordinary["counts"] == (len(rows), len(rows), 0, 0)
    assert staged["state"] == ordinary["state"]
    assert any(mentors for *_rest, mentors in staged["state"])
    assert audit_verify() is None
    entries = list(AuditEntry.objects.filter(seq__gt=since))
    assert {e.action for e in entries} == {"ranks.pipeline.candidate.imported"}
    audited = []
    for entry in entries:
        table = entry.after
        audited += [dict(zip(table["columns"], row, strict=True)) for row in table["rows"]]
    candidates = Candidate.objects.select_related("person", "cell").prefetch_related("mentors")
    assert sorted(audited, key=lambda c: c["id"]) == [
        {
            "person": c.person.person_id,
            "id": c.pk,
            "person_id": c.person_id,
            "cell_id": c.cell_id,
            "cell_code": c.cell.code,
            "added_on": c.added_on.isoformat(),
            "source_group": c.source_group,
            "note": c.note,
            "mentors": sorted(m.person_id for m in c.mentors.all()),
        }
        for c in candidates.order_by("pk")
    ]


def test_a_second_import_goes_the_ordinary_way_and_changes_nothing(rows):
    data = as_file(rows)
    with STAGED:
        first = outcome(data, keep=True)
        before, seq = db_counts(), last_seq()
        again = outcome(data)
    assert first["staged"] and not again["staged"]
    assert again["errors"] == []
    assert again["counts"] == (len(rows), 0, 0, len(rows))
    assert again["audit"] == []
    assert db_counts() == before and last_seq() == seq


BAD = {
    "unknown-person": {"person_id": "NOBODY"},
    "unknown-cell": {"cell_code": "NOWHERE"},
    "before-birth": {"added_on": "1901-01-01"},
    "future": {"added_on": "2999-01-01"},
    "own-mentor": "own",
    "unknown-mentor": {"mentor_person_ids": "NOBODY"},
    "twice": "twice",
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_row_gets_the_ordinary_message_and_changes_nothing(rows, case):
    change = BAD[case]
    bad = dict(rows[-2])
    if change == "own":
        bad["mentor_person_ids"] = bad["person_id"]
    elif change == "twice":
        bad["person_id"] = rows[0]["person_id"]
    else:
        bad.update(change)
    rows[-2] = bad
    data = as_file(rows)
    with ORDINARY:
        ordinary = outcome(data)
    before, since = db_counts(), last_seq()
    with STAGED:
        seen = outcome(data)
    assert not seen["staged"]
    assert seen["errors"] and seen["errors"] == ordinary["errors"]
    assert seen["errors"][0][0] == len(rows)  # the bad row's line in the file
    assert db_counts() == before and last_seq() == since


def test_the_audit_of_one_person_finds_the_batch_of_their_candidacy(rows):
    from tests.cli.helpers import ranks

    with STAGED:
        assert outcome(as_file(rows), keep=True)["staged"]
    lines = ranks("audit", "show", "--object-id", rows[3]["person_id"])
    # The demo's own entries for the person come first; the import's batch is the last.
    assert lines[-1].split("\t")[3] == "ranks.pipeline.candidate.imported"
