"""Pages of coverage and cell health (DESIGN §7): a unit's coverage on a date with its trend and
map, the health of its cells, the section of a cell's own page, and the secondments to its cells.

Everything is read for the unit asked for, which `unit_or_404` has found in the user's scope, so
no place or cell outside the user's subtree appears. Recording a secondment needs the officer
role over the cell; a viewer gets 403 from the forms, outside the scope everything is 404.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ranks.access.requests import actor_of, day_of, scope_of, unit_or_404
from ranks.core.errors import DomainError, Refused
from ranks.counters.selectors import RECORDS_LIMIT, members_on
from ranks.coverage.health import (
    FLAGS,
    MIN_OFFICIAL,
    CellHealth,
    cell_figures,
    cell_health,
    with_details,
)
from ranks.coverage.models import Secondment, SecondmentRole
from ranks.coverage.selectors import Coverage, counted_coverage, coverage_on, coverage_trend
from ranks.coverage.services import secondment_end, secondment_save
from ranks.org.models import PlaceKind, Unit, UnitVersion
from ranks.org.rollup import VersionTree
from ranks.org.selectors import unit_ancestries, unit_version_nearest
from ranks.people.models import Person
from ranks.people.names import fold
from ranks.people.selectors import cell_members_on
from ranks.reports.builders import cells_report, coverage_report
from ranks.reports.charts import YearPoint, trend_chart
from ranks.reports.http import report_response
from ranks.reports.labels import CELL_FLAG_LABELS, CELL_FLAG_RULES
from ranks.reports.render import FORMATS
from ranks.web.coverage_map import BANDS, MapUnit, gazetteer, map_layout, place_units
from ranks.web.forms_coverage import SecondmentEndForm, SecondmentForm

REFORM = dt.date(2025, 7, 1)
PAGE_SIZE = 50
REPORTS = ("coverage", "cells")
REPORT_FORMATS = (("xlsx", "Excel"), ("pdf", "PDF"), ("csv", "CSV"), ("json", "JSON"))
TREND_YEARS = 10  # as the `report` command's coverage report
# Above this many places a unit's coverage page shows its figures and the units below it, not a
# map of every commune and a list of every blank place: one pass over the places of the whole
# country would cost seconds, and no officer reads a hundred thousand rows (docs/counters.md).
LIST_LIMIT = 20_000

BLANK_FILTERS = {
    "any": gettext_lazy("without members or without a cell"),
    "members": gettext_lazy("without members"),
    "cell": gettext_lazy("without a cell"),
    "both": gettext_lazy("without members and without a cell"),
}
ROLE_LABELS = dict(SecondmentRole.choices)


def flag_rows(flags: list[str]) -> list[dict[str, str]]:
    # The rule each flag follows: R14 (a cell's size), the rest DESIGN §7.
    return [
        {"key": f, "label": str(CELL_FLAG_LABELS[f]), "rule": CELL_FLAG_RULES.get(f, "§7")}
        for f in flags
    ]


# --- coverage ---------------------------------------------------------------------------------


def _map_units(day: dt.date, codes: set[str]) -> list[MapUnit]:
    """Each unit owning places, with its province (the provincial committee above it, else the
    root) and its district committee, if any: three queries, whatever the subtree."""
    chains = unit_ancestries(Unit.objects.filter(code__in=codes), day)
    found = []
    for chain in chains.values():
        v = chain[0]
        province = next((c for c in chain if c.kind.key == "provincial_committee"), chain[-1])
        district = next((c for c in chain if c.kind.key == "district_committee"), None)
        found.append(
            MapUnit(
                code=v.unit.code,
                name=v.name,
                province=province.name,
                district=district.name if district else None,
                lat=v.latitude,
                lon=v.longitude,
            )
        )
    return sorted(found, key=lambda m: (fold(m.name), m.code))


def coverage_map(unit: Unit, cov: Coverage) -> dict:
    """The circles of the communes owning places, and the units that could not be placed."""
    units = _map_units(cov.on, set(cov.by_owner))
    order = [gazetteer(cov.on < REFORM), gazetteer(cov.on >= REFORM)]
    points, missing = place_units(units, order)
    blanks = cov.blank_by_owner
    layout = map_layout(points, {k: c.total for k, c in cov.by_owner.items()}, blanks)
    names = {m.code: m.name for m in units}
    circles = [
        {
            "circle": c,
            "name": names.get(c.code, c.code),
            "counts": cov.by_owner[c.code],
            "blank": blanks.get(c.code, 0),
        }
        for c in layout.circles
    ]
    bands, low = [], 0.0
    for bound, colour in BANDS:
        bands.append({"low": low, "high": bound, "colour": colour})
        low = bound
    return {"layout": layout, "circles": circles, "missing": missing, "bands": bands}


def _trend(unit: Unit, day: dt.date) -> dict:
    trend = coverage_trend(unit, day)
    points = [
        YearPoint(c.on.year, c.totals.total, c.totals.without_members, c.totals.without_cell)
        for c in trend
    ]
    return {"rows": trend, "chart": trend_chart(points) if points else None}


@never_cache
@require_GET
def unit_coverage(request, code: str):
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    which = request.GET.get("blank") if request.GET.get("blank") in BLANK_FILTERS else "any"
    cov = counted_coverage(unit, [day])[0]
    listed = cov.totals.total <= LIST_LIMIT
    page, below = None, []
    if listed:
        cov = coverage_on(unit, day, which)
        page = Paginator(cov.blank, PAGE_SIZE).get_page(request.GET.get("page"))
    else:
        names = dict(
            UnitVersion.objects.valid_on(day)
            .filter(parent_id=unit.pk)
            .values_list("unit__code", "name")
        )
        below = sorted(
            ((code, names.get(code, code), c) for code, c in cov.by_child.items()),
            key=lambda row: (fold(row[1]), row[0]),
        )
    kinds = dict(PlaceKind.choices)
    return render(
        request,
        "web/coverage/coverage.html",
        {
            "unit": unit,
            "version": unit_version_nearest(unit, day),
            "day": day,
            "date_error": date_error,
            "cov": cov,
            "by_kind": [(kinds.get(k, k), c) for k, c in sorted(cov.by_kind.items())],
            "by_flag": sorted(cov.by_flag.items()),
            "which": which,
            "blank_filters": list(BLANK_FILTERS.items()),
            "blank_count": page.paginator.count if page else None,
            "page": page,
            "listed": listed,
            "list_limit": LIST_LIMIT,
            "below": below,
            "place_kinds": kinds,
            "trend": _trend(unit, day),
            "map": coverage_map(unit, cov) if listed else None,
            "query": urlencode({"on": day.isoformat(), "blank": which}),
            "report": "coverage",
            "report_formats": REPORT_FORMATS,
        },
    )


@never_cache
@require_GET
def unit_coverage_report(request, code: str, report: str, fmt: str):
    """The coverage (with ten years of trend) or the cells' health on ?on= as a file, through
    `ranks.reports`."""
    unit = unit_or_404(request, code)
    if report not in REPORTS or fmt not in FORMATS:
        raise Http404(_("No such page."))
    day, _date_error = day_of(request)
    if report == "coverage":
        years = range(day.year - TREND_YEARS + 1, day.year + 1)
        built = coverage_report(coverage_on(unit, day), coverage_trend(unit, day, years=years))
    else:
        version = unit_version_nearest(unit, day)
        name = version.name if version else unit.code
        built = cells_report(cell_health(unit, day), unit.code, name, day)
    return report_response(built, fmt)


# --- cell health ------------------------------------------------------------------------------

SORTS = {
    "code": lambda h: h.code,
    "name": lambda h: fold(h.name),
    "commune": lambda h: fold(h.parent_name),
    "official": lambda h: h.official_members,
    "probationary": lambda h: h.probationary_members,
    "over_60": lambda h: h.share_over_60,
    "years": lambda h: h.years_since_last_admission,
    "candidates": lambda h: h.candidates,
    "away": lambda h: h.working_away,
    "seconded": lambda h: h.seconded_secretary,
    "flags": lambda h: len(h.flags),
}


def sort_cells(rows: list[CellHealth], key: str, descending: bool) -> list[CellHealth]:
    """By the column, ties by name; empty values (no member, never admitted) last either way."""
    value = SORTS[key]
    present = [r for r in rows if value(r) is not None]
    empty = [r for r in rows if value(r) is None]
    present.sort(key=lambda r: (fold(r.name), r.code))
    present.sort(key=value, reverse=descending)
    return present + sorted(empty, key=lambda r: (fold(r.name), r.code))


# Sorts that need every member's record: offered where the cells are read from the records.
DETAIL_SORTS = ("over_60", "away")


@never_cache
@require_GET
def unit_cells(request, code: str):
    """The cells below a unit on a date, their figures and flags, a page at a time. Below
    `RECORDS_LIMIT` members they are read from the records; above it from the cells' counters
    (`coverage.health.cell_figures`), with the age bands and the members working away read for
    the page shown alone, and those two columns not sortable."""
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    detailed = members_on([unit.pk], day.replace(day=1)).get(unit.pk, 0) < RECORDS_LIMIT
    sortable = [k for k in SORTS if detailed or k not in DETAIL_SORTS]
    sort = request.GET.get("sort") if request.GET.get("sort") in sortable else "flags"
    descending = request.GET.get("dir", "desc" if sort == "flags" else "asc") == "desc"
    flag = request.GET.get("flag") if request.GET.get("flag") in FLAGS else ""
    rows = cell_health(unit, day) if detailed else cell_figures(unit, day)
    counts = Counter(f for r in rows for f in r.flags)
    shown = [r for r in rows if not flag or flag in r.flags]
    page = Paginator(sort_cells(shown, sort, descending), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    if not detailed:
        with_details(list(page.object_list), unit, day)
    for r in page.object_list:
        r.flag_rows = flag_rows(r.flags)
    base = {"on": day.isoformat(), **({"flag": flag} if flag else {})}
    columns = [
        ("code", _("Code"), False),
        ("name", _("Cell"), False),
        ("commune", _("Commune"), False),
        ("official", _("Official"), True),
        ("probationary", _("Probationary"), True),
        ("over_60", _("Over 60 (%)"), True),
        ("years", _("Years since the last admission"), True),
        ("candidates", _("Candidates"), True),
        ("away", _("Working away"), True),
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
        "web/coverage/cells.html",
        {
            "unit": unit,
            "version": unit_version_nearest(unit, day),
            "day": day,
            "date_error": date_error,
            "rows": list(page.object_list),
            "page": page,
            "total": len(rows),
            "headers": headers,
            "sort": sort,
            "dir": "desc" if descending else "asc",
            "flag": flag,
            "flags": [(f, CELL_FLAG_LABELS[f], counts.get(f, 0)) for f in FLAGS],
            "report": "cells",
            "report_formats": REPORT_FORMATS,
        },
    )


def cell_section(unit: Unit, day: dt.date) -> dict | None:
    """For a cell's page: its health and flags, its secondments in force, and who would remain if
    every secondment ended on `day`."""
    rows = [h for h in cell_health(unit, day) if h.code == unit.code]
    if not rows:
        return None
    health = rows[0]
    seconded = {s.person_id for s in health.seconded}
    remaining = []
    for posting in cell_members_on(unit.pk, day):
        if posting.person.person_id in seconded:
            continue
        posting.status = posting.membership.status_on(day)
        remaining.append(posting)
    return {
        "health": health,
        "flags": flag_rows(health.flags),
        "remaining": remaining,
        "remaining_official": health.official_without_secondments,
        "stands": health.official_without_secondments >= MIN_OFFICIAL,
        "minimum": MIN_OFFICIAL,
        "roles": ROLE_LABELS,
    }


# --- secondments ------------------------------------------------------------------------------


def _cells_below(unit: Unit, day: dt.date) -> list[UnitVersion]:
    tree = VersionTree.below([unit.pk])
    return [v for v, _depth in tree.subtree(unit.pk, day) if v.kind.holds_members]


def _in_force(s: Secondment, day: dt.date) -> bool:
    return s.from_date <= day and (s.to_date is None or s.to_date >= day)


@never_cache
@require_http_methods(["GET", "POST"])
def unit_secondments(request, code: str):
    unit = unit_or_404(request, code)
    day, date_error = day_of(request)
    cells = _cells_below(unit, day)
    officer = scope_of(request, role="officer")
    officer_ids = set(
        officer.units(Unit.objects.filter(pk__in=[v.unit_id for v in cells])).values_list(
            "pk", flat=True
        )
    )
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
    secondments = list(
        Secondment.objects.filter(cell_id__in=[v.unit_id for v in cells])
        .select_related("person", "cell", "home_unit")
        .order_by("-from_date", "id")
    )
    names = {v.unit_id: v.name for v in cells}
    rows = []
    for s in secondments:
        current = _in_force(s, day)
        if not show_all and not current:
            continue
        rows.append(
            {
                "s": s,
                "cell_name": names.get(s.cell_id, s.cell.code),
                "role": ROLE_LABELS.get(s.role, s.role),
                "current": current,
                "may_end": s.cell_id in officer_ids and (s.to_date is None or s.to_date >= day),
                "end_error": end_errors.get(s.pk),
            }
        )
    return render(
        request,
        "web/coverage/secondments.html",
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
        visible = scope_of(request).people(Person.objects.filter(person_id=person_id)).exists()
        if error.field == "person_id" and not visible:
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


def _end(request, day: dt.date, officer_ids: set[int], errors: dict[int, str]):
    form = SecondmentEndForm(request.POST)
    if not form.is_valid():
        pk = parse_int(request.POST.get("secondment"))
        if pk is None:
            raise Http404(_("No such secondment."))
        errors[pk] = " ".join(str(e) for e in form.errors.get("on", [_("Not a date.")]))
        return None
    secondment = Secondment.objects.filter(
        pk=form.cleaned_data["secondment"], cell_id__in=officer_ids
    ).first()
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
