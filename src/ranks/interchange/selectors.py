"""Reads of the import pages: a user's own import jobs."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ranks.interchange.models import ImportJob

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def job_of_user(*, user: User, job_id: uuid.UUID) -> ImportJob | None:
    """The import job `job_id` if `user` started it: nobody else may see it."""
    return ImportJob.objects.filter(pk=job_id, user=user).first()


def jobs_recent(*, user: User, limit: int) -> list[ImportJob]:
    """The newest `limit` import jobs `user` started, newest first."""
    return list(ImportJob.objects.filter(user=user)[:limit])
