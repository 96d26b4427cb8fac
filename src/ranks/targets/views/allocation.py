"""Pages of targets: a unit's targets by year and metric with their revisions, and the allocation
screen that splits a unit's target among the units directly below it.

Seeing needs the viewer role over the unit (else 404, like a missing unit); saving needs the
manager role over it (else 403 and nothing written), and the unit's own figure the manager role
over its parent. A year's allocation uses the tree of `allocation_day(year)`: 1 January of a past
year, today for the current year or a later one.

`?suggest=WEIGHT` fills the figures with a suggested split (`targets.suggest`) and shows each
child's reason; the manager saves it as it is, changes it, or leaves it. A save whose figures
came from it carries its weight, and the revisions keep what it suggested.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ranks.access.requests import actor_of, manager_covers, unit_or_404
from ranks.core.clock import today
from ranks.core.errors import DomainError, Refused
from ranks.org.selectors import unit_version_nearest
from ranks.targets.forms import CHILD_PREFIX, AllocationForm, TermTargetForm
from ranks.targets.metrics import Metric, Weight
from ranks.targets.selectors import (
    allocation_on,
    allocation_revisions,
    targets_by_year,
    term_targets_of,
)
from ranks.targets.services import (
    FIRST_YEAR,
    YEARS_AHEAD,
    allocation_day,
    target_allocate,
    term_target_set,
)
from ranks.targets.suggest import DEFAULT_WEIGHT, Suggestion, allocation_suggested
from ranks.targets.terms import term_progress


def _year_or_none(raw) -> int | None:
    try:
        year = int(raw)
    except (TypeError, ValueError):
        return None
    return year if FIRST_YEAR <= year <= today().year + 1 + YEARS_AHEAD else None


@require_GET
def unit_targets(request, code: str):
    """The unit's targets, newest year first, each with its revisions; a picker opens the
    allocation of any year and metric."""
    unit = unit_or_404(request, code)
    year, metric = _year_or_none(request.GET.get("year")), request.GET.get("metric", "")
    if year is not None and metric in Metric.values:
        return redirect("unit_allocation", code=unit.code, year=year, metric=metric)
    day = today()
    return render(
        request,
        "targets/list.html",
        {
            "unit": unit,
            "version": unit_version_nearest(unit, day),
            "day": day,
            "years": targets_by_year(unit=unit),
            "metrics": Metric.choices,
            "this_year": day.year,
            "bad_pick": bool(request.GET) and (year is None or metric not in Metric.values),
            "may_allocate": manager_covers(request, unit),
        },
    )


def balance_texts() -> dict[str, str]:
    """The verdicts on the sum, "%(amount)s" left for the page's script to fill as one types."""
    return {
        "over": _("Over-allocated by %(amount)s"),
        "under": _("Under-allocated by %(amount)s"),
        "exact": _("Allocated exactly"),
        "none": _("No target for this unit yet"),
    }


def allocation_balance(parent: int | None, total: int) -> dict:
    """What the children's figures add up to against the unit's own: over, under or exact."""
    if parent is None:
        kind, amount = "none", None
    elif total > parent:
        kind, amount = "over", total - parent
    elif total < parent:
        kind, amount = "under", parent - total
    else:
        kind, amount = "exact", 0
    text = balance_texts()[kind]
    return {"kind": kind, "amount": amount, "text": text % {"amount": amount} if amount else text}


@require_http_methods(["GET", "POST"])
def unit_allocation(request, code: str, year: int, metric: str):
    """One screen: the unit's figure, a number per unit below it, the live sum, a reason."""
    unit = unit_or_404(request, code)
    if metric not in Metric.values or _year_or_none(year) is None:
        raise Http404(_("No such page."))
    day = allocation_day(year)
    allocation = allocation_on(unit=unit, day=day, year=year, metric=metric)
    version = allocation.version
    shown = version or unit_version_nearest(unit, day)
    may_allocate = manager_covers(request, unit)
    if request.method == "POST" and not may_allocate:
        raise Refused(
            _("Setting and splitting targets needs the manager role for this unit."),
            back_url=reverse("unit_targets", args=[unit.code]),
            back_label=_("Back to the targets of %(name)s")
            % {"name": (shown and shown.name) or unit.code},
        )
    # The unit's own figure is set from above: by a manager of its parent on the day.
    may_set_unit = may_allocate and manager_covers(request, version.parent if version else None)
    children = allocation.children
    posted = request.POST if request.method == "POST" else None
    suggestion: Suggestion | None = None
    suggest_error = ""
    asked = (posted or {}).get("suggested_weight") if posted else request.GET.get("suggest")
    if asked is not None and (posted is None or asked):
        try:
            suggestion = allocation_suggested(
                unit=unit,
                year=year,
                metric=metric,
                weight=asked.strip() or None,
                allocation=allocation,
            )
        except DomainError as error:
            suggest_error = str(error.message)
    initial: dict[str, int | str] = {}
    if suggestion is not None and posted is None:
        initial = {CHILD_PREFIX + p.code: p.value for p in suggestion.parts}
        initial["suggested_weight"] = suggestion.weight
    form = AllocationForm(
        posted,
        children=children,
        unit_current=allocation.unit_value,
        may_set_unit=may_set_unit,
        initial=initial,
    )
    if posted is not None and suggest_error:
        form.add_error(None, suggest_error)
    if posted is not None and form.is_valid():
        try:
            changed = target_allocate(
                actor=actor_of(request),
                unit_code=unit.code,
                year=year,
                metric=metric,
                values=form.values(),
                reason=form.cleaned_data["reason"],
                unit_value=form.unit_value(),
                suggested_weight=suggestion.weight if suggestion else "",
                suggested=suggestion.values() if suggestion else None,
            )
        except DomainError as error:
            key = CHILD_PREFIX + error.field if error.field else ""
            form.add_error(key if key in form.fields else None, str(error.message))
        else:
            if changed:
                messages.success(
                    request,
                    _("Saved: %(count)s targets changed.") % {"count": len(changed)},
                )
            else:
                messages.info(request, _("Nothing changed."))
            return redirect(request.path)

    rows = []
    total = 0
    suggested = {p.code: p for p in suggestion.parts} if suggestion else {}
    for (code_, name, current), (_code, field) in zip(children, form.child_fields(), strict=True):
        part = suggested.get(code_)
        typed = form.typed(CHILD_PREFIX + code_, part.value if part else current)
        total += typed or 0
        rows.append(
            {"code": code_, "name": name, "current": current, "field": field, "suggested": part}
        )
    stored = allocation.unit_value
    parent_figure = form.typed("unit_value", stored) if may_set_unit else stored
    return render(
        request,
        "targets/allocation.html",
        {
            "unit": unit,
            "version": shown,
            "exists_on_day": version is not None,
            "day": day,
            "year": year,
            "metric": metric,
            "metric_label": Metric(metric).label,
            "form": form,
            "rows": rows,
            "total": total,
            "parent_figure": parent_figure,
            "parent_stored": stored,
            "balance": allocation_balance(parent_figure, total),
            "balance_texts": balance_texts(),
            "may_allocate": may_allocate,
            "may_set_unit": may_set_unit,
            "revisions": allocation_revisions(allocation=allocation, year=year, metric=metric),
            "targets_url": reverse("unit_targets", args=[unit.code]),
            "current_year": year >= today().year,
            "suggestion": suggestion,
            "suggest_error": suggest_error if posted is None else "",
            "weights": Weight.choices,
            "weight_chosen": suggestion.weight if suggestion else DEFAULT_WEIGHT[metric],
        },
    )


@require_http_methods(["GET", "POST"])
def unit_terms(request, code: str):
    """The unit's targets for congress terms, each with its admissions so far over the term and
    its years' yearly targets against it; a manager of the unit sets or changes one."""
    unit = unit_or_404(request, code)
    day = today()
    version = unit_version_nearest(unit, day)
    may_set = manager_covers(request, unit)
    if request.method == "POST" and not may_set:
        raise Refused(
            _("Setting term targets needs the manager role for this unit."),
            back_url=reverse("unit_terms", args=[unit.code]),
            back_label=_("Back to the term targets of %(name)s")
            % {"name": (version and version.name) or unit.code},
        )
    form = TermTargetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            term_target_set(
                actor=actor_of(request),
                unit_code=unit.code,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                metric=data["metric"],
                value=data["value"],
                reason=data["reason"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("The term target is saved."))
            return redirect(request.path)
    return render(
        request,
        "targets/terms.html",
        {
            "unit": unit,
            "version": version,
            "day": day,
            "terms": term_progress(unit=unit, on=day, holding=False),
            "stored": term_targets_of(unit=unit),
            "form": form,
            "may_set": may_set,
        },
    )
