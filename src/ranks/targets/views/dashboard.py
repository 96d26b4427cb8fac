"""The dashboard of a unit: progress against the year's target on a date, the chart of the year,
the units below sorted by percent or gap, the composition of the year's admissions against the
segment targets, and the admission ratio ranked among siblings; and the same as downloadable
reports (progress, composition, ratio as JSON, CSV, Excel or PDF, through `ranks.reports`).

Always current, and counted once for as long as it stays so: the page's body is kept (in each
server process's memory) under the generations of the figures and of the tree
(`counters.selectors.generations`, read on the row of the unit's own query), which the
database raises in the same commit as any change of a counter, a target or the tree. Another
admission, target or restructure is a new key, and the body is counted again from the counters,
in a fixed number of queries whatever the size of the subtree; a source-list entry changes only
the pipeline's figures. The key holds what the body depends on: the address with its query, the
language, the user's scope and whether they may allocate or see sensitive counts. The browser is
told to keep nothing.
Ethnicity and religion appear, as counts, only under a sensitive grant covering the unit and when
asked for (?show=sensitive, like the person page); that read is audited
(`ranks.reports.services.report_composition`), so the plain page writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ranks.access.requests import (
    actor_of,
    day_of,
    manager_covers,
    scope_of,
    sensitive_covers,
    structure_of,
    unit_or_404,
    units_covered,
)
from ranks.core.collation import sort_key
from ranks.core.errors import DomainError
from ranks.core.pages import page_of
from ranks.core.replica import reads_replica
from ranks.counters.selectors import generations_alongside, generations_of, reading
from ranks.org.selectors import unit_closure, unit_version_nearest
from ranks.pipeline.norms_text import ratio_line
from ranks.pipeline.stages import Stage
from ranks.reports.builders import composition_report, progress_report, ratio_report, restated
from ranks.reports.builders.targets import ratio_norm_note
from ranks.reports.charts import ForecastPoint, ProgressPoint, progress_chart
from ranks.reports.http import report_response
from ranks.reports.labels import dimension_title, value_label
from ranks.reports.render import FORMATS
from ranks.reports.services import report_composition
from ranks.targets.conversion import candidates_by_stage, stage_past
from ranks.targets.forecast import OVER, pipeline_forecast, pipeline_outlook
from ranks.targets.metrics import TERM_METRICS, Metric
from ranks.targets.progress import (
    PIPELINE_METRICS,
    PLACE_METRICS,
    SUPPORTED_METRICS,
    admission_ratio,
    composition,
    progress,
    ratio_norm_standing,
)
from ranks.targets.results import AT_RISK, BEHIND, ProgressRow
from ranks.targets.selectors import segments_progress
from ranks.targets.terms import term_progress, with_terms

SORTS = ("gap", "percent", "name")
# The units below a page at a time: a province has dozens of communes, a phone shows a few.
CHILDREN_PAGE = 20
# What the units below can be filtered to: all, or those behind, or at risk (or either).
SHOWS = {
    "": (),
    "behind": (BEHIND,),
    "at_risk": (AT_RISK,),
    "lagging": (BEHIND, AT_RISK),
}
REPORTS = ("progress", "composition", "ratio")
REPORT_FORMATS = (("xlsx", "Excel"), ("pdf", "PDF"), ("csv", "CSV"), ("json", "JSON"))
# How long a counted body is kept at most: a key that no longer comes up (another generation,
# another day) is dropped by then, or sooner by the cache's own limit on entries.
KEEP_SECONDS = 15 * 60


def _by_name(row: ProgressRow) -> tuple[tuple[bytes, str], str]:
    return sort_key(row.name), row.code


def sort_rows(rows, key: str) -> list[ProgressRow]:
    """The units below, lowest percent or most behind first; those without a target last."""
    if key == "name":
        return sorted(rows, key=_by_name)

    def value(row: ProgressRow) -> float | None:
        return row.percent if key == "percent" else row.gap

    return sorted(rows, key=lambda r: (value(r) is None, value(r) or 0, *_by_name(r)))


def _metric_of(request) -> str:
    metric = request.GET.get("metric") or Metric.ADMISSIONS
    return metric if metric in SUPPORTED_METRICS else Metric.ADMISSIONS


def _query(day: dt.date, metric: str, structure_on: dt.date | None = None, **more: str) -> str:
    restated = {"structure_on": structure_on.isoformat()} if structure_on else {}
    return "?" + urlencode({"on": day.isoformat(), "metric": metric, **restated, **more})


@never_cache
@require_GET
@reads_replica
def unit_dashboard(request, code: str):
    with reading():  # the unit's months, read once for its progress, segments and ratio
        return _unit_dashboard(request, code)


def _cache_key(request, unit, day: dt.date, metric: str, flags: tuple[bool, ...]) -> str:
    tree, admissions, pipeline = generations_of(unit)
    scope = scope_of(request)
    parts = (
        unit.pk,
        request.get_full_path(),
        day.isoformat(),
        get_language(),
        scope.full,
        scope.root_ids,
        flags,
        tree,
        admissions,
        pipeline if metric in PIPELINE_METRICS else None,
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"ranks:dashboard:{digest}"


def _unit_dashboard(request, code: str):
    # The generations the kept body is looked up by, read on the unit's row: one round trip.
    unit = unit_or_404(request, code, annotations=generations_alongside())
    day, date_error = day_of(request)
    metric = _metric_of(request)
    may_see_sensitive = sensitive_covers(request, unit)
    may_allocate = manager_covers(request, unit)
    if (may_see_sensitive and request.GET.get("show") == "sensitive") or metric in PLACE_METRICS:
        # Ethnicity and religion: counted, and the read logged, each time. The places' metrics
        # (coverage on the date) are counted each time too: no generation follows them.
        title, body = _dashboard_body(request, unit, may_see_sensitive, may_allocate)
        return _page(request, title, _with_pipeline(request, unit, day, body), date_error)
    key = _cache_key(request, unit, day, metric, (may_see_sensitive, may_allocate))
    kept = cache.get(key)
    if kept is None:
        kept = _dashboard_body(request, unit, may_see_sensitive, may_allocate)
        cache.set(key, kept, KEEP_SECONDS)
    title, body = kept
    return _page(request, title, _with_pipeline(request, unit, day, body), date_error)


PIPELINE_MARK = re.compile(r"<!--ranks:pipeline:(\d+)-->")


def _with_pipeline(request, unit, day: dt.date, body: SafeString) -> SafeString:
    """The body with the pipeline's forecast in the place its mark holds (the admissions so far
    are in the mark). Kept under the pipeline's generation as well as the figures' and the
    tree's: a source-list entry or an event changes it, not the body around it.

    Of the two reads it makes, the candidates at each stage now (the stage counters, a fixed
    cost) follow every change; the unit's past from each stage (`conversion.stage_past`, which
    reads the subtree's events of the last years) is kept under the tree's and the admissions'
    generations only, at most `KEEP_SECONDS`: an admission or a restructure counts it again, a
    new entry or step of today cannot change it (it counts steps at least a year old), and an
    old step corrected shows within that time."""
    found = PIPELINE_MARK.search(body)
    if found is None:
        return body
    actual = int(found.group(1))
    tree, admissions, pipeline = generations_of(unit)
    parts = (unit.pk, day.isoformat(), actual, get_language(), tree, admissions, pipeline)
    key = "ranks:dashboard-pipeline:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    fragment = cache.get(key)
    if fragment is None:
        now = candidates_by_stage([unit.pk], day).get(unit.pk, {})
        past = {}
        if now:
            past_parts = (unit.pk, day.isoformat(), tree, admissions)
            past_key = (
                "ranks:dashboard-past:" + hashlib.sha256(repr(past_parts).encode()).hexdigest()
            )
            past = cache.get(past_key)
            if past is None:
                past = stage_past(unit.pk, day)
                cache.set(past_key, past, KEEP_SECONDS)
        outlook = pipeline_outlook(day, now, past)
        expected = sum(s.expected for s in outlook)
        fragment = render_to_string(
            "targets/_pipeline_outlook.html",
            {
                "outlook": [
                    {
                        **vars(s),
                        "label": Stage(s.stage).label,
                        "percent": s.share * 100 if s.share is not None else None,
                    }
                    for s in outlook
                ],
                "candidates": sum(s.now for s in outlook),
                "expected": expected,
                "forecast": pipeline_forecast(actual, outlook),
            },
            request,
        )
        cache.set(key, fragment, KEEP_SECONDS)
    return SafeString(body[: found.start()] + fragment + body[found.end() :])


def _page(request, title: str, body: SafeString, date_error: str | None):
    context = {"title": title, "body": body, "date_error": date_error}
    return render(request, "targets/dashboard.html", context)


def _dashboard_body(
    request, unit, may_see_sensitive: bool, may_allocate: bool
) -> tuple[str, SafeString]:
    """The page's title and body, counted from the counters."""
    day, date_error = day_of(request)
    # Blank: as it was; a date: every figure restated in the structure of that date.
    structure_on, structure_error = structure_of(request)
    metric = _metric_of(request)
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "gap"
    show = request.GET.get("status") if request.GET.get("status") in SHOWS else ""
    scope = scope_of(request)
    version = unit_version_nearest(unit, structure_on or day)
    sensitive = may_see_sensitive and request.GET.get("show") == "sensitive"
    title = version.name if version and version.name else unit.code
    context = {
        "unit": unit,
        "version": version,
        "day": day,
        "date_error": date_error,
        "structure_on": structure_on,
        "structure_error": structure_error,
        "metric": metric,
        "metric_label": Metric(metric).label,
        "counts_admissions": metric.startswith("admissions"),
        "metrics": [(m, Metric(m).label) for m in SUPPORTED_METRICS],
        "sort": sort,
        "sorts": SORTS,
        "status_filter": show,
        "sensitive": sensitive,
        "may_see_sensitive": may_see_sensitive,
        "may_allocate": may_allocate,
        "query": _query(day, metric, structure_on),
        "sort_query": _query(
            day,
            metric,
            structure_on,
            **({"show": "sensitive"} if sensitive else {}),
            **({"status": show} if show else {}),
        ),
        "reports": REPORTS,
        "report_formats": REPORT_FORMATS,
    }
    try:
        # The page shows the unit and the units directly under it.
        # The pipeline's forecast is not in the kept body: it follows the pipeline's generation
        # (`_with_pipeline`), so a source-list entry keeps the body.
        result = progress(
            scope=scope, unit=unit, on=day, metric=metric, depth=1, structure_on=structure_on
        )
    except DomainError as error:
        context["missing"] = str(error.message)
        # A unit that has closed says when, and who carries on its work.
        closure = unit_closure(unit=unit, day=structure_on or day)
        if closure is not None:
            covered = units_covered(request, [s.unit_id for s in closure.successors])
            context["closure"] = closure
            context["successors"] = [(s, s.unit_id in covered) for s in closure.successors]
            context["outside"] = any(s.unit_id not in covered for s in closure.successors)
        return title, render_to_string("targets/_dashboard_body.html", context, request)
    head = result.unit
    forecast = (
        ForecastPoint(head.forecast, head.forecast_low, head.forecast_high)
        if head.forecast is not None
        and head.forecast_low is not None
        and head.forecast_high is not None
        and result.forecast is not None
        and result.forecast.basis != OVER
        else None
    )
    chart = progress_chart(
        [ProgressPoint(p.day, p.actual, p.expected) for p in result.curve],
        year=result.year,
        target=head.target,
        on=day,
        forecast=forecast,
    )
    status_counts = {
        key: sum(1 for r in result.children if r.status in statuses)
        for key, statuses in SHOWS.items()
        if statuses
    }
    shown_rows = [r for r in result.children if not show or r.status in SHOWS[show]]
    children_page = page_of(sort_rows(shown_rows, sort), request.GET.get("page"), CHILDREN_PAGE)
    start = dt.date(day.year, 1, 1)
    if sensitive:
        mix = report_composition(
            actor=actor_of(request), unit=unit, start=start, end=day, structure_on=structure_on
        )
    else:
        mix = composition(
            scope=scope, unit=unit, start=start, end=day, sensitive=False,
            structure_on=structure_on,
        )  # fmt: skip
    try:
        ratio = admission_ratio(scope=scope, unit=unit, year=day.year, structure_on=structure_on)
    except DomainError:
        # The unit did not exist in the year: the page goes on without the ratio.
        ratio = None
    # How far the year's admissions stand from R16; the projection is the admissions' own.
    standing = None
    if ratio is not None:
        standing = ratio_norm_standing(ratio, head.projection if metric == "admissions" else None)
    context.update(
        {
            "progress": result,
            "head": head,
            "forecast": result.forecast,
            "chart": chart,
            "curve": [p for p in result.curve if p.actual is not None or p.expected is not None],
            "children": children_page,
            "children_total": len(result.children),
            "children_shown": len(shown_rows),
            "status_counts": status_counts,
            "composition": mix,
            "dimensions": [
                {
                    "key": key,
                    "title": dimension_title(key),
                    "rows": [(value_label(key, k, under_title=True), n) for k, n in counts.items()],
                }
                for key, counts in mix.by.items()
            ],
            "segments": segments_progress(
                scope=scope, unit=unit, day=day, sensitive=sensitive, structure_on=structure_on
            ),
            "ratio": ratio,
            "ratio_siblings": [r for r in ratio.siblings if r.code != unit.code] if ratio else [],
            "ratio_norm": ratio_norm_note(ratio) if ratio else "",
            "ratio_standing": ratio_line(standing) if standing else None,
            "terms": term_progress(unit=unit, on=day, metric=metric, structure_on=structure_on)
            if metric in TERM_METRICS
            else (),
            "start": start,
        }
    )
    return title, render_to_string("targets/_dashboard_body.html", context, request)


@never_cache
@require_GET
@reads_replica
def unit_report(request, code: str, report: str, fmt: str):
    """A report of the dashboard as a file: progress on ?on= for ?metric=, the composition of
    the admissions from 1 January to ?on=, the admission ratio of ?on='s year."""
    unit = unit_or_404(request, code)
    if report not in REPORTS or fmt not in FORMATS:
        raise Http404(_("No such page."))
    day, _date_error = day_of(request)
    structure_on, _structure_error = structure_of(request)
    scope = scope_of(request)
    try:
        if report == "progress":
            # A PDF lists the unit and the units directly under it, like `ranks report`: the
            # whole subtree of a province is dozens of pages (the spreadsheet has it all).
            depth = 1 if fmt == "pdf" else None
            built = progress_report(
                with_terms(
                    progress(
                        scope=scope, unit=unit, on=day, metric=_metric_of(request), depth=depth,
                        structure_on=structure_on, pipeline=True,
                    ),
                    unit=unit,
                ),
                depth=depth,
            )  # fmt: skip
        elif report == "composition":
            start = dt.date(day.year, 1, 1)
            built = composition_report(
                report_composition(
                    actor=actor_of(request), unit=unit, start=start, end=day,
                    structure_on=structure_on,
                )
            )  # fmt: skip
        else:
            built = ratio_report(
                admission_ratio(scope=scope, unit=unit, year=day.year, structure_on=structure_on)
            )
        built = restated(built, structure_on)
    except DomainError as error:
        # The unit did not exist on the date (or in the year): like a missing report.
        raise Http404(_("No such page.")) from error
    return report_response(built, fmt)
