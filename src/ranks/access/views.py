"""The grants page of a unit: who holds which role at it and below it, a form to grant a role,
and a button to revoke one.

Outside the user's units it answers 404 like a missing unit; to a viewer or officer of the unit,
403 with the way back (only managers see and change grants). The rules of who may grant what
(within one's manager subtree, sensitive data only by a manager who has it, never one's own
grants) are `access.services`', shared with `ranks grant --as`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ranks.access.forms import GrantForm
from ranks.access.requests import actor_of, manager_covers, scope_of, unit_or_404
from ranks.access.selectors import grants_at_and_below
from ranks.access.services import grant_role, revoke_role
from ranks.core.clock import today
from ranks.core.errors import DomainError, Refused
from ranks.org.selectors import unit_labels_as_of, unit_version_nearest

PAGE_SIZE = 50


@never_cache
@require_http_methods(["GET", "POST"])
def unit_grants(request, code: str):
    unit = unit_or_404(request, code)
    day = today()
    version = unit_version_nearest(unit, day)
    name = version.name if version else unit.code
    if not manager_covers(request, unit):
        raise Refused(
            _("Seeing and changing the grants needs the manager role for this unit."),
            back_url=reverse("unit", args=[unit.code]),
            back_label=_("Back to %(name)s") % {"name": name},
        )
    form = GrantForm(initial={"unit_code": unit.code, "role": "viewer"})
    revoke_error = None
    if request.method == "POST":
        actor = actor_of(request)
        if request.POST.get("action") == "revoke":
            username = request.POST.get("username", "")
            unit_code = request.POST.get("unit_code", "")
            try:
                revoke_role(actor=actor, username=username, unit_code=unit_code)
            except DomainError as error:
                revoke_error = str(error.message)
            else:
                messages.success(
                    request,
                    _("Revoked the grant of %(username)s at %(unit)s.")
                    % {"username": username, "unit": unit_code},
                )
                return redirect(request.get_full_path())
        else:
            form = GrantForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    grant = grant_role(
                        actor=actor,
                        username=data["username"].strip(),
                        role=data["role"],
                        unit_code=data["unit_code"].strip(),
                        sensitive=data["sensitive"],
                    )
                except DomainError as error:
                    form.add_domain_error(error)
                else:
                    if grant.sensitive:
                        text = _("%(username)s is now %(role)s at %(unit)s, with sensitive data.")
                    else:
                        text = _("%(username)s is now %(role)s at %(unit)s.")
                    messages.success(
                        request,
                        text
                        % {
                            "username": data["username"].strip(),
                            "role": grant.get_role_display(),
                            "unit": data["unit_code"].strip(),
                        },
                    )
                    return redirect(request.path)
    grants = grants_at_and_below(unit=unit, scope=scope_of(request, role="manager"))
    page = Paginator(grants, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = unit_labels_as_of(unit_ids=[g.unit_id for g in page], day=day)
    rows = [
        {"grant": g, "unit_name": labels.get(g.unit_id, (g.unit.code, g.unit.code))[1]}
        for g in page
    ]
    return render(
        request,
        "access/grants.html",
        {
            "unit": unit,
            "version": version,
            "form": form,
            "page": page,
            "rows": rows,
            "me": request.user.get_username(),
            "revoke_error": revoke_error,
        },
    )
