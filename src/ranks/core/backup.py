"""Taking a backup of the whole database and restoring it into an empty one, with the audit head
kept beside the copy (`FILE.head.json`) so that a restored or rebuilt chain can be checked.

SQLite: the copy is made by SQLite's online backup API (a consistent copy of the live database,
WAL included) and is a plain SQLite file. PostgreSQL: `pg_dump --format=custom`, taken in a
snapshot exported by a read-only transaction that also reads the head, so the head kept is the
head inside the copy even while others write. See docs/backup.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import OperationalError, connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from ranks.core.actor import Actor
from ranks.core.audit import audit_record, audit_verify
from ranks.core.chain import Break
from ranks.core.datakey import data_key_check
from ranks.core.errors import DomainError
from ranks.core.models import AuditHead

FORMAT = "ranks-backup"
FORMAT_VERSION = 1
HEAD_SUFFIX = ".head.json"
ENGINES = {"sqlite": "sqlite", "postgresql": "postgresql"}


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


@dataclass(frozen=True)
class Restored:
    """What a restore found: the head kept with the backup, the restored chain's head, its first
    break (None: intact), and the migrations this code has that the backup has not."""

    kept: Mapping[str, Any]
    head: Head
    broken: Break | None
    missing_migrations: list[str]
    # Why the national IDs restored cannot be read with the data key here, or None if they can.
    unreadable: str | None = None

    @property
    def same_head(self) -> bool:
        kept = self.kept["audit_head"]
        return (self.head.seq, self.head.hash) == (kept["seq"], kept["hash"])


def head_path(path: Path) -> Path:
    return path.with_name(path.name + HEAD_SUFFIX)


def _full_access(actor: Actor) -> None:
    if not actor.has_full_access:
        raise DomainError(
            _("A backup holds every record: backing up and restoring need full access.")
        )


def _ranks_version() -> str:
    try:
        return importlib.metadata.version("ranks")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - always installed
        return "unknown"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _state_from(cursor: Any) -> tuple[Head, dict[str, str]]:
    """The head and the newest applied migration of each app, read through a DB-API cursor on the
    copy itself (SQLite) or in the dump's snapshot (PostgreSQL)."""
    table = AuditHead._meta.db_table
    cursor.execute(f"SELECT seq, hash FROM {table} WHERE id = 1")  # noqa: S608 - a model's table
    row = cursor.fetchone()
    head = Head(seq=int(row[0]), hash=str(row[1])) if row else Head(0, "0" * 64)
    cursor.execute("SELECT app, name FROM django_migrations")
    newest: dict[str, str] = {}
    for app, name in cursor.fetchall():
        newest[app] = max(newest.get(app, ""), name)
    return head, dict(sorted(newest.items()))


def _libpq_env(settings: Mapping[str, Any]) -> dict[str, str]:
    """The environment that points pg_dump and pg_restore at the database of `settings` (the
    password in PGPASSWORD, never on a command line others can read)."""
    env = dict(os.environ)
    for key, name in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if settings.get(key):
            env[name] = str(settings[key])
    options = settings.get("OPTIONS") or {}
    for key, name in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("options", "PGOPTIONS"),
    ):
        if options.get(key):
            env[name] = str(options[key])
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DomainError(
            _("%(tool)s is not installed: install the PostgreSQL client (postgresql-client).")
            % {"tool": name}
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise DomainError(
            _("%(tool)s failed: %(message)s")
            % {"tool": Path(command[0]).name, "message": done.stderr.strip() or done.returncode}
        )


def _copy_sqlite(partial: Path) -> tuple[Head, dict[str, str]]:
    connection.ensure_connection()
    source = connection.connection
    target = sqlite3.connect(partial)
    try:
        source.backup(target)  # all pages in one step: one read transaction, one state
        # The copy stands alone as one file: no -wal beside it when it is opened later.
        target.execute("PRAGMA journal_mode=DELETE")
        return _state_from(target.cursor())
    finally:
        target.close()


def _dump_postgresql(partial: Path) -> tuple[Head, dict[str, str]]:
    import psycopg

    pg_dump = _tool("pg_dump")
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = False
        raw.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        raw.read_only = True
        cursor = raw.cursor()
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        state = _state_from(cursor)
        # pg_dump reads in the same snapshot while this transaction stays open: the head read
        # above is the head inside the dump, whatever commits meanwhile.
        _run(
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={partial}"],
            _libpq_env(connection.settings_dict),
        )
        raw.rollback()
        return state
    finally:
        raw.close()


def backup_take(*, actor: Actor, path: Path) -> dict[str, Any]:
    """Copy the whole database to `path` and write what it holds to `path.head.json`; returns that
    record. The backup's own audit entry is written first, so the copy holds it and the head kept
    is the one after it."""
    _full_access(actor)
    vendor = connection.vendor
    if vendor not in ENGINES:
        raise DomainError(_("Backups work on SQLite and PostgreSQL only."))
    path = path.resolve()
    if not path.parent.is_dir():
        raise DomainError(
            _("The folder %(folder)s does not exist.") % {"folder": path.parent}, field="file"
        )
    audit_record(
        actor,
        "ranks.core.backup.taken",
        object_type="backup",
        object_id=path.name,
        after={"file": str(path), "engine": vendor},
    )
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        taken_at = timezone.now()
        if vendor == "sqlite":
            head, migrations = _copy_sqlite(partial)
        else:
            head, migrations = _dump_postgresql(partial)
        # The copy holds personal data (sensitive fields too): readable by its owner only.
        partial.chmod(0o600)
        record = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "engine": vendor,
            "file": path.name,
            "size": partial.stat().st_size,
            "sha256": _sha256(partial),
            "taken_at": taken_at.isoformat(),
            "ranks_version": _ranks_version(),
            "migrations": migrations,
            "audit_head": {"seq": head.seq, "hash": head.hash},
        }
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    kept = head_path(path)
    partial_head = kept.with_name(kept.name + ".partial")
    partial_head.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    os.replace(partial_head, kept)
    return record


def backup_read_head(path: Path) -> dict[str, Any]:
    """The record kept beside a backup, checked against the file it describes."""
    kept = head_path(path)
    if not path.is_file():
        raise DomainError(_("No backup file at %(path)s.") % {"path": path}, field="file")
    if not kept.is_file():
        raise DomainError(
            _(
                "The head file %(path)s is missing: without it the restored audit log cannot be "
                "checked."
            )
            % {"path": kept},
            field="file",
        )
    try:
        record = json.loads(kept.read_text(encoding="utf-8"))
        if record["format"] != FORMAT or int(record["format_version"]) > FORMAT_VERSION:
            raise ValueError(record["format"])
        record["audit_head"]["seq"] = int(record["audit_head"]["seq"])
    except (ValueError, KeyError, TypeError) as error:
        raise DomainError(
            _("%(path)s is not a head file of a Ranks backup.") % {"path": kept}, field="file"
        ) from error
    if _sha256(path) != record.get("sha256"):
        raise DomainError(
            _("%(path)s is not the file its head file describes (its SHA-256 differs).")
            % {"path": path},
            field="file",
        )
    return dict(record)


def _code_migrations() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """The migrations this code has, and the newest of each app (the graph's leaves)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return set(loader.disk_migrations), set(loader.graph.leaf_nodes())


def _is_empty() -> bool:
    if connection.vendor == "sqlite":
        name = Path(str(connection.settings_dict["NAME"]))
        if not name.exists():
            return True
        probe = sqlite3.connect(name)
        try:
            count = probe.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        finally:
            probe.close()
        return int(count) == 0
    try:
        with connection.cursor() as cursor:
            return not connection.introspection.table_names(cursor)
    except OperationalError as error:
        raise DomainError(
            _("The database %(name)s cannot be reached: %(error)s")
            % {"name": connection.settings_dict["NAME"], "error": str(error).strip()}
        ) from error


def _restore_sqlite(path: Path) -> None:
    connection.close()
    name = Path(str(connection.settings_dict["NAME"]))
    if not name.parent.is_dir():
        raise DomainError(_("The folder %(folder)s does not exist.") % {"folder": name.parent})
    source = sqlite3.connect(path)
    target = sqlite3.connect(name)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _restore_postgresql(path: Path) -> None:
    pg_restore = _tool("pg_restore")
    name = connection.settings_dict["NAME"]
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={name}",
            str(path),
        ],
        _libpq_env(connection.settings_dict),
    )


def backup_restore(*, actor: Actor, path: Path) -> Restored:
    """Restore the backup at `path` into the empty database of the settings, then read the
    restored chain. Not audited: an entry written now would move the head away from the one
    kept with the backup, which is what the restore is checked against."""
    _full_access(actor)
    path = path.resolve()
    record = backup_read_head(path)
    vendor = connection.vendor
    if record["engine"] != vendor:
        raise DomainError(
            _("This is a backup of a %(engine)s database; the database here is %(here)s.")
            % {"engine": record["engine"], "here": vendor}
        )
    known, leaves = _code_migrations()
    newer = sorted(
        f"{app}.{name}"
        for app, name in record.get("migrations", {}).items()
        if (app, name) not in known
    )
    if newer:
        raise DomainError(
            _(
                "The backup was taken by a newer Ranks (%(version)s) with migrations this one does "
                "not have (%(names)s): restore it with that version."
            )
            % {"version": record.get("ranks_version", "?"), "names": ", ".join(newer)}
        )
    if not _is_empty():
        raise DomainError(
            _(
                "The database %(name)s is not empty: a backup restores only into an empty "
                "database. Create a new one and point DATABASE_URL at it."
            )
            % {"name": connection.settings_dict["NAME"]}
        )
    if vendor == "sqlite":
        _restore_sqlite(path)
    else:
        _restore_postgresql(path)
    row = AuditHead.objects.filter(pk=1).values_list("seq", "hash").first()
    head = Head(seq=row[0], hash=row[1]) if row else Head(0, "0" * 64)
    applied = set(_applied_migrations())
    missing = sorted(f"{app}.{name}" for app, name in leaves if (app, name) not in applied)
    return Restored(
        kept=record,
        head=head,
        broken=audit_verify(),
        missing_migrations=missing,
        unreadable=data_key_check(),
    )


def _applied_migrations() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        return [(str(app), str(name)) for app, name in cursor.fetchall()]


def taken_at_text(record: Mapping[str, Any]) -> str:
    """The time a backup was taken, in the local time zone, as a person reads it."""
    try:
        at = dt.datetime.fromisoformat(str(record["taken_at"]))
    except (KeyError, ValueError):
        return "?"
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")
