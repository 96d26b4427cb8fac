"""`ranks job ID`: how a command queued with `--queue` went (ranks.core.queued)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ranks.core.actor import Actor
from ranks.core.commands import RanksCommand, translated_help
from ranks.core.errors import DomainError
from ranks.core.queued import WorkerLost, command_job

FAILED = 1  # exit status when the job failed, and nothing printed its own


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return _(
            "Show how a command queued with --queue went: waiting for a worker, running, or "
            "what it printed, with its exit status."
        )

    def add_arguments(self, parser):
        parser.add_argument("id", metavar="ID")

    def run(self, actor: Actor, *args, **options):
        if not actor.has_full_access:
            raise DomainError(_("Queued commands are seen with full access only."))
        job_id = options["id"]
        try:
            job = DBTaskResult.objects.filter(pk=job_id, task_path=command_job.module_path).first()
        except ValidationError:
            job = None
        if job is None:
            raise CommandError(_("No such job: %(id)s.") % {"id": job_id}, returncode=2)
        if job.status == TaskResultStatus.READY:
            self.out(_("Job %(id)s is waiting for a worker (`ranks worker`).") % {"id": job_id})
            return
        if job.status == TaskResultStatus.RUNNING:
            started = formats.date_format(timezone.localtime(job.started_at), "d/m/Y H:i:s")
            self.out(_("Job %(id)s is running since %(time)s.") % {"id": job_id, "time": started})
            return
        if job.status == TaskResultStatus.FAILED:
            if job.exception_class_path.endswith(WorkerLost.__name__):
                reason = _(
                    "the worker running it stopped. What it had not committed was not written; "
                    "run the command again."
                )
            else:
                reason = _("an error on the server (%(error)s).") % {
                    "error": job.exception_class_path
                }
            raise CommandError(
                _("Job %(id)s failed: %(reason)s") % {"id": job_id, "reason": reason},
                returncode=FAILED,
            )
        result = job.return_value or {}
        self.stdout.write(result.get("stdout", ""), ending="")
        self.stderr.write(result.get("stderr", ""), ending="")
        if result.get("returncode"):
            raise CommandError(
                _("Job %(id)s ended with exit status %(code)d.")
                % {"id": job_id, "code": result["returncode"]},
                returncode=result["returncode"],
            )
