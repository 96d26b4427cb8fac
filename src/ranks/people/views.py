"""Pages of people: a person's page, adding and editing a person with their places, a member's
transfer, leaving, working away and return, and a unit's member register with its downloads.

Seeing follows the viewer's scope (404 outside it, like a missing record). Writing needs the
officer role (a manager's covers it): over a unit the person belongs to, lives or works in to
edit them; over the member's cell, and the cell they move to, for a transfer or a leaving; over
the member's cell for working away and the return. A
user who may see but not write gets the page without its actions, and 403 from the forms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ranks.access.requests import (
    actor_of,
    day_of,
    keep_offline,
    officer_covers,
    person_or_404,
    scope_of,
    sensitive_covers,
    sensitive_covers_person,
    unit_or_404,
)
from ranks.core.clock import today
from ranks.core.dates import parse_date
from ranks.core.errors import DomainError, Refused
from ranks.core.replica import reads_replica
from ranks.org.selectors import unit_version_nearest
from ranks.people.absences import absence_comment, absence_return, absence_start
from ranks.people.forms import (
    AbsenceCommentForm,
    AbsenceForm,
    LeaveForm,
    PersonForm,
    ReturnForm,
    TransferForm,
)
from ranks.people.selectors import (
    REGISTER_EXPORT_LIMIT,
    REGISTER_STATUSES,
    RegisterFilters,
    absence_comments_of,
    absence_open_for,
    absences_of,
    cell_code_covered,
    comment_due,
    member_current,
    member_current_of,
    members_register,
    members_register_all,
    person_attribute_periods,
    person_covered,
    person_exists,
    person_home_unit,
    person_memberships_on,
    person_place_periods,
    place_code_covered,
    places_offered,
    transfer_cells,
)
from ranks.people.services import (
    membership_leave,
    membership_transfer,
    person_save,
    person_sensitive_read,
)
from ranks.people.status import age_on

if TYPE_CHECKING:
    import datetime as dt

    from django.http import HttpResponse

    from ranks.access.scope import Scope
    from ranks.org.models import Unit

EXPORT_FORMATS = ("csv", "xlsx")
CELLS_LISTED = 300  # cells the register's filter lists; beyond them a cell's code is typed


def _may_edit(request, person) -> bool:
    """Whether the user holds the officer role over a unit the person belongs to, lives or
    works in (in a period it was the user's)."""
    return person_covered(scope=scope_of(request, role="officer"), person=person)


@require_GET
def person_detail(request, person_id: str):
    """A person's facts, places and party memberships; their sensitive data under a sensitive
    grant, on request, each reading written to the audit log."""
    person = person_or_404(request, person_id)
    day, date_error = day_of(request)
    sensitive: dict[str, Any] | bool | None = None  # None: no grant; False: not asked for
    if sensitive_covers_person(request, person):
        if request.GET.get("show") == "sensitive":
            sensitive = person_sensitive_read(
                actor=actor_of(request), person=person, with_history=True
            )
        else:
            sensitive = False
    memberships = person_memberships_on(person=person, day=day)
    current = member_current_of(memberships, day)
    absences = absences_of(person)
    away = next((a for a in absences if a.ended_on is None), None)
    return render(
        request,
        "people/person.html",
        {
            "person": person,
            "day": day,
            "date_error": date_error,
            "age": age_on(person.birth_date, day),
            "memberships": memberships,
            "places": person_place_periods(person=person),
            "attribute_periods": person_attribute_periods(person=person),
            "sensitive": sensitive,
            "may_edit": _may_edit(request, person),
            "current": current,
            "may_move": current is not None and officer_covers(request, current.cell),
            "absences": absences,
            "away": away,
            **_comments_context(person, absences, away, today()),
        },
    )


# --- the register -----------------------------------------------------------------------------


def _register_filters(request) -> RegisterFilters:
    status = request.GET.get("status", "")
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = None
    return RegisterFilters(
        query=request.GET.get("q", "").strip()[:100],
        status=status if status in REGISTER_STATUSES else "",
        cell_code=request.GET.get("cell", "").strip()[:40],
        year=year if year is not None and 1930 <= year <= 2100 else None,
    )


@never_cache
@require_GET
def unit_members(request, code: str):
    """The members present on a date in the cells below a unit: a page at a time, by cell then
    name, searchable by name or identifier and filtered by status, cell and year of admission,
    with the total; the same rows download as CSV or Excel."""
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    filters = _register_filters(request)
    register = members_register(
        scope=scope_of(request),
        unit=unit,
        day=day,
        filters=filters,
        page_number=request.GET.get("page"),
    )
    # Who of the page's members was working away on the day: one query.
    away = absence_open_for([row.person.person_id for row in register.rows], on=day)
    version = unit_version_nearest(unit, day)
    response = render(
        request,
        "people/members.html",
        {
            "unit": unit,
            "version": version,
            "day": day,
            "date_error": date_error,
            "filters": filters,
            "rows": register.rows,
            "away": away,
            "page": register.page,
            "total": register.total,
            # A list of the cells to choose from when it is short; else the code is typed.
            "cells": register.cells if len(register.cells) <= CELLS_LISTED else None,
            "statuses": [(s, s) for s in REGISTER_STATUSES],
            "may_add": officer_covers(request, unit),
            "may_export": register.total <= REGISTER_EXPORT_LIMIT,
            "export_limit": REGISTER_EXPORT_LIMIT,
            "export_formats": EXPORT_FORMATS,
        },
    )
    return keep_offline(request, response, unit if version and version.kind.holds_members else None)


@require_GET
@reads_replica
def unit_members_export(request, code: str, fmt: str):
    """The register as its page filters it, every row, as CSV or Excel (a report)."""
    unit = unit_or_404(request, code)
    if fmt not in EXPORT_FORMATS:
        raise Http404(_("No such page."))
    day, _error = day_of(request)
    return register_export_response(
        scope=scope_of(request), unit=unit, day=day, filters=_register_filters(request), fmt=fmt
    )


def register_export_response(
    *, scope: Scope, unit: Unit, day: dt.date, filters: RegisterFilters, fmt: str
) -> HttpResponse:
    """The register's rows on `day` as a download (the page's and the API's); `Refused` when
    there are more than an export holds."""
    from ranks.reports.builders.members import members_report
    from ranks.reports.http import report_response

    counted = members_register(scope=scope, unit=unit, day=day, filters=filters, page_size=1)
    if counted.total > REGISTER_EXPORT_LIMIT:
        raise Refused(
            _(
                "The register has %(total)s rows; an export holds at most %(limit)s. Choose a "
                "cell, a status or a year first, or export the members of the unit from its page."
            )
            % {"total": counted.total, "limit": REGISTER_EXPORT_LIMIT},
            back_url=reverse("unit_members", args=[unit.code]),
            back_label=_("Back to the register"),
        )
    rows = members_register_all(
        scope=scope, unit=unit, day=day, filters=filters, total=counted.total
    )
    version = unit_version_nearest(unit, day)
    report = members_report(
        rows, unit.code, version.name if version else unit.code, day, filters=filters
    )
    return report_response(report, fmt)


# --- adding and editing a person --------------------------------------------------------------


def _check_places(request, form: PersonForm, before: dict[str, str]) -> bool:
    """A place chosen anew must be one the user's officer role covers (else it is unknown to
    them, as a missing one); a new person must live or work in one, or they would be out of the
    user's sight once added."""
    officer = scope_of(request, role="officer")
    data = form.cleaned_data
    ok = True
    for name in ("residence_place_code", "workplace_place_code"):
        code = data.get(name) or ""
        if code and code != before.get(name) and not place_code_covered(scope=officer, code=code):
            form.add_error(name, _("Unknown place code: %(code)s.") % {"code": code})
            ok = False
    if ok and form.new and not officer.full:
        if not (data.get("residence_place_code") or data.get("workplace_place_code")):
            form.add_error(
                "residence_place_code",
                _("Choose where the person lives or works, in your units."),
            )
            ok = False
    return ok


@never_cache
@require_http_methods(["GET", "POST"])
def person_new(request, code: str):
    """Add a person living or working in a unit (officers of the unit only)."""
    unit = unit_or_404(request, code)
    if not officer_covers(request, unit):
        raise Refused(
            _("Adding a person needs the officer role for this unit."),
            back_url=reverse("unit_members", args=[unit.code]),
            back_label=_("Back to the register"),
        )
    day, date_error = day_of(request)
    version = unit_version_nearest(unit, day)
    places = places_offered(scope=scope_of(request, role="officer"), unit=unit, day=today())
    posted = request.POST if request.method == "POST" else None
    form = PersonForm(
        posted,
        new=True,
        sensitive=sensitive_covers(request, unit),
        places=places,
        initial={"residence_place_code": places[0][0] if len(places) == 1 else ""},
    )
    if posted is not None and form.is_valid() and _check_places(request, form, {}):
        data = form.cleaned_data
        person_id = data["person_id"].strip()
        if person_exists(person_id=person_id):
            form.add_error(
                "person_id",
                _("There is already a person with the identifier %(person_id)s.")
                % {"person_id": person_id},
            )
        else:
            try:
                person_save(
                    actor=actor_of(request),
                    person_id=person_id,
                    residence_place_code=data["residence_place_code"] or None,
                    workplace_place_code=data["workplace_place_code"] or None,
                    places_from=data["places_from"],
                    **form.person_fields(),
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(
                    request, _("Added: %(name)s.") % {"name": data["full_name"].strip()}
                )
                return redirect("person", person_id=person_id)
    return render(
        request,
        "people/person_form.html",
        {
            "unit": unit,
            "version": version,
            "day": day,
            "date_error": date_error,
            "form": form,
            "new": True,
            "back_url": reverse("unit_members", args=[unit.code]),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def person_edit(request, person_id: str):
    """Change a person's facts and places; the sensitive ones under the sensitive grant, when
    asked for (?show=sensitive), each reading written to the audit log."""
    person = person_or_404(request, person_id)
    back = reverse("person", args=[person.person_id])
    if not _may_edit(request, person):
        raise Refused(
            _(
                "Changing a person needs the officer role for a unit they belong to, live or work in."
            ),
            back_url=back,
            back_label=_("Back to %(name)s") % {"name": person.full_name},
        )
    day, date_error = day_of(request)
    covered = sensitive_covers_person(request, person)
    with_sensitive = covered and request.GET.get("show") == "sensitive"
    before = {
        "residence_place_code": person.residence_place.code if person.residence_place else "",
        "workplace_place_code": person.workplace_place.code if person.workplace_place else "",
    }
    initial = {
        "full_name": person.full_name,
        "birth_date": person.birth_date,
        "gender": person.gender,
        "occupation": person.occupation,
        "education_general": person.education_general,
        "education_professional": person.education_professional,
        "youth_union": person.youth_union,
        "phone": person.phone,
        **before,
    }
    posted = request.POST if request.method == "POST" else None
    if with_sensitive and posted is None:
        initial.update(person_sensitive_read(actor=actor_of(request), person=person))
    home = person_home_unit(person=person, day=today())
    officer = scope_of(request, role="officer")
    places = [] if home is None else places_offered(scope=officer, unit=home, day=today())
    form = PersonForm(posted, new=False, sensitive=with_sensitive, places=places, initial=initial)
    if posted is not None and form.is_valid() and _check_places(request, form, before):
        data = form.cleaned_data
        try:
            person_save(
                actor=actor_of(request),
                person_id=person.person_id,
                residence_place_code=data["residence_place_code"],
                workplace_place_code=data["workplace_place_code"],
                places_from=data["places_from"],
                **form.person_fields(),
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Saved: %(name)s.") % {"name": data["full_name"].strip()})
            return redirect("person", person_id=person.person_id)
    return render(
        request,
        "people/person_form.html",
        {
            "person": person,
            "day": day,
            "date_error": date_error,
            "form": form,
            "new": False,
            "sensitive_covered": covered,
            "with_sensitive": with_sensitive,
            "back_url": back,
        },
    )


# --- transfer and leaving ---------------------------------------------------------------------


def _current_or_refused(request, person, day):
    """The member's running membership, if the user may record for their cell (403 if not)."""
    back = reverse("person", args=[person.person_id])
    label = _("Back to %(name)s") % {"name": person.full_name}
    current = member_current(person=person, day=day)
    if current is None:
        raise Refused(_("This person is no party member now."), back_url=back, back_label=label)
    if not officer_covers(request, current.cell):
        raise Refused(
            _("Recording a transfer or a leaving needs the officer role for the member's cell."),
            back_url=back,
            back_label=label,
        )
    return current


@never_cache
@require_http_methods(["GET", "POST"])
def member_transfer(request, person_id: str):
    """Move a member to another cell from a date; both cells must be the user's."""
    person = person_or_404(request, person_id)
    day, date_error = day_of(request)
    posted = request.POST if request.method == "POST" else None
    on = (parse_date(posted.get("date")) if posted else None) or day
    current = _current_or_refused(request, person, on)
    officer = scope_of(request, role="officer")
    cells = transfer_cells(officer=officer, cell=current.cell, day=on)
    form = TransferForm(posted, cells=cells, initial={"date": day})
    if posted is not None and form.is_valid():
        code = form.cleaned_data["to_cell_code"]
        if not cell_code_covered(scope=officer, code=code):
            form.add_error("cell_code", _("Unknown cell code: %(code)s.") % {"code": code})
        else:
            try:
                membership_transfer(
                    actor=actor_of(request),
                    membership=current.membership,
                    to_cell_code=code,
                    on=form.cleaned_data["date"],
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(
                    request,
                    _("Transferred on %(date)s.")
                    % {"date": form.cleaned_data["date"].strftime("%d/%m/%Y")},
                )
                return redirect("person", person_id=person.person_id)
    return render(
        request,
        "people/member_form.html",
        {
            "person": person,
            "current": current,
            "day": day,
            "date_error": date_error,
            "form": form,
            "action": "transfer",
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def member_leave(request, person_id: str):
    """A member leaves the party: death, removal or transfer out of the system, on a date."""
    person = person_or_404(request, person_id)
    day, date_error = day_of(request)
    current = _current_or_refused(request, person, day)
    posted = request.POST if request.method == "POST" else None
    form = LeaveForm(posted, initial={"date": day})
    if posted is not None and form.is_valid():
        try:
            membership_leave(
                actor=actor_of(request),
                membership=current.membership,
                on=form.cleaned_data["date"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("Recorded: left on %(date)s.")
                % {"date": form.cleaned_data["date"].strftime("%d/%m/%Y")},
            )
            return redirect("person", person_id=person.person_id)
    return render(
        request,
        "people/member_form.html",
        {
            "person": person,
            "current": current,
            "day": day,
            "date_error": date_error,
            "form": form,
            "action": "leave",
        },
    )


# --- working away, its yearly comment and the return ------------------------------------------


def _comments_context(person, absences, away, on) -> dict:
    """The comments on each absence (no query when there is none) and, while the member is
    away, when the next one is due on `on` (R15)."""
    comments = absence_comments_of(person) if absences else {}
    for absence in absences:
        absence.comment_list = comments.get(absence.pk, [])
    due = None
    if away is not None:
        last = away.comment_list[0].on if away.comment_list else None
        due = comment_due(away, last, on)
    return {"comment_due": due}


def _away_or_refused(request, person, day):
    """The member's running membership, if the user may record working away for their cell on
    `day` (403 if not)."""
    back = reverse("person", args=[person.person_id])
    label = _("Back to %(name)s") % {"name": person.full_name}
    current = member_current(person=person, day=day)
    if current is None:
        raise Refused(_("This person is no party member now."), back_url=back, back_label=label)
    if not officer_covers(request, current.cell):
        raise Refused(
            _("Recording working away or a return needs the officer role for the member's cell."),
            back_url=back,
            back_label=label,
        )
    return current


def _absence_page(request, person_id: str, action: str):
    person = person_or_404(request, person_id)
    day, date_error = day_of(request)
    posted = request.POST if request.method == "POST" else None
    field = "started_on" if action == "away" else "ended_on"
    on = (parse_date(posted.get(field)) if posted else None) or day
    current = _away_or_refused(request, person, on)
    running = next((a for a in absences_of(person) if a.ended_on is None), None)
    form_class = AbsenceForm if action == "away" else ReturnForm
    form = form_class(posted, initial={field: day})
    if posted is not None and form.is_valid():
        record = absence_start if action == "away" else absence_return
        try:
            record(actor=actor_of(request), person_id=person.person_id, **form.service_arguments())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            when = form.cleaned_data[field].strftime("%d/%m/%Y")
            message = (
                _("Recorded: working away from %(date)s.")
                if action == "away"
                else _("Recorded: back on %(date)s.")
            )
            messages.success(request, message % {"date": when})
            return redirect("person", person_id=person.person_id)
    return render(
        request,
        "people/absence_form.html",
        {
            "person": person,
            "current": current,
            "running": running,
            "day": day,
            "date_error": date_error,
            "form": form,
            "action": action,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def member_away(request, person_id: str):
    """A member starts working away: from a date, where, how contact is kept."""
    return _absence_page(request, person_id, "away")


@never_cache
@require_http_methods(["GET", "POST"])
def member_return(request, person_id: str):
    """A member working away is back, on a date."""
    return _absence_page(request, person_id, "return")


@never_cache
@require_http_methods(["GET", "POST"])
def member_away_comment(request, person_id: str):
    """The yearly comment on a member working away (R15): dated, from the cell where the member
    lives, its text."""
    person = person_or_404(request, person_id)
    day, date_error = day_of(request)
    posted = request.POST if request.method == "POST" else None
    on = (parse_date(posted.get("on")) if posted else None) or day
    current = _away_or_refused(request, person, on)
    absences = absences_of(person)
    running = next((a for a in absences if a.ended_on is None), None)
    form = AbsenceCommentForm(posted, initial={"on": day})
    if posted is not None and form.is_valid():
        try:
            absence_comment(
                actor=actor_of(request), person_id=person.person_id, **form.service_arguments()
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            when = form.cleaned_data["on"].strftime("%d/%m/%Y")
            messages.success(
                request, _("Recorded: the comment of %(date)s on working away.") % {"date": when}
            )
            return redirect("person", person_id=person.person_id)
    return render(
        request,
        "people/absence_form.html",
        {
            "person": person,
            "current": current,
            "running": running,
            "day": day,
            "date_error": date_error,
            "form": form,
            "action": "comment",
            **_comments_context(person, absences, running, today()),
        },
    )
