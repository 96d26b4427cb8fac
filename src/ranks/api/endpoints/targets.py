"""Targets: read, set, allocate — through the code of the allocation page
(`ranks.targets.views.allocation`): its selectors, its balance, its role checks and its service.

Seeing needs the viewer role over the unit (else 404, like a missing unit); setting the unit's
own figure needs the manager role over the unit and over its parent, allocating it to the units
below the manager role over the unit (else 403 `permission_denied`, nothing written). A year is
split on the tree of `allocation_day(year)`."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from ranks.access.requests import manager_covers
from ranks.api.common import ERRORS, api_actor, open_view, query_of, unit_of
from ranks.api.endpoints import targets_serializers as ts
from ranks.api.idempotency import IDEMPOTENCY_KEY, idempotent
from ranks.core.clock import today
from ranks.org.selectors import unit_version_nearest
from ranks.targets.metrics import Metric
from ranks.targets.selectors import Allocation, allocation_revisions, allocations_on
from ranks.targets.services import allocation_day, target_allocate
from ranks.targets.suggest import allocation_suggested
from ranks.targets.views.allocation import allocation_balance

YEAR = OpenApiParameter(
    "year",
    {"type": "integer", "minimum": ts.FIRST_YEAR, "maximum": ts.LAST_YEAR},
    location=OpenApiParameter.PATH,
    description=ts.YEAR_HELP,
)
METRIC = OpenApiParameter(
    "metric",
    OpenApiTypes.STR,
    location=OpenApiParameter.PATH,
    enum=Metric.values,
    description=ts.METRIC_HELP,
)


def _refused() -> exceptions.PermissionDenied:
    """The allocation page's refusal, in its words."""
    return exceptions.PermissionDenied(
        _("Setting and splitting targets needs the manager role for this unit.")
    )


class UnitScoped(GenericAPIView):
    """A unit's address: outside the user's scope it answers 404 whatever the method, so that a
    method it does not take tells nothing about a unit one may not see."""

    pagination_class = None
    # OPTIONS describes nothing here (DRF's would look for a queryset): it is a method not taken.
    metadata_class = None

    def http_method_not_allowed(self, request, *args, **kwargs):
        unit_of(request, kwargs["code"])
        return super().http_method_not_allowed(request, *args, **kwargs)


def _path_of(year: str, metric: str) -> tuple[int, str]:
    checked = ts.TargetPath(data={"year": year, "metric": metric})
    checked.is_valid(raise_exception=True)
    return checked.validated_data["year"], checked.validated_data["metric"]


def _may_set(request, allocation: Allocation) -> bool:
    """The page's rule: the unit's own figure is set from above, by a manager of its parent on
    the day (only full access when it has none)."""
    version = allocation.version
    return manager_covers(request, version.parent if version else None)


def _name(unit, allocation: Allocation, day) -> str | None:
    """The unit's name as the page shows it: on the day, else its nearest version's."""
    shown = allocation.version or unit_version_nearest(unit, day)
    return shown.name if shown else None


def _row(
    unit,
    *,
    year: int,
    metric: str,
    day,
    allocation: Allocation,
    name: str | None,
    may: tuple[bool, bool],
) -> dict:
    """The allocation as the page shows it: its figures, the sum and the verdict."""
    allocated = sum(value or 0 for _code, _name, value in allocation.children)
    value = allocation.unit_value
    target = allocation.unit_target
    return {
        "unit": unit.code,
        "name": name,
        "year": year,
        "metric": metric,
        "metric_label": str(Metric(metric).label),
        "day": day,
        "exists_on_day": allocation.version is not None,
        "value": value,
        "set_by": target.set_by if target else None,
        "set_at": target.set_at if target else None,
        "children": [
            {"code": code, "name": name, "value": current}
            for code, name, current in allocation.children
        ],
        "allocated": allocated,
        "remainder": None if value is None else value - allocated,
        "balance": allocation_balance(value, allocated),
        "may_allocate": may[0],
        "may_set": may[1],
    }


def _may(request, unit, allocation: Allocation) -> tuple[bool, bool]:
    """Whether the user may allocate (the manager role over the unit), and set its own figure."""
    may_allocate = manager_covers(request, unit)
    return may_allocate, may_allocate and _may_set(request, allocation)


def _detail(request, unit, year: int, metric: str, suggest: str | None = None) -> dict:
    """The row with its revisions; with `suggest` (a weight, or "" for the metric's default) a
    suggested split too, refused (400) with the page's words when there is nothing to split."""
    day = allocation_day(year)
    allocation = allocations_on(unit=unit, day=day, year=year, metrics=[metric])[metric]
    suggestion = None
    if suggest is not None:
        suggestion = allocation_suggested(
            unit=unit, year=year, metric=metric, weight=suggest or None, allocation=allocation
        )
    row = _row(
        unit,
        year=year,
        metric=metric,
        day=day,
        allocation=allocation,
        name=_name(unit, allocation, day),
        may=_may(request, unit, allocation),
    )
    row["revisions"] = allocation_revisions(allocation=allocation, year=year, metric=metric)
    row["suggestion"] = suggestion and {
        "weight": suggestion.weight,
        "weight_label": suggestion.weight_label,
        "counted_on": suggestion.counted_on,
        "value": suggestion.value,
        "equal": suggestion.equal,
        "parts": [p.as_dict() for p in suggestion.parts],
    }
    return row


def _written(request, unit, year: int, metric: str, changed) -> Response:
    data = _detail(request, unit, year, metric)
    data["changed"] = [target.unit.code for target in changed]
    data["message"] = (
        _("Saved: %(count)s targets changed.") % {"count": len(changed)}
        if changed
        else _("Nothing changed.")
    )
    return Response(ts.TargetWrittenSerializer(data).data)


class UnitTargets(UnitScoped):
    serializer_class = ts.TargetsSerializer

    @extend_schema(
        operation_id="targets_list",
        parameters=[ts.TargetsQuery],
        responses={200: ts.TargetsSerializer, **ERRORS},
    )
    def get(self, request, code):
        """The unit's targets of a year (this year if not given), one per metric (or only
        `metric`): each with who set it last, the targets of the units directly below it on the
        allocation day, what they add up to and what is left, as the allocation page shows."""
        unit = unit_of(request, code)
        query = query_of(request, ts.TargetsQuery)
        year = query.get("year") or today().year
        metrics = [query["metric"]] if "metric" in query else list(Metric.values)
        day = allocation_day(year)
        allocations = allocations_on(unit=unit, day=day, year=year, metrics=metrics)
        # The unit, its name and its parent on the day are the same for every metric.
        first = allocations[metrics[0]]
        name, may = _name(unit, first, day), _may(request, unit, first)
        results = [
            _row(
                unit,
                year=year,
                metric=metric,
                day=day,
                allocation=allocation,
                name=name,
                may=may,
            )
            for metric, allocation in allocations.items()
        ]
        return Response(
            ts.TargetsSerializer({"unit": unit.code, "year": year, "results": results}).data
        )


class UnitTarget(UnitScoped):
    serializer_class = ts.AllocationDetailSerializer

    @extend_schema(
        operation_id="targets_retrieve",
        parameters=[YEAR, METRIC, ts.SuggestQuery],
        responses={200: ts.AllocationDetailSerializer, **ERRORS},
    )
    def get(self, request, code, year, metric):
        """One year and metric: the allocation page — the unit's target, who set it, the units
        below with theirs, the sum, what is left, and the latest 30 changes. With `?suggest=`, a
        suggested split of the unit's target among the units below, as the page's "Suggest"
        gives it: whole numbers summing to the target, each with its reason (400 with the
        page's words when the unit has no target or no unit below)."""
        unit = unit_of(request, code)
        year, metric = _path_of(year, metric)
        suggest = query_of(request, ts.SuggestQuery).get("suggest")
        return Response(
            ts.AllocationDetailSerializer(_detail(request, unit, year, metric, suggest)).data
        )

    @extend_schema(
        operation_id="targets_set",
        parameters=[YEAR, METRIC, IDEMPOTENCY_KEY],
        request=ts.TargetSetBody,
        responses={200: ts.TargetWrittenSerializer, **ERRORS},
    )
    @idempotent
    def put(self, request, code, year, metric):
        """Set the unit's own target for the year and metric, with a reason kept in its
        revision. Needs the manager role over the unit and over its parent (403 otherwise).
        Setting the value it already has changes nothing."""
        unit = unit_of(request, code)
        year, metric = _path_of(year, metric)
        day = allocation_day(year)
        allocation = allocations_on(unit=unit, day=day, year=year, metrics=[metric])[metric]
        if not _may(request, unit, allocation)[1]:
            raise _refused()
        body = ts.TargetSetBody(data=request.data)
        body.is_valid(raise_exception=True)
        changed = target_allocate(
            actor=api_actor(request),
            unit_code=unit.code,
            year=year,
            metric=metric,
            values={},
            reason=body.validated_data["reason"],
            unit_value=body.validated_data["value"],
        )
        return _written(request, unit, year, metric, changed)


class UnitTargetAllocate(UnitScoped):
    serializer_class = ts.TargetWrittenSerializer

    @extend_schema(
        operation_id="targets_allocate",
        parameters=[YEAR, METRIC, IDEMPOTENCY_KEY],
        request=ts.AllocateBody,
        responses={200: ts.TargetWrittenSerializer, **ERRORS},
    )
    @idempotent
    def post(self, request, code, year, metric):
        """Split the unit's target among the units directly below it on the allocation day, as
        the allocation page saves it: every figure given that differs from the stored one, all
        or nothing, each change with a revision and an audit entry. Needs the manager role over
        the unit (and over its parent for `unit_value`); a unit that is not directly below is
        refused with the page's message. The sum may differ from the unit's target: `balance`
        says by how much, as the page does. Figures taken from a suggested split
        (`?suggest=` on the target) give its `suggested_weight`: each child's revision then
        keeps that weight and the value the suggestion gave it."""
        unit = unit_of(request, code)
        year, metric = _path_of(year, metric)
        if not manager_covers(request, unit):
            raise _refused()
        body = ts.AllocateBody(data=request.data)
        body.is_valid(raise_exception=True)
        unit_value = body.validated_data.get("unit_value")
        if unit_value is not None:
            day = allocation_day(year)
            allocation = allocations_on(unit=unit, day=day, year=year, metrics=[metric])[metric]
            if not _may_set(request, allocation):
                raise _refused()
        weight = body.validated_data.get("suggested_weight", "")
        suggestion = (
            allocation_suggested(unit=unit, year=year, metric=metric, weight=weight)
            if weight
            else None
        )
        changed = target_allocate(
            actor=api_actor(request),
            unit_code=unit.code,
            year=year,
            metric=metric,
            values={child["code"]: child["value"] for child in body.validated_data["children"]},
            reason=body.validated_data["reason"],
            unit_value=unit_value,
            suggested_weight=weight,
            suggested=suggestion.values() if suggestion else None,
        )
        return _written(request, unit, year, metric, changed)


urlpatterns = [
    path(
        "units/<str:code>/targets/",
        open_view(UnitTargets.as_view()),
        name="api_unit_targets",
    ),
    path(
        "units/<str:code>/targets/<str:year>/<str:metric>/",
        open_view(UnitTarget.as_view()),
        name="api_unit_target",
    ),
    path(
        "units/<str:code>/targets/<str:year>/<str:metric>/allocate/",
        open_view(UnitTargetAllocate.as_view()),
        name="api_unit_target_allocate",
    ),
]
