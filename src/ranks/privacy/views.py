"""A person's whole record and their requests about it, for managers with the sensitive grant
(docs/privacy.md). Anyone else finds nothing here, as for a missing person."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ranks.access.requests import actor_of, day_of
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.privacy.access import person_for_privacy, privacy_scope, unit_for_privacy
from ranks.privacy.forms import AnswerForm, RequestForm
from ranks.privacy.selectors import person_home_code, request_of, unit_requests
from ranks.privacy.services import data_request_answer, data_request_record, person_data_read


def _person(request, person_id: str):
    person = person_for_privacy(actor_of(request), person_id)
    if person is None:
        raise Http404(_("No such person."))
    return person


@never_cache
@require_http_methods(["GET", "POST"])
def person_data_page(request, person_id: str):
    """Everything kept about the person; the form to record their request."""
    person = _person(request, person_id)
    actor = actor_of(request)
    form = RequestForm(
        request.POST if request.method == "POST" else None,
        initial={"received_on": today(), "unit": person_home_code(person, today())},
    )
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["unit"].strip()
        unit = unit_for_privacy(actor, code)
        if unit is None:
            form.add_error("unit", _("Unknown unit code: %(code)s.") % {"code": code})
        else:
            try:
                saved = data_request_record(
                    actor=actor, person=person, unit=unit, kind=form.cleaned_data["kind"],
                    received_on=form.cleaned_data["received_on"],
                    detail=form.cleaned_data["detail"],
                )  # fmt: skip
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(
                    request,
                    _("Recorded. The answer is due by %(date)s.")
                    % {"date": saved.due_on.strftime("%d/%m/%Y")},
                )
                return redirect("person_data", person_id=person.person_id)
    data = person_data_read(actor=actor, person=person)
    return render(
        request,
        "privacy/person_data.html",
        {"person": person, "data": data, "form": form, "today": today()},
    )


@never_cache
@require_GET
def person_data_file(request, person_id: str):
    """The same, as the JSON file given to the person."""
    person = _person(request, person_id)
    data = person_data_read(actor=actor_of(request), person=person)
    response = HttpResponse(
        json.dumps(data.as_json(), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{person.person_id}-data.json"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def request_answer(request, pk: int):
    """Record the answer given to a request (or the reason it was refused)."""
    actor = actor_of(request)
    found = request_of(privacy_scope(actor), pk)
    if found is None:
        raise Http404(_("No such request."))
    form = AnswerForm(
        request.POST if request.method == "POST" else None, initial={"answered_on": today()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            data_request_answer(actor=actor, request=found, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The answer is recorded."))
            return redirect("person_data", person_id=found.person.person_id)
    return render(request, "privacy/answer.html", {"found": found, "form": form})


@never_cache
@require_GET
def unit_data_requests(request, code: str):
    """The open requests received by the unit and the units below it, soonest due first."""
    actor = actor_of(request)
    unit = unit_for_privacy(actor, code)
    if unit is None:
        raise Http404(_("No such unit."))
    day, _error = day_of(request)
    rows = list(unit_requests(unit=unit)[:201])
    return render(
        request,
        "privacy/unit_requests.html",
        {"unit": unit, "rows": rows[:200], "more": len(rows) > 200, "today": day},
    )
