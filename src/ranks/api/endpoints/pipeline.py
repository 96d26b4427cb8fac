"""The pipeline's reads: candidates, their stage events, what is due, eligibility on a date.

Each reads through the selectors of the pipeline's pages and their access helpers: a unit
outside the caller's grants (`unit_of`) and a candidacy the candidate page would not show
(`pipeline.access.candidate_or_404`) answer 404 like missing ones.
"""

from __future__ import annotations

from django.db.models import F
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from ranks.access.requests import scope_of
from ranks.api.common import ERRORS, ByCode, OnDay, PageQuery, open_view, query_of, unit_of
from ranks.api.endpoints import pipeline_serializers as s
from ranks.core.clock import today
from ranks.pipeline.access import CandidateAccess, candidate_or_404
from ranks.pipeline.due import due_candidates, due_items, due_within
from ranks.pipeline.selectors import candidate_eligibility, rows_with_deadlines, source_list_asked
from ranks.pipeline.stages import MAIN_STAGES, STATE_FILTERS, SourceGroup, Stage


class ByPersonId(ByCode):
    """Candidacies in pages of 50 (`page_size` up to 200) by the person's identifier, unique
    for a candidacy (one a person), annotated as `pid` for the cursor's position."""

    ordering = "pid"

    def paginate_queryset(self, queryset, request, view=None):
        return super().paginate_queryset(
            queryset.annotate(pid=F("person__person_id")), request, view
        )


class CandidatesQuery(PageQuery):
    stage = serializers.ChoiceField(
        choices=[(s, Stage(s).label) for s in MAIN_STAGES],
        required=False,
        help_text="Only those at this main stage on the date.",
    )
    status = serializers.ChoiceField(
        choices=list(STATE_FILTERS.items()),
        required=False,
        help_text="Only those standing so on the date: active, a side state (working_away, "
        "paused, handed_over, withdrawn, ineligible), member (admitted: probationary or "
        "official), removed.",
    )
    source_group = serializers.ChoiceField(
        choices=SourceGroup.choices, required=False, help_text="Only those of this source group."
    )


class DueQuery(PageQuery):
    within = serializers.IntegerField(
        min_value=0,
        max_value=3660,
        required=False,
        help_text="Only items overdue, undated, or due within this many days of the date.",
    )


def candidate_seen(request, person_id: str) -> CandidateAccess:
    """The candidacy of `person_id` as its page finds it, or 404 (missing or outside scope)."""
    if "\x00" in person_id:  # no person has it, and PostgreSQL takes no NUL in a string
        raise Http404(_("No such candidate."))
    return candidate_or_404(request, person_id)


class UnitCandidates(GenericAPIView):
    serializer_class = s.CandidateRowSerializer
    pagination_class = ByPersonId

    @extend_schema(
        operation_id="units_candidates",
        parameters=[CandidatesQuery],
        responses={200: s.CandidateRowSerializer(many=True), **ERRORS},
    )
    def get(self, request, code):
        """The candidates of the cells below the unit on a date, as its source list shows them
        (`/units/CODE/candidates/`), by person id; filtered by stage, status and source group.
        A page reads its own candidacies only (their events, mentors, cells' names)."""
        unit = unit_of(request, code)
        query = query_of(request, CandidatesQuery)
        day = query.get("on") or today()
        candidates = source_list_asked(
            scope=scope_of(request),
            unit=unit,
            day=day,
            group=query.get("source_group", ""),
            state_key=query.get("status", ""),
            stage=query.get("stage", ""),
        )
        page = self.paginate_queryset(candidates)
        rows = [s.row_data(row, day) for row in rows_with_deadlines(page or [], day)]
        return self.get_paginated_response(s.CandidateRowSerializer(rows, many=True).data)


class CandidateDetail(GenericAPIView):
    serializer_class = s.CandidateSerializer
    pagination_class = None

    @extend_schema(
        operation_id="candidates_retrieve",
        parameters=[OnDay],
        responses={200: s.CandidateSerializer, **ERRORS},
    )
    def get(self, request, person_id):
        """One candidacy on a date as its page shows it: where it stands, its stage events in
        the order they count (every field, exceptions with who approved and the document), time
        in each stage, what the rules find, the deadlines and, for who may record, the next
        stages with what blocks each. `basis` (also the `ETag`) is the version of the
        candidacy a record made on this copy sends as `If-Match`."""
        seen = candidate_seen(request, person_id)
        day = query_of(request).get("on") or today()
        data = s.CandidateSerializer(s.candidate_data(seen, day)).data
        return Response(data, headers={"ETag": f'"{data["basis"]}"'})


class CandidateEligibility(GenericAPIView):
    serializer_class = s.EligibilitySerializer
    pagination_class = None

    @extend_schema(
        operation_id="candidates_eligibility",
        parameters=[OnDay],
        responses={200: s.EligibilitySerializer, **ERRORS},
    )
    def get(self, request, person_id):
        """What the rules find for the candidacy on a date (R1–R14: eligibility, then how each
        step after the cell resolution kept its rule), as the candidate page's Eligibility:
        each finding's status, rule, citation, message and the date it becomes ok."""
        seen = candidate_seen(request, person_id)
        day = query_of(request).get("on") or today()
        findings = candidate_eligibility(candidate=seen.candidate, day=day)
        body = {
            "person_id": seen.candidate.person.person_id,
            "on": day,
            "findings": [s.finding_data(f) for f in findings],
        }
        return Response(s.EligibilitySerializer(body).data)


class UnitDue(GenericAPIView):
    serializer_class = s.DueItemSerializer
    pagination_class = ByPersonId

    @extend_schema(
        operation_id="units_due",
        parameters=[DueQuery],
        responses={200: s.DueItemSerializer(many=True), **ERRORS},
    )
    def get(self, request, code):
        """What is due on a date for the candidates of the unit's subtree, from the code of the
        page `/units/CODE/due/`. A page takes the next `page_size` candidacies by person id and
        holds what is due for them (none, one or more items each, overdue first then by date):
        a page may be empty while `next` is not. Read every page for the whole list."""
        unit = unit_of(request, code)
        query = query_of(request, DueQuery)
        day = query.get("on") or today()
        page = self.paginate_queryset(due_candidates(scope=scope_of(request), unit=unit, on=day))
        items = due_items(page or [], day)
        if query.get("within") is not None:
            items = due_within(items, day, query["within"])
        return self.get_paginated_response(
            s.DueItemSerializer([s.due_data(i) for i in items], many=True).data
        )


# `units/<code>/candidates/` (GET here, POST in `records`) is routed in `records`: one path, one
# view with both methods.
urlpatterns = [
    path("units/<str:code>/due/", open_view(UnitDue.as_view()), name="api_unit_due"),
    path(
        "candidates/<str:person_id>/",
        open_view(CandidateDetail.as_view()),
        name="api_candidate",
    ),
    path(
        "candidates/<str:person_id>/eligibility/",
        open_view(CandidateEligibility.as_view()),
        name="api_candidate_eligibility",
    ),
]
