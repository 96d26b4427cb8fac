"""Pages of the organisation tree: a unit's page."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from ranks.access.requests import day_of, scope_of, unit_or_404
from ranks.core.pages import page_of
from ranks.counters.selectors import member_counts, unit_year_to_date
from ranks.coverage.selectors import cell_section
from ranks.org.selectors import unit_page_on
from ranks.people.selectors import cell_members_with_status

LIST_PAGE = 50


@require_GET
def unit_detail(request, code: str):
    """The unit on a date: where it sits, its members, the units below it, its places, its year
    so far, its health if a cell, and its history."""
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    page = unit_page_on(unit=unit, day=day, scope=scope_of(request))
    shown_day = page.shown_day
    # Each list that can grow a page at a time: the units below, a cell's members, the places.
    children = page_of(page.children, request.GET.get("below"), LIST_PAGE)
    # From the counters: one sum for the unit and the children shown, whatever the members below.
    counts = member_counts([unit.pk, *(c.unit_id for c in children.object_list)], shown_day)
    cell = page.holds_members
    members = page_of(
        cell_members_with_status(cell_id=unit.pk, day=shown_day) if cell else [],
        request.GET.get("members"),
        LIST_PAGE,
    )
    return render(
        request,
        "org/unit.html",
        {
            "unit": unit,
            "version": page.version,
            "day": day,
            "shown_day": shown_day,
            "exists_on_day": page.exists_on_day,
            "date_error": date_error,
            "breadcrumbs": page.breadcrumbs,
            "own_flags": page.own_flags,
            "inherited_flags": page.inherited_flags,
            "counts": counts[unit.pk],
            "children": [(child, counts[child.unit_id]) for child in children.object_list],
            "children_page": children,
            "members": members.object_list,
            "members_page": members,
            "places": page_of(page.places, request.GET.get("places"), LIST_PAGE),
            "based_at": page.based_at,
            "history": page.history,
            "cell": cell_section(unit=unit, day=shown_day) if cell else None,
            "year": unit_year_to_date(unit_id=unit.pk, day=shown_day) if page.version else None,
        },
    )
