"""The API's views (thin, like the pages': reads through selectors and the access helpers) and
the page where a user handles their own tokens."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from ranks.access.requests import scope_of
from ranks.api import serializers as s
from ranks.api.common import (
    ERRORS,
    ON,
    ByCode,
    SubtreeQuery,
    UnitsQuery,
    day_of,
    query_of,
    sensitive_of,
    text_field,
    unit_of,
)
from ranks.api.selectors import api_subtree_on, api_units_on, tokens_of
from ranks.api.services import token_create, token_revoke
from ranks.core.actor import Actor
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.org.selectors import unit_version_on, unit_versions
from ranks.people.selectors import people_matching


class UnitList(GenericAPIView):
    serializer_class = s.UnitOnDaySerializer
    pagination_class = ByCode

    @extend_schema(
        operation_id="units_list",
        parameters=[UnitsQuery],
        responses={200: s.UnitOnDaySerializer(many=True), **ERRORS},
    )
    def get(self, request):
        """The units the user sees on a date, by code (only those of the kinds asked for, with
        `kind`)."""
        query = query_of(request, UnitsQuery)
        units = api_units_on(
            scope=scope_of(request),
            day=query.get("on") or today(),
            parent_code=query.get("parent") or None,
            kinds=query.get("kind"),
        )
        page = self.paginate_queryset(units)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class UnitDetail(GenericAPIView):
    serializer_class = s.UnitDetailSerializer
    pagination_class = None

    @extend_schema(
        operation_id="units_retrieve",
        parameters=[ON],
        responses={200: s.UnitDetailSerializer, **ERRORS},
    )
    def get(self, request, code):
        """One unit: what it is on the date, and all its versions."""
        unit = unit_of(request, code)
        day = day_of(request)
        data = {
            "code": unit.code,
            "on": day,
            "current": unit_version_on(unit, day),
            "versions": unit_versions(unit),
        }
        return Response(s.UnitDetailSerializer(data).data)


class UnitSubtree(GenericAPIView):
    serializer_class = s.UnitOnDaySerializer
    pagination_class = ByCode

    @extend_schema(
        operation_id="units_subtree",
        parameters=[SubtreeQuery],
        responses={200: s.UnitOnDaySerializer(many=True), **ERRORS},
    )
    def get(self, request, code):
        """The unit and every unit below it on the date, by code (only those of the kinds
        asked for, with `kind`)."""
        unit = unit_of(request, code)
        query = query_of(request, SubtreeQuery)
        units = api_subtree_on(
            scope=scope_of(request),
            unit=unit,
            day=query.get("on") or today(),
            kinds=query.get("kind"),
        )
        page = self.paginate_queryset(units)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class PeopleQuery(serializers.Serializer):
    q = text_field(100, help_text="An identifier, or words of a name (diacritics ignored).")
    limit = serializers.IntegerField(
        min_value=1, max_value=50, required=False, help_text="At most this many (50 if not given)."
    )
    show = serializers.ChoiceField(choices=["sensitive"], required=False)


class PeopleSearch(GenericAPIView):
    serializer_class = s.PeopleSerializer
    pagination_class = None

    @extend_schema(
        operation_id="people_search",
        parameters=[PeopleQuery],
        responses={200: s.PeopleSerializer, **ERRORS},
    )
    def get(self, request):
        """People the user sees by identifier or name (diacritics and case ignored): the best
        `limit` matches (at most 50). With ?show=sensitive and the sensitive grant, their
        ethnicity, religion and national ID, each read written to the audit log."""
        query = query_of(request, PeopleQuery)
        found = people_matching(
            scope=scope_of(request), query=query["q"], limit=query.get("limit", 50)
        )
        results = []
        wants = query.get("show") == "sensitive"
        for person in found:
            row = s.PersonSerializer(person).data
            sensitive = sensitive_of(request, person) if wants else None
            if sensitive is not None:
                row["sensitive"] = sensitive
            results.append(row)
        return Response({"results": results})


def api_not_found(request, rest=""):
    """Any address under /api/ that no endpoint has: the API's 404, as JSON, not the pages'."""
    return JsonResponse(
        {"code": "not_found", "message": _("No such address in the API."), "details": {}},
        status=404,
    )


# --- the page of one's own tokens -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def account_tokens(request):
    """Create, name, list and revoke one's own API tokens; a new secret is shown once."""
    actor = Actor.for_user(request.user)
    secret = None
    if request.method == "POST":
        try:
            if "revoke" in request.POST:
                token = token_revoke(actor=actor, prefix=request.POST["revoke"])
                messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
                return redirect("account_tokens")
            days_text = request.POST.get("days", "").strip()
            if days_text and not days_text.isdigit():
                raise DomainError(_("Write the number of days, or leave it empty."), field="days")
            token, secret = token_create(
                actor=actor,
                name=request.POST.get("name", ""),
                days=int(days_text) if days_text else None,
                read_only=bool(request.POST.get("read_only")),
            )
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("account_tokens")
    return render(
        request,
        "api/tokens.html",
        {"tokens": list(tokens_of(request.user)), "secret": secret},
    )
