"""The pipeline's writes: a person added to a cell's source list, a stage event recorded, a recorded
event corrected with its reason.

Each goes through the page's form (`pipeline.forms`: the same fields, the same checks, the same
messages) and the page's service (`pipeline.services`: the same rules, audited with channel
`api`, or `offline` for a record synced from a device: `ranks.api.sync`), after the page's access check: outside the user's units 404 as for a missing record, a
role that may see but not record 403."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ranks.access.requests import officer_covers, scope_of
from ranks.api import serializers as s
from ranks.api.common import ERRORS, api_actor, open_view, unit_of
from ranks.api.endpoints import records_serializers as rs
from ranks.api.endpoints.pipeline import UnitCandidates
from ranks.api.idempotency import IDEMPOTENCY_KEY
from ranks.api.sync import (
    BASIS_ERRORS,
    IF_MATCH_PARAMETER,
    SYNC_ERRORS,
    SYNC_PARAMETERS,
    basis_check,
    synced,
)
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.people.forms import PersonForm
from ranks.people.selectors import person_exists, place_code_covered, places_offered
from ranks.people.services import person_save
from ranks.pipeline.access import CandidateAccess, candidate_or_404
from ranks.pipeline.forms import CandidateForm, CorrectionForm, EventForm
from ranks.pipeline.selectors import (
    candidate_basis,
    candidate_choices,
    candidate_recent_events,
    event_choices,
)
from ranks.pipeline.services import candidate_save, stage_event_correct, stage_event_save
from ranks.pipeline.stages import Stage

HANDOVER_ANSWERS = (Stage.HANDOVER_ACCEPTED, Stage.HANDOVER_REFUSED)
# The page's free-text fields of more people: the API takes one list, named after the list.
API_FIELD = {"introducer_other": "introducer_person_ids", "mentor_other": "mentor_person_ids"}
# What the API answers to a committee resolution after a failed vote, in English
# (tests/api/test_records.py checks it against the answer).
REFUSED_MESSAGE = (
    "Refused: R7 – vote of the cell (two thirds) (Party Charter Art. 4.3): Only 1 of 3 official "
    "members voted for (2 needed). To record it anyway, give who approved the exception and the "
    "document."
)
REFUSED_EXAMPLE = OpenApiExample(
    "A refusal by rules",
    status_codes=["400"],
    response_only=True,
    value={
        "code": "rule_refused",
        "message": REFUSED_MESSAGE,
        "details": {
            "stage": [REFUSED_MESSAGE],
            "rules": [
                {
                    "rule": "R7",
                    "name": "vote of the cell (two thirds)",
                    "document": "Charter",
                    "clause": "Art. 4.3",
                    "citation": "Party Charter Art. 4.3",
                    "message": "Only 1 of 3 official members voted for (2 needed).",
                }
            ],
        },
    },
)
CONFLICT_EXAMPLE = OpenApiExample(
    "A conflict: the candidacy changed after the copy was made",
    status_codes=["412"],
    response_only=True,
    value={
        "code": "conflict",
        "message": "Someone recorded a step of this candidacy after your copy was made; choose "
        "which to keep.",
        "details": {
            "basis": "9c1e4b7a20d35f68",
            "server": {
                "stage": "cell_resolution",
                "stage_label": "cell resolution",
                "side": "",
                "side_label": "",
                "events": [
                    {
                        "stage": "cell_resolution",
                        "stage_label": "cell resolution",
                        "date": "2024-09-10",
                        "recorded_by": "alice",
                        "recorded_at": "2024-09-10T09:12:03+07:00",
                    }
                ],
            },
        },
    },
)
WRITE_ERRORS = {**ERRORS, 400: rs.RefusalSerializer, 422: s.ErrorSerializer}


class CandidateAdd(APIView):
    @extend_schema(
        operation_id="candidates_create",
        tags=["candidates"],
        parameters=[IDEMPOTENCY_KEY, *SYNC_PARAMETERS],
        request=rs.NewCandidate,
        responses={201: rs.RecordedCandidate, **WRITE_ERRORS, **SYNC_ERRORS},
    )
    @synced
    def post(self, request, code):
        """Add a person to the source list of a cell below the unit (the officer role over the
        unit): the page's "Add to the source list". The person and the mentors must be people
        you see; a person already a candidate is refused. A person not yet known may be added
        in the same write with `person` (the page "Add a person"). A record made offline:
        docs/api/offline.md."""
        unit = unit_of(request, code)
        if not officer_covers(request, unit):
            raise exceptions.PermissionDenied(
                _("Adding to a source list needs the officer role for the unit.")
            )
        body = _checked(request, rs.NewCandidate)
        new_person = body.pop("person", None)
        with transaction.atomic():  # the person and the candidacy, or neither
            if new_person is not None:
                _person_add(request, unit, body["person_id"], new_person)
            candidate = _candidate_add(request, unit, body)
        return Response(rs.RecordedCandidate(candidate).data, status=status.HTTP_201_CREATED)


def _candidate_add(request, unit, body: dict[str, Any]):
    offered = candidate_choices(officer=scope_of(request, role="officer"), unit=unit, day=today())
    data = _form_data(body)
    if "cell_code" not in data and len(offered.cells) == 1:
        data["cell_code"] = offered.cells[0][0]  # what the page fills in
    form = CandidateForm(data, cells=offered.cells, members=offered.members)
    if not (form.is_valid() and form.people_known(scope_of(request))):
        raise _invalid(form)
    cleaned = form.cleaned_data
    return candidate_save(
        actor=api_actor(request),
        person_id=cleaned["person_id"].strip(),
        cell_code=cleaned["cell_code"],
        added_on=cleaned["added_on"],
        source_group=cleaned["source_group"],
        mentor_person_ids=form.mentor_ids(),
        note=cleaned["note"],
        new=True,
    )


def _person_add(request, unit, person_id: str, values: dict[str, Any]) -> None:
    """A person not yet known added as the page "Add a person" adds one (its form without the
    sensitive fields, the places it offers, its checks and messages); errors under
    `person.<field>`."""
    person_id = person_id.strip()
    if person_exists(person_id=person_id):
        raise exceptions.ValidationError(
            {
                "person_id": [
                    _("There is already a person with the identifier %(person_id)s.")
                    % {"person_id": person_id}
                ]
            }
        )
    officer = scope_of(request, role="officer")
    places = places_offered(scope=officer, unit=unit, day=today())
    form = PersonForm(
        {**_form_data(values), "person_id": person_id}, new=True, sensitive=False, places=places
    )
    if not form.is_valid():
        raise _invalid(form, prefix="person.")
    data = form.cleaned_data
    errors: dict[str, list[str]] = {}
    for name in ("residence_place_code", "workplace_place_code"):
        code = data.get(name) or ""
        if code and not place_code_covered(scope=officer, code=code):
            errors[f"person.{name}"] = [_("Unknown place code: %(code)s.") % {"code": code}]
    if not errors and not officer.full:
        if not (data.get("residence_place_code") or data.get("workplace_place_code")):
            errors["person.residence_place_code"] = [
                _("Choose where the person lives or works, in your units.")
            ]
    if errors:
        raise exceptions.ValidationError(errors)
    try:
        person_save(
            actor=api_actor(request),
            person_id=person_id,
            residence_place_code=data["residence_place_code"] or None,
            workplace_place_code=data["workplace_place_code"] or None,
            places_from=data["places_from"],
            **form.person_fields(),
        )
    except DomainError as error:
        field = PersonForm.FIELD_ALIASES.get(error.field or "", error.field)
        key = f"person.{field}" if field in form.fields else "person"
        raise exceptions.ValidationError({key: [str(error.message)]}) from error


class EventRecord(APIView):
    @extend_schema(
        operation_id="candidates_events_create",
        parameters=[IDEMPOTENCY_KEY, *SYNC_PARAMETERS, IF_MATCH_PARAMETER],
        request=rs.NewStageEvent,
        responses={
            201: rs.RecordedStageEvent,
            200: rs.RecordedStageEvent,
            **WRITE_ERRORS,
            **SYNC_ERRORS,
            **BASIS_ERRORS,
        },
        examples=[REFUSED_EXAMPLE, CONFLICT_EXAMPLE],
    )
    @synced
    def post(self, request, person_id):
        """Record a stage event of the candidacy (the officer role over its cell; to accept or
        refuse a handover, over the receiving unit): the page's form of the stage. A step that
        breaks a rule is refused (`rule_refused`, each rule in `details.rules`) unless
        `exception_approved_by` and `exception_document` say who allowed it. 201: recorded;
        200: the same event with the same values was recorded already, nothing changed. With
        `If-Match` (or `Ranks-Follows`), a candidacy changed since the copy was made answers 412
        `conflict` with the server's version (docs/api/offline.md)."""
        seen = _candidate(request, person_id)
        if not (seen.may_record or seen.may_answer_handover):
            raise _record_refused()
        body = _checked(request, rs.NewStageEvent)
        stage = body.pop("stage")
        if not (seen.may_answer_handover if stage in HANDOVER_ANSWERS else seen.may_record):
            raise _record_refused()
        _basis_check(request, seen)
        offered = event_choices(
            candidate=seen.candidate,
            stage=stage,
            day=body["date"],
            officer=scope_of(request, role="officer"),
            handover=seen.handover,
        )
        form = EventForm(stage, _form_data(body), members=offered.members, cells=offered.cells)
        arguments = _service_arguments(form, body)
        known = {e.pk for e in seen.candidate.events.all()}
        event = stage_event_save(
            actor=api_actor(request),
            person_id=seen.candidate.person.person_id,
            stage=stage,
            **arguments,
        )
        answer = status.HTTP_200_OK if event.pk in known else status.HTTP_201_CREATED
        return Response(rs.RecordedStageEvent(event).data, status=answer)


class EventCorrect(APIView):
    @extend_schema(
        operation_id="candidates_events_correct",
        parameters=[
            IDEMPOTENCY_KEY,
            *SYNC_PARAMETERS,
            IF_MATCH_PARAMETER,
            OpenApiParameter("event_id", OpenApiTypes.INT, OpenApiParameter.PATH),
        ],
        request=rs.StageEventCorrection,
        responses={201: rs.CorrectedStageEvent, **WRITE_ERRORS, **SYNC_ERRORS, **BASIS_ERRORS},
        examples=[REFUSED_EXAMPLE, CONFLICT_EXAMPLE],
    )
    @synced
    def post(self, request, person_id, event_id):
        """Correct a mistyped event of the candidacy, with the reason (the officer role over its
        cell): the fields given replace what was recorded, the others stay. The rules are
        checked as for a new event; the audit log keeps the event before and after, and the
        reason."""
        seen = _candidate(request, person_id)
        # Any text in the path, so that one that is no number answers 404 like a missing event.
        event = next((e for e in seen.candidate.events.all() if str(e.pk) == event_id), None)
        if event is None:
            raise Http404(_("No such event of this candidacy."))
        if not seen.may_record:
            raise exceptions.PermissionDenied(
                _(
                    "Correcting a step of this candidacy needs the officer role for the "
                    "candidate's cell."
                )
            )
        body = _checked(request, rs.StageEventCorrection)
        _basis_check(request, seen)
        form = _correction_form(request, seen, event, body)
        arguments = _service_arguments(form, body)
        corrected = stage_event_correct(
            actor=api_actor(request),
            person_id=seen.candidate.person.person_id,
            event_id=event.pk,
            **arguments,
        )
        answer = {**rs.RecordedStageEvent(corrected).data, "reason": arguments["reason"].strip()}
        return Response(answer, status=status.HTTP_201_CREATED)


# --- from JSON to the page's form, and back ----------------------------------------------------


def _candidate(request, person_id: str) -> CandidateAccess:
    if "\x00" in person_id:  # nobody has it, and PostgreSQL takes no NUL in a string
        raise Http404(_("No such candidate."))
    return candidate_or_404(request, person_id)


def _server_version(candidate) -> dict[str, Any]:
    """The candidacy as the server has it, for a device to choose which record to keep."""
    return {
        "stage": candidate.stage_now,
        "stage_label": str(Stage(candidate.stage_now).label),
        "side": candidate.side_now,
        "side_label": str(Stage(candidate.side_now).label) if candidate.side_now else "",
        "events": [
            {
                "stage": e.stage,
                "stage_label": str(Stage(e.stage).label),
                "date": e.date,
                "recorded_by": e.recorded_by,
                "recorded_at": e.recorded_at,
            }
            for e in candidate_recent_events(candidate, limit=5)
        ],
    }


def _basis_check(request, seen: CandidateAccess) -> None:
    candidate = seen.candidate
    basis_check(
        request,
        subject=candidate.person.person_id,
        current=candidate_basis(candidate),
        server=lambda: _server_version(candidate),
        message=_(
            "Someone recorded a step of this candidacy after your copy was made; choose which "
            "to keep."
        ),
    )


def _record_refused() -> exceptions.PermissionDenied:
    return exceptions.PermissionDenied(
        _(
            "Recording a step of this candidacy needs the officer role for the candidate's "
            "cell (for a handover, for the receiving unit)."
        )
    )


def _checked(request, serializer) -> dict[str, Any]:
    """The body checked for its types (the schema's); the form checks the rest."""
    checked = serializer(data=request.data)
    if not checked.is_valid():
        raise exceptions.ValidationError(_dotted(checked.errors))
    return dict(checked.validated_data)


def _dotted(errors: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Errors of a nested object named `object.field`, as the others are named by field."""
    flat: dict[str, Any] = {}
    for name, value in errors.items():
        if isinstance(value, dict):
            flat.update(_dotted(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def _form_data(values: dict[str, Any]) -> dict[str, Any]:
    """Values as the page's form takes them from a POST: null is an empty field."""
    return {name: "" if value is None else value for name, value in values.items()}


def _invalid(form, prefix: str = "") -> exceptions.ValidationError:
    """The form's messages, per field as the API names them (after `prefix`)."""
    details: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        key = "non_field_errors" if name == "__all__" else API_FIELD.get(name, name)
        if prefix:
            key = prefix.rstrip(".") if name == "__all__" else prefix + key
        details.setdefault(key, []).extend(str(m) for m in messages)
    return exceptions.ValidationError(details)


def _empty(value: Any) -> bool:
    return value is None or value is False or value == "" or value == []


def _service_arguments(form, body: dict[str, Any]) -> dict[str, Any]:
    """The service's arguments from the valid form. A field the stage does not take is refused:
    its page has no such field, and the value would be lost."""
    foreign = [
        name for name, value in body.items() if name not in form.fields and not _empty(value)
    ]
    if foreign:
        label = Stage(form.stage).label
        message = _("Not asked for this stage (%(stage)s).") % {"stage": label}
        raise exceptions.ValidationError({name: [message] for name in foreign})
    if not form.is_valid():
        raise _invalid(form)
    return form.service_arguments()


def _correction_form(request, seen: CandidateAccess, event, body: dict[str, Any]) -> CorrectionForm:
    """The page's correction form, filled with the recorded event and the fields given."""
    day = body.get("date") or event.date
    offered = event_choices(
        candidate=seen.candidate,
        stage=event.stage,
        day=day,
        officer=scope_of(request, role="officer"),
        handover=None,
    )
    cells = offered.cells
    if event.to_unit is not None and event.stage == Stage.HANDOVER_ACCEPTED:
        cells = [(event.to_unit.code, event.to_unit.code)]
    introducers = [p.person_id for p in event.introducers.all()]
    recorded = CorrectionForm.initial_of(event, introducers, set(introducers))
    return CorrectionForm(
        event.stage,
        {**_form_data(recorded), **_form_data(body)},
        members=offered.members,
        cells=cells,
    )


class UnitCandidatesAndAdd(UnitCandidates, CandidateAdd):
    """`units/<code>/candidates/`: GET lists the unit's candidates (`pipeline`), POST adds one."""


urlpatterns = [
    path(
        "units/<str:code>/candidates/",
        open_view(UnitCandidatesAndAdd.as_view()),
        name="api_unit_candidates",
    ),
    path(
        "candidates/<str:person_id>/events/",
        open_view(EventRecord.as_view()),
        name="api_event_record",
    ),
    path(
        "candidates/<str:person_id>/events/<str:event_id>/correct/",
        open_view(EventCorrect.as_view()),
        name="api_event_correct",
    ),
]
