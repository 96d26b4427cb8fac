"""The shell's pages: home, the tree of a date, search, and the health check for the servers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ranks.access.requests import day_of, home_unit, scope_of
from ranks.org.selectors import unit_tree_on, units_matching
from ranks.people.selectors import people_matching

TREE_MAX_DEPTH = 4


@require_GET
def home(request):
    """A committee user lands on the dashboard of their unit; everybody else on the tree."""
    unit = home_unit(request)
    if unit is not None:
        return redirect("unit_dashboard", code=unit.code)
    return redirect("tree")


@require_GET
def tree(request):
    """The tree of a date from the units the user may see, a few levels deep: one query a level."""
    day, date_error = day_of(request)
    try:
        depth = max(1, min(int(request.GET.get("depth", 2)), TREE_MAX_DEPTH))
    except ValueError:
        depth = 2
    return render(
        request,
        "web/tree.html",
        {
            "day": day,
            "date_error": date_error,
            "depth": depth,
            "depths": range(1, TREE_MAX_DEPTH + 1),
            "roots": unit_tree_on(scope=scope_of(request), day=day, depth=depth),
        },
    )


@require_GET
def search(request):
    """People the user may see by identifier or name, and units by name or code."""
    query = request.GET.get("q", "").strip()[:100]
    people, units = [], []
    if query:
        scope = scope_of(request)
        people = people_matching(scope=scope, query=query)
        units = units_matching(scope=scope, query=query)
    return render(request, "web/search.html", {"query": query, "people": people, "units": units})


@login_not_required
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
