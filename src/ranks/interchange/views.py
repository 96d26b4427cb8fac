"""Pages to import a file (upload, check, preview, confirm) and to download a unit's records.

Importing needs the officer role somewhere; the engine checks each row against the user's units.
An import is seen only by the user who started it: anybody else gets 404, like a missing one.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ranks.access.requests import actor_of, scope_of, unit_or_404
from ranks.core.clock import today
from ranks.core.replica import reads_replica
from ranks.interchange import jobs
from ranks.interchange.access import export_shows_sensitive
from ranks.interchange.engine import MAX_BYTES
from ranks.interchange.exporters import EXPORTERS, export_kind, write_csv, write_xlsx
from ranks.interchange.forms import UploadForm, import_kinds
from ranks.interchange.schema import KINDS
from ranks.interchange.selectors import job_of_user, jobs_recent
from ranks.interchange.xlsx_templates import write_template

if TYPE_CHECKING:
    from ranks.access.scope import Scope
    from ranks.core.actor import Actor
    from ranks.interchange.models import ImportJob
    from ranks.org.models import Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_FORMATS = ("csv", "xlsx")
ERRORS_SHOWN = 500  # bad rows listed on the page; the CSV report has all of them
RECENT_JOBS = 10
FAILURES = {
    "crashed": gettext_lazy(
        "The import stopped because of an error on the server. Nothing was written. "
        "Try again; if it happens again, tell your administrator."
    ),
    "stale": gettext_lazy(
        "The import stopped when the server restarted. Nothing was written. Upload the file again."
    ),
    "worker_lost": gettext_lazy(
        "The import stopped twice because the worker running it stopped. Nothing was written. "
        "Try again; if it happens again, tell your administrator."
    ),
    "expired": gettext_lazy(
        "The checked file waited more than a day for confirmation and was removed. Upload it again."
    ),
}


def _importer_or_404(request) -> None:
    if scope_of(request, role="officer").empty:
        raise Http404(_("No such page."))


def _job_or_404(request, job_id) -> ImportJob:
    _importer_or_404(request)
    job = job_of_user(user=request.user, job_id=job_id)
    if job is None:
        raise Http404(_("No such import."))
    return jobs.job_refresh(job)


@require_http_methods(["GET", "POST"])
def import_start(request):
    _importer_or_404(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        jobs.jobs_sweep()
        job = jobs.job_create(
            user=request.user,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
            language=translation.get_language() or "vi",
        )
        return redirect("import_job", job_id=job.pk)
    recent = [jobs.job_refresh(job) for job in jobs_recent(user=request.user, limit=RECENT_JOBS)]
    return render(
        request,
        "interchange/import_start.html",
        {
            "form": form,
            "kinds": import_kinds(),
            "chosen": form["kind"].value() or "",
            "recent": recent,
            "max_mb": MAX_BYTES // (1024 * 1024),
        },
    )


@require_GET
def import_template(request, kind: str):
    _importer_or_404(request)
    if kind not in KINDS:
        raise Http404(_("No such page."))
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"{kind}-template.xlsx")
    write_template(kind, response)  # type: ignore[arg-type]  # an HttpResponse is a file to write to; the writer only calls write()
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def import_job(request, job_id):
    job = _job_or_404(request, job_id)
    if request.method == "POST":
        jobs.job_confirm(job=job)
        return redirect("import_job", job_id=job.pk)
    errors = job.errors
    progress = jobs.job_progress(job)
    return render(
        request,
        "interchange/import_job.html",
        {
            "job": job,
            "progress": progress,
            "progress_text": jobs.job_progress_text(job=job, progress=progress),
            "errors": errors[:ERRORS_SHOWN],
            "errors_hidden": max(len(errors) - ERRORS_SHOWN, 0),
            "failure": FAILURES.get((job.result or {}).get("failure", ""), ""),
        },
    )


@never_cache
@require_GET
def import_status(request, job_id):
    """For the page's polling: the status and the progress, as JSON."""
    job = _job_or_404(request, job_id)
    progress = jobs.job_progress(job)
    return JsonResponse(
        {
            "status": job.status,
            "running": job.running,
            "rows": progress["rows"],
            "percent": progress["percent"],
            "text": jobs.job_progress_text(job=job, progress=progress),
        }
    )


@require_GET
def import_report(request, job_id):
    """Every bad row, as CSV in UTF-8 with a BOM so that Excel shows the Vietnamese right."""
    return report_response(_job_or_404(request, job_id))


def report_response(job: ImportJob) -> HttpResponse:
    """The bad-row report of `job` (the page's and the API's)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("row"), _("column"), _("value"), _("reason")])
    for error in job.errors:
        writer.writerow([error["row"], error["column"], error["value"], error["reason"]])
    response = HttpResponse(
        buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    stem = job.filename.rsplit(".", 1)[0] or job.kind
    response["Content-Disposition"] = content_disposition_header(True, f"{stem}-errors.csv")
    return response


@require_GET
@reads_replica
def unit_export(request, code: str, kind: str, fmt: str):
    """What `ranks export KIND --unit CODE` writes, for the signed-in user's access."""
    unit = unit_or_404(request, code)
    if kind not in EXPORTERS or fmt not in EXPORT_FORMATS:
        raise Http404(_("No such page."))
    return export_response(
        actor=actor_of(request), scope=scope_of(request), unit=unit, kind=kind, fmt=fmt
    )


def export_response(*, actor: Actor, scope: Scope, unit: Unit, kind: str, fmt: str) -> HttpResponse:
    """The export of `kind` under `unit` as a download (the page's and the API's): sensitive
    columns only when a sensitive grant covers the whole subtree."""
    export = export_kind(
        actor=actor,
        kind=kind,
        scope=scope,
        root=unit,
        sensitive=export_shows_sensitive(actor=actor, scope=scope, root=unit),
    )
    filename = f"{unit.code}-{kind}-{today().isoformat()}.{fmt}"
    if fmt == "xlsx":
        response = HttpResponse(content_type=XLSX)
        write_xlsx(export, response)  # type: ignore[arg-type]  # an HttpResponse is a file to write to; the writer only calls write()
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")  # the BOM: Excel then reads the file as UTF-8
        write_csv(export, response)  # type: ignore[arg-type]  # an HttpResponse is a file to write to; the writer only calls write()
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
