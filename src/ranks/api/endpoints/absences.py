"""A member's working away: the list, the start, the yearly comment and the return (through the page's forms and
services, refused where the pages refuse). Each answer carries the person's `basis`, a digest
that changes with every write, for a device keeping records offline."""

from __future__ import annotations

import datetime as dt

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from ranks.access.requests import officer_covers
from ranks.api.common import ERRORS, api_actor, open_view
from ranks.api.endpoints import absences_serializers as s
from ranks.api.endpoints.people import person_of
from ranks.api.idempotency import IDEMPOTENCY_KEY, idempotent
from ranks.api.sync import IF_MATCH_PARAMETER, SYNC_ERRORS, SYNC_PARAMETERS, basis_check, synced
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.people.absences import absence_comment, absence_return, absence_start
from ranks.people.forms import AbsenceCommentForm, AbsenceForm, ReturnForm
from ranks.people.selectors import absence_basis, absences_of, comment_due, member_current

PERSON_ID = OpenApiParameter("person_id", OpenApiTypes.STR, OpenApiParameter.PATH)


def _may_record(request, person, day: dt.date, refusal: str = "") -> None:
    """As the pages: not a member, 400 with the page's message; not an officer of the member's
    cell on `day`, 403 (`refusal`, or the words about working away and the return)."""
    current = member_current(person=person, day=day)
    if current is None:
        raise DomainError(_("This person is no party member now."), code="not_a_member")
    if not officer_covers(request, current.cell):
        raise exceptions.PermissionDenied(
            refusal
            or _("Recording working away or a return needs the officer role for the member's cell.")
        )


def _date_in(request, name: str) -> dt.date | None:
    """The body's date if it is one (the member's cell is looked for on it)."""
    data = request.data if isinstance(request.data, dict) else {}
    try:
        value = data.get(name)
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _arguments(request, serializer, form_class) -> dict:
    """The body checked for its types (the schema's), then by the page's form."""
    checked = serializer(data=request.data)
    checked.is_valid(raise_exception=True)
    data = {k: "" if v is None else v for k, v in checked.validated_data.items()}
    form = form_class(data)
    if not form.is_valid():
        raise exceptions.ValidationError(
            {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        )
    return form.service_arguments()


def _basis_check(request, person) -> None:
    """A record made offline on an older copy of the member's working away: 412 `conflict`, with
    the absences the server holds now (the latest five)."""
    basis_check(
        request,
        subject=person.person_id,
        current=absence_basis(person.person_id),
        server=lambda: {
            "absences": s.AbsenceSerializer(absences_of(person)[:5], many=True).data,
        },
        message=_(
            "Someone recorded this member's working away after your copy was made; choose "
            "which to keep."
        ),
    )


def _recorded(absence, person_id: str) -> Response:
    body = {**s.AbsenceSerializer(absence).data, "basis": absence_basis(person_id)}
    return Response(body, status=status.HTTP_201_CREATED)


class MemberAbsences(GenericAPIView):
    serializer_class = s.AbsenceSerializer
    pagination_class = None

    @extend_schema(
        operation_id="people_absences",
        parameters=[PERSON_ID],
        responses={200: s.AbsenceListSerializer, **ERRORS},
    )
    def get(self, request, person_id):
        """The person's times working away, the newest first, with the `basis` of the list."""
        person = person_of(request, person_id)
        return Response(
            {
                "basis": absence_basis(person.person_id),
                "results": s.AbsenceSerializer(absences_of(person), many=True).data,
            }
        )

    @extend_schema(
        operation_id="people_absences_create",
        parameters=[PERSON_ID, IDEMPOTENCY_KEY, *SYNC_PARAMETERS, IF_MATCH_PARAMETER],
        request=s.NewAbsenceSerializer,
        responses={
            201: s.RecordedAbsenceSerializer,
            **ERRORS,
            **SYNC_ERRORS,
            412: s.ABSENCE_CONFLICT,
        },
    )
    @synced
    def post(self, request, person_id):
        """A member starts working away, as the working-away page records it: the officer role
        over the member's cell on the first day away; audited with channel `api`. Refused when
        the person is no member in a cell that day, is already away, or the time overlaps one
        recorded. Answers the absence and the person's `basis` after the write. A record made
        offline (docs/api/offline.md) on an older copy answers 412 `conflict`."""
        person = person_of(request, person_id)
        _may_record(request, person, _date_in(request, "started_on") or today())
        _basis_check(request, person)
        arguments = _arguments(request, s.NewAbsenceSerializer, AbsenceForm)
        absence = absence_start(actor=api_actor(request), person_id=person.person_id, **arguments)
        return _recorded(absence, person.person_id)


class MemberAbsenceReturn(GenericAPIView):
    serializer_class = s.AbsenceReturnSerializer
    pagination_class = None

    @extend_schema(
        operation_id="people_absences_return",
        parameters=[PERSON_ID, IDEMPOTENCY_KEY, *SYNC_PARAMETERS, IF_MATCH_PARAMETER],
        request=s.AbsenceReturnSerializer,
        responses={
            201: s.RecordedAbsenceSerializer,
            **ERRORS,
            **SYNC_ERRORS,
            412: s.ABSENCE_CONFLICT,
        },
    )
    @synced
    def post(self, request, person_id):
        """A member working away is back, as the return page records it: the officer role over
        the member's cell on that day; audited with channel `api`. Refused when the member is
        not recorded as away or the return is dated before the start. Answers the absence as it
        ended and the person's `basis` after the write."""
        person = person_of(request, person_id)
        _may_record(request, person, _date_in(request, "ended_on") or today())
        _basis_check(request, person)
        arguments = _arguments(request, s.AbsenceReturnSerializer, ReturnForm)
        absence = absence_return(actor=api_actor(request), person_id=person.person_id, **arguments)
        return _recorded(absence, person.person_id)


class MemberAbsenceComment(GenericAPIView):
    serializer_class = s.NewAbsenceCommentSerializer
    pagination_class = None

    @extend_schema(
        operation_id="people_absences_comment",
        parameters=[PERSON_ID, IDEMPOTENCY_KEY],
        request=s.NewAbsenceCommentSerializer,
        responses={201: s.RecordedAbsenceCommentSerializer, **ERRORS},
    )
    @idempotent
    def post(self, request, person_id):
        """The yearly comment on a member working away (R15), as the comment page records it:
        the officer role over the member's cell on the day of the comment; audited with channel
        `api`. Refused when the member is not away that day, a field is blank, the day is in the
        future or a comment of that day is already recorded. Answers the comment and when the
        next is due (twelve months on, moved to a working day)."""
        person = person_of(request, person_id)
        _may_record(
            request,
            person,
            _date_in(request, "on") or today(),
            _("Recording a comment on working away needs the officer role for the member's cell."),
        )
        arguments = _arguments(request, s.NewAbsenceCommentSerializer, AbsenceCommentForm)
        comment = absence_comment(actor=api_actor(request), person_id=person.person_id, **arguments)
        due = comment_due(comment.absence, comment.on, comment.on)
        body = {
            "id": comment.pk,
            "person_id": person.person_id,
            "absence_id": comment.absence_id,
            "on": comment.on,
            "by_cell": comment.by_cell,
            "text": comment.text,
            "next_due": due.deadline,
        }
        return Response(
            s.RecordedAbsenceCommentSerializer(body).data, status=status.HTTP_201_CREATED
        )


urlpatterns = [
    path(
        "people/<str:person_id>/absences/",
        open_view(MemberAbsences.as_view()),
        name="api_member_absences",
    ),
    path(
        "people/<str:person_id>/absences/comments/",
        open_view(MemberAbsenceComment.as_view()),
        name="api_member_absence_comment",
    ),
    path(
        "people/<str:person_id>/absences/return/",
        open_view(MemberAbsenceReturn.as_view()),
        name="api_member_absence_return",
    ),
]
