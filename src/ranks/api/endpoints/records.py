"""The pipeline's writes: a person added to a cell's source list, a stage event recorded, a recorded
event corrected with its reason.

Each goes through the page's form (`pipeline.forms`: the same fields, the same checks, the same
messages; `records_forms`) and the page's service (`pipeline.services`: the same rules,
audited with channel `api`, or `offline` for a record synced from a device: `ranks.api.sync`),
after the page's access check: outside the user's units 404 as for a missing record, a role that
may see but not record 403. A step based on an old copy of the candidacy is refused (412
`conflict`) with the server's version."""

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
from ranks.api.endpoints.records_forms import (
    candidate_add,
    checked_body,
    correction_form,
    form_data,
    person_add,
    service_arguments,
)
from ranks.api.idempotency import IDEMPOTENCY_KEY
from ranks.api.sync import (
    BASIS_ERRORS,
    IF_MATCH_PARAMETER,
    SYNC_ERRORS,
    SYNC_PARAMETERS,
    basis_check,
    synced,
)
from ranks.pipeline.access import CandidateAccess, candidate_or_404
from ranks.pipeline.forms import EventForm
from ranks.pipeline.selectors import candidate_basis, candidate_recent_events, event_choices
from ranks.pipeline.services import stage_event_correct, stage_event_save
from ranks.pipeline.stages import Stage

HANDOVER_ANSWERS = (Stage.HANDOVER_ACCEPTED, Stage.HANDOVER_REFUSED)
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
    "A conflict",
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
        body = checked_body(request, rs.NewCandidate)
        new_person = body.pop("person", None)
        with transaction.atomic():  # the person and the candidacy, or neither
            if new_person is not None:
                person_add(request, unit, body["person_id"], new_person)
            candidate = candidate_add(request, unit, body)
        return Response(rs.RecordedCandidate(candidate).data, status=status.HTTP_201_CREATED)


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
        body = checked_body(request, rs.NewStageEvent)
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
        form = EventForm(stage, form_data(body), members=offered.members, cells=offered.cells)
        arguments = service_arguments(form, body)
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
        body = checked_body(request, rs.StageEventCorrection)
        _basis_check(request, seen)
        form = correction_form(request, seen, event, body)
        arguments = service_arguments(form, body)
        corrected = stage_event_correct(
            actor=api_actor(request),
            person_id=seen.candidate.person.person_id,
            event_id=event.pk,
            **arguments,
        )
        answer = {**rs.RecordedStageEvent(corrected).data, "reason": arguments["reason"].strip()}
        return Response(answer, status=status.HTTP_201_CREATED)


# --- the candidacy seen, its basis checked --------------------------------------------------


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
