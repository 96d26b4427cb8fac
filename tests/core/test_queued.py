"""Commands queued with `--queue` (ranks.core.queued): run by a worker, audited under the operator
who queued them, their output kept for `ranks job ID`; a worker that died is said."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import ManagementUtility
from django.db import connections
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from ranks.core import actor as actor_module
from ranks.core.models import AuditEntry
from ranks.core.queued import commands_sweep
from ranks.org.models import UnitVersion


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    # The console script closes the connections when a command ends: the test's transaction
    # holds on to its own.
    monkeypatch.setattr(connections, "close_all", lambda: None)


def ranks(capsys, *argv: str, lang: str = "en") -> tuple[int, str, str]:
    """`ranks ARGV…` as the console script runs it (run_from_argv), in English unless told."""
    try:
        ManagementUtility(["ranks", *argv, *(["--lang", lang] if lang else [])]).execute()
        code = 0
    except SystemExit as leaving:
        code = int(leaving.code or 0)
    said = capsys.readouterr()
    return code, said.out, said.err


def queued(out: str) -> str:
    found = re.search(r"Queued as job ([0-9a-f-]{36}): `ranks job \1` shows how it went\.", out)
    assert found, out
    return found.group(1)


def run_worker(monkeypatch) -> None:
    """A worker's loop until the queue is empty (on the test's own connection, which the loop
    would otherwise close)."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    db_worker.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    ).run()


def test_a_queued_rebuild_waits_runs_in_a_worker_and_is_audited_under_its_operator(
    world, capsys, monkeypatch
):
    monkeypatch.setattr(actor_module.getpass, "getuser", lambda: "operator")
    code, out, _ = ranks(capsys, "counters", "rebuild", "--queue")
    job = queued(out)
    assert code == 0 and not AuditEntry.objects.filter(action="ranks.counters.rebuilt").exists()
    assert ranks(capsys, "job", job)[1] == f"Job {job} is waiting for a worker (`ranks worker`).\n"
    monkeypatch.setattr(actor_module.getpass, "getuser", lambda: "ranks-worker")
    run_worker(monkeypatch)
    code, out, _ = ranks(capsys, "job", job)
    assert code == 0 and re.fullmatch(r"Counters rebuilt from the records: \d+ rows\.\n", out)
    assert AuditEntry.objects.get(action="ranks.counters.rebuilt").actor == "os:operator"


def test_a_queued_plan_is_read_from_where_it_was_queued(world, capsys, monkeypatch, tmp_path):
    here = tmp_path / "operator"
    here.mkdir()
    (here / "plan.csv").write_text(
        "kind,effective_on,source,target,name\nrename,2026-01-01,N1,,Đảng bộ xã Mười Hai\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(here)
    code, out, _ = ranks(capsys, "restructure", "apply", "plan.csv", "--queue")
    job = queued(out)
    assert code == 0 and DBTaskResult.objects.get(pk=job).args_kwargs["args"][0] == [
        "restructure",
        "apply",
        str(here / "plan.csv"),
        "--lang",
        "en",
    ]
    monkeypatch.chdir(tmp_path)  # the worker runs elsewhere
    run_worker(monkeypatch)
    code, out, _ = ranks(capsys, "job", job)
    assert code == 0 and "Applied. 1 rows, 1 steps" in out
    assert UnitVersion.objects.filter(unit__code="N1", name="Đảng bộ xã Mười Hai").exists()


def test_a_queued_command_that_fails_says_so_with_its_exit_status(world, capsys, monkeypatch):
    job = queued(ranks(capsys, "counters", "rebuild", "--unit", "NOWHERE", "--queue")[1])
    run_worker(monkeypatch)
    code, _, err = ranks(capsys, "job", job)
    assert code == 2
    assert "Unknown unit code: NOWHERE." in err and f"Job {job} ended with exit status 2." in err


def test_a_command_whose_worker_died_is_failed_with_its_reason(world, capsys):
    job = queued(ranks(capsys, "counters", "rebuild", "--queue")[1])
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    DBTaskResult.objects.filter(pk=job).update(status="RUNNING", started_at=long_ago)
    assert "is running since" in ranks(capsys, "job", job)[1]
    commands_sweep()
    code, _, err = ranks(capsys, "job", job)
    assert code == 1
    assert f"Job {job} failed: the worker running it stopped." in err
    assert (
        "thất bại: tiến trình chạy nền bị tắt giữa chừng" in ranks(capsys, "job", job, lang="")[2]
    )


def test_only_what_may_be_queued_is(world, capsys):
    code, _, err = ranks(capsys, "counters", "verify", "--queue")
    assert code == 2 and "Only these can be queued, from the command line: rebuild." in err
    assert not DBTaskResult.objects.exists()
    assert ranks(capsys, "job", "not-a-job")[0] == 2
