"""Commands queued as jobs: `ranks counters rebuild --queue`, `ranks restructure apply PLAN.csv
--queue` (docs/deploy.md, "Jobs").

The command line, less `--queue`, is queued as a task; a worker (`ranks worker`) runs it with
Django's `call_command`, audited under the operating-system user who queued it, and keeps what it
printed and its exit status as the task's result, which `ranks job ID` shows. While it runs, the
worker touches a file under VAR_DIR/jobs; a command whose worker gave no sign of life for
RANKS_JOB_LOST_AFTER seconds is marked failed (`WorkerLost`) by the workers' sweep. It is not
run again: a command need not be safe to run twice; what it had not committed was not written,
and the operator runs it again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks import TaskContext, TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from ranks.core.actor import QUEUED_BY


class WorkerLost(Exception):
    """What a queued command whose worker died is marked failed with."""


def lost_after() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "RANKS_JOB_LOST_AFTER", 60))


def _alive_path(task_id: str) -> Path:
    return Path(settings.VAR_DIR) / "jobs" / f"{task_id}.alive"


def command_queue(argv: list[str], *, queued_by: str) -> str:
    """Queue `ranks ARGV…` for a worker; the task's id."""
    return command_job.enqueue(list(argv), queued_by).id


@task(takes_context=True)
def command_job(context: TaskContext, argv: list[str], queued_by: str) -> dict[str, Any]:
    out, err = io.StringIO(), io.StringIO()
    path = _alive_path(context.task_result.id)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.touch()
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(lost_after().total_seconds() / 6):
            with contextlib.suppress(OSError):
                os.utime(path)

    heart = threading.Thread(target=beat, name="command-heartbeat", daemon=True)
    heart.start()
    token = QUEUED_BY.set(queued_by)
    code = 0
    try:
        call_command(argv[0], *argv[1:], stdout=out, stderr=err)
    except CommandError as error:
        err.write(f"{error}\n")
        code = error.returncode
    finally:
        QUEUED_BY.reset(token)
        stop.set()
        heart.join()
        with contextlib.suppress(OSError):
            path.unlink()
    return {"returncode": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


def commands_sweep() -> None:
    """Mark failed each running queued command whose worker gave no sign of life for too long."""
    now = timezone.now()
    running = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING,
        task_path=command_job.module_path,
        started_at__lt=now - lost_after(),
    )
    for task_id in running.values_list("pk", flat=True):
        try:
            moved = _alive_path(str(task_id)).stat().st_mtime
        except OSError:
            moved = 0.0
        if now - dt.datetime.fromtimestamp(moved, tz=dt.UTC) <= lost_after():
            continue
        DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=f"{__name__}.WorkerLost",
            traceback=f"The worker running this command gave no sign of life for {lost_after()}.",
        )
