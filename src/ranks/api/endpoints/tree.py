"""The tree and places: places on a date, one place with its versions, a unit's history."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from ranks.access.requests import place_or_404, scope_of, units_covered
from ranks.api.common import ERRORS, ON, ByCode, day_of, open_view, query_of, unit_of
from ranks.api.endpoints import tree_serializers as ts
from ranks.api.selectors import api_places_on
from ranks.core.clock import today
from ranks.org.selectors import place_versions, unit_closure, unit_history
from ranks.org.tree import in_force
from ranks.web.templatetags.ranks import history_label


def place_of(request, code: str):
    """The place of `code` if some version of it belongs to a unit the user sees, else 404 (as
    for a missing one)."""
    if "\x00" in code:  # no place has it, and PostgreSQL takes no NUL in a string
        raise Http404(_("No such place."))
    return place_or_404(request, code)


class PlaceList(GenericAPIView):
    serializer_class = ts.PlaceOnDaySerializer
    pagination_class = ByCode

    @extend_schema(
        operation_id="places_list",
        parameters=[ts.PlacesQuery],
        responses={200: ts.PlaceOnDaySerializer(many=True), **ERRORS},
    )
    def get(self, request):
        """The places (villages, schools, medical stations…) belonging on a date to the units
        the user sees, by code: with `unit`, only those of that unit and the units below it
        then (a unit the user does not see answers 404, like a missing one); with `kind`, only
        those of that kind."""
        query = query_of(request, ts.PlacesQuery)
        unit = unit_of(request, query["unit"]) if "unit" in query else None
        places = api_places_on(
            scope=scope_of(request),
            day=query.get("on") or today(),
            unit=unit,
            kind=query.get("kind"),
        )
        page = self.paginate_queryset(places)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class PlaceDetail(GenericAPIView):
    serializer_class = ts.PlaceDetailSerializer
    pagination_class = None

    @extend_schema(
        operation_id="places_retrieve",
        parameters=[ON],
        responses={200: ts.PlaceDetailSerializer, **ERRORS},
    )
    def get(self, request, place):
        """One place: what it is on the date (`current`, null if it was not in force), the day
        its last version ends if it does, and all its versions (name, kind, unit, cells based
        there, area flags), as stored."""
        found = place_of(request, place)
        day = day_of(request)
        versions = place_versions(found)
        last = versions[-1] if versions else None
        data = {
            "code": found.code,
            "on": day,
            "current": next((v for v in versions if in_force(v.valid_from, v.valid_to, day)), None),
            "closed_on": last.valid_to if last else None,
            "versions": versions,
        }
        return Response(ts.PlaceDetailSerializer(data).data)


class UnitHistory(GenericAPIView):
    serializer_class = ts.UnitHistorySerializer
    pagination_class = None

    @extend_schema(
        operation_id="units_history",
        responses={200: ts.UnitHistorySerializer, **ERRORS},
    )
    def get(self, request, code):
        """A unit's life as dated events read from its versions, oldest first, as its page shows
        them (opened, moved, renamed, kind changed, closed, reopened) and each change of whether
        it decides admissions; for a unit that closed, the units that took over its work."""
        unit = unit_of(request, code)
        events = unit_history(unit, can_admit=True)
        closure = unit_closure(unit=unit, day=dt.date.max)
        successors = closure.successors if closure else []
        visible = units_covered(request, [s.unit_id for s in successors])
        data = {
            "code": unit.code,
            "events": [
                {
                    "day": e.day,
                    "what": e.what,
                    "label": history_label(e.what),
                    "before": e.before,
                    "after": e.after,
                    "before_code": e.before_code,
                    "after_code": e.after_code,
                }
                for e in events
            ],
            "closed_on": closure.closed_on if closure else None,
            "successors": [
                {"unit": s.unit, "name": s.name, "kind": s.kind, "visible": s.unit_id in visible}
                for s in successors
            ],
        }
        return Response(ts.UnitHistorySerializer(data).data)


urlpatterns: list[URLPattern] = [
    path("places/", open_view(PlaceList.as_view()), name="api_places"),
    path("places/<str:place>/", open_view(PlaceDetail.as_view()), name="api_place"),
    path("units/<str:code>/history/", open_view(UnitHistory.as_view()), name="api_unit_history"),
]
