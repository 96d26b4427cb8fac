"""Pages. Each view: read input, check access (`ranks.access.requests`), call selectors, render."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_not_required
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ranks.access.requests import (
    day_of,
    home_unit,
    scope_of,
    unit_or_404,
)
from ranks.org.models import UnitVersion
from ranks.org.selectors import (
    unit_version_nearest,
)
from ranks.people.models import Person
from ranks.people.selectors import (
    person_search,
)
from ranks.pipeline.due import due_list

TREE_MAX_DEPTH = 4


@require_GET
def home(request):
    """A committee user lands on the dashboard of their unit; everybody else on the tree."""
    unit = home_unit(request)
    if unit is not None:
        return redirect("unit_dashboard", code=unit.code)
    return redirect("tree")


def _visible_versions_on(request, day: dt.date):
    """Versions on `day` of the units below the user's grants on that day."""
    return scope_of(request).units_on(UnitVersion.objects.valid_on(day), day, path="unit")


def _roots_on(request, day: dt.date):
    scope = scope_of(request)
    visible = _visible_versions_on(request, day)
    if scope.full:
        parents_alive = UnitVersion.objects.valid_on(day).values("unit_id")
        return visible.exclude(parent_id__in=parents_alive)
    return visible.exclude(parent_id__in=RawSQL(*scope.unit_ids_on_sql(day)))


@require_GET
def tree(request):
    """The tree of a date from the units the user may see, a few levels deep: one query a level."""
    day, date_error = day_of(request)
    try:
        depth = max(1, min(int(request.GET.get("depth", 2)), TREE_MAX_DEPTH))
    except ValueError:
        depth = 2
    roots = list(
        _roots_on(request, day).select_related("unit", "kind").order_by("kind__order", "name")
    )
    nodes = {v.unit_id: {"version": v, "children": []} for v in roots}
    level = [v.unit_id for v in roots]
    for _level in range(depth - 1):
        if not level:
            break
        children = list(
            _visible_versions_on(request, day)
            .filter(parent_id__in=level)
            .select_related("unit", "kind")
            .order_by("kind__order", "name")
        )
        level = []
        for child in children:
            node = {"version": child, "children": []}
            nodes[child.parent_id]["children"].append(node)
            nodes[child.unit_id] = node
            level.append(child.unit_id)
    return render(
        request,
        "web/tree.html",
        {
            "day": day,
            "date_error": date_error,
            "depth": depth,
            "depths": range(1, TREE_MAX_DEPTH + 1),
            "roots": [nodes[v.unit_id] for v in roots],
        },
    )


@require_GET
def unit_due(request, code: str):
    """What is due on a date for the candidates of the unit's subtree, overdue first."""
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    version = unit_version_nearest(unit, day)
    items = due_list(scope=scope_of(request), unit=unit, on=day)
    return render(
        request,
        "web/unit_due.html",
        {
            "unit": unit,
            "version": version,
            "day": day,
            "date_error": date_error,
            "items": items,
            "overdue_count": sum(1 for i in items if i.overdue),
        },
    )


@require_GET
def search(request):
    query = request.GET.get("q", "").strip()[:100]
    people, units = [], []
    if query:
        people = person_search(scope_of(request).people(Person.objects.all()), query, limit=50)
        units = list(
            scope_of(request)
            .units(
                UnitVersion.objects.filter(Q(name__icontains=query) | Q(unit__code__iexact=query)),
                "unit",
            )
            .select_related("unit", "kind")
            .order_by("name", "-valid_from")[:30]
        )
    return render(request, "web/search.html", {"query": query, "people": people, "units": units})


@login_not_required
def healthz(request):
    from django.http import HttpResponse

    return HttpResponse("ok", content_type="text/plain")
