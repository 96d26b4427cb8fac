"""An import started from the web: the stored file, its progress, and what the check or import found."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("checking")
    CHECKED = "checked", _("checked")
    REJECTED = "rejected", _("rejected")
    IMPORTING = "importing", _("importing")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


RUNNING = (ImportStatus.CHECKING, ImportStatus.IMPORTING)
FINISHED = (ImportStatus.REJECTED, ImportStatus.DONE, ImportStatus.FAILED)


class ImportJob(models.Model):
    """One uploaded file of one kind: checked (a dry run) first, imported when the user confirms.

    `path` is the stored upload, relative to VAR_DIR/uploads; it is emptied when the file is
    removed (done, rejected, failed or expired). `result` holds the counts and the bad rows.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Looked up through the index below, which begins with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="import_jobs",
        db_index=False,
    )
    kind = models.CharField(max_length=20)
    filename = models.CharField(max_length=255)
    path = models.CharField(max_length=255, blank=True)
    language = models.CharField(max_length=10, default="vi")
    # Where the upload or the confirmation came from (web, api): the import's audit channel.
    channel = models.CharField(max_length=10, default="web")
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.CHECKING
    )
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    # The queued task that runs the current step (check or import) in a worker, and how many
    # times that step was started: a step whose worker died is run once more (jobs.job_refresh).
    task_id = models.UUIDField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} ({self.status})"

    @property
    def running(self) -> bool:
        return self.status in RUNNING

    @property
    def errors(self) -> list[dict]:
        return (self.result or {}).get("errors", [])
