"""Imports started from the web: keep the upload, check it, import it once the user confirms.

Each run happens in a background thread (or inline in the request, with the setting
`RANKS_IMPORT_IN_BACKGROUND = False`). The engine runs the whole file in one transaction, so the
job's row cannot carry the progress while it runs: written on the thread's own connection it
would stay invisible until the end (and be rolled back with a dry run), and on SQLite a second
connection cannot write while the import holds the write lock. The progress therefore goes to a
small file beside the upload, at most every half second, which the polling page reads; the job's
row gets the final counts.
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
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ranks.core.actor import Actor
from ranks.interchange.engine import ImportResult, run_import
from ranks.interchange.models import RUNNING, ImportJob, ImportStatus

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 0.5  # seconds between two progress writes
# A running job whose progress has not moved for this long died with its process (a restart).
STALE_AFTER = dt.timedelta(minutes=30)
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
    job.save()
    _start(job.pk, dry_run=True)
    return job


def job_confirm(*, job: ImportJob, channel: str = "web") -> bool:
    """Import a checked file for real, audited under the channel of the confirmation (web,
    api). False if it was not waiting for confirmation (a second click, an expired check): the
    import runs once."""
    started = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).update(
        status=ImportStatus.IMPORTING, rows_done=0, channel=channel, updated_at=timezone.now()
    )
    if not started:
        return False
    _start(job.pk, dry_run=False)
    return True


def _start(job_id, *, dry_run: bool) -> None:
    if not _in_background():
        _run(job_id, dry_run=dry_run)
        return
    thread = threading.Thread(
        target=_run_in_thread, args=(job_id, dry_run), name=f"import-{job_id}", daemon=True
    )
    # The thread reads the job on its own connection: only once the job row is committed.
    transaction.on_commit(thread.start)


def _run_in_thread(job_id, dry_run: bool) -> None:
    try:
        _run(job_id, dry_run=dry_run)
    finally:
        connection.close()


class Progress:
    """The engine's `on_progress`: writes rows read and the share done, every half second."""

    def __init__(self, job_id):
        self.path = _progress_path(job_id)
        self.last = 0.0

    def __call__(self, rows: int, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        progress_write(self.path, rows=rows, done=done, total=total)


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
                on_progress=Progress(job.pk),
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


def _last_sign_of_life(job: ImportJob) -> dt.datetime:
    try:
        moved = _progress_path(job.pk).stat().st_mtime
    except OSError:
        return job.updated_at
    return max(job.updated_at, dt.datetime.fromtimestamp(moved, tz=dt.UTC))


def job_refresh(job: ImportJob) -> ImportJob:
    """Close a job whose run died with its process, or whose check waited too long for a
    confirmation; the stored file goes with it."""
    now = timezone.now()
    if job.status in RUNNING and now - _last_sign_of_life(job) > STALE_AFTER:
        _finish(job, ImportStatus.FAILED, {"failure": "stale"}, keep_file=False)
    elif job.status == ImportStatus.CHECKED and now - job.updated_at > KEEP_CHECKED:
        _finish(job, ImportStatus.FAILED, {"failure": "expired"}, keep_file=False)
    return job


def jobs_sweep() -> None:
    """Refresh every job that may be stale or expired, whoever started it."""
    now = timezone.now()
    for job in ImportJob.objects.filter(
        status__in=RUNNING, updated_at__lt=now - STALE_AFTER
    ).iterator():
        job_refresh(job)
    for job in ImportJob.objects.filter(
        status=ImportStatus.CHECKED, updated_at__lt=now - KEEP_CHECKED
    ).iterator():
        job_refresh(job)
