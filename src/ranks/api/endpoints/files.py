"""Files: imports (upload, check, confirm, status, bad-row report) and exports.

Through the same code as the import and export pages (`ranks.interchange`): an upload is stored
and checked (a dry run) as a job, in a background thread as on the page; a checked job is
imported, all or nothing, once confirmed; the bad-row report, a unit's exports of each kind and
its members register are the pages' own bytes (`unit_export`, `unit_members_export`). A job is seen only by the user who started it: anybody else gets 404, like a
missing one. The import is audited with channel `api` and reaches only the user's units, row by
row, as the page's.
"""

from __future__ import annotations

import uuid

from django.http import Http404
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ranks.access.requests import scope_of
from ranks.api.common import ERRORS, OnDay, api_actor, open_view, query_of, text_field, unit_of
from ranks.api.idempotency import IDEMPOTENCY_KEY, idempotent
from ranks.api.serializers import ErrorSerializer
from ranks.core.clock import today
from ranks.core.errors import DomainError, Refused
from ranks.core.replica import reads_replica
from ranks.interchange import jobs
from ranks.interchange.exporters import EXPORTERS
from ranks.interchange.forms import UploadForm
from ranks.interchange.models import ImportStatus
from ranks.interchange.schema import KIND_ORDER
from ranks.interchange.selectors import job_of_user
from ranks.interchange.views import (
    ERRORS_SHOWN,
    EXPORT_FORMATS,
    FAILURES,
    XLSX,
    export_response,
    report_response,
)
from ranks.people.selectors import REGISTER_STATUSES, RegisterFilters
from ranks.people.views import register_export_response

CSV = "text/csv"

# --- what the API answers with ------------------------------------------------------------------


@extend_schema_field({"type": "string", "format": "binary", "minLength": 1})
class FileUpload(serializers.FileField):
    """A file of at least one byte (the page refuses an empty one too)."""


class UploadSerializer(serializers.Serializer):
    """The upload (multipart/form-data), as on the import page."""

    kind = serializers.ChoiceField(choices=list(KIND_ORDER), help_text="What the file holds.")
    file = FileUpload(
        help_text="CSV (UTF-8) or Excel (.xlsx) in the columns of the kind's template."
    )


class JobProgressSerializer(serializers.Serializer):
    rows = serializers.IntegerField(min_value=0, help_text="Rows read so far.")
    percent = serializers.IntegerField(min_value=0, max_value=100)
    text = serializers.CharField(help_text="The progress in words, as the page shows it.")


class JobCountsSerializer(serializers.Serializer):
    rows = serializers.IntegerField(min_value=0)
    created = serializers.IntegerField(min_value=0)
    updated = serializers.IntegerField(min_value=0)
    unchanged = serializers.IntegerField(min_value=0)
    seconds = serializers.FloatField(min_value=0)


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        min_value=0, help_text="The row of the file (1: the header; 0: the file as a whole)."
    )
    column = serializers.CharField(allow_blank=True)
    value = serializers.CharField(allow_blank=True)
    reason = serializers.CharField()


class FailureSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(FAILURES))
    message = serializers.CharField()


class LinksSerializer(serializers.Serializer):
    status = serializers.URLField(help_text="This job: poll it while `running`.")
    report = serializers.URLField(help_text="Every bad row, as CSV.")
    confirm = serializers.URLField(
        allow_null=True, help_text="POST here to import; only while the status is `checked`."
    )


class ImportJobSerializer(serializers.Serializer):
    """An import: checked first (a dry run, nothing written), imported once confirmed."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=list(KIND_ORDER))
    filename = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(
        choices=ImportStatus.values,
        help_text=(
            "checking → checked (confirm it) or rejected (bad rows, nothing written); "
            "importing → done; failed (the server stopped, or a check nobody confirmed "
            "within a day)."
        ),
    )
    running = serializers.BooleanField(help_text="Checking or importing: poll again.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    progress = JobProgressSerializer()
    counts = JobCountsSerializer(
        allow_null=True,
        help_text="What the check found the import would do, or what the import did.",
    )
    errors_count = serializers.IntegerField(min_value=0, help_text="Bad rows in all.")
    errors = RowErrorSerializer(
        many=True, help_text=f"The first {ERRORS_SHOWN} bad rows; the report has all of them."
    )
    failure = FailureSerializer(allow_null=True)
    links = LinksSerializer()


class NotConfirmable(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "not_confirmable"


class DownloadNegotiation(DefaultContentNegotiation):
    """A download answers in its own type (CSV, Excel) whatever `Accept` asks; its errors, in
    JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


# --- reads and writes ---------------------------------------------------------------------------


def _job_or_404(request, job_id: str):
    """The user's own job (an importer's), or 404 whether it is missing or another's."""
    missing = Http404(_("No such import."))
    if scope_of(request, role="officer").empty:
        raise missing
    try:
        pk = uuid.UUID(job_id)
    except ValueError:
        raise missing from None
    job = job_of_user(user=request.user, job_id=pk)
    if job is None:
        raise missing
    return jobs.job_refresh(job)


def _job_data(request, job) -> dict:
    result = job.result or {}
    progress = jobs.job_progress(job)
    failure = result.get("failure")
    errors = job.errors

    def link(name: str) -> str:
        return request.build_absolute_uri(reverse(name, args=[job.pk]))

    return {
        "id": job.pk,
        "kind": job.kind,
        "filename": job.filename,
        "status": job.status,
        "running": job.running,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "progress": {
            **progress,
            "text": jobs.job_progress_text(job=job, progress=progress),
        },
        "counts": result if "rows" in result else None,
        "errors_count": len(errors),
        "errors": errors[:ERRORS_SHOWN],
        "failure": {"code": failure, "message": str(FAILURES[failure])}
        if failure in FAILURES
        else None,
        "links": {
            "status": link("api_import"),
            "report": link("api_import_report"),
            "confirm": link("api_import_confirm") if job.status == ImportStatus.CHECKED else None,
        },
    }


def _job_response(request, job_id, code=status.HTTP_200_OK) -> Response:
    job = _job_or_404(request, str(job_id))
    return Response(ImportJobSerializer(_job_data(request, job)).data, status=code)


def _refusal(job) -> str:
    if job.status == ImportStatus.CHECKING:
        return _("The file is still being checked; confirm it once the check is done.")
    if job.status == ImportStatus.REJECTED:
        return _(
            "The file has bad rows and nothing was imported; correct them and upload the file "
            "again."
        )
    if job.status == ImportStatus.FAILED:
        failure = (job.result or {}).get("failure", "")
        return str(FAILURES.get(failure, _("The import stopped. Upload the file again.")))
    return _("This import was confirmed already.")


# The answer of `@idempotent` to a key sent again with another request.
KEY_REUSED = {
    422: OpenApiResponse(
        ErrorSerializer,
        description="The Idempotency-Key was used for another request (`idempotency_key_reused`).",
    )
}
JOB_ID = OpenApiParameter(
    "job_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The job's `id`."
)


class ImportUpload(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="imports_create",
        parameters=[IDEMPOTENCY_KEY],
        request={"multipart/form-data": UploadSerializer},
        responses={201: ImportJobSerializer, **ERRORS, **KEY_REUSED},
    )
    @idempotent
    def post(self, request):
        """Upload a file of one kind and check it (a dry run: nothing is written), as the import
        page does; the answer is the job, `checking` while the check runs in the background.
        Poll `links.status`; once `checked`, POST `links.confirm`. Needs the officer role
        somewhere; each row may only touch the units the role covers."""
        if scope_of(request, role="officer").empty:
            raise exceptions.PermissionDenied(_("Importing needs the officer role for a unit."))
        form = UploadForm(request.data, request.FILES)
        if not form.is_valid():
            raise exceptions.ValidationError(
                {name: [str(m) for m in messages] for name, messages in form.errors.items()}
            )
        jobs.jobs_sweep()
        job = jobs.job_create(
            user=request.user,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
            language=translation.get_language() or "vi",
            channel="api",
        )
        response = _job_response(request, job.pk, status.HTTP_201_CREATED)
        response["Location"] = response.data["links"]["status"]
        return response


class ImportDetail(APIView):
    @extend_schema(
        operation_id="imports_retrieve",
        parameters=[JOB_ID],
        responses={200: ImportJobSerializer, **ERRORS},
    )
    def get(self, request, job_id):
        """One of the user's imports: its status, its progress while it runs, and what the check
        or the import found (counts, the first bad rows)."""
        return _job_response(request, job_id)


class ImportConfirm(APIView):
    @extend_schema(
        operation_id="imports_confirm",
        parameters=[JOB_ID, IDEMPOTENCY_KEY],
        request=None,
        responses={
            202: ImportJobSerializer,
            409: OpenApiResponse(
                ErrorSerializer,
                description="Not waiting for confirmation: still checking, rejected (bad rows), "
                "confirmed already, or failed (`not_confirmable`).",
            ),
            **ERRORS,
            **KEY_REUSED,
        },
    )
    @idempotent
    def post(self, request, job_id):
        """Import a checked file for real, all or nothing, audited with channel `api`; it runs
        in the background (`importing`, then `done`). Only a `checked` job: anything else is
        refused with 409, and a job is imported once."""
        job = _job_or_404(request, job_id)
        if not jobs.job_confirm(job=job, channel="api"):
            raise NotConfirmable(_refusal(_job_or_404(request, job_id)))
        return _job_response(request, job_id, status.HTTP_202_ACCEPTED)


class ImportReport(APIView):
    content_negotiation_class = DownloadNegotiation

    @extend_schema(
        operation_id="imports_report",
        parameters=[JOB_ID],
        responses={
            (200, CSV): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="Every bad row (row, column, value, reason), UTF-8 with a BOM; "
                "the header in the language asked for.",
            ),
            **ERRORS,
        },
    )
    def get(self, request, job_id):
        """Every bad row of the check or the import, as the page's CSV report."""
        return report_response(_job_or_404(request, job_id))


KIND = OpenApiParameter(
    "kind",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=list(EXPORTERS),
    description="What to export, in the columns of the import of that kind.",
)
EXPORT_FILE = OpenApiResponse(
    OpenApiTypes.BINARY,
    description="The file, by `fmt`: CSV in UTF-8 with a BOM, or an Excel workbook (.xlsx).",
)
REGISTER_FILE = OpenApiResponse(
    OpenApiTypes.BINARY,
    description="The register, by `fmt`: CSV in UTF-8 with a BOM, or an Excel workbook.",
)
FORMAT = OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=EXPORT_FORMATS)


class UnitExport(APIView):
    content_negotiation_class = DownloadNegotiation

    @extend_schema(
        operation_id="units_export",
        parameters=[KIND, FORMAT],
        responses={
            (200, CSV): EXPORT_FILE,
            (200, XLSX): EXPORT_FILE,
            **ERRORS,
        },
    )
    @reads_replica
    def get(self, request, code, kind, fmt):
        """The records of a kind under a unit, as the unit page's export gives them (the same
        file): what the user sees, sensitive columns only when a sensitive grant covers the whole
        subtree (that read is audited, channel `api`)."""
        unit = unit_of(request, code)
        if kind not in EXPORTERS or fmt not in EXPORT_FORMATS:
            raise Http404(_("No such export."))
        return export_response(
            actor=api_actor(request), scope=scope_of(request), unit=unit, kind=kind, fmt=fmt
        )


class RegisterQuery(OnDay):
    q = text_field(100, required=False, help_text="An identifier, or words of a name.")
    status = serializers.ChoiceField(choices=list(REGISTER_STATUSES), required=False)
    cell = text_field(40, required=False, help_text="Only the members of this cell (its code).")
    year = serializers.IntegerField(
        min_value=1930, max_value=2100, required=False, help_text="Year of admission."
    )


class UnitRegisterExport(APIView):
    content_negotiation_class = DownloadNegotiation

    @extend_schema(
        operation_id="units_register_export",
        parameters=[RegisterQuery, FORMAT],
        responses={(200, CSV): REGISTER_FILE, (200, XLSX): REGISTER_FILE, **ERRORS},
    )
    @reads_replica
    def get(self, request, code, fmt):
        """The members register of a unit on a date, filtered as on its page, every row: the
        page's download. More rows than an export holds (20,000): 400 `too_many_rows`."""
        unit = unit_of(request, code)
        if fmt not in EXPORT_FORMATS:
            raise Http404(_("No such export."))
        query = query_of(request, RegisterQuery)
        filters = RegisterFilters(
            query=query.get("q", "").strip(),
            status=query.get("status", ""),
            cell_code=query.get("cell", "").strip(),
            year=query.get("year"),
        )
        try:
            return register_export_response(
                scope=scope_of(request),
                unit=unit,
                day=query.get("on") or today(),
                filters=filters,
                fmt=fmt,
            )
        except Refused as refused:
            raise DomainError(refused.message, code="too_many_rows") from None


urlpatterns = [
    path("imports/", open_view(ImportUpload.as_view()), name="api_imports"),
    path("imports/<str:job_id>/", open_view(ImportDetail.as_view()), name="api_import"),
    path(
        "imports/<str:job_id>/confirm/",
        open_view(ImportConfirm.as_view()),
        name="api_import_confirm",
    ),
    path(
        "imports/<str:job_id>/report.csv",
        open_view(ImportReport.as_view()),
        name="api_import_report",
    ),
    # Before the kinds' route, which would take `register` for a kind.
    path(
        "units/<str:code>/exports/register.<str:fmt>",
        open_view(UnitRegisterExport.as_view()),
        name="api_unit_register_export",
    ),
    path(
        "units/<str:code>/exports/<str:kind>.<str:fmt>",
        open_view(UnitExport.as_view()),
        name="api_unit_export",
    ),
]
