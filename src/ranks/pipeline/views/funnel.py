"""The pipeline funnel of a unit over a period (`/units/CODE/funnel/`) and its downloads.

The unit must be in the user's units (404 otherwise, like a missing one); the figures and the
stuck candidates are those of the cells the user sees below it, as on the source list.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.http import Http404, HttpRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ranks.access.requests import scope_of, unit_or_404
from ranks.core.clock import today
from ranks.core.dates import parse_date
from ranks.core.replica import reads_replica
from ranks.org.selectors import unit_version_nearest
from ranks.pipeline.selectors.funnel import STUCK_REPORT_LIMIT, funnel_of, funnel_stuck
from ranks.pipeline.stages import SourceGroup
from ranks.reports.builders.funnel import funnel_notes, funnel_report, group_label, stage_label
from ranks.reports.charts import funnel_chart
from ranks.reports.http import report_response
from ranks.reports.render import FORMATS

if TYPE_CHECKING:
    from ranks.org.models import Unit

REPORT_FORMATS = (("xlsx", "Excel"), ("pdf", "PDF"), ("csv", "CSV"), ("json", "JSON"))


def period_of(
    request: HttpRequest, last_day: dt.date | None = None
) -> tuple[dt.date, dt.date, list[str]]:
    """The period asked for with ?from= and ?to= (by default 1 January to today, or to
    `last_day`, the day a closed unit closed), and what was wrong with them: a date that is not
    one, or an end before the start, is told and the default shown instead."""
    errors: list[str] = []
    end = min(today(), last_day or today())
    start = dt.date(end.year, 1, 1)
    raw_start = (request.GET.get("from") or "").strip()
    raw_end = (request.GET.get("to") or "").strip()
    asked_start, asked_end = parse_date(raw_start), parse_date(raw_end)
    for raw, asked in ((raw_start, asked_start), (raw_end, asked_end)):
        if raw and asked is None:
            errors.append(_("“%(value)s” is not a date; write it as DD/MM/YYYY.") % {"value": raw})
    if errors:
        return start, end, errors
    end = asked_end or end
    start = asked_start or dt.date(end.year, 1, 1)
    if start > end:
        end = min(today(), last_day or today())
        return dt.date(end.year, 1, 1), end, [_("The end of the period is before its start.")]
    return start, end, errors


def _last_day(unit: Unit) -> dt.date | None:
    """The day a unit closed, when it closed before today: its funnel ends there by default."""
    version = unit_version_nearest(unit, today())
    return version.valid_to if version and version.valid_to and version.valid_to < today() else None


def _group_of(request: HttpRequest) -> str:
    group = request.GET.get("group", "")
    return group if group in SourceGroup.values else ""


@never_cache
@require_GET
@reads_replica
def unit_funnel(request, code: str):
    """Entries into each stage, the share going further, days in each stage and the candidates
    stuck longer than usual, drawn as a chart with its table."""
    unit = unit_or_404(request, code)
    start, end, errors = period_of(request, _last_day(unit))
    group = _group_of(request)
    scope = scope_of(request)
    funnel = funnel_of(scope=scope, unit=unit, start=start, end=end, group=group)
    stuck = funnel_stuck(scope=scope, unit=unit, funnel=funnel, page_number=request.GET.get("page"))
    chart = funnel_chart([(stage_label(f.stage), f.entered) for f in funnel.stages])
    query = {
        "from": start.isoformat(),
        "to": end.isoformat(),
        **({"group": group} if group else {}),
    }
    return render(
        request,
        "pipeline/funnel.html",
        {
            "unit": unit,
            # The unit's name on the period's last day, as the funnel read it (no query more).
            "version": {"name": funnel.unit_name},
            "day": end,
            "start": start,
            "end": end,
            "errors": errors,
            "group": group,
            "group_name": group_label(group) if group else "",
            "groups": SourceGroup.choices,
            "funnel": funnel,
            "by_group": [(group_label(g), figures) for g, figures in funnel.by_group],
            # Each stage's figures in every source group, with the group's name beside each.
            "group_rows": [
                (
                    f.stage,
                    [
                        {
                            "label": group_label(g),
                            **vars(figures[i]),
                            "conversion": figures[i].conversion,
                        }
                        for g, figures in funnel.by_group
                    ],
                )
                for i, f in enumerate(funnel.stages)
            ],
            "stuck": stuck,
            "page": stuck.page,
            "anchor": "#stuck-heading",
            "chart": chart,
            "notes": funnel_notes(funnel),
            "report_formats": REPORT_FORMATS,
            "query": urlencode(query),
        },
    )


@never_cache
@require_GET
@reads_replica
def unit_funnel_report(request, code: str, fmt: str):
    """The funnel of ?from= to ?to= (and ?group=) as a file, through `ranks.reports`."""
    unit = unit_or_404(request, code)
    if fmt not in FORMATS:
        raise Http404(_("No such page."))
    start, end, _errors = period_of(request, _last_day(unit))
    scope = scope_of(request)
    funnel = funnel_of(scope=scope, unit=unit, start=start, end=end, group=_group_of(request))
    stuck = funnel_stuck(scope=scope, unit=unit, funnel=funnel, limit=STUCK_REPORT_LIMIT)
    return report_response(funnel_report(funnel, stuck), fmt)
