"""The set-based members import against the row-by-row one: the same rows, the same audit
entries (database ids aside), the same counts and the same errors, on files where a member's
rows are anywhere in the file and in different batches; and a fixed number of queries a batch."""

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
from ranks.interchange.handlers.members import MembersHandler, MembersRowHandler
from ranks.org.models import Place
from ranks.people.models import Membership, Person, Posting
from ranks.people.names import fold
from tests.interchange.helpers import csv_bytes, db_counts
from tests.interchange.test_errors import CASES

D = dt.date
HEADER = [
    "person_id",
    "cell_code",
    "admission_decision_date",
    "admission_decision_no",
    "ceremony_date",
    "official_date",
    "left_date",
    "left_reason",
    "cell_from",
]
CELLS = ["C1-A", "C1-B", "C2-A"]
REFORM = D(2025, 7, 1)


def test_handlers_are_registered():
    assert handler_for("members") is MembersHandler
    assert handler_for("members", row_by_row=True) is MembersRowHandler


def make_people(count: int, prefix: str = "G") -> list[str]:
    places = [Place.objects.get(code="V1"), Place.objects.get(code="V2")]
    people = [
        Person(
            person_id=f"{prefix}-{n:05d}",
            full_name=f"Nguyễn Văn {n}",
            search_name=fold(f"Nguyễn Văn {n}"),
            birth_date=D(1970, 1, 1) + dt.timedelta(days=n % 9000),
            residence_place=places[n % 2],
        )
        for n in range(count)
    ]
    Person.objects.bulk_create(people, batch_size=500)
    return [p.person_id for p in people]


def day_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(max(1, (end - start).days)))


def sample_rows(person_ids: list[str], seed: int = 7) -> list[list]:
    """Members with transfers, leavings, re-admissions, and postings across the 2025 reform."""
    rng = random.Random(seed)
    rows = []
    for n, person_id in enumerate(person_ids):
        start = D(2001, 1, 1)
        for term in range(2 if n % 7 == 0 else 1):  # every seventh is re-admitted
            admitted = day_between(rng, start, D(2024, 6, 1))
            ceremony = admitted + dt.timedelta(days=rng.randrange(0, 30)) if n % 3 else None
            official = ceremony + dt.timedelta(days=365) if ceremony and n % 2 else None
            froms = [admitted]
            for _ in range(rng.choice([0, 0, 1, 2, 3])):
                froms.append(day_between(rng, froms[-1] + dt.timedelta(days=1), D(2026, 1, 1)))
            if n % 11 == 0:
                froms.append(REFORM + dt.timedelta(days=rng.randrange(0, 60)))
            froms = sorted(set(f for f in froms if f < D(2026, 1, 1)))
            leaves = term == 0 and n % 7 == 0 or n % 5 == 0
            left = None
            if leaves:
                left = day_between(rng, froms[-1], D(2026, 1, 1))
                if left < admitted:
                    left = admitted
            reason = rng.choice(["death", "removal", "transfer_out"]) if left else ""
            cells = rng.sample(CELLS, len(CELLS))
            for k, cell_from in enumerate(froms):
                rows.append(
                    [
                        person_id,
                        cells[k % len(cells)],
                        admitted,
                        f"{n}-QĐ/HU" if n % 4 else "",
                        ceremony,
                        official,
                        left,
                        reason,
                        "" if k == 0 and term == 0 and n % 2 else cell_from,
                    ]
                )
            if left is None:
                break
            start = left + dt.timedelta(days=1)
            if start >= D(2024, 6, 1):
                break
    return rows


def state() -> tuple[list, list]:
    memberships = sorted(
        Membership.objects.values_list(
            "person__person_id",
            "admission_decision_date",
            "admission_decision_no",
            "ceremony_date",
            "official_date",
            "left_date",
            "left_reason",
        )
    )
    postings = sorted(
        Posting.objects.values_list(
            "person__person_id",
            "membership__admission_decision_date",
            "cell__code",
            "valid_from",
            "valid_to",
        )
    )
    return memberships, postings


def audit_since(seq: int) -> list[tuple]:
    """The entries after `seq`, with the ids of memberships and postings replaced by what
    identifies them, so that two databases that gave them other numbers compare equal."""
    memberships = {
        pk: (person, day)
        for pk, person, day in Membership.objects.values_list(
            "pk", "person__person_id", "admission_decision_date"
        )
    }
    postings = {
        pk: (memberships[m], day)
        for pk, m, day in Posting.objects.values_list("pk", "membership_id", "valid_from")
    }

    def plain(snap, action):
        if snap is None:
            return None
        snap = dict(snap)
        if "membership_id" in snap:
            snap["id"] = repr(postings[snap["id"]])
            snap["membership_id"] = repr(memberships[snap["membership_id"]])
        else:
            snap["id"] = repr(memberships[snap["id"]])
        return snap

    return [
        (
            e.actor,
            e.action,
            e.object_type,
            e.object_id,
            plain(e.before, e.action),
            plain(e.after, e.action),
        )
        for e in AuditEntry.objects.filter(seq__gt=seq).order_by("seq")
    ]


def last_seq() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def outcome(data: bytes, *, row_by_row: bool, actor: Actor = SYSTEM, keep: bool = False):
    """Import `data` one way and say what happened; unless `keep`, forget it afterwards."""
    with transaction.atomic():
        seq = last_seq()
        with override("en"):
            result = run_import(
                actor=actor,
                kind="members",
                stream=io.BytesIO(data),
                filename="members.csv",
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


def both(data: bytes, **kwargs):
    bulk = outcome(data, row_by_row=False, **kwargs)
    rows = outcome(data, row_by_row=True, **kwargs)
    assert bulk["errors"] == rows["errors"]
    assert bulk["counts"] == rows["counts"]
    assert bulk["state"] == rows["state"]
    assert bulk["audit"] == rows["audit"]
    return bulk


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 37 rows: a member's rows land in different batches."""
    monkeypatch.setattr(MembersHandler, "batch_size", 37)


def terms_in_order(rows: list[list], key) -> list[list]:
    """Rows where each person keeps the places they had, refilled in the order of `key`: a
    re-admission must come after the membership before it, or it is refused (in both paths)."""
    places: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        places.setdefault(row[0], []).append(index)
    out = list(rows)
    for indexes in places.values():
        for index, row in zip(indexes, sorted((rows[i] for i in indexes), key=key), strict=True):
            out[index] = row
    return out


def cell_from(row) -> dt.date:
    return row[8] or row[2]


@pytest.mark.parametrize("order", ["by-person", "shuffled", "transfers-reversed", "any"])
def test_sample_gives_the_same_rows_and_audit(world, small_batches, order):
    rows = sample_rows(make_people(120))
    if order != "by-person":
        random.Random(3).shuffle(rows)
    if order == "shuffled":  # terms in order, a membership's rows in any order
        rows = terms_in_order(rows, key=lambda row: row[2])
    elif order == "transfers-reversed":
        rows = terms_in_order(rows, key=lambda row: (row[2], -cell_from(row).toordinal()))
    assert len(rows) > 200
    seen = both(csv_bytes([HEADER, *rows]))
    if order == "any":
        # A re-admission before the membership it follows is refused, alike in both paths.
        assert {e[3] for e in seen["errors"]} == {
            "This person is already a party member on that date."
        }
        return
    assert seen["errors"] == []
    assert seen["counts"][1] > 100  # created
    actions = {entry[1] for entry in seen["audit"]}
    assert "ranks.people.membership.admitted" in actions
    assert "ranks.people.posting.created" in actions
    memberships, postings = seen["state"]
    # Some members were re-admitted, some left; postings cross the 2025 reform.
    readmitted = {m[0] for m in memberships if m[0].startswith("G-")}
    assert len([m for m in memberships if m[0].startswith("G-")]) > len(readmitted)
    assert any(m[5] for m in memberships)
    assert any(p[3] < REFORM and (p[4] is None or p[4] >= REFORM) for p in postings)


def test_reimport_changes_nothing_in_either_path(world, small_batches):
    rows = sample_rows(make_people(60))
    data = csv_bytes([HEADER, *rows])
    first = outcome(data, row_by_row=False, keep=True)
    assert first["errors"] == []
    for row_by_row in (False, True):
        again = outcome(data, row_by_row=row_by_row)
        assert again["errors"] == [] and again["audit"] == []
        assert again["state"] == first["state"]
        assert again["counts"] == (len(rows), 0, 0, len(rows))


def test_changed_rows_audit_before_and_after_alike(world, small_batches):
    rows = sample_rows(make_people(60))
    outcome(csv_bytes([HEADER, *rows]), row_by_row=True, keep=True)
    changed = []
    for n, row in enumerate(rows):
        row = list(row)
        if n % 3 == 0 and row[6] is None:  # a member leaves
            row[6], row[7] = D(2025, 12, 31), "death"
        elif n % 3 == 1 and row[6] is not None:  # a leaving date corrected
            row[6] = row[6] + dt.timedelta(days=1) if row[6] < D(2025, 12, 31) else row[6]
        elif n % 3 == 2:
            row[3] = "sửa-" + str(n)  # the decision number
        changed.append(row)
    seen = both(csv_bytes([HEADER, *changed]))
    assert seen["errors"] == []
    updated = [e for e in seen["audit"] if e[1] == "ranks.people.membership.updated"]
    assert updated and all(e[4] != e[5] for e in updated)
    assert seen["counts"][2] > 0


def test_a_changed_cell_and_a_new_posting(world):
    """The same posting start in another cell (posting.updated) and a transfer added later."""
    rows = [
        HEADER,
        ["P-AN", "C1-B", "2015-03-01", "", "2015-03-20", "2016-03-20", "", "", ""],
        ["P-AN", "C1-A", "2015-03-01", "", "2015-03-20", "2016-03-20", "", "", "2020-02-01"],
        ["P-LAN", "C2-A", "2010-06-01", "", "2010-06-15", "2011-06-15", "2024-01-01", "death", ""],
        [
            "P-LAN",
            "C1-B",
            "2010-06-01",
            "",
            "2010-06-15",
            "2011-06-15",
            "2024-01-01",
            "death",
            "2012-01-01",
        ],
    ]
    seen = both(csv_bytes(rows))
    assert seen["errors"] == []
    assert [e[1] for e in seen["audit"]] == [
        "ranks.people.posting.updated",
        "ranks.people.posting.created",
        "ranks.people.membership.updated",
        "ranks.people.posting.created",
    ]


MEMBERS = ["person_id", "cell_code", "admission_decision_date"]
FULL = [*MEMBERS, "ceremony_date", "official_date", "left_date", "left_reason", "cell_from"]
BAD_FILES = [
    pytest.param(case.values[1], id=case.id) for case in CASES if case.values[0] == "members"
] + [
    pytest.param(
        [FULL, ["P-AN", "C1-A", "2015-03-01", "2015-02-01", "", "", "", ""]], id="ceremony-before"
    ),
    pytest.param(
        [FULL, ["P-AN", "C1-A", "2015-03-01", "", "2015-02-01", "", "", ""]], id="official-before"
    ),
    pytest.param(
        [FULL, ["P-AN", "C1-A", "2015-03-01", "", "", "2014-01-01", "death", ""]], id="left-before"
    ),
    pytest.param(
        [FULL, ["P-AN", "C1-A", "2015-03-01", "", "", "2020-01-01", "", ""]], id="left-no-reason"
    ),
    pytest.param(
        [FULL, ["P-AN", "C1-A", "2015-03-01", "", "", "", "", "2015-01-01"]], id="cell-from-before"
    ),
    pytest.param(
        [FULL, ["P-AN", "C1-A", "2015-03-01", "", "", "2016-01-01", "death", "2017-01-01"]],
        id="cell-from-after-left",
    ),
    pytest.param([FULL, ["P-AN", "C1", "2015-03-01", "", "", "", "", ""]], id="not-a-cell"),
    pytest.param([FULL, ["P-AN", "C1-A", "2020-03-01", "", "", "", "", ""]], id="already-a-member"),
    pytest.param(
        [FULL, ["P-AN", "C1-A", "2026-03-01", "", "", "", "", "2026-03-01"]],
        id="already-a-member-later",
    ),
    pytest.param(
        [
            FULL,
            ["P-LAN", "C2-A", "2010-06-01", "", "", "2015-01-01", "removal", ""],
            ["P-LAN", "C2-A", "2014-01-01", "", "", "", "", ""],  # still a member then
            ["P-LAN", "C2-A", "2016-01-01", "", "", "", "", ""],  # re-admitted: fine
            ["P-LAN", "C1-A", "2016-01-01", "", "", "", "", "2026-01-01"],
            ["P-LAN", "C2-A", "2017-01-01", "", "", "", "", ""],  # the re-admission runs
            ["NOPE", "NOPE", "2099-01-01", "", "", "", "", ""],
            ["P-AN", "N1", "2015-03-01", "", "", "", "", "2025-07-01"],
            ["P-AN", "C1-A", "2015-03-01", "", "", "", "", "2025-07-01"],
            ["P-AN", "C1-A", "2015-03-01", "", "", "", "", ""],
        ],
        id="rows-that-depend-on-earlier-rows",
    ),
]


@pytest.mark.parametrize("rows", BAD_FILES)
def test_bad_rows_give_the_same_errors(world, rows):
    before = db_counts()
    seen = both(csv_bytes(rows))
    assert seen["errors"]
    assert db_counts() == before


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_access_gives_the_same_errors(world, small_batches, user):
    from tests.interchange.test_import import ALICE_MEMBERS

    actor = Actor.for_user(world.users[user])
    before = db_counts()
    seen = both(csv_bytes(ALICE_MEMBERS), actor=actor)
    assert seen["errors"]
    assert db_counts() == before
    rows = sample_rows(make_people(40))
    both(csv_bytes([HEADER, *rows]), actor=actor)
    both(csv_bytes(ALICE_MEMBERS[:-1]), actor=actor)


def test_a_bad_row_at_the_end_of_5000_leaves_the_database_as_it_was(world):
    ids = make_people(2500)
    rows = [[pid, CELLS[n % 3], "2020-01-01", "", "", "", "", "", ""] for n, pid in enumerate(ids)]
    rows += [
        [pid, CELLS[n % 2], "2020-01-01", "", "", "", "", "", "2022-02-02"]
        for n, pid in enumerate(ids)
    ]
    rows[-1][1] = "NOPE"
    assert len(rows) == 5000
    before = db_counts()
    with override("en"):
        result = run_import(
            actor=SYSTEM,
            kind="members",
            stream=io.BytesIO(csv_bytes([HEADER, *rows])),
            filename="m.csv",
        )
    assert [(e.row, e.column, e.value) for e in result.errors] == [(5001, "cell_code", "NOPE")]
    assert result.created == 2500 and result.updated == 2499
    assert db_counts() == before


def queries(rows: list[list], actor: Actor) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        result = run_import(
            actor=actor,
            kind="members",
            stream=io.BytesIO(csv_bytes([HEADER, *rows])),
            filename="m.csv",
        )
    assert result.errors == [] and result.created == len(rows)
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("user", ["system", "alice"])
def test_queries_a_batch_do_not_grow_with_its_size(world, monkeypatch, user):
    monkeypatch.setattr(MembersHandler, "batch_size", 10_000)  # each file is one batch
    actor = SYSTEM
    ids = make_people(5500 if user == "system" else 11_000)
    if user == "alice":  # people (living in V1) and cells in her units: scope queries run too
        actor = Actor.for_user(world.users["alice"])
        ids = ids[::2]
    small = [[pid, "C1-A", "2020-01-01", "", "", "", "", "", ""] for pid in ids[:500]]
    large = [[pid, "C1-B", "2020-01-01", "", "", "", "", "", ""] for pid in ids[500:]]
    small, large = queries(small, actor), queries(large, actor)
    if connection.vendor == "postgresql":
        assert len(large) == len(small)
    else:
        # SQLite inserts in chunks (bulk_create); the reads do not grow.
        def reads(sqls):
            return [s for s in sqls if s.lstrip().upper().startswith("SELECT")]

        assert len(reads(large)) == len(reads(small))
    # The counters add their reads: the admissions' and the places' coverage, before and after.
    assert len(small) < 48
