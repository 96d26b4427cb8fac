"""Pages of restructures: prepare one from a unit's page (preview, then apply), and a
restructure's own page (what it did, and undo).

The form needs what seeing its unit needs (else 404, like a missing unit) and the manager role
over it (else 403 with the way back). Every unit named must be within the manager's scope: one
outside it is refused like an unknown code. A restructure's page needs every unit it names
within the user's scope (else 404, like a missing one); undo needs the manager role over them.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ranks.access.requests import (
    actor_of,
    day_of,
    manager_covers,
    scope_of,
    unit_in_scope,
    unit_or_404,
)
from ranks.core.errors import DomainError, Refused
from ranks.org.selectors import unit_version_nearest
from ranks.restructure.display import (
    kind_choices,
    plan_steps,
    restructure_seen,
    restructure_steps,
    units_offered,
)
from ranks.restructure.forms import FIELD_KINDS, RestructureForm
from ranks.restructure.services import restructure_apply, restructure_preview, restructure_undo

# The units the form suggests as sources and targets: the unit and those below it, at most this
# many (a province has thousands below it); any code in scope may be typed.
OFFERED = 200
DATALIST = "restructure-units"


@require_http_methods(["GET", "POST"])
def restructure_new(request, code: str):
    """A manager prepares a restructure: the form, its preview, and apply once nothing blocks."""
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    version = unit_version_nearest(unit, day)
    name = version.name if version else unit.code
    if not manager_covers(request, unit):
        raise Refused(
            _("Restructuring needs the manager role for this unit."),
            back_url=reverse("unit", args=[unit.code]),
            back_label=_("Back to %(name)s") % {"name": name},
        )
    posted = request.POST if request.method == "POST" else None
    form = RestructureForm(posted, initial={"on": day}, kinds=kind_choices(), datalist=DATALIST)
    preview = None
    refusal = ""
    if posted is not None and form.is_valid():
        for field, named in form.named():
            if unit_in_scope(request, named, role="manager") is None:
                form.add_error(field, _("Unknown unit code: %(code)s.") % {"code": named})
        if form.is_valid():
            actor = actor_of(request)
            params = form.params()
            if posted.get("action") == "apply":
                if posted.get("confirm") != "yes":
                    refusal = _("Tick the confirmation to apply the restructure.")
                else:
                    data = form.cleaned_data
                    try:
                        done = restructure_apply(
                            actor=actor,
                            reason=data["reason"],
                            document=data["document"],
                            **params,
                        )
                    except DomainError as error:
                        refusal = str(error.message)
                    else:
                        messages.success(request, _("The restructure is applied."))
                        return redirect("restructure", restructure_id=done.pk)
            try:
                preview = restructure_preview(actor=actor, **params)
            except DomainError as error:
                form.add_domain_error(error)
    shown_day = (form.cleaned_data.get("on") if form.is_bound and form.is_valid() else None) or day
    offered, offered_total = units_offered(
        unit=unit, day=shown_day, scope=scope_of(request, role="manager"), limit=OFFERED
    )
    return render(
        request,
        "restructure/new.html",
        {
            "unit": unit,
            "version": version,
            "name": name,
            "day": day,
            "date_error": date_error,
            "form": form,
            "fields": [(form[f], " ".join(FIELD_KINDS.get(f, ()))) for f in form.fields],
            "preview": preview,
            "steps": plan_steps(preview.plan) if preview else None,
            "refusal": refusal,
            "offered": offered,
            "offered_total": offered_total,
            "offered_day": shown_day,
            "datalist": DATALIST,
        },
    )


@require_http_methods(["GET", "POST"])
def restructure_detail(request, restructure_id: int):
    """What a restructure did; a manager covering it may undo it (POST)."""
    found = restructure_seen(scope=scope_of(request), restructure_id=restructure_id)
    if found is None:
        raise Http404(_("No such restructure."))
    may_undo = (
        restructure_seen(scope=scope_of(request, role="manager"), restructure_id=found.pk)
        is not None
    )
    refusal = ""
    if request.method == "POST":
        if not may_undo:
            raise Refused(
                _("Undoing a restructure needs the manager role for every unit it names."),
                back_url=request.path,
                back_label=_("Back to the restructure"),
            )
        try:
            restructure_undo(actor=actor_of(request), restructure_id=found.pk)
        except DomainError as error:
            refusal = str(error.message)
        else:
            messages.success(request, _("The restructure is undone."))
            return redirect(request.path)
    return render(
        request,
        "restructure/detail.html",
        {
            "restructure": found,
            "steps": restructure_steps(found),
            "may_undo": may_undo and found.status == "applied",
            "refusal": refusal,
        },
    )
