"""Imports as jobs, run by `ranks worker` in child processes against a database of their own
(docs/deploy.md, "Jobs"): a job queued through the web outlives the web process and waits for a
worker; a worker killed with SIGKILL mid-import leaves nothing written, and the import is run
again by another worker; on PostgreSQL, two workers share one queue and run each job once.

The "web" here is the import page itself, driven by Django's test client in a child process that
ends once the file is uploaded (or confirmed), like a web server restarted. The databases are
files under tmp_path on the SQLite pass and databases of unique names on the PostgreSQL pass,
copied from one migrated and filled template, and dropped after.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
RANKS = Path(sys.executable).parent / "ranks"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
VENDOR = connection.vendor
LOST_AFTER = 3  # seconds: RANKS_JOB_LOST_AFTER of the children, short for the test
ROWS = 300


def people_file(prefix: str, rows: int) -> bytes:
    lines = ["person_id,full_name,birth_date,gender,residence_place_code"]
    lines += [f"{prefix}{n:05d},Nguyễn Văn Thử,2000-01-01,male,V1" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


# In the children (after django.setup()): the import page as a browser uses it.


def _client():
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    client = Client()
    client.force_login(get_user_model().objects.get(username="alice"))
    return client


def child_upload(paths: str) -> None:
    """Upload each file of `paths` (comma-separated); print the jobs' ids, one a line."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = _client()
    for path in paths.split(","):
        file = SimpleUploadedFile("people.csv", Path(path).read_bytes(), content_type="text/csv")
        response = client.post("/imports/", {"kind": "people", "file": file})
        assert response.status_code == 302, response.status_code
        print(response.url.strip("/").split("/")[-1])


def child_confirm(job_ids: str) -> None:
    client = _client()
    for job_id in job_ids.split(","):
        response = client.post(f"/imports/{job_id}/")
        assert response.status_code == 302, response.status_code


def child_status(job_id: str) -> None:
    print(_client().get(f"/imports/{job_id}/status").content.decode())


class Database:
    """One database of this test, its folder (VAR_DIR, shared by the web and the workers), and
    the console script and Python run against it."""

    def __init__(self, url: str, var: Path):
        self.url = url
        self.var = var
        self.workers: list[subprocess.Popen] = []

    def env(self, **more: str) -> dict[str, str]:
        skip = ("RANKS_", "DATABASE_URL")
        base = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
        return base | {
            "DJANGO_SETTINGS_MODULE": "ranks.settings",
            "DATABASE_URL": self.url,
            "RANKS_VAR_DIR": str(self.var),
            "RANKS_JOB_LOST_AFTER": str(LOST_AFTER),
            "PYTHONIOENCODING": "utf-8",
            **more,
        }

    def python(self, code: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env=self.env(),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def web(self, function: str, argument: str) -> str:
        return self.python(
            f"from tests.interchange.test_worker import {function}; {function}({argument!r})"
        )

    def worker(self, name: str, **more: str) -> subprocess.Popen:
        log = (self.var / f"{name}.log").open("w")
        process = subprocess.Popen(
            [str(RANKS), "worker", "--interval", "0.2", "--no-startup-delay", "--worker-id", name],
            env=self.env(**more),
            cwd=self.var,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(process)
        return process

    def rows(self, sql: str, *params) -> list[tuple]:
        if VENDOR == "sqlite":
            with sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            return db.execute(sql, params).fetchall()

    def job(self, job_id: str) -> tuple[str, int]:
        [(status, attempts)] = self.rows(
            "select status, attempts from interchange_importjob where id = %s", self._id(job_id)
        )
        return status, attempts

    def _id(self, job_id: str) -> str:
        return job_id if VENDOR == "postgresql" else uuid.UUID(job_id).hex

    def people(self, prefix: str) -> int:
        [(count,)] = self.rows(
            "select count(*) from people_person where person_id like %s", f"{prefix}%"
        )
        return count

    def wait_for(self, job_id: str, status: str, seconds: float = 60) -> tuple[str, int]:
        deadline = time.monotonic() + seconds
        while True:
            now = self.job(job_id)
            if now[0] == status:
                return now
            for worker in self.workers:
                assert worker.poll() is None or worker.returncode == -signal.SIGKILL, self.logs()
            assert time.monotonic() < deadline, f"{job_id} is {now}, not {status}\n{self.logs()}"
            time.sleep(0.2)

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.var.glob("*.log")))

    def upload(self, prefix: str, rows: int = ROWS) -> str:
        [job] = self.upload_many([prefix], rows)
        return job

    def upload_many(self, prefixes: list[str], rows: int) -> list[str]:
        paths = []
        for prefix in prefixes:
            paths.append(self.var / f"{prefix}.csv")
            paths[-1].write_bytes(people_file(prefix, rows))
        return self.web("child_upload", ",".join(map(str, paths))).split()

    def stop_workers(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(timeout=30)
            finally:
                if worker.poll() is None:
                    worker.kill()


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Iterator[str]:
    """A migrated database holding the tests' world, which each test copies."""
    var = tmp_path_factory.mktemp("jobs-template")
    name = f"ranks_jobs_{uuid.uuid4().hex[:10]}"
    if VENDOR == "sqlite":
        url = f"sqlite:///{var / name}.sqlite3"
    else:
        import psycopg

        url = f"{PG_SERVER}/{name}"
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
    Database(url, var).python(
        "from django.core.management import call_command; "
        "call_command('migrate', interactive=False, verbosity=0); "
        "from tests.factories import build_world; build_world()"
    )
    yield url
    if VENDOR == "postgresql":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def database(template, tmp_path) -> Iterator[Database]:
    if VENDOR == "sqlite":
        path = tmp_path / "ranks.sqlite3"
        shutil.copy(template.removeprefix("sqlite:///"), path)
        made = Database(f"sqlite:///{path}", tmp_path)
        yield made
        made.stop_workers()
        return
    import psycopg

    name = f"ranks_jobs_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {template.rsplit('/', 1)[1]}")
    made = Database(f"{PG_SERVER}/{name}", tmp_path)
    try:
        yield made
    finally:
        made.stop_workers()
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_job_queued_through_the_web_waits_for_a_worker_and_is_imported(database):
    job = database.upload("W-")
    # The web process has ended; no worker runs: the job waits in the queue, nothing is lost.
    assert database.job(job) == ("checking", 1)
    [(waiting,)] = database.rows("select status from django_tasks_database_dbtaskresult")
    assert waiting == "READY"
    worker = database.worker("worker-1")
    database.wait_for(job, "checked")
    assert database.people("W-") == 0  # checked, not written
    database.web("child_confirm", job)
    assert database.wait_for(job, "done") == ("done", 1)
    assert database.people("W-") == ROWS
    status = json.loads(database.web("child_status", job))
    assert (status["status"], status["running"], status["rows"]) == ("done", False, ROWS)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0, database.logs()


def test_a_worker_killed_mid_import_leaves_nothing_and_the_import_runs_again(database):
    job = database.upload("K-")
    # The first worker pauses inside the import's transaction after each batch.
    first = database.worker("doomed", RANKS_TEST_IMPORT_PAUSE="60")
    database.wait_for(job, "checked")
    database.web("child_confirm", job)
    progress = database.var / "uploads" / f"{job}.progress"
    deadline = time.monotonic() + 60
    while not (progress.exists() and json.loads(progress.read_text() or "{}").get("rows")):
        assert time.monotonic() < deadline, database.logs()
        time.sleep(0.1)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    # The rows were written in the transaction the kill ended: none of them is kept.
    assert database.job(job) == ("importing", 1)
    assert database.people("K-") == 0
    assert database.rows("select count(*) from core_auditentry where object_id like 'K-%%'") == [
        (0,)
    ]
    # Another worker sees the silence and runs the import again, whole.
    database.worker("second")
    assert database.wait_for(job, "done") == ("done", 2)
    assert database.people("K-") == ROWS
    tasks = database.rows(
        "select status, exception_class_path from django_tasks_database_dbtaskresult"
        " order by enqueued_at"
    )
    assert tasks == [
        ("SUCCESSFUL", ""),  # the check
        ("FAILED", "ranks.interchange.jobs.WorkerLost"),  # the import the kill ended
        ("SUCCESSFUL", ""),  # the import run again
    ]


@pytest.mark.skipif(VENDOR != "postgresql", reason="SQLite runs one writer at a time")
def test_two_workers_share_the_queue_and_run_each_job_once(database):
    prefixes = ["A-", "B-", "C-"]
    jobs = database.upload_many(prefixes, ROWS)
    database.worker("one", RANKS_TEST_IMPORT_PAUSE="1")
    database.worker("two", RANKS_TEST_IMPORT_PAUSE="1")
    for job in jobs:
        database.wait_for(job, "checked")
    database.web("child_confirm", ",".join(jobs))
    for job in jobs:
        assert database.wait_for(job, "done") == ("done", 1)
    for prefix in prefixes:
        assert database.people(prefix) == ROWS
    ran = database.rows("select worker_ids::text from django_tasks_database_dbtaskresult")
    assert len(ran) == 6  # three checks and three imports, each run by one worker, once
    by = [json.loads(ids) for (ids,) in ran]
    assert all(len(ids) == 1 for ids in by)
    assert {ids[0] for ids in by} == {"one", "two"}
