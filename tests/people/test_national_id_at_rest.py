"""The national ID encrypted at rest (docs/privacy.md): whatever writes it (the service, the web
form, an import through the API, the row-by-row import, the staged import on PostgreSQL), the
people's table holds no plain ID and the audit log keeps only a keyed hash, while the ORM, the
page still read it (the exports: tests/interchange/test_export_pages.py); rotating the data key; a wrong or missing key fails loudly.
On SQLite, the database file itself is read for the ID."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldError
from django.db import connection
from django.test import override_settings
from django.utils import translation

from ranks.core import crypto
from ranks.core.actor import SYSTEM
from ranks.core.datakey import data_key_check, data_key_rotate
from ranks.core.models import AuditEntry
from ranks.people.models import Person
from ranks.people.services import person_save
from tests.interchange.helpers import csv_bytes, run
from tests.interchange.staged import MARKS as STAGED_MARKS
from tests.interchange.staged import ORDINARY, STAGED

REPO = Path(__file__).resolve().parents[2]
RANKS = Path(sys.executable).parent / "ranks"
PLAIN_ID = re.compile(r"(?<![0-9])([0-9]{9}|[0-9]{12})(?![0-9])")
NEW_ID = "001204009876"


def stored(person_id: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT national_id FROM people_person WHERE person_id = %s", [person_id])
        return cursor.fetchone()[0]


def all_stored() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT national_id FROM people_person")
        return [row[0] for row in cursor.fetchall()]


def audit_text() -> str:
    """Every audit entry's before and after as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT before, after FROM core_auditentry")
        return "\n".join(f"{b} {a}" for b, a in cursor.fetchall())


def assert_at_rest(person_id: str, national_id: str) -> None:
    raw = stored(person_id)
    # The blind index is hex: it may hold a run of 9 or 12 decimal digits by chance (about one
    # value in twenty), so only the token after it is searched for a plain number.
    assert raw and national_id not in raw and not PLAIN_ID.search(raw.partition(":")[2])
    assert crypto.is_sealed(raw)
    assert Person.objects.get(person_id=person_id).national_id == national_id
    assert national_id not in audit_text()
    assert all(value == "" or crypto.is_sealed(value) for value in all_stored())


def test_the_service_stores_ciphertext_and_the_audit_a_keyed_hash(world):
    person_save(
        actor=SYSTEM,
        person_id="P-NID",
        full_name="Lò Văn Sáu",
        birth_date=dt.date(2001, 4, 9),
        residence_place_code="V1",
        national_id=NEW_ID,
    )
    assert_at_rest("P-NID", NEW_ID)
    created = AuditEntry.objects.get(action="ranks.people.person.created", object_id="P-NID")
    assert created.after["national_id"] == crypto.audit_value(NEW_ID)
    assert created.after["national_id"].startswith("hmac:")
    # Saving the same ID again changes nothing (two encryptions differ; their hashes do not)...
    person_save(actor=SYSTEM, person_id="P-NID", national_id=NEW_ID)
    assert not AuditEntry.objects.filter(action="ranks.people.person.updated").exists()
    # ... and a new one shows in the log as a changed hash, the ID itself nowhere.
    person_save(actor=SYSTEM, person_id="P-NID", national_id="001204009877")
    updated = AuditEntry.objects.get(action="ranks.people.person.updated", object_id="P-NID")
    assert updated.before["national_id"] != updated.after["national_id"]
    assert_at_rest("P-NID", "001204009877")
    # The world's own people, written by the same service, are stored the same way.
    assert_at_rest("P-AN", "030090000001")


def test_the_form_stores_ciphertext_and_the_page_shows_the_id(client, world):
    client.force_login(get_user_model().objects.get(username="alice"))
    response = client.post(
        "/people/P-AN/edit/?show=sensitive",
        {
            "full_name": "Nguyễn Văn An",
            "birth_date": "1990-05-01",
            "residence_place_code": "V1",
            "ethnicity": "Kinh",
            "religion": "Không",
            "national_id": NEW_ID,
        },
    )
    assert response.status_code == 302
    assert_at_rest("P-AN", NEW_ID)
    page = client.get("/people/P-AN/?show=sensitive").content.decode()
    assert NEW_ID in page


PEOPLE = [
    ["person_id", "full_name", "birth_date", "residence_place_code", "national_id"],
    ["P-IMP1", "Trần Văn Bình", "2000-04-15", "V1", "030200000123"],
    ["P-IMP2", "Lê Thị Cúc", "2001-02-03", "V1", ""],
    ["P-AN", "Nguyễn Văn An", "1990-05-01", "V1", "030090000001"],  # as it was
    ["P-DUNG", "Trần Văn Dũng", "1985-03-03", "V1", "030085000777"],
]


@pytest.mark.django_db
def test_the_row_import_stores_ciphertext_and_leaves_an_unchanged_id_unchanged(world):
    with ORDINARY:
        result = run("people", csv_bytes(PEOPLE))
    assert result.ok and not result.staged
    assert (result.created, result.updated, result.unchanged) == (2, 1, 1)
    assert_at_rest("P-IMP1", "030200000123")
    assert_at_rest("P-DUNG", "030085000777")
    assert_at_rest("P-AN", "030090000001")


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the staged path is PostgreSQL's")
def test_the_staged_import_stores_ciphertext_like_the_row_import(world):
    assert STAGED_MARKS  # the same condition as the staged tests'
    before = {p: stored(p) for p in ("P-AN", "P-DUNG")}
    with STAGED:
        result = run("people", csv_bytes(PEOPLE))
    assert result.ok and result.staged
    # The unchanged ID is found unchanged by its blind index, though the file holds it plain.
    assert (result.created, result.updated, result.unchanged) == (2, 1, 1)
    assert stored("P-AN") == before["P-AN"]
    assert stored("P-DUNG") != before["P-DUNG"]
    assert_at_rest("P-IMP1", "030200000123")
    assert_at_rest("P-DUNG", "030085000777")
    entry = AuditEntry.objects.get(action="ranks.people.person.imported")
    rows = {row[0]: row for row in entry.after["rows"]}
    column = entry.after["columns"].index("national_id")
    assert rows["P-IMP1"][column] == crypto.audit_value("030200000123")
    assert rows["P-IMP2"][column] == ""


KEY_A, KEY_B = crypto.new_key(), crypto.new_key()


def test_rotating_the_key_reencrypts_and_the_old_key_can_then_be_dropped(world):
    first = list(settings.RANKS_DATA_KEYS)  # the world's IDs are encrypted under it
    with override_settings(RANKS_DATA_KEYS=[KEY_A, *first], RANKS_DATA_KEY_FILE=None):
        data_key_rotate(actor=SYSTEM)
        person_save(actor=SYSTEM, person_id="P-AN", national_id=NEW_ID)
        person_save(actor=SYSTEM, person_id="P-DUNG", national_id="030085000777")
        old = stored("P-AN")
    with override_settings(RANKS_DATA_KEYS=[KEY_B, KEY_A], RANKS_DATA_KEY_FILE=None):
        assert Person.objects.get(person_id="P-AN").national_id == NEW_ID  # read under the old
        rotation = data_key_rotate(actor=SYSTEM)
        assert rotation.resealed >= 2 and rotation.older == [crypto.key_id(_raw(KEY_A)).hex()]
        again = data_key_rotate(actor=SYSTEM)
        assert again.resealed == 0 and again.already == rotation.resealed + rotation.already
    assert stored("P-AN") != old
    with override_settings(RANKS_DATA_KEYS=[KEY_B], RANKS_DATA_KEY_FILE=None):
        assert Person.objects.get(person_id="P-AN").national_id == NEW_ID
        assert Person.objects.get(person_id="P-DUNG").national_id == "030085000777"
        assert data_key_check() is None
    entry = AuditEntry.objects.filter(action="ranks.core.data_key.rotated").order_by("seq").last()
    assert entry.after["key"] == crypto.key_id(_raw(KEY_B)).hex()
    assert KEY_A not in json.dumps(entry.after) and KEY_B not in json.dumps(entry.after)


def _raw(key: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(key)


def test_a_wrong_or_missing_key_fails_loudly(world):
    with translation.override("en"):  # the messages matched are the English ones
        with override_settings(RANKS_DATA_KEYS=[KEY_A]):
            with pytest.raises(crypto.DataKeyError, match="not among the data keys here"):
                Person.objects.get(person_id="P-AN")
            assert "not among the data keys here" in data_key_check()
        with override_settings(RANKS_DATA_KEYS=[]):
            with pytest.raises(crypto.DataKeyError, match="No data key"):
                list(Person.objects.values_list("national_id", flat=True))
            with pytest.raises(crypto.DataKeyError, match="No data key"):
                person_save(actor=SYSTEM, person_id="P-AN", national_id=NEW_ID)
        with override_settings(RANKS_DATA_KEYS=["not a key"]):
            with pytest.raises(crypto.DataKeyError, match="not 32 bytes"):
                Person.objects.get(person_id="P-AN")
        # A value altered in the table does not decrypt to something else.
        raw = stored("P-AN")
        flipped = raw[:-3] + ("A" if raw[-3] != "A" else "B") + raw[-2:]
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE people_person SET national_id = %s WHERE person_id = 'P-AN'", [flipped]
            )
        with pytest.raises(crypto.DataKeyError, match="does not decrypt"):
            Person.objects.get(person_id="P-AN")


def test_equality_goes_by_the_blind_index_and_nothing_else_is_searchable(world):
    found = Person.objects.filter(national_id="030090000001").values_list("person_id", flat=True)
    assert list(found) == ["P-AN"]
    blank = set(Person.objects.filter(national_id="").values_list("person_id", flat=True))
    assert blank and not blank & {"P-AN", "P-LAN"}

    with pytest.raises(FieldError):
        list(Person.objects.filter(national_id__startswith="0300"))


# The SQLite database file, read byte by byte, in a child process of its own.
FILL = """
import datetime as dt, sqlite3, sys
import django; django.setup()
from django.db import connection
from ranks.core.actor import SYSTEM
from ranks.people.services import person_save
from tests.factories import build_world
build_world()
person_save(actor=SYSTEM, person_id="P-FILE", full_name="Lò Thị Bảy",
            birth_date=dt.date(1999, 1, 2), residence_place_code="V1", national_id=sys.argv[1])
person_save(actor=SYSTEM, person_id="P-FILE", phone="0912000111")
with connection.cursor() as cursor:
    cursor.execute("PRAGMA wal_checkpoint(FULL)")
connection.close()
"""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite database file")
def test_the_id_is_absent_from_the_sqlite_database_file(tmp_path):
    database = tmp_path / "ranks.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "RANKS_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "ranks.settings",
    }
    env.pop("RANKS_DATA_KEY", None)

    def child(*args: str) -> None:
        done = subprocess.run(
            list(args), env=env, cwd=REPO, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr

    child(str(RANKS), "migrate", "--no-input", "-v", "0")
    child(sys.executable, "-c", FILL, NEW_ID)
    assert (tmp_path / "data_key").stat().st_mode & 0o777 == 0o600
    data = b"".join(p.read_bytes() for p in tmp_path.glob("ranks.sqlite3*"))
    assert len(data) > 100_000
    assert b"0912000111" in data  # the file is read as it is: what is not encrypted shows
    for plain in (NEW_ID, "030090000001", "030088000002"):
        assert plain.encode() not in data, plain
    probe = sqlite3.connect(database)
    try:
        (value,) = probe.execute(
            "SELECT national_id FROM people_person WHERE person_id = 'P-FILE'"
        ).fetchone()
    finally:
        probe.close()
    assert crypto.is_sealed(value)


INSERT_PLAIN = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO people_person (person_id, full_name, search_name, birth_date, gender,"
           " ethnicity, religion, education_general, education_professional, occupation,"
           " youth_union, national_id, phone) VALUES ('P-OLD', 'Cũ', 'cu', '1970-01-01', '', '',"
           " '', '', '', '', 0, ?, '')", [sys.argv[2]])
db.commit()
db.close()
"""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite database file")
def test_the_migration_encrypts_the_ids_there_and_back(tmp_path):
    database = tmp_path / "ranks.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "RANKS_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "ranks.settings",
    }

    def child(*args: str) -> None:
        done = subprocess.run(
            list(args), env=env, cwd=REPO, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr

    def value() -> str:
        probe = sqlite3.connect(database)
        try:
            probe.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return probe.execute(
                "SELECT national_id FROM people_person WHERE person_id = 'P-OLD'"
            ).fetchone()[0]
        finally:
            probe.close()

    child(str(RANKS), "migrate", "people", "0011", "--no-input", "-v", "0")
    child(sys.executable, "-c", INSERT_PLAIN, str(database), NEW_ID)
    child(str(RANKS), "migrate", "--no-input", "-v", "0")
    assert crypto.is_sealed(value())
    data = b"".join(p.read_bytes() for p in tmp_path.glob("ranks.sqlite3*"))
    assert NEW_ID.encode() not in data  # nor anywhere in the file (freed space included)
    child(str(RANKS), "migrate", "people", "0011", "--no-input", "-v", "0")
    assert value() == NEW_ID


def test_the_command_rotates_the_key_of_var_data_key_and_drops_the_old_one(world, tmp_path):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    first = list(settings.RANKS_DATA_KEYS)
    key_file = tmp_path / "data_key"
    key_file.write_text("\n".join(first) + "\n")
    out = StringIO()
    with override_settings(RANKS_DATA_KEYS=list(first), RANKS_DATA_KEY_FILE=key_file):
        call_command("datakey", "rotate", "--new-key", "--drop-old", lang="en", stdout=out)
        kept = key_file.read_text().split()
        assert len(kept) == 1 and kept[0] not in first
        assert settings.RANKS_DATA_KEYS == kept
        new_id = crypto.key_id(_raw(kept[0])).hex()
        assert f"encrypted again under the data key {new_id}" in out.getvalue()
        assert "Older keys taken out of var/data_key" in out.getvalue()
        assert Person.objects.get(person_id="P-AN").national_id == "030090000001"
    assert key_file.stat().st_mode & 0o777 == 0o600
    with override_settings(RANKS_DATA_KEYS=kept, RANKS_DATA_KEY_FILE=None):
        assert Person.objects.get(person_id="P-LAN").national_id == "030088000002"
        # Keys from the environment are the operator's to change: the command says how.
        with pytest.raises(CommandError, match="come from RANKS_DATA_KEY"):
            call_command("datakey", "rotate", "--new-key", lang="en")
    with override_settings(RANKS_DATA_KEYS=first, RANKS_DATA_KEY_FILE=None):
        with pytest.raises(CommandError, match="not among the data keys here"):
            call_command("datakey", "check", lang="en")
