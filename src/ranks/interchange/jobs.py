"""Imports started from the web: keep the upload, check it, import it once the user confirms.

Each step (the check, then the import) runs as a job: a task of django-tasks queued in the
database and run by a worker process (`ranks worker`, docs/deploy.md "Jobs"), or inline in the
request with the setting `RANKS_IMPORT_IN_BACKGROUND = False`. The job's row is what the user
sees. The engine runs the whole file in one transaction, so the row cannot carry the progress
while it runs: written on another connection it would stay invisible until the end (and be
rolled back with a dry run), and on SQLite a second connection cannot write while the import
holds the write lock. The progress therefore goes to a small file beside the upload, at most every
half second, which the polling page reads; the job's row gets the final counts.

A worker that dies mid-import (`kill -9`, a crash of the machine) takes its transaction with it:
nothing of the file is written. Its heartbeat (the progress file touched every
RANKS_JOB_LOST_AFTER / 6 seconds) stops; once it is older than RANKS_JOB_LOST_AFTER the step is
queued again, once, and failed with its reason the second time (`job_refresh`, run by the
pages, the API and every worker's sweep).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from ranks.core.actor import Actor
from ranks.interchange.engine import ImportResult, run_import
from ranks.interchange.models import RUNNING, ImportJob, ImportStatus

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 0.5  # seconds between two progress writes
# A job run inline whose progress has not moved for this long died with its process (a restart).
STALE_AFTER = dt.timedelta(minutes=30)
# A step run by a worker is started at most this many times: once, and once more if its worker
# died.
MAX_ATTEMPTS = 2
# A checked file nobody confirmed is removed after this long: it holds personal data.
KEEP_CHECKED = dt.timedelta(hours=24)


def uploads_dir() -> Path:
    return Path(settings.VAR_DIR) / "uploads"


def _progress_path(job_id) -> Path:
    return uploads_dir() / f"{job_id}.progress"


def _in_background() -> bool:
    return getattr(settings, "RANKS_IMPORT_IN_BACKGROUND", True)


def job_create(
    *, user, kind: str, upload: UploadedFile, language: str, channel: str = "web"
) -> ImportJob:
    """Store the uploaded file (readable by this process's user only) and start checking it;
    `channel` (web, api) is where the upload came from, the import's audit channel."""
    job = ImportJob(
        user=user,
        kind=kind,
        filename=(upload.name or "")[-255:],
        language=language,
        channel=channel,
    )
    folder = uploads_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{job.id}.upload"
    descriptor = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        for chunk in upload.chunks():
            stream.write(chunk)
    job.path = name
    with _queueing():
        job.save()
        _start(job.pk, dry_run=True)
    return job


def job_confirm(*, job: ImportJob, channel: str = "web") -> bool:
    """Import a checked file for real, audited under the channel of the confirmation (web,
    api). False if it was not waiting for confirmation (a second click, an expired check): the
    import runs once."""
    with _queueing():
        started = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).update(
            status=ImportStatus.IMPORTING, rows_done=0, channel=channel, updated_at=timezone.now()
        )
        if not started:
            return False
        _start(job.pk, dry_run=False)
    return True


def _queueing():
    """One transaction for the job's new status and its queued task, so that neither is kept
    without the other (inline, the import is its own transaction)."""
    return transaction.atomic() if _in_background() else contextlib.nullcontext()


def lost_after() -> dt.timedelta:
    """How long a worker's step may give no sign of life before it is taken for dead."""
    return dt.timedelta(seconds=getattr(settings, "RANKS_JOB_LOST_AFTER", 60))


def _start(job_id, *, dry_run: bool, attempt: int = 1) -> None:
    """Run the step inline, or queue it for a worker (in the caller's transaction)."""
    if not _in_background():
        ImportJob.objects.filter(pk=job_id).update(attempts=attempt)
        _run(job_id, dry_run=dry_run)
        return
    queued = import_step.enqueue(str(job_id), dry_run, attempt)
    ImportJob.objects.filter(pk=job_id).update(task_id=queued.id, attempts=attempt)


@task()
def import_step(job_id: str, dry_run: bool, attempt: int) -> str:
    """The task a worker runs: one step of one job, unless the job has moved on without it (a
    step taken for dead and queued again)."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status not in RUNNING or job.attempts != attempt:
        return "skipped"
    with _heartbeat(job.pk):
        _run(job.pk, dry_run=dry_run)
    return ImportJob.objects.values_list("status", flat=True).get(pk=job_id)


@contextlib.contextmanager
def _heartbeat(job_id):
    """Touch the progress file while the step runs, however long a batch takes: the sign of
    life that tells a slow step from one whose worker died."""
    path = _progress_path(job_id)
    stop = threading.Event()
    every = lost_after().total_seconds() / 6

    def beat() -> None:
        while not stop.wait(every):
            with contextlib.suppress(OSError):
                os.utime(path)

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


class Progress:
    """The engine's `on_progress`: writes rows read and the share done, every half second."""

    def __init__(self, job_id, *, pause: float = 0.0):
        self.path = _progress_path(job_id)
        self.last = 0.0
        self.pause = pause  # tests only: seconds to wait after each batch, inside its transaction

    def __call__(self, rows: int, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY or self.pause:
            self.last = now
            progress_write(self.path, rows=rows, done=done, total=total)
        if self.pause:
            time.sleep(self.pause)


def progress_write(path: Path, *, rows: int, done: int, total: int) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"rows": rows, "done": done, "total": total}))
    os.replace(temporary, path)


def _run(job_id, *, dry_run: bool) -> None:
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    path = uploads_dir() / job.path
    progress_write(_progress_path(job.pk), rows=0, done=0, total=0)
    try:
        with translation.override(job.language), path.open("rb") as stream:
            result = run_import(
                actor=Actor.for_user(job.user, channel=job.channel),
                kind=job.kind,
                stream=stream,
                filename=job.filename,
                dry_run=dry_run,
                on_progress=Progress(
                    job.pk,
                    pause=0.0 if dry_run else getattr(settings, "RANKS_TEST_IMPORT_PAUSE", 0.0),
                ),
            )
    except Exception:
        logger.exception("import %s of %s failed", job.pk, job.filename)
        _finish(job, ImportStatus.FAILED, {"failure": "crashed"}, keep_file=False)
        return
    if not result.ok:
        _finish(job, ImportStatus.REJECTED, result_data(result), keep_file=False)
    elif dry_run:
        _finish(job, ImportStatus.CHECKED, result_data(result), keep_file=True)
    else:
        _finish(job, ImportStatus.DONE, result_data(result), keep_file=False)


def result_data(result: ImportResult) -> dict[str, Any]:
    return {
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "seconds": round(result.seconds, 2),
        "errors": [dataclasses.asdict(error) for error in result.errors],
    }


def _without_nul(value: Any) -> Any:
    """`value` with each NUL in its texts replaced (PostgreSQL's JSON takes no NUL, and a bad row
    quotes what the file had)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nul(v) for v in value]
    return value


def _finish(job: ImportJob, status: str, data: dict, *, keep_file: bool) -> None:
    job.status = status
    job.result = _without_nul(data)
    job.rows_done = data.get("rows", job.rows_done)
    if status == ImportStatus.CHECKED:
        job.rows_total = job.rows_done
    if not keep_file:
        _remove_files(job)
    job.save()
    with contextlib.suppress(FileNotFoundError):
        _progress_path(job.pk).unlink()


def _remove_files(job: ImportJob) -> None:
    if job.path:
        with contextlib.suppress(FileNotFoundError):
            (uploads_dir() / job.path).unlink()
        job.path = ""


def job_progress(job: ImportJob) -> dict[str, Any]:
    """Rows read so far and the percentage done, for the progress bar."""
    if not job.running:
        return {"rows": job.rows_done, "percent": 100}
    try:
        state = json.loads(_progress_path(job.pk).read_text())
    except (OSError, ValueError):
        state = {"rows": 0, "done": 0, "total": 0}
    share = state["done"] / state["total"] if state["total"] else 0.0
    if job.status == ImportStatus.IMPORTING and job.rows_total:
        share = max(share, state["rows"] / job.rows_total)
    # 100 % only once the job says it is finished: writing the last batch takes time too.
    return {"rows": state["rows"], "percent": min(int(share * 100), 99)}


def job_progress_text(*, job: ImportJob, progress: dict[str, Any]) -> str:
    """The progress in words: rows of the total while importing, else rows read so far."""
    rows = progress["rows"]
    if job.status == ImportStatus.IMPORTING and job.rows_total:
        return _("%(rows)d of %(total)d rows") % {"rows": rows, "total": job.rows_total}
    return ngettext("%(rows)d row read", "%(rows)d rows read", rows) % {"rows": rows}


def _last_sign_of_life(job: ImportJob, *since: dt.datetime | None) -> dt.datetime:
    try:
        moved = _progress_path(job.pk).stat().st_mtime
    except OSError:
        moved = 0.0
    signs = [job.updated_at, dt.datetime.fromtimestamp(moved, tz=dt.UTC)]
    return max(signs + [s for s in since if s is not None])


class WorkerLost(Exception):
    """What a task whose worker died is marked failed with."""


def job_refresh(job: ImportJob) -> ImportJob:
    """Close a job whose run died with its process, or whose check waited too long for a
    confirmation; the stored file goes with it. A step whose worker died is queued again once."""
    now = timezone.now()
    if job.status in RUNNING and job.task_id is not None:
        task_row = DBTaskResult.objects.filter(pk=job.task_id).values("status", "started_at")
        queued = task_row.first() or {"status": None, "started_at": None}
        if queued["status"] == TaskResultStatus.READY:
            return job  # waiting for a worker: a job outlives a restart, however long it waits
        if now - _last_sign_of_life(job, queued["started_at"]) > lost_after():
            _lost(job, now)
    elif job.status in RUNNING and now - _last_sign_of_life(job) > STALE_AFTER:
        _finish(job, ImportStatus.FAILED, {"failure": "stale"}, keep_file=False)
    elif job.status == ImportStatus.CHECKED and now - job.updated_at > KEEP_CHECKED:
        _finish(job, ImportStatus.FAILED, {"failure": "expired"}, keep_file=False)
    return job


def _lost(job: ImportJob, now: dt.datetime) -> None:
    """The step of `job` lost its worker: queue it again, or fail the job the second time. The
    first of several refreshes to see it does it (the update on the attempt it saw)."""
    same = ImportJob.objects.filter(pk=job.pk, status=job.status, attempts=job.attempts)
    if job.attempts < MAX_ATTEMPTS:
        if not same.update(rows_done=0, attempts=job.attempts + 1, updated_at=now):
            job.refresh_from_db()
            return
        logger.warning("import %s lost its worker: queued again", job.pk)
        _task_lost(job.task_id)
        _start(job.pk, dry_run=job.status == ImportStatus.CHECKING, attempt=job.attempts + 1)
        job.refresh_from_db()
        return
    if not same.update(status=ImportStatus.FAILED, updated_at=now):
        job.refresh_from_db()
        return
    logger.warning("import %s lost its worker again: failed", job.pk)
    _task_lost(job.task_id)
    _finish(job, ImportStatus.FAILED, {"failure": "worker_lost"}, keep_file=False)


def _task_lost(task_id) -> None:
    DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path=f"{__name__}.WorkerLost",
        traceback=f"The worker running this task gave no sign of life for {lost_after()}.",
    )


def jobs_sweep() -> None:
    """Refresh every job that may be stale, lost or expired, whoever started it."""
    now = timezone.now()
    for job in ImportJob.objects.filter(
        status__in=RUNNING, updated_at__lt=now - min(STALE_AFTER, lost_after())
    ).iterator():
        job_refresh(job)
    for job in ImportJob.objects.filter(
        status=ImportStatus.CHECKED, updated_at__lt=now - KEEP_CHECKED
    ).iterator():
        job_refresh(job)
