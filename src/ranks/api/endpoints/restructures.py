"""Restructures: those that touched a unit, and one restructure with what it did — the unit
page's list and the restructure's page (`ranks.restructure.views`), read through their
selectors.

A unit's list needs the unit in the user's scope (else 404, like a missing unit); one
restructure needs every unit it names in the scope, as its page does (else 404, like a missing
id). Preparing, applying and undoing a restructure is done on its pages or with `ranks
restructure`."""

from __future__ import annotations

from django.http import Http404
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from ranks.access.requests import scope_of
from ranks.api.common import ERRORS, PageQuery, open_view, query_of, unit_of
from ranks.restructure.display import restructure_seen, restructure_steps, restructures_seen_ids
from ranks.restructure.models import Restructure, RestructureKind, RestructureStatus


class Newest(CursorPagination):
    """Pages of 50 (`page_size` up to 200), the latest effective date first."""

    ordering = ("-effective_on", "-id")
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def get_schema_operation_parameters(self, view):
        return []


class RestructuresQuery(PageQuery):
    """A cursor and a page size; the list does not depend on a date."""

    on = None


class RestructureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RestructureKind.choices)
    kind_label = serializers.CharField(
        source="get_kind_display", help_text="The kind in the language asked for."
    )
    effective_on = serializers.DateField(
        help_text="The first day of the new structure; the sources that close end the day before."
    )
    sources = serializers.ListField(child=serializers.CharField(), source="source_codes")
    targets = serializers.ListField(child=serializers.CharField(), source="target_codes")
    reason = serializers.CharField()
    document = serializers.CharField(help_text='The document that decides it ("Quyết định số …").')
    status = serializers.ChoiceField(choices=RestructureStatus.choices)
    applied_by = serializers.CharField()
    applied_at = serializers.DateTimeField()
    undone_by = serializers.CharField()
    undone_at = serializers.DateTimeField(allow_null=True)


class ListedSerializer(RestructureSerializer):
    visible = serializers.BooleanField(
        help_text="Whether the user sees every unit it names, and so may read it whole "
        "(`restructures/ID/`)."
    )


class UnitStepSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="The unit kind's name in the language asked for.")
    parent = serializers.CharField(allow_null=True)
    was_name = serializers.CharField()
    was_kind = serializers.CharField()
    was_parent = serializers.CharField(allow_null=True)


class PlaceStepSerializer(serializers.Serializer):
    code = serializers.CharField()
    unit = serializers.CharField(help_text="The unit it belongs to from the date.")
    was_unit = serializers.CharField()


class ClosedSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text="Its name the day before the date.")


class DetailSerializer(RestructureSerializer):
    params = serializers.DictField(
        help_text="As given: the new name, the new kind and a split's mapping."
    )
    units = UnitStepSerializer(
        many=True, help_text="Each unit that got a new version from the date."
    )
    places = PlaceStepSerializer(many=True, help_text="Each place that moved to another unit.")
    closed = ClosedSerializer(many=True, help_text="Each source that closed the day before.")


def _listed(restructure: Restructure, visible: set[int]) -> dict:
    return {**RestructureSerializer(restructure).data, "visible": restructure.pk in visible}


class UnitRestructures(GenericAPIView):
    serializer_class = ListedSerializer
    pagination_class = Newest

    @extend_schema(
        operation_id="units_restructures",
        parameters=[RestructuresQuery],
        responses={200: ListedSerializer(many=True), **ERRORS},
    )
    def get(self, request, code):
        """The restructures that touched the unit (as a source, a target, a unit a split
        assigned or a unit moved), the latest effective date first, as its page lists them."""
        query_of(request, RestructuresQuery)
        unit = unit_of(request, code)
        found = Restructure.objects.filter(units__unit=unit)
        page = self.paginate_queryset(found)
        visible = restructures_seen_ids(scope=scope_of(request), restructures=page)
        return self.get_paginated_response([_listed(r, visible) for r in page])


class RestructureDetail(GenericAPIView):
    serializer_class = DetailSerializer
    pagination_class = None

    @extend_schema(
        operation_id="restructures_retrieve",
        responses={200: DetailSerializer, **ERRORS},
    )
    def get(self, request, restructure_id):
        """One restructure and what it did, as its page shows it: the units with their new and
        former parent, name and kind, the places with their new and former unit, and the
        sources closed."""
        found = restructure_seen(scope=scope_of(request), restructure_id=restructure_id)
        if found is None:
            raise Http404(_("No such restructure."))
        steps = restructure_steps(found)
        data = {
            **RestructureSerializer(found).data,
            "params": found.params or {},
            "units": [UnitStepSerializer(u).data for u in steps.units],
            "places": [PlaceStepSerializer(p).data for p in steps.places],
            "closed": [{"code": code, "name": name} for code, name in steps.closes],
        }
        return Response(data)


urlpatterns: list[URLPattern] = [
    path(
        "units/<str:code>/restructures/",
        open_view(UnitRestructures.as_view()),
        name="api_unit_restructures",
    ),
    path(
        "restructures/<int:restructure_id>/",
        open_view(RestructureDetail.as_view()),
        name="api_restructure",
    ),
]
