"""Pages of the organisation tree: a unit's page."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from ranks.access.requests import day_of, scope_of, unit_or_404
from ranks.counters.selectors import member_counts, unit_year_to_date
from ranks.coverage.selectors import cell_section
from ranks.org.selectors import unit_page_on
from ranks.people.selectors import cell_members_with_status


@require_GET
def unit_detail(request, code: str):
    """The unit on a date: where it sits, its members, the units below it, its places, its year
    so far, its health if a cell, and its history."""
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    page = unit_page_on(unit=unit, day=day, scope=scope_of(request))
    shown_day = page.shown_day
    # From the counters: one sum for the unit and its children whatever the members below.
    counts = member_counts([unit.pk, *(c.unit_id for c in page.children)], shown_day)
    cell = page.holds_members
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
            "children": [(child, counts[child.unit_id]) for child in page.children],
            "members": cell_members_with_status(cell_id=unit.pk, day=shown_day) if cell else [],
            "places": page.places,
            "based_at": page.based_at,
            "history": page.history,
            "cell": cell_section(unit=unit, day=shown_day) if cell else None,
            "year": unit_year_to_date(unit_id=unit.pk, day=shown_day) if page.version else None,
        },
    )
