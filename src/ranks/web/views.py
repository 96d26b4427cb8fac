"""Pages. Each view: read input, check access (`ranks.access.requests`), call selectors, render."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_not_required
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ranks.access.requests import (
    actor_of,
    day_of,
    home_unit,
    person_or_404,
    scope_of,
    unit_or_404,
)
from ranks.counters.models import MOVEMENT_COLUMNS
from ranks.counters.selectors import admitted_between, member_counts, movement_between
from ranks.org.models import PlaceKind, UnitVersion
from ranks.org.selectors import (
    cell_places_on,
    places_of_units_on,
    unit_ancestry,
    unit_children_on,
    unit_history,
    unit_version_nearest,
)
from ranks.people.models import Person
from ranks.people.selectors import (
    cell_members_on,
    person_search,
)
from ranks.people.services import person_sensitive_read
from ranks.people.status import age_on
from ranks.web.views_coverage import cell_section

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
def unit_detail(request, code: str):
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    version = unit_version_nearest(unit, day)
    exists_on_day = version is not None and (
        (version.valid_from or dt.date.min) <= day <= (version.valid_to or dt.date.max)
    )
    shown_day = (
        day if exists_on_day or version is None else (version.valid_to or version.valid_from or day)
    )
    scope = scope_of(request)
    ancestry = unit_ancestry(unit, shown_day) if version else []
    visible_ids = set(
        scope.units(
            UnitVersion.objects.filter(unit_id__in=[v.unit_id for v in ancestry]), "unit"
        ).values_list("unit_id", flat=True)
    )
    breadcrumbs = [v for v in ancestry[:-1] if v.unit_id in visible_ids]
    inherited = set()
    for v in ancestry[:-1]:
        inherited.update(v.area_flags or ())
    own_flags = set(version.area_flags or ()) if version else set()
    children = list(scope.units(unit_children_on(unit, shown_day), "unit"))
    # From the counters: one sum for the unit and its children whatever the members below.
    counted = member_counts([unit.pk, *(c.unit_id for c in children)], shown_day)
    for child in children:
        child.counts = counted[child.unit_id]
    members = []
    if version and version.kind.holds_members:
        members = list(cell_members_on(unit.pk, shown_day))
        for posting in members:
            posting.status = posting.membership.status_on(shown_day)
    places = list(places_of_units_on([unit.pk], shown_day))
    cell_names = dict(
        UnitVersion.objects.valid_on(shown_day)
        .filter(unit_id__in={c.pk for p in places for c in p.cells.all()})
        .values_list("unit_id", "name")
    )
    for place in places:
        place.cell_list = [(c.code, cell_names.get(c.pk, c.code)) for c in place.cells.all()]
    based_at = (
        list(cell_places_on(unit, shown_day)) if version and version.kind.holds_members else []
    )
    cell = cell_section(unit, shown_day) if version and version.kind.holds_members else None
    year = None
    if version is not None:  # the year up to the day shown, from the counters
        start = dt.date(shown_day.year, 1, 1)
        moved = movement_between([unit.pk], start, shown_day).get(unit.pk, (0, 0, 0))
        year = {
            "start": start,
            "admitted": admitted_between([unit.pk], start, shown_day).get(unit.pk, 0),
            **dict(zip(MOVEMENT_COLUMNS, moved, strict=True)),
        }
    return render(
        request,
        "web/unit.html",
        {
            "unit": unit,
            "version": version,
            "day": day,
            "shown_day": shown_day,
            "exists_on_day": exists_on_day,
            "date_error": date_error,
            "breadcrumbs": breadcrumbs,
            "own_flags": sorted(own_flags),
            "inherited_flags": sorted(inherited - own_flags),
            "counts": counted[unit.pk],
            "children": children,
            "members": members,
            "places": places,
            "based_at": based_at,
            "history": unit_history(unit),
            "place_kinds": dict(PlaceKind.choices),
            "cell": cell,
            "year": year,
        },
    )


@require_GET
def person_detail(request, person_id: str):
    person = person_or_404(request, person_id)
    day, date_error = day_of(request)
    memberships = list(person.memberships.prefetch_related("postings__cell"))
    cell_ids = {p.cell_id for m in memberships for p in m.postings.all()}
    versions = list(UnitVersion.objects.filter(unit_id__in=cell_ids))

    def cell_name(posting):
        for v in versions:
            if v.unit_id == posting.cell_id and (
                v.valid_from or dt.date.min
            ) <= posting.valid_from <= (v.valid_to or dt.date.max):
                return v.name
        return posting.cell.code

    for membership in memberships:
        membership.status = membership.status_on(day)
        membership.age = membership.party_age_on(day)
        membership.stints = [
            {"posting": p, "cell_name": cell_name(p)} for p in membership.postings.all()
        ]
    sensitive = None
    if scope_of(request, sensitive=True).people(Person.objects.filter(pk=person.pk)).exists():
        if request.GET.get("show") == "sensitive":
            sensitive = person_sensitive_read(actor=actor_of(request), person=person)
        else:
            sensitive = False  # may see them, has not asked to
    return render(
        request,
        "web/person.html",
        {
            "person": person,
            "day": day,
            "date_error": date_error,
            "age": age_on(person.birth_date, day),
            "memberships": memberships,
            "sensitive": sensitive,
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
