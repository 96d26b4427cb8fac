"""The set-based import of stage events against the row-by-row one.

On the demo's events, from the same starting state, both paths must leave the same events,
introducers, memberships, postings and candidacies, write the same audit entries (database ids
aside) in the same order, count the same outcomes and report the same errors; a second import
changes nothing and writes no audit entry; an event that breaks a rule still rejects the file;
the queries of a batch do not grow with its rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from ranks.core.actor import SYSTEM
from ranks.core.audit import audit_verify
from ranks.core.clock import today
from ranks.interchange.handlers.pipeline import EventsHandler, EventsRowHandler
from ranks.people.models import Membership, Posting
from ranks.pipeline.facts_from_records import ancestry_versions, flags_on
from ranks.pipeline.models import Candidate, Stage, StageEvent
from tests.interchange.helpers import db_counts
from tests.interchange.test_bulk_pipeline import (  # noqa: F401 (demo is a fixture)
    audit_since,
    demo,
    exported,
    last_seq,
    load,
)

pytestmark = pytest.mark.usefixtures("demo")


def stored() -> dict[str, list]:
    """Events with their introducers, memberships with their postings, candidacies: database ids
    aside."""
    events = sorted(
        (e.candidate.person.person_id, e.stage, e.date.isoformat(), e.detail, e.class_name,
         e.certificate_no, e.youth_union_resolution, e.votes_for or -1, e.official_members or -1,
         e.authority, e.decision_no, str(e.received_on), e.to_unit.code if e.to_unit else "",
         e.location, e.exception_approved_by, e.exception_document, e.recorded_by,
         tuple(sorted(p.person_id for p in e.introducers.all())))
        for e in StageEvent.objects.select_related("candidate__person", "to_unit")
        .prefetch_related("introducers")
    )  # fmt: skip
    memberships = sorted(
        (m.person.person_id, str(m.admission_decision_date), m.admission_decision_no,
         str(m.ceremony_date), str(m.official_date), str(m.left_date), m.left_reason,
         tuple(sorted((p.cell.code, str(p.valid_from), str(p.valid_to))
                      for p in m.postings.all())))
        for m in Membership.objects.select_related("person").prefetch_related("postings__cell")
    )  # fmt: skip
    postings = Posting.objects.count()
    candidates = sorted(
        (c.person.person_id, c.cell.code, str(c.added_on))
        for c in Candidate.objects.select_related("person", "cell")
    )
    return {
        "events": events,
        "memberships": memberships,
        "postings": [postings],
        "candidates": candidates,
    }


def clear() -> None:
    """No events, and none of the memberships the demo's ceremonies made."""
    admitted = StageEvent.objects.filter(stage=Stage.CEREMONY).values("candidate__person")
    Membership.objects.filter(person__in=admitted).delete()
    StageEvent.objects.all().delete()


def run_in_savepoint(data: bytes, *, row_by_row: bool, prepare=None, again=False, actor=SYSTEM):
    with transaction.atomic():
        if prepare:
            prepare()
        seq = last_seq()
        result = load("events", data, row_by_row=row_by_row, actor=actor)
        outcome = {
            "errors": [(e.row, e.column, e.value, e.reason) for e in result.errors],
            "counts": (result.created, result.updated, result.unchanged),
            "audit": audit_since(seq),
            "rows": stored(),
            "export": exported("events"),
        }
        if again:
            assert result.ok, result.errors[:5]
            seq = last_seq()
            counts = db_counts()
            second = load("events", data, row_by_row=False, actor=actor)
            assert second.ok, second.errors[:5]
            assert (second.created, second.updated) == (0, 0)
            assert second.unchanged == sum(outcome["counts"])
            assert last_seq() == seq, "a second import writes no audit entry"
            assert db_counts() == counts
            assert audit_verify() is None
        transaction.set_rollback(True)
    return outcome


def assert_alike(bulk, row):
    assert bulk["errors"] == row["errors"]
    assert bulk["counts"] == row["counts"]
    assert bulk["rows"] == row["rows"]
    assert bulk["audit"] == row["audit"]
    assert bulk["export"] == row["export"]


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of a few rows on both paths: many cuts inside a person's events."""
    for handler in (EventsHandler, EventsRowHandler):
        monkeypatch.setattr(handler, "batch_size", 7)


@pytest.mark.django_db
@pytest.mark.parametrize("batches", ["large", "small"])
def test_bulk_and_row_paths_import_the_demo_events_alike(request, batches):
    if batches == "small":
        request.getfixturevalue("small_batches")
    data = exported("events").encode("utf-8")
    rows = data.count(b"\n") - 1
    stages = {line.split(",")[1] for line in data.decode().splitlines()[1:]}
    # The demo has the stages that change memberships and cells.
    assert {Stage.CEREMONY, Stage.OFFICIAL, Stage.HANDOVER_ACCEPTED} <= stages, stages
    before = stored()
    bulk = run_in_savepoint(data, row_by_row=False, prepare=clear, again=True)
    row = run_in_savepoint(data, row_by_row=True, prepare=clear)
    assert bulk["errors"] == []
    assert bulk["counts"] == (rows, 0, 0)
    assert_alike(bulk, row)
    kinds = {entry[0] for entry in bulk["audit"]}
    assert {
        "ranks.pipeline.event.created",
        "ranks.people.membership.admitted",
        "ranks.people.membership.recognised",
        "ranks.pipeline.candidate.moved",
    } <= kinds, kinds

    # The import recreates what the demo recorded (by another actor).
    def said(events):
        return [e[:16] + e[17:] for e in events]

    assert said(bulk["rows"]["events"]) == said(before["events"])
    assert bulk["rows"]["memberships"] == before["memberships"]
    assert bulk["export"] == data.decode("utf-8")
    # Into the full demo: every row unchanged, on both paths.
    for row_by_row in (False, True):
        same = run_in_savepoint(data, row_by_row=row_by_row)
        assert same["counts"] == (0, 0, rows) and same["audit"] == []


def changed_file(text: str) -> str:
    """Changes and creations mixed: details, decision and certificate numbers changed, and new
    removals of probationary members (the
    demo records none), which end their memberships and postings."""
    lines = list(csv.reader(io.StringIO(text)))
    header, body = lines[0], lines[1:]
    at = {key: i for i, key in enumerate(header)}
    official = {line[at["person_id"]] for line in body if line[at["stage"]] == Stage.OFFICIAL}
    ceremonies = [
        line
        for line in body
        if line[at["stage"]] == Stage.CEREMONY and line[at["person_id"]] not in official
    ]
    assert ceremonies
    for line in ceremonies[:: max(1, len(ceremonies) // 4)]:
        removal = [""] * len(header)
        removal[at["person_id"]] = line[at["person_id"]]
        removal[at["stage"]] = Stage.REMOVED
        day = dt.date.fromisoformat(line[at["date"]]) + dt.timedelta(days=40)
        removal[at["date"]] = min(day, today()).isoformat()
        removal[at["detail"]] = "Không đủ tư cách"
        body.append(removal)
    # (An event dated while its candidate was handed over cannot be changed any more.)
    handed = {line[at["person_id"]] for line in body if line[at["stage"]] == Stage.HANDED_OVER}
    for n, line in enumerate(body):
        if line[at["person_id"]] in handed:
            continue
        if n % 3 == 0:
            line[at["detail"]] = f"sửa {n}"
        if line[at["stage"]] == Stage.ADMISSION_DECISION and n % 2:
            line[at["decision_no"]] = f"{n}-QĐ/HU"
        if line[at["stage"]] == Stage.CLASS_PASSED and n % 2:
            line[at["certificate_no"]] = f"GCN-{n}"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    return out.getvalue()


@pytest.mark.django_db
def test_changes_are_refused_alike_on_both_paths():
    """A row that would change a recorded event is refused (never an overwrite) with the way to
    correct it; the new rows are created and the identical ones left as they are, alike on both
    paths."""
    text = exported("events")
    changed = changed_file(text).encode("utf-8")

    def drop_some():
        # Events left out are created again, with what they change beyond themselves.
        StageEvent.objects.filter(stage__in=[Stage.DOSSIER_PREPARED, Stage.WORKING_AWAY]).delete()

    with translation.override("en"):
        bulk = run_in_savepoint(changed, row_by_row=False, prepare=drop_some)
        row = run_in_savepoint(changed, row_by_row=True, prepare=drop_some)
    assert_alike(bulk, row)
    assert bulk["errors"], "the changed rows are refused"
    for _, column, _, reason in bulk["errors"]:
        assert column == "date"
        assert "is already recorded on" in reason and "it is not replaced" in reason
        assert "use “Correct” beside it on the candidate's page, with the reason" in reason
    created, updated, unchanged = bulk["counts"]
    assert created > 0 and updated == 0 and unchanged > 0
    # A refused row rejects the file: nothing is written.
    assert bulk["audit"] == []


def rule_breaking(text: str) -> bytes:
    """The demo's events with one ceremony held 90 days later than recorded, well beyond 30
    working days after its decision was received (R9), and no exception."""
    lines = list(csv.reader(io.StringIO(text)))
    header, body = lines[0], lines[1:]
    at = {key: i for i, key in enumerate(header)}
    official = {line[at["person_id"]] for line in body if line[at["stage"]] == Stage.OFFICIAL}
    for line in body:
        if line[at["stage"]] != Stage.CEREMONY or line[at["person_id"]] in official:
            continue
        later = dt.date.fromisoformat(line[at["date"]]) + dt.timedelta(days=90)
        if later <= today() and not line[at["exception_document"]]:
            line[at["date"]] = later.isoformat()
            break
    else:
        raise AssertionError("no ceremony to move")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    return out.getvalue().encode("utf-8")


@pytest.mark.django_db
def test_an_event_that_breaks_a_rule_rejects_the_file_on_both_paths():
    data = rule_breaking(exported("events"))
    with translation.override("en"):
        counts = db_counts()
        bulk = run_in_savepoint(data, row_by_row=False, prepare=clear)
        row = run_in_savepoint(data, row_by_row=True, prepare=clear)
        assert db_counts() == counts
    assert bulk["errors"] == row["errors"]
    assert bulk["errors"], "the file is rejected"
    reasons = [reason for _, _, _, reason in bulk["errors"]]
    assert any(r.startswith("Refused: R9") for r in reasons), reasons
    # Nothing is written: the import rolls back (the savepoint shows what it would leave).
    with transaction.atomic():
        clear()
        empty = stored()
        result = load("events", data, row_by_row=False)
        assert not result.ok
        assert stored() == empty
        transaction.set_rollback(True)


def _queries(data: bytes) -> int:
    """The statements of an import; on SQLite, without the INSERTs, which `bulk_create` cuts
    into statements of a few dozen rows (PostgreSQL writes each table with one COPY)."""
    with transaction.atomic():
        clear()
        with CaptureQueriesContext(connection) as queries:
            result = load("events", data, row_by_row=False)
        assert result.ok, result.errors[:3]
        transaction.set_rollback(True)
    return sum(
        1
        for q in queries.captured_queries
        if connection.vendor == "postgresql" or not q["sql"].startswith("INSERT")
    )


@pytest.mark.django_db
def test_the_queries_of_a_batch_do_not_grow_with_its_rows():
    lines = exported("events").splitlines(keepends=True)
    # People whose candidacy was handed over read their receiving cell row by row (rare).
    handed = {line.split(",")[0] for line in lines[1:] if ",handed_over," in line}
    kept = [line for line in lines[1:] if line.split(",")[0] not in handed]
    people = list(dict.fromkeys(line.split(",")[0] for line in kept))

    def who(stage: str) -> str:
        return next(line.split(",")[0] for line in kept if f",{stage}," in line)

    rows_of: dict[str, list[str]] = {}
    for line in kept:
        rows_of.setdefault(line.split(",")[0], []).append(line)
    # The rows of the last person are kept for the end (the next batch would take them on):
    # the same person, with one row, ends both files.
    last = next(p for p in people if len(rows_of[p]) == 1 and ",source_list," in rows_of[p][0])

    def file(chosen) -> bytes:
        body = [line for p in people if p in chosen and p != last for line in rows_of[p]]
        return "".join([lines[0], *body, *rows_of[last]]).encode()

    # The same kinds of writes (events, introducers, memberships, postings, a recognition) in
    # both; one batch each, and the last person's.
    few = file({who(Stage.OFFICIAL), who(Stage.CEREMONY), who(Stage.INTRODUCERS_ASSIGNED)})
    many = file(set(people))
    assert many.count(b"\n") > 5 * few.count(b"\n")
    assert _queries(few) == _queries(many)


@pytest.mark.django_db
@pytest.mark.counters_unchecked  # flags set on the versions directly, as test data
def test_batched_area_flags_are_those_of_the_ancestry():
    from ranks.org.models import Unit, UnitVersion
    from ranks.org.selectors import unit_ancestry, unit_inherited_flags

    # The demo flags no area: flag some versions, at every level.
    for n, version in enumerate(UnitVersion.objects.order_by("pk")):
        if n % 3 == 0:
            version.area_flags = [["mountainous"], ["border", "island"]][n % 2]
            version.save(update_fields=["area_flags"])
    cells = list(Unit.objects.order_by("pk"))
    versions = ancestry_versions(c.pk for c in cells)
    days = [dt.date(2015, 1, 1), dt.date(2025, 6, 30), dt.date(2025, 7, 1), today()]
    flagged = 0
    for cell in cells:
        for day in days:
            flags = flags_on(versions, cell.pk, day)
            assert flags == unit_inherited_flags(unit_ancestry(cell, day))
            flagged += bool(flags)
    assert flagged


@pytest.mark.django_db
def test_an_events_state_is_its_snapshot():
    from ranks.core.audit import snapshot
    from ranks.pipeline.services import EVENT_FIELDS, event_snapshot

    events = list(StageEvent.objects.all())
    assert any(e.received_on for e in events) and any(e.to_unit_id for e in events)
    for event in events:
        assert event_snapshot(event) == snapshot(event, EVENT_FIELDS)
