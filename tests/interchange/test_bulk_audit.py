"""The audit of a set-based import: one chain however the rows are written, a savepoint that rolls
back forgets its entries, a re-import writes nothing, and a killed import leaves no row behind."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection, transaction

from ranks.core.actor import SYSTEM
from ranks.core.audit import (
    Change,
    audit_batch,
    audit_record,
    audit_record_many,
    audit_savepoint,
    audit_seq,
    audit_verify,
)
from ranks.core.chain import entry_hash
from ranks.core.models import AuditEntry, AuditHead
from ranks.people.models import Person
from tests.interchange.helpers import csv_bytes, run

REPO = Path(__file__).resolve().parents[2]
RANKS = Path(sys.executable).parent / "ranks"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"

pytestmark = pytest.mark.usefixtures("empty_db")

PEOPLE_HEADER = ["person_id", "full_name", "birth_date", "gender"]


def people_file(count: int, *, prefix: str = "P", bad_at: int | None = None) -> bytes:
    rows = [PEOPLE_HEADER]
    for i in range(count):
        birth = "1990-13-01" if i == bad_at else f"19{50 + i % 50:02d}-0{1 + i % 9}-1{i % 10}"
        rows.append([f"{prefix}{i:07d}", f"Nguyễn Văn Thứ {i}", birth, "male"])
    return csv_bytes(rows)


def entries() -> list[tuple]:
    return list(
        AuditEntry.objects.order_by("seq").values_list(
            "seq", "action", "object_type", "object_id", "before", "after", "prev_hash", "hash"
        )
    )


def test_a_batch_chains_in_memory_and_writes_the_head_once():
    audit_record(SYSTEM, "ranks.test.before", object_type="t", object_id="0")
    with transaction.atomic(), audit_batch():
        for i in range(5):
            audit_record(SYSTEM, "ranks.test.inside", object_type="t", object_id=str(i))
        # Chained, not yet written: the head and the table still say one entry.
        assert audit_seq() == 6
        assert AuditHead.objects.get(pk=1).seq == 1
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, AuditEntry.objects.count()) == (6, 6)
    assert head.hash == AuditEntry.objects.get(seq=6).hash
    assert audit_verify() is None


def test_a_rolled_back_savepoint_forgets_the_entries_chained_inside_it():
    with transaction.atomic(), audit_batch():
        audit_record(SYSTEM, "ranks.test.kept", object_type="t", object_id="1")
        with pytest.raises(ValueError), audit_savepoint():
            audit_record(SYSTEM, "ranks.test.lost", object_type="t", object_id="2")
            raise ValueError("refused")
        audit_record(SYSTEM, "ranks.test.kept", object_type="t", object_id="3")
    assert [e[1:4] for e in entries()] == [
        ("ranks.test.kept", "t", "1"),
        ("ranks.test.kept", "t", "3"),
    ]
    assert audit_verify() is None


def test_an_exception_inside_a_batch_writes_nothing():
    with pytest.raises(RuntimeError), transaction.atomic(), audit_batch():
        audit_record_many(SYSTEM, [Change("ranks.test.x", "t", str(i)) for i in range(3)])
        raise RuntimeError("crash")
    assert AuditEntry.objects.count() == 0
    assert audit_seq() == 0


def test_the_stored_hash_is_the_hash_of_what_the_database_gives_back():
    with transaction.atomic(), audit_batch():
        audit_record(
            SYSTEM,
            "ranks.test.values",
            object_type="t",
            object_id="1",
            after={"day": dt.date(2025, 7, 1), "name": "Đồng Tâm", "flags": ["border"], "n": 1.5},
        )
    entry = AuditEntry.objects.get()
    fields = {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "channel": entry.channel,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    }
    assert entry.after == {"day": "2025-07-01", "name": "Đồng Tâm", "flags": ["border"], "n": 1.5}
    assert entry_hash(fields) == entry.hash


def test_a_bulk_import_verifies_and_an_altered_entry_breaks_the_chain():
    result = run("people", people_file(3000))
    assert (result.ok, result.created) == (True, 3000)
    assert AuditEntry.objects.filter(action="ranks.people.person.created").count() == 3000
    assert audit_verify() is None
    victim = AuditEntry.objects.filter(action="ranks.people.person.created").order_by("seq")[1500]
    AuditEntry.objects.filter(pk=victim.pk).update(after={"full_name": "Someone else"})
    broken = audit_verify()
    assert broken is not None and (broken.seq, broken.reason) == (victim.seq, "altered")


def test_a_re_import_changes_nothing_and_writes_no_audit_entry():
    data = people_file(2500)
    assert run("people", data).created == 2500
    before = entries()
    again = run("people", data)
    assert (again.ok, again.created, again.updated, again.unchanged) == (True, 0, 0, 2500)
    assert entries() == before


def test_a_bad_row_near_the_end_of_a_large_file_leaves_the_database_unchanged():
    run("people", people_file(10, prefix="OLD"))
    before_people = list(Person.objects.order_by("person_id").values_list("person_id", flat=True))
    before_audit = entries()
    result = run("people", people_file(12_000, bad_at=11_990))
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(11_992, "birth_date")]
    assert list(Person.objects.order_by("person_id").values_list("person_id", flat=True)) == (
        before_people
    )
    assert entries() == before_audit
    assert AuditHead.objects.get(pk=1).seq == len(before_audit)


# A killed import: the real command in a child process, stopped with SIGKILL half-way.


def _migrated_env(database_url: str, var: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ranks.settings",
        "DATABASE_URL": database_url,
        "RANKS_VAR_DIR": str(var),
        "PYTHONIOENCODING": "utf-8",
    }
    subprocess.run([RANKS, "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=var)
    return env


def _kill_half_way(env: dict[str, str], path: Path, var: Path) -> None:
    child = subprocess.Popen(
        [RANKS, "import", "people", str(path)],
        env=env,
        cwd=var,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The progress bar prints a line per tenth: kill after the first fifth is written.
    deadline = time.monotonic() + 120
    for line in child.stderr:
        share = line.strip().split("%")[0]
        if (share.isdigit() and int(share) >= 20) or time.monotonic() > deadline:
            break
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def _count(env: dict[str, str], var: Path) -> str:
    script = (
        "import django; django.setup();"
        "from ranks.people.models import Person; from ranks.core.models import AuditEntry;"
        "print(Person.objects.count(), AuditEntry.objects.count())"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def big_people_file(tmp_path) -> Path:
    path = tmp_path / "people.csv"
    path.write_bytes(people_file(60_000))
    return path


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite pass kills on SQLite")
def test_a_killed_import_leaves_no_row_behind_on_sqlite(tmp_path, big_people_file):
    env = _migrated_env(f"sqlite:///{tmp_path / 'killed.sqlite3'}", tmp_path)
    _kill_half_way(env, big_people_file, tmp_path)
    assert _count(env, tmp_path) == "0 0"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL pass kills there")
def test_a_killed_import_leaves_no_row_behind_on_postgresql(tmp_path, big_people_file):
    name = f"ranks_killed_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        env = _migrated_env(f"postgres://postgres@127.0.0.1:5432/{name}", tmp_path)
        _kill_half_way(env, big_people_file, tmp_path)
        assert _count(env, tmp_path) == "0 0"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's statistics")
@pytest.mark.django_db(transaction=True)
def test_a_large_import_leaves_the_planner_the_new_table_sizes(settings):
    from ranks.org.kinds import ensure_unit_kinds
    from ranks.org.models import UnitKind

    ensure_unit_kinds(UnitKind)
    settings.RANKS_ANALYZE_AFTER_ROWS = 50
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE people_person")  # the planner believes the table empty
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'people_person'")
        assert cursor.fetchone()[0] == 0
    assert run("people", people_file(120)).created == 120
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'people_person'")
        assert cursor.fetchone()[0] == 120


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's statistics")
@pytest.mark.django_db
def test_a_long_import_tells_the_planner_as_its_tables_grow(settings, monkeypatch):
    """Inside the import's own transaction, the tables it fills are analysed each time its rows
    double: a batch's look-up of a few rows must not be planned as a scan of a table believed
    empty (the country's events slowed batch after batch). The final ANALYZE does not run here,
    inside the test's transaction, so what the planner knows comes from the import's own."""
    from ranks.interchange.handlers.people import PeopleHandler
    from ranks.org.kinds import ensure_unit_kinds
    from ranks.org.models import UnitKind

    ensure_unit_kinds(UnitKind)
    settings.RANKS_ANALYZE_AFTER_ROWS = 50
    settings.RANKS_STAGED_IMPORTS = False
    monkeypatch.setattr(PeopleHandler, "batch_size", 60)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE people_person")
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'people_person'")
        assert cursor.fetchone()[0] == 0
    assert run("people", people_file(200)).created == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'people_person'")
        # analysed after 60 rows and after 120; 180 and 200 are less than twice 120
        assert cursor.fetchone()[0] == 120
