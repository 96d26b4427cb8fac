"""Pages of coverage and cell health (DESIGN §7): a unit's coverage on a date with its trend and
map, the health of its cells, who works away from them (R15), and the secondments to its cells (a cell's own page shows its
section, `coverage.selectors.cell_section`, and links here).

Everything is read (`ranks.coverage.selectors`) for the unit asked for, which `unit_or_404` has
found in the user's scope, so no place or cell outside the user's subtree appears. Recording a
secondment needs the officer role over the cell; a viewer gets 403 from the forms, outside the
scope everything is 404.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ranks.access.requests import (
    actor_of,
    day_of,
    person_or_404,
    scope_of,
    structure_of,
    unit_or_404,
)
from ranks.core.collation import sort_key
from ranks.core.errors import DomainError, Refused
from ranks.core.pages import page_of
from ranks.core.replica import reads_replica
from ranks.coverage.away import away_on
from ranks.coverage.forms import SecondmentEndForm, SecondmentForm
from ranks.coverage.health import FLAGS, CellHealth, cell_health, with_details
from ranks.coverage.map import BY_STATUS, LIST_ORDERS
from ranks.coverage.selectors import (
    LIST_LIMIT,
    cells_below,
    cells_covered,
    cells_shown,
    coverage_on,
    coverage_shown,
    coverage_trend,
    restated_cell_health,
    restated_coverage,
    secondment_endable,
    secondments_shown,
)
from ranks.coverage.services import secondment_end, secondment_save
from ranks.org.selectors import unit_version_nearest
from ranks.pipeline.norms_text import coverage_line
from ranks.pipeline.rules.norms import coverage_standings
from ranks.reports.builders import away_report, cells_report, coverage_report, restated
from ranks.reports.http import report_response
from ranks.reports.labels import CELL_FLAG_LABELS, place_kind_label
from ranks.reports.render import FORMATS

PAGE_SIZE = 50
# Cells a page: each is a card of eleven figures on a phone.
CELLS_PAGE = 25
REPORTS = ("coverage", "cells")
REPORT_FORMATS = (("xlsx", "Excel"), ("pdf", "PDF"), ("csv", "CSV"), ("json", "JSON"))
BLANK_FILTERS = {
    "any": gettext_lazy("without members or without a cell"),
    "members": gettext_lazy("without members"),
    "cell": gettext_lazy("without a cell"),
    "both": gettext_lazy("without members and without a cell"),
}


# --- coverage ---------------------------------------------------------------------------------


@never_cache
@require_GET
@reads_replica
def unit_coverage(request, code: str):
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    structure_on, structure_error = structure_of(request)
    which = request.GET.get("blank") if request.GET.get("blank") in BLANK_FILTERS else "any"
    map_order = request.GET.get("map") if request.GET.get("map") in LIST_ORDERS else BY_STATUS
    restated = {"structure_on": structure_on.isoformat()} if structure_on else {}
    context = {
        "unit": unit,
        "version": unit_version_nearest(unit, structure_on or day),
        "day": day,
        "date_error": date_error,
        "structure_on": structure_on,
        "structure_error": structure_error,
        "report": "coverage",
        "report_formats": REPORT_FORMATS,
        "query": urlencode({"on": day.isoformat(), "blank": which, "map": map_order, **restated}),
    }
    try:
        shown = coverage_shown(
            unit=unit, day=day, which=which, map_order=map_order, structure_on=structure_on
        )
    except DomainError as error:  # the unit is not in the structure asked for
        return render(request, "coverage/coverage.html", {**context, "missing": error.message})
    cov = shown.coverage
    page = None
    if shown.listed:
        # Pages are read by slice, which BlankPlaces serves; the stubs also ask for an index.
        page = page_of(cov.blank, request.GET.get("page"), PAGE_SIZE)  # type: ignore[arg-type]
    return render(
        request,
        "coverage/coverage.html",
        {
            **context,
            "cov": cov,
            "by_kind": [(place_kind_label(k), c) for k, c in sorted(cov.by_kind.items())],
            "by_flag": sorted(cov.by_flag.items()),
            "which": which,
            "blank_filters": list(BLANK_FILTERS.items()),
            "blank_count": page.paginator.count if page else None,
            "page": page,
            "listed": shown.listed,
            "list_limit": LIST_LIMIT,
            "below": shown.below,
            "trend": shown.trend,
            # How far the unit stands from R17, at the pace of its trend.
            "norms": [coverage_line(s) for s in coverage_standings(day, shown.trend.rows)],
            "map": shown.map,
            "map_order": map_order,
        },
    )


@never_cache
@require_GET
@reads_replica
def unit_coverage_report(request, code: str, report: str, fmt: str):
    """The coverage (with its trend, every year since its places were first recorded, as the
    page draws it) or the cells' health on ?on= as a file, through `ranks.reports`."""
    unit = unit_or_404(request, code)
    if report not in REPORTS or fmt not in FORMATS:
        raise Http404(_("No such page."))
    day, _date_error = day_of(request)
    structure_on, _structure_error = structure_of(request)
    try:
        if report == "coverage" and structure_on is not None:
            built = coverage_report(
                restated_coverage(unit, [day], structure_on)[0],
                coverage_trend(unit, day, structure_on=structure_on),
                listed=False,
            )
        elif report == "coverage":
            built = coverage_report(coverage_on(unit, day), coverage_trend(unit, day))
        else:
            version = unit_version_nearest(unit, structure_on or day)
            name = version.name if version else unit.code
            if structure_on is not None:
                cells = restated_cell_health(unit, day, structure_on, scope_of(request))
            else:
                cells = cell_health(unit, day)
            built = cells_report(cells, unit.code, name, day)
    except DomainError as error:  # the unit is not in the structure asked for
        raise Http404(_("No such page.")) from error
    return report_response(restated(built, structure_on), fmt)


# --- working away -----------------------------------------------------------------------------

# People a page in the list of those working away.
AWAY_PAGE = 50


@never_cache
@require_GET
@reads_replica
def unit_away(request, code: str):
    """The party members and candidates working away from the unit's cells on ?on=, a page at
    a time, with where, since when, the last comment and when the next is due (R15); and how
    many under each unit directly below."""
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    away = away_on(unit, day)
    return render(
        request,
        "coverage/away.html",
        {
            "unit": unit,
            "version": unit_version_nearest(unit, day),
            "day": day,
            "date_error": date_error,
            "away": away,
            "page": page_of(away.rows, request.GET.get("page"), AWAY_PAGE),
            "report_formats": REPORT_FORMATS,
        },
    )


@never_cache
@require_GET
@reads_replica
def unit_away_report(request, code: str, fmt: str):
    """Who works away on ?on= as a file (JSON, CSV, Excel, PDF), through `ranks.reports`."""
    unit = unit_or_404(request, code)
    if fmt not in FORMATS:
        raise Http404(_("No such page."))
    day, _date_error = day_of(request)
    return report_response(away_report(away_on(unit, day)), fmt)


# --- cell health ------------------------------------------------------------------------------

SORTS = {
    "code": lambda h: h.code,
    "name": lambda h: sort_key(h.name),
    "commune": lambda h: sort_key(h.parent_name),
    "official": lambda h: h.official_members,
    "probationary": lambda h: h.probationary_members,
    "over_60": lambda h: h.share_over_60,
    "years": lambda h: h.years_since_last_admission,
    "candidates": lambda h: h.candidates,
    "away_recorded": lambda h: h.away_recorded,
    "away": lambda h: h.working_away,
    "seconded": lambda h: h.seconded_secretary,
    "flags": lambda h: len(h.flags),
}


def sort_cells(rows: list[CellHealth], key: str, descending: bool) -> list[CellHealth]:
    """By the column, ties by name; empty values (no member, never admitted) last either way."""
    value = SORTS[key]
    present = [r for r in rows if value(r) is not None]
    empty = [r for r in rows if value(r) is None]
    present.sort(key=lambda r: (sort_key(r.name), r.code))
    present.sort(key=value, reverse=descending)
    return present + sorted(empty, key=lambda r: (sort_key(r.name), r.code))


# Sorts that need every member's record: offered where the cells are read from the records.
DETAIL_SORTS = ("over_60", "away_recorded", "away")


@never_cache
@require_GET
@reads_replica
def unit_cells(request, code: str):
    """The cells below a unit on a date, their figures and flags, a page at a time. Below
    `RECORDS_LIMIT` members they are read from the records; above it from the cells' counters
    (`coverage.health.cell_figures`), with the age bands and the members working away read for
    the page shown alone, and those two columns not sortable."""
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    structure_on, structure_error = structure_of(request)
    restated_query = {"structure_on": structure_on.isoformat()} if structure_on else {}
    try:
        cells = cells_shown(unit=unit, day=day, structure_on=structure_on, scope=scope_of(request))
    except DomainError as error:  # the unit is not in the structure asked for
        return render(
            request,
            "coverage/cells.html",
            {
                "unit": unit,
                "version": unit_version_nearest(unit, structure_on or day),
                "day": day,
                "structure_on": structure_on,
                "missing": error.message,
                "flags": [],
                "total": 0,
                "date_error": date_error,
                "report": "cells",
                "report_formats": REPORT_FORMATS,
            },
        )
    sortable = [k for k in SORTS if cells.detailed or k not in DETAIL_SORTS]
    sort = request.GET.get("sort") if request.GET.get("sort") in sortable else "flags"
    descending = request.GET.get("dir", "desc" if sort == "flags" else "asc") == "desc"
    flag = request.GET.get("flag") if request.GET.get("flag") in FLAGS else ""
    counts = cells.flag_counts()
    flagged = [r for r in cells.rows if not flag or flag in r.flags]
    page = page_of(sort_cells(flagged, sort, descending), request.GET.get("page"), CELLS_PAGE)
    if not cells.detailed:
        with_details(list(page.object_list), unit, day)
    base = {"on": day.isoformat(), **restated_query, **({"flag": flag} if flag else {})}
    columns = [
        ("code", _("Code"), False),
        ("name", _("Cell"), False),
        ("commune", _("Commune"), False),
        ("official", _("Official"), True),
        ("probationary", _("Probationary"), True),
        ("over_60", _("Over 60 (%)"), True),
        ("years", _("Years since the last admission"), True),
        ("candidates", _("Candidates"), True),
        ("away_recorded", _("Away, recorded"), True),
        ("away", _("Away by workplace"), True),
        ("seconded", _("Seconded secretary"), False),
        ("flags", _("Flags"), False),
    ]
    headers = []
    for key, label, numeric in columns:
        next_dir = "asc" if key == sort and descending else "desc"
        if key != sort:
            next_dir = "desc" if key in ("flags", "over_60", "years") else "asc"
        headers.append(
            {
                "key": key,
                "label": label,
                "numeric": numeric,
                "active": key == sort,
                "aria": ("descending" if descending else "ascending") if key == sort else "",
                "href": "?" + urlencode({**base, "sort": key, "dir": next_dir})
                if key in sortable
                else "",
            }
        )
    return render(
        request,
        "coverage/cells.html",
        {
            "unit": unit,
            "version": unit_version_nearest(unit, structure_on or day),
            "day": day,
            "date_error": date_error,
            "structure_on": structure_on,
            "structure_error": structure_error,
            "query": urlencode(base),
            "rows": list(page.object_list),
            "page": page,
            "total": len(cells.rows),
            "matching": len(flagged),
            "headers": headers,
            "sort": sort,
            "dir": "desc" if descending else "asc",
            "flag": flag,
            "flags": [(f, CELL_FLAG_LABELS[f], counts.get(f, 0)) for f in FLAGS],
            "report": "cells",
            "report_formats": REPORT_FORMATS,
        },
    )


# --- secondments ------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def unit_secondments(request, code: str):
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    cells = cells_below(unit=unit, day=day)
    officer_ids = cells_covered(scope=scope_of(request, role="officer"), cells=cells)
    choices = [(v.unit.code, v.name) for v in cells if v.unit_id in officer_ids]
    show_all = request.GET.get("show") == "all"
    form = SecondmentForm(None, cells=choices, initial={"from_date": day})
    end_errors: dict[int, str] = {}
    if request.method == "POST":
        if not choices:
            raise Refused(
                _("Recording a secondment needs the officer role for the cell."),
                back_url=reverse("unit_secondments", args=[unit.code]),
                back_label=_("Back to the secondments"),
            )
        if request.POST.get("action") == "end":
            ended = _end(request, day, officer_ids, end_errors)
            if ended is not None:
                return ended
        else:
            form = SecondmentForm(request.POST, cells=choices)
            saved = _save(request, form)
            if saved:
                return redirect(f"{request.path}?on={day.isoformat()}")
    rows = secondments_shown(cells=cells, day=day, show_all=show_all, officer_of=officer_ids)
    for row in rows:
        row.end_error = end_errors.get(row.secondment.pk)
    return render(
        request,
        "coverage/secondments.html",
        {
            "unit": unit,
            "version": unit_version_nearest(unit, day),
            "day": day,
            "date_error": date_error,
            "rows": rows,
            "show_all": show_all,
            "form": form if choices else None,
        },
    )


def _save(request, form: SecondmentForm) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    person_id = data["person_id"].strip()
    try:
        secondment_save(
            actor=actor_of(request),
            person_id=person_id,
            cell_code=data["cell_code"],
            role=data["role"],
            from_date=data["from_date"],
            to_date=data["to_date"],
            home_unit_code=data["home_unit_code"].strip() or None,
        )
    except DomainError as error:
        if error.field == "person_id" and not _visible(request, person_id):
            # A seconded member often comes from outside the user's units: an unknown id and a
            # non-member read alike, so the form does not tell whether someone exists.
            error = DomainError(
                _("%(person_id)s is not a party member on %(day)s.")
                % {"person_id": person_id, "day": data["from_date"].strftime("%d/%m/%Y")},
                field="person_id",
            )
        form.add_domain_error(error)
        return False
    messages.success(request, _("Secondment recorded: %(person_id)s.") % {"person_id": person_id})
    return True


def _visible(request, person_id: str) -> bool:
    """Whether the person is in the user's scope."""
    try:
        person_or_404(request, person_id)
    except Http404:
        return False
    return True


def _end(request, day: dt.date, officer_ids: set[int], errors: dict[int, str]):
    form = SecondmentEndForm(request.POST)
    if not form.is_valid():
        pk = parse_int(request.POST.get("secondment"))
        if pk is None:
            raise Http404(_("No such secondment."))
        errors[pk] = " ".join(str(e) for e in form.errors.get("on", [_("Not a date.")]))
        return None
    secondment = secondment_endable(pk=form.cleaned_data["secondment"], officer_of=officer_ids)
    if secondment is None:
        raise Http404(_("No such secondment."))
    try:
        secondment_end(actor=actor_of(request), secondment=secondment, on=form.cleaned_data["on"])
    except DomainError as error:
        errors[secondment.pk] = str(error.message)
        return None
    messages.success(
        request,
        _("Secondment ended on %(day)s.") % {"day": form.cleaned_data["on"].strftime("%d/%m/%Y")},
    )
    return redirect(f"{request.path}?on={day.isoformat()}")


def parse_int(text: str | None) -> int | None:
    try:
        return int(text or "")
    except ValueError:
        return None
