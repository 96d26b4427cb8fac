"""`ranks backup` and `ranks restore` as an operator runs them: the real console script in child
processes, a database filled and backed up, then restored into an empty one and compared.

The databases are their own (files under tmp_path on the SQLite pass, databases of unique names on
the PostgreSQL pass), created, migrated and filled here and dropped after, whatever database the
rest of the test run uses.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

from ranks.interchange.schema import KIND_ORDER

REPO = Path(__file__).resolve().parents[2]
RANKS = Path(sys.executable).parent / "ranks"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
VENDOR = connection.vendor  # the pass this is: backups are taken on the engine under test


def fill() -> None:
    """The world of the tests, with candidates at several stages, events, a target and a
    secondment, so that every export kind has rows (run in the child, after django.setup())."""
    from ranks.core.actor import SYSTEM
    from ranks.coverage.services import secondment_save
    from ranks.people.services import person_save
    from ranks.pipeline.services import candidate_save, stage_event_save
    from ranks.targets.services import target_set
    from tests.factories import build_world, record_dossier

    build_world()
    for person_id, name, place, cell in (
        ("P-BK-A", "Lò Văn Một", "V1", "C1-A"),
        ("P-BK-B", "Lường Thị Bốn", "V2", "C2-A"),
        ("P-BK-C", "Nguyễn Văn Ba", "V1", "C1-B"),
    ):
        person_save(
            actor=SYSTEM,
            person_id=person_id,
            full_name=name,
            birth_date=dt.date(2000, 1, 1),
            residence_place_code=place,
        )
        candidate_save(
            actor=SYSTEM, person_id=person_id, cell_code=cell, added_on=dt.date(2024, 1, 1)
        )
    stage_event_save(
        actor=SYSTEM, person_id="P-BK-B", stage="source_list", date=dt.date(2024, 1, 2)
    )
    record_dossier("P-BK-C", "C1-B", dt.date(2025, 8, 4))
    target_set(actor=SYSTEM, unit_code="N1", year=2026, metric="admissions", value=12)
    secondment_save(
        actor=SYSTEM, person_id="P-LAN", cell_code="C1-B", role="secretary",
        from_date=dt.date(2025, 9, 1), home_unit_code="C2",
    )  # fmt: skip


class Database:
    """One database of this test: its URL, and the console script run against it."""

    def __init__(self, url: str, var: Path):
        self.url = url
        self.var = var
        self.extra: dict[str, str] = {}  # more of the environment (another data key)

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ranks.settings",
            "DATABASE_URL": self.url,
            "RANKS_VAR_DIR": str(self.var),
            "PYTHONIOENCODING": "utf-8",
            **self.extra,
        }

    def ranks(self, *args: str) -> subprocess.CompletedProcess:
        """A command of Ranks (which takes --lang) run in English."""
        return self.run(*args, "--lang", "en")

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(RANKS), *args],
            env=self.env(),
            cwd=self.var,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=300,
        )

    def python(self, code: str) -> None:
        script = f"import django; django.setup(); {code}"
        done = subprocess.run(
            [sys.executable, "-c", script],
            env=self.env(),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr

    def exports(self, folder: Path) -> dict[str, bytes]:
        """Every export kind as CSV, written by `ranks export` (one child for all the kinds)."""
        folder.mkdir()
        self.python(
            "from django.core.management import call_command; "
            + "; ".join(
                f"call_command('export', {kind!r}, format='csv', output={str(folder / kind)!r})"
                for kind in KIND_ORDER
            )
        )
        return {kind: (folder / kind).read_bytes() for kind in KIND_ORDER}


@pytest.fixture(scope="module")
def new_database(tmp_path_factory) -> Iterator[Callable[[], Database]]:
    """Makes empty databases of the engine under test; drops those of PostgreSQL afterwards."""
    made: list[str] = []
    var = tmp_path_factory.mktemp("backup")

    def make() -> Database:
        name = f"ranks_backup_{uuid.uuid4().hex[:10]}"
        if VENDOR == "sqlite":
            return Database(f"sqlite:///{var / name}.sqlite3", var)
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        made.append(name)
        return Database(f"{PG_SERVER}/{name}", var)

    yield make
    if made:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            for name in made:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def backed_up(new_database) -> tuple[Database, Path, str]:
    """A filled database, its backup, and `ranks audit verify` of it right after the backup."""
    source = new_database()
    done = source.run("migrate", "--no-input", "-v", "0")
    assert done.returncode == 0, done.stderr
    source.python("from tests.core.test_backup import fill; fill()")
    path = source.var / f"ranks-{VENDOR}.backup"
    done = source.ranks("backup", str(path))
    assert done.returncode == 0, done.stderr
    assert f"Backup of the {VENDOR} database written to {path}" in done.stdout
    verify = source.ranks("audit", "verify")
    assert verify.returncode == 0, verify.stderr
    return source, path, verify.stdout


def test_a_restore_gives_identical_exports_and_the_same_audit_head(
    backed_up, new_database, tmp_path
):
    source, path, source_verify = backed_up
    kept = json.loads(path.with_name(path.name + ".head.json").read_text(encoding="utf-8"))
    assert kept["engine"] == VENDOR
    assert path.stat().st_mode & 0o777 == 0o600  # personal data: its owner only
    head = f"entry {kept['audit_head']['seq']}, hash {kept['audit_head']['hash']}"
    # What the backup printed is what `ranks audit verify` printed right after it.
    assert f"Newest entry {kept['audit_head']['seq']}, hash {kept['audit_head']['hash']}" in (
        source_verify
    )

    target = new_database()
    done = target.ranks("restore", str(path))

    assert done.returncode == 0, done.stderr
    assert f"Head kept with the backup: {head}." in done.stdout
    assert f"is intact and ends at the same head: {head}." in done.stdout
    restored_verify = target.ranks("audit", "verify")
    assert restored_verify.returncode == 0, restored_verify.stderr
    assert restored_verify.stdout == source_verify
    # Compared before exporting: an export with the sensitive columns audits its reading.
    before = source.exports(tmp_path / "source")
    after = target.exports(tmp_path / "restored")
    assert after == before
    assert all(len(before[kind].splitlines()) > 1 for kind in KIND_ORDER), "a kind had no row"


def test_the_backup_is_the_newest_entry_of_the_audit_log_it_holds(backed_up, new_database):
    _source, path, _verify = backed_up
    target = new_database()
    assert target.ranks("restore", str(path)).returncode == 0

    newest = target.ranks("audit", "show", "--limit", "1")

    assert newest.returncode == 0, newest.stderr
    seq, _at, actor, action, obj = newest.stdout.strip().split("\t")
    kept = json.loads(path.with_name(path.name + ".head.json").read_text(encoding="utf-8"))
    assert int(seq) == kept["audit_head"]["seq"]
    assert actor.startswith("os:")
    assert (action, obj) == ("ranks.core.backup.taken", f"backup:{path.name}")


def test_a_restore_into_a_database_that_is_not_empty_is_refused(backed_up):
    source, path, _verify = backed_up
    before = source.ranks("audit", "verify").stdout

    done = source.ranks("restore", str(path))

    assert done.returncode == 2
    assert "is not empty: a backup restores only into an empty database" in done.stderr
    assert source.ranks("audit", "verify").stdout == before


def test_a_chain_that_differs_from_the_kept_head_fails_the_restore(backed_up, new_database):
    _source, path, _verify = backed_up
    copy = path.with_name("other.backup")
    copy.write_bytes(path.read_bytes())
    kept = json.loads(path.with_name(path.name + ".head.json").read_text(encoding="utf-8"))
    kept["audit_head"]["hash"] = "f" * 64  # the head seen outside: the chain has been rebuilt
    copy.with_name(copy.name + ".head.json").write_text(json.dumps(kept), encoding="utf-8")
    target = new_database()

    done = target.ranks("restore", str(copy))

    assert done.returncode == 1
    assert "NOT the head kept with the backup" in done.stderr


def test_a_backup_file_that_is_not_the_one_described_is_refused(backed_up, new_database):
    _source, path, _verify = backed_up
    copy = path.with_name("changed.backup")
    copy.write_bytes(path.read_bytes() + b"\0")
    head = path.with_name(path.name + ".head.json")
    copy.with_name(copy.name + ".head.json").write_bytes(head.read_bytes())
    target = new_database()

    done = target.ranks("restore", str(copy))

    assert done.returncode == 2
    assert "is not the file its head file describes" in done.stderr
    # Nothing was written: the database is still empty, and the true backup restores into it.
    assert target.ranks("restore", str(path)).returncode == 0


def test_a_backup_as_a_user_without_full_access_is_refused(backed_up, tmp_path):
    source, _path, _verify = backed_up

    done = source.ranks("backup", str(tmp_path / "alice.backup"), "--as", "alice")

    assert done.returncode == 2
    assert "backing up and restoring need full access" in done.stderr
    assert not (tmp_path / "alice.backup").exists()


@pytest.mark.django_db(transaction=True)
def test_the_kept_head_is_the_head_inside_the_copy_while_others_write(
    monkeypatch, new_database, tmp_path
):
    """An officer's change committed while the backup runs: on PostgreSQL after the snapshot is
    taken (not in the dump, nor in the kept head), on SQLite between the backup's own entry and
    the copy (in both). Either way the restore ends at the kept head."""
    from django.core.management import call_command

    from ranks.core import backup
    from ranks.core.actor import SYSTEM
    from ranks.core.audit import audit_record, audit_seq

    def officer_writes() -> None:
        audit_record(SYSTEM, "ranks.test.meanwhile", object_type="test", object_id="1")

    if VENDOR == "postgresql":
        dump = backup._run

        def run_after_a_write(command, env):
            officer_writes()
            dump(command, env)

        monkeypatch.setattr(backup, "_run", run_after_a_write)
    else:
        copy = backup._copy_sqlite

        def copy_after_a_write(partial):
            officer_writes()
            return copy(partial)

        monkeypatch.setattr(backup, "_copy_sqlite", copy_after_a_write)
    path = tmp_path / "meanwhile.backup"

    call_command("backup", str(path), lang="en")

    kept = json.loads(path.with_name(path.name + ".head.json").read_text(encoding="utf-8"))
    newest = audit_seq()
    assert kept["audit_head"]["seq"] == (newest - 1 if VENDOR == "postgresql" else newest)
    target = new_database()
    done = target.ranks("restore", str(path))
    assert done.returncode == 0, done.stderr
    assert "is intact and ends at the same head" in done.stdout


def test_the_data_key_is_not_in_the_backup_and_a_restore_without_it_says_so(
    backed_up, new_database
):
    """The national IDs are encrypted under the data key of var/data_key, which the backup does
    not hold: restored where another key is set, they cannot be read, and the restore says so
    (exit status 1) instead of leaving them to fail later."""
    source, path, _verify = backed_up
    key = (source.var / "data_key").read_text().split()[0]
    assert key.encode() not in path.read_bytes()
    target = new_database()
    target.extra = {"RANKS_DATA_KEY": "Zm9yZWlnbi1rZXktZm9yZWlnbi1rZXktZm9yZWlnbjE="}

    done = target.ranks("restore", str(path))

    assert done.returncode == 1
    assert "its national IDs cannot be read with the data key here" in done.stderr
    assert "not among the data keys here" in done.stderr
    target.extra = {"RANKS_DATA_KEY": key}  # the key kept apart from the backup
    checked = target.ranks("datakey", "check")
    assert checked.returncode == 0, checked.stderr
