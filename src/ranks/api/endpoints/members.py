"""Members of a unit: the register's list, transfers and leavings in a period, and the writes
of a transfer and of leaving (through the services the pages call, refused where they refuse)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from ranks.access.requests import officer_covers, person_or_404, scope_of, units_covered
from ranks.api.common import ERRORS, api_actor, open_view, query_of, unit_of
from ranks.api.endpoints import members_serializers as s
from ranks.api.idempotency import IDEMPOTENCY_KEY, idempotent
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.people.forms import LeaveForm, TransferForm
from ranks.people.selectors import (
    RegisterFilters,
    RegisterKey,
    cell_code_covered,
    member_current,
    members_register_after,
    register_key,
    unit_leavings,
    unit_transfers,
)
from ranks.people.services import membership_leave, membership_transfer


class Keyset(CursorPagination):
    """Pages of 50 (`page_size` up to 200) after a position in a list's own order: the cursor is
    the URL-safe base64 of the last row's key, so a page costs its rows however far it is.
    `previous` is always null: follow `next`."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def get_schema_operation_parameters(self, view):
        return []

    def after(self, request, length: int) -> list | None:
        """The position the cursor holds (a list of `length` values), None without one; a
        cursor that does not decode answers 404, as DRF's own."""
        text = request.query_params.get(self.cursor_query_param)
        if not text:
            return None
        try:
            key = json.loads(base64.urlsafe_b64decode(text.encode()).decode())
        except (binascii.Error, ValueError, UnicodeError):
            key = None
        if not isinstance(key, list) or len(key) != length:
            raise exceptions.NotFound(self.invalid_cursor_message)
        return key

    def answer(self, request, rows: list, size: int, key_of, data: list) -> Response:
        """The page of `data` (the first `size` of `rows`, one more read to know there is a
        next), with `next` holding the key of its last row."""
        following = None
        if len(rows) > size:
            key = json.dumps(key_of(rows[size - 1]), ensure_ascii=False, separators=(",", ":"))
            cursor = base64.urlsafe_b64encode(key.encode()).decode()
            following = replace_query_param(
                request.build_absolute_uri(), self.cursor_query_param, cursor
            )
        return Response({"next": following, "previous": None, "results": data[:size]})


def _day(value) -> dt.date:
    if not isinstance(value, str):
        raise exceptions.NotFound(Keyset.invalid_cursor_message)
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise exceptions.NotFound(Keyset.invalid_cursor_message) from error


def _date_and_id(key: list | None) -> tuple[dt.date, int] | None:
    if key is None:
        return None
    if not isinstance(key[1], int):
        raise exceptions.NotFound(Keyset.invalid_cursor_message)
    return _day(key[0]), key[1]


def _period(query) -> tuple[dt.date, dt.date]:
    end = query.get("to") or today()
    start = query.get("from") or dt.date(end.year, 1, 1)
    if start > end:
        raise exceptions.ValidationError(
            {"from": [_("The end of the period is before its start.")]}
        )
    return start, end


class UnitMembers(GenericAPIView):
    serializer_class = s.RegisterMemberSerializer
    pagination_class = Keyset

    @extend_schema(
        operation_id="units_members",
        parameters=[s.MembersQuery],
        responses={200: s.RegisterMemberSerializer(many=True), **ERRORS},
    )
    def get(self, request, code):
        """The members present on a date in the cells below the unit, as its register page lists
        them: by cell code, then by name in Vietnamese order (given name, full name, identifier);
        filtered by status, cell, name or identifier, year of admission."""
        unit = unit_of(request, code)
        query = query_of(request, s.MembersQuery)
        pages = self.paginator
        assert isinstance(pages, Keyset)
        size = pages.get_page_size(request) or Keyset.page_size
        key = pages.after(request, 3)
        after = None
        if key is not None:
            if not all(isinstance(k, str) for k in key):
                raise exceptions.NotFound(Keyset.invalid_cursor_message)
            after = RegisterKey(*key)
        rows = members_register_after(
            scope=scope_of(request),
            unit=unit,
            day=query.get("on") or today(),
            filters=RegisterFilters(
                query=query.get("q", "").strip(),
                status=query.get("status", ""),
                cell_code=query.get("cell", "").strip(),
                year=query.get("year"),
            ),
            after=after,
            size=size + 1,
        )
        data = s.RegisterMemberSerializer(rows[:size], many=True).data
        return pages.answer(
            request, rows, size, lambda row: list(register_key(row).__dict__.values()), data
        )


class UnitTransfers(GenericAPIView):
    serializer_class = s.MemberTransferSerializer
    pagination_class = Keyset

    @extend_schema(
        operation_id="units_transfers",
        parameters=[s.TransfersQuery],
        responses={200: s.MemberTransferSerializer(many=True), **ERRORS},
    )
    def get(self, request, code):
        """Members' transfers in a period that cross the unit or move between its cells, each on
        the first day in the new cell, by date: the transfers the counters count into and out of
        the unit (the figures of the reports)."""
        unit = unit_of(request, code)
        query = query_of(request, s.TransfersQuery)
        start, end = _period(query)
        pages = self.paginator
        assert isinstance(pages, Keyset)
        size = pages.get_page_size(request) or Keyset.page_size
        moves = unit_transfers(
            unit=unit,
            start=start,
            end=end,
            direction=query.get("direction", ""),
            after=_date_and_id(pages.after(request, 2)),
            size=size + 1,
        )
        # A row whose cell in the unit is outside the caller's scope then (a unit whose history
        # left its grant) is not shown: the page may be short.
        covered = _covered(request, moves)
        shown = [m for m in moves[:size] if _side(m) <= covered]
        data = s.MemberTransferSerializer(shown, many=True).data
        return pages.answer(
            request,
            moves,
            size,
            lambda m: [m.posting.valid_from.isoformat(), m.posting.pk],
            data,
        )


def _side(move) -> set[int]:
    """The cells of a transfer that are in the unit asked about."""
    return {
        "in": {move.to_cell.unit_id},
        "out": {move.from_cell.unit_id},
        "within": {move.to_cell.unit_id, move.from_cell.unit_id},
    }[move.direction]


def _covered(request, moves) -> set[int]:
    return units_covered(request, {cell for m in moves for cell in _side(m)})


class UnitLeavings(GenericAPIView):
    serializer_class = s.MemberLeavingSerializer
    pagination_class = Keyset

    @extend_schema(
        operation_id="units_leavings",
        parameters=[s.LeavingsQuery],
        responses={200: s.MemberLeavingSerializer(many=True), **ERRORS},
    )
    def get(self, request, code):
        """Memberships that ended in a period (death, removal, transfer out of the system) whose
        member's cell on their last day present was below the unit, by the day left: the
        leavings the counters count (the figures of the reports)."""
        unit = unit_of(request, code)
        query = query_of(request, s.LeavingsQuery)
        start, end = _period(query)
        pages = self.paginator
        assert isinstance(pages, Keyset)
        size = pages.get_page_size(request) or Keyset.page_size
        gone = unit_leavings(
            unit=unit,
            start=start,
            end=end,
            reason=query.get("reason", ""),
            after=_date_and_id(pages.after(request, 2)),
            size=size + 1,
        )
        covered = units_covered(request, {g.cell.unit_id for g in gone})
        shown = [g for g in gone[:size] if g.cell.unit_id in covered]
        data = s.MemberLeavingSerializer(shown, many=True).data
        return pages.answer(
            request,
            gone,
            size,
            lambda g: [g.membership.left_date.isoformat(), g.membership.pk],
            data,
        )


# --- writes -----------------------------------------------------------------------------------

PERSON_ID = OpenApiParameter("person_id", OpenApiTypes.STR, OpenApiParameter.PATH)


def _renamed(error: DomainError, aliases: dict[str, str]) -> DomainError:
    """The service's refusal with its field named as the body names it (the page's form)."""
    if error.field not in aliases:
        return error
    return DomainError(
        error.message, field=aliases[error.field], code=error.code, rules=error.rules
    )


def _person(request, person_id: str):
    if "\x00" in person_id:  # no one has it, and PostgreSQL takes no NUL in a string
        raise Http404(_("No such person."))
    return person_or_404(request, person_id)


def _current_or_refused(request, person, day):
    """The member's running membership, if the user may record for their cell (as the pages'
    `_current_or_refused`): not a member, 400 with the page's message; not an officer of the
    member's cell, 403."""
    current = member_current(person=person, day=day)
    if current is None:
        raise DomainError(_("This person is no party member now."), code="not_a_member")
    if not officer_covers(request, current.cell):
        raise exceptions.PermissionDenied(
            _("Recording a transfer or a leaving needs the officer role for the member's cell.")
        )
    return current


def _body(request, serializer):
    checked = serializer(data=request.data)
    checked.is_valid(raise_exception=True)
    return checked.validated_data


def _date_in(request) -> dt.date | None:
    """The body's date if it is one (the page looks for the member's cell on it)."""
    field = s.TransferSerializer().fields["date"]
    data = request.data if isinstance(request.data, dict) else {}
    try:
        return field.run_validation(data.get("date"))
    except exceptions.ValidationError:
        return None


class MemberTransfer(GenericAPIView):
    serializer_class = s.TransferSerializer
    pagination_class = None

    @extend_schema(
        operation_id="people_transfer",
        parameters=[PERSON_ID, IDEMPOTENCY_KEY],
        request=s.TransferSerializer,
        responses={201: s.NewPostingSerializer, **ERRORS},
    )
    @idempotent
    def post(self, request, person_id):
        """Move a member to another cell from a date, as the transfer page does: the officer role
        over the member's cell on that date and over the new cell; audited with channel `api`.
        Answers the posting in the new cell."""
        person = _person(request, person_id)
        on = _date_in(request) or today()
        current = _current_or_refused(request, person, on)
        body = _body(request, s.TransferSerializer)
        code = body["cell_code"].strip()
        if not code:
            raise exceptions.ValidationError({"cell_code": [s.CHOOSE_CELL]})
        if not cell_code_covered(scope=scope_of(request, role="officer"), code=code):
            raise DomainError(_("Unknown cell code: %(code)s.") % {"code": code}, field="cell_code")
        try:
            posting = membership_transfer(
                actor=api_actor(request),
                membership=current.membership,
                to_cell_code=code,
                on=body["date"],
            )
        except DomainError as error:
            raise _renamed(error, TransferForm.FIELD_ALIASES) from error
        return Response(s.NewPostingSerializer(posting).data, status=status.HTTP_201_CREATED)


class MemberLeave(GenericAPIView):
    serializer_class = s.LeaveSerializer
    pagination_class = None

    @extend_schema(
        operation_id="people_leave",
        parameters=[PERSON_ID, IDEMPOTENCY_KEY],
        request=s.LeaveSerializer,
        responses={201: s.EndedMembershipSerializer, **ERRORS},
    )
    @idempotent
    def post(self, request, person_id):
        """A member leaves the party (death, removal, transfer out of the system) on a date, as
        the leaving page records it: the officer role over the member's cell today; audited with
        channel `api`. Answers the membership as it ended."""
        person = _person(request, person_id)
        current = _current_or_refused(request, person, today())
        body = _body(request, s.LeaveSerializer)
        try:
            membership = membership_leave(
                actor=api_actor(request),
                membership=current.membership,
                on=body["date"],
                reason=body["reason"],
            )
        except DomainError as error:
            raise _renamed(error, LeaveForm.FIELD_ALIASES) from error
        return Response(
            s.EndedMembershipSerializer(membership).data, status=status.HTTP_201_CREATED
        )


urlpatterns = [
    path(
        "units/<str:code>/members/",
        open_view(UnitMembers.as_view()),
        name="api_unit_members",
    ),
    path(
        "units/<str:code>/transfers/",
        open_view(UnitTransfers.as_view()),
        name="api_unit_transfers",
    ),
    path(
        "units/<str:code>/leavings/",
        open_view(UnitLeavings.as_view()),
        name="api_unit_leavings",
    ),
    path(
        "people/<str:person_id>/transfer/",
        open_view(MemberTransfer.as_view()),
        name="api_member_transfer",
    ),
    path(
        "people/<str:person_id>/leave/",
        open_view(MemberLeave.as_view()),
        name="api_member_leave",
    ),
]
