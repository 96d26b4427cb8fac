"""Pages of the organisation tree: a unit's page, and a manager's changes to a unit and a place.

Seeing a form needs what seeing its unit or place needs (else 404, like a missing one); using it
needs the manager role over the unit, or over a unit the place belongs to (else 403 with the way
back, and nothing written). A change takes effect from a date: see `org.services.unit_change`.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ranks.access.requests import (
    actor_of,
    day_of,
    manager_covers,
    manager_covers_place,
    place_or_404,
    scope_of,
    unit_in_scope,
    unit_or_404,
)
from ranks.core.clock import today
from ranks.core.errors import DomainError, Refused
from ranks.core.pages import page_of
from ranks.counters.selectors import member_counts, unit_year_to_date
from ranks.coverage.selectors import cell_section
from ranks.org.forms import PlaceEditForm, UnitEditForm
from ranks.org.selectors import (
    cells_below_on,
    place_version_nearest,
    place_versions,
    unit_page_on,
    unit_version_nearest,
    unit_versions,
)
from ranks.org.services import place_change, unit_change
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


@require_http_methods(["GET", "POST"])
def unit_edit(request, code: str):
    """A manager changes the unit's name, whether it decides admissions, and its area flags,
    from a date."""
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    version = unit_version_nearest(unit, day)
    name = version.name if version else unit.code
    if not manager_covers(request, unit):
        raise Refused(
            _("Changing a unit needs the manager role for it."),
            back_url=reverse("unit", args=[unit.code]),
            back_label=_("Back to %(name)s") % {"name": name},
        )
    initial: dict[str, object] = {"on": day}
    if version is not None:
        initial.update(
            name=version.name, can_admit=version.can_admit, area_flags=version.area_flags
        )
    form = UnitEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = unit_change(
                actor=actor_of(request),
                code=unit.code,
                on=data["on"],
                name=data["name"],
                can_admit=data["can_admit"],
                area_flags=data["area_flags"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if saved is None:
                messages.info(request, _("Nothing changed."))
            else:
                messages.success(
                    request, _("Saved: the unit from %(day)s.") % {"day": _vn(data["on"])}
                )
            return redirect(f"{request.path}?on={data['on'].isoformat()}")
    return render(
        request,
        "org/unit_edit.html",
        {
            "unit": unit,
            "version": version,
            "day": day,
            "date_error": date_error,
            "form": form,
            "versions": unit_versions(unit),
        },
    )


@require_http_methods(["GET", "POST"])
def place_edit(request, place: str):
    """A manager changes a place (name, kind, unit, the cells based there, area flags) from a
    date."""
    found = place_or_404(request, place)
    day, date_error = day_of(request)
    version = place_version_nearest(found, day)
    name = version.name if version else found.code
    unit = version.unit if version else None
    back_url = reverse("unit", args=[unit.code]) if unit else reverse("tree")
    if not manager_covers_place(request, found):
        raise Refused(
            _("Changing a place needs the manager role for its unit."),
            back_url=back_url,
            back_label=_("Back to %(name)s")
            % {"name": _unit_name(unit) if unit else _("the tree")},
        )
    manager = scope_of(request, role="manager")
    cells = cells_below_on(unit=unit, day=day, scope=manager) if unit else []
    current = [c.code for c in version.cells.all()] if version else []
    offered = {c for c, _n in cells}
    cells += [(c, c) for c in current if c not in offered]
    initial: dict[str, object] = {"on": day}
    if version is not None:
        initial.update(
            name=version.name,
            kind=version.kind,
            unit_code=version.unit.code,
            cell_codes=current,
            area_flags=version.area_flags,
        )
    form = PlaceEditForm(
        request.POST if request.method == "POST" else None, initial=initial, cells=cells
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit_code = data["unit_code"].strip()
        if unit_in_scope(request, unit_code, role="manager") is None:
            form.add_error("unit_code", _("Unknown unit code: %(code)s.") % {"code": unit_code})
        else:
            try:
                saved = place_change(
                    actor=actor_of(request),
                    code=found.code,
                    on=data["on"],
                    name=data["name"],
                    kind=data["kind"],
                    unit_code=unit_code,
                    cell_codes=data["cell_codes"],
                    area_flags=data["area_flags"],
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                if saved is None:
                    messages.info(request, _("Nothing changed."))
                else:
                    messages.success(
                        request, _("Saved: the place from %(day)s.") % {"day": _vn(data["on"])}
                    )
                return redirect(f"{request.path}?on={data['on'].isoformat()}")
    return render(
        request,
        "org/place_edit.html",
        {
            "place": found,
            "version": version,
            "name": name,
            "unit": unit,
            "unit_name": _unit_name(unit) if unit else "",
            "day": day,
            "date_error": date_error,
            "form": form,
            "versions": place_versions(found),
        },
    )


def _unit_name(unit) -> str:
    version = unit_version_nearest(unit, today())
    return version.name if version else unit.code


def _vn(day) -> str:
    return day.strftime("%d/%m/%Y")
