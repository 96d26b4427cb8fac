"""The figures of a unit as the reports build them: progress, composition, the admission ratio,
coverage and cell health, each the dataset `ranks report KIND --format json` writes (the
`*_data` builders of `ranks.reports.builders`), read by the same functions as the dashboard, the
coverage page and the cells page.

A unit outside the user's scope answers 404 like a missing one; a grant covers the subtree, so
everything below a unit found is the user's. The cost is the units and months shown: progress,
composition and the ratio read the counters; coverage's figures and trend the counters, its
places without members or a cell a page at a time (and none above 20,000 places, as the page);
cell health is read as the cells page reads it (from the records below 5,000 members, else from
the cells' counters, the records read for the page of cells shown alone).

The due list is not a report: it is served with the pipeline (`/units/CODE/due/`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from ranks.access.requests import scope_of, sensitive_covers
from ranks.api.common import ERRORS, api_actor, open_view, query_of, unit_of
from ranks.api.endpoints import figures_serializers as fs
from ranks.core.clock import today
from ranks.core.replica import reads_replica
from ranks.coverage.health import with_details
from ranks.coverage.selectors import (
    LIST_LIMIT,
    BlankPlaces,
    cells_shown,
    counted_coverage,
    coverage_trend,
    restated_coverage,
)
from ranks.org.selectors import unit_version_nearest
from ranks.reports.builders import (
    cells_data,
    composition_data,
    coverage_data,
    progress_data,
    ratio_data,
)
from ranks.reports.services import report_composition
from ranks.targets.metrics import Metric
from ranks.targets.progress import admission_ratio, composition, progress
from ranks.targets.terms import with_terms

PAGE_SIZE = 50


# --- a page of a list the reports build whole -------------------------------------------------


def _offset_of(cursor: str | None) -> int:
    """The position a cursor stands for (URL-safe base64 of "o=N"); one that does not decode
    answers 404, as DRF's cursors do."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    digits = text.removeprefix("o=")
    if not text.startswith("o=") or not digits.isdigit() or len(digits) > 9:
        raise NotFound(CursorPagination.invalid_cursor_message)
    return int(digits)


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o={offset}".encode("ascii")).decode("ascii")


def _link(request, offset: int | None) -> str | None:
    if offset is None:
        return None
    url = request.build_absolute_uri()
    if offset == 0:
        return remove_query_param(url, "cursor")
    return replace_query_param(url, "cursor", _cursor(offset))


def _page(request, query, rows):
    """The rows of the page the query asks for (`rows` is sliced, so a list read a page at a
    time reads one page) and the links to the pages beside it."""
    offset = _offset_of(query.get("cursor"))
    size = query.get("page_size") or PAGE_SIZE
    found = list(rows[offset : offset + size + 1])
    more = len(found) > size
    links = {
        "next": _link(request, offset + size if more else None),
        "previous": _link(request, max(offset - size, 0) if offset else None),
    }
    return found[:size], links


# --- the reports ------------------------------------------------------------------------------


class ProgressFigures(GenericAPIView):
    serializer_class = fs.ProgressSerializer
    pagination_class = None

    @extend_schema(
        operation_id="figures_progress",
        parameters=[fs.ProgressQuery],
        responses={200: fs.ProgressSerializer, **ERRORS},
    )
    @reads_replica
    def get(self, request, code):
        """Progress against the year's target on a date, for the unit and the units below it
        (down to `depth` levels): the target, the actual to the date, what the pace of past
        years expects by then, the gap, the year-end projection and a status, as the dashboard
        shows them. The same as `ranks report progress --format json`. A unit that did not
        exist on the date: 404 (`not_in_force`)."""
        unit = unit_of(request, code)
        query = query_of(request, fs.ProgressQuery)
        result = progress(
            scope=scope_of(request),
            unit=unit,
            on=query.get("on") or today(),
            metric=query.get("metric") or Metric.ADMISSIONS,
            depth=query.get("depth"),
            structure_on=query.get("structure_on"),
            pipeline=True,
        )
        return Response(progress_data(with_terms(result, unit=unit)))


class CompositionFigures(GenericAPIView):
    serializer_class = fs.CompositionSerializer
    pagination_class = None

    @extend_schema(
        operation_id="figures_composition",
        parameters=[fs.CompositionQuery],
        responses={200: fs.CompositionSerializer, **ERRORS},
    )
    @reads_replica
    def get(self, request, code):
        """The members admitted in a period below the unit, counted by occupation, gender, age
        band, education, Youth Union, source group and place kind; with ?show=sensitive and a
        sensitive grant over the unit, by ethnicity and religion too (that read is written to
        the audit log). The same as `ranks report composition --format json`. A period that
        ends before it starts: 400."""
        unit = unit_of(request, code)
        query = query_of(request, fs.CompositionQuery)
        end = query.get("to") or today()
        start = query.get("from") or dt.date(end.year, 1, 1)
        structure_on = query.get("structure_on")
        if query.get("show") == "sensitive" and sensitive_covers(request, unit):
            result = report_composition(
                actor=api_actor(request), unit=unit, start=start, end=end,
                structure_on=structure_on,
            )  # fmt: skip
        else:
            result = composition(
                scope=scope_of(request), unit=unit, start=start, end=end, sensitive=False,
                structure_on=structure_on,
            )  # fmt: skip
        return Response(composition_data(result))


class RatioFigures(GenericAPIView):
    serializer_class = fs.RatioSerializer
    pagination_class = None

    @extend_schema(
        operation_id="figures_ratio",
        parameters=[fs.RatioQuery],
        responses={200: fs.RatioSerializer, **ERRORS},
    )
    @reads_replica
    def get(self, request, code):
        """The admission ratio of a year (admissions over the members on 1 January, against
        R16 in force that year, `norm`) of the unit, ranked among the units under the same
        parent, and of the units directly below it. The same as `ranks report ratio --format json`. A unit that did not
        exist in the year: 404 (`not_in_force`)."""
        unit = unit_of(request, code)
        query = query_of(request, fs.RatioQuery)
        year = query.get("year") or today().year
        ratio = admission_ratio(
            scope=scope_of(request), unit=unit, year=year, structure_on=query.get("structure_on")
        )
        return Response(ratio_data(ratio))


class CoverageFigures(GenericAPIView):
    serializer_class = fs.CoverageSerializer
    pagination_class = None

    @extend_schema(
        operation_id="figures_coverage",
        parameters=[fs.CoverageQuery],
        responses={200: fs.CoverageSerializer, **ERRORS},
    )
    @reads_replica
    def get(self, request, code):
        """The coverage of places by party members and cells on a date: in all, by place kind,
        by area flag, and its trend at each year's end; with a page of the places without
        members or without a cell (`which`, `cursor`, `page_size`). The same as `ranks report
        coverage --format json`, whose `blank` holds every such place: here a page of them, and
        none (null) above 20,000 places, as the coverage page."""
        unit = unit_of(request, code)
        query = query_of(request, fs.CoverageQuery)
        day = query.get("on") or today()
        structure_on = query.get("structure_on")
        if structure_on is not None:
            # Restated: the figures and the trend, without the list of places (of the day's tree).
            restated = restated_coverage(unit, [day], structure_on)[0]
            trend = coverage_trend(unit, until=day, structure_on=structure_on)
            data = coverage_data(restated, trend, structure_on=structure_on)
            return Response({**data, "blank": None, "next": None, "previous": None})
        # The figures from the counters, as the coverage page reads them.
        coverage = counted_coverage(unit, [day])[0]
        links = {"next": None, "previous": None}
        listed = coverage.totals.total <= LIST_LIMIT
        if listed:
            places = BlankPlaces(unit, day, query.get("which") or "any")
            coverage.blank, links = _page(request, query, places)
        data = coverage_data(coverage, coverage_trend(unit, until=day))
        if not listed:
            data["blank"] = None
        return Response({**data, **links})


class CellFigures(GenericAPIView):
    serializer_class = fs.CellsSerializer
    pagination_class = None

    @extend_schema(
        operation_id="figures_cells",
        parameters=[fs.CellsQuery],
        responses={200: fs.CellsSerializer, **ERRORS},
    )
    @reads_replica
    def get(self, request, code):
        """The health of every cell below the unit on a date, a page at a time, in the order of
        the report (by the unit above, then name): its members, age bands, years since the last
        admission, candidates, members working away, a seconded secretary and the findings to
        check (`flag`: only the cells with that one). The same as `ranks report cells --format
        json`, a page of its `cells` at a time."""
        unit = unit_of(request, code)
        query = query_of(request, fs.CellsQuery)
        day = query.get("on") or today()
        structure_on = query.get("structure_on")
        shown = cells_shown(unit=unit, day=day, structure_on=structure_on, scope=scope_of(request))
        flag = query.get("flag")
        rows = [h for h in shown.rows if not flag or flag in h.flags]
        page, links = _page(request, query, rows)
        if not shown.detailed:
            # Read from the cells' counters: the records of the page's cells alone.
            with_details(page, unit, day)
        version = unit_version_nearest(unit, structure_on or day)
        name = version.name if version else unit.code
        return Response({**cells_data(page, unit.code, name, day, structure_on), **links})


urlpatterns = [
    path(
        "units/<str:code>/figures/progress/",
        open_view(ProgressFigures.as_view()),
        name="api_figures_progress",
    ),
    path(
        "units/<str:code>/figures/composition/",
        open_view(CompositionFigures.as_view()),
        name="api_figures_composition",
    ),
    path(
        "units/<str:code>/figures/ratio/",
        open_view(RatioFigures.as_view()),
        name="api_figures_ratio",
    ),
    path(
        "units/<str:code>/figures/coverage/",
        open_view(CoverageFigures.as_view()),
        name="api_figures_coverage",
    ),
    path(
        "units/<str:code>/figures/cells/",
        open_view(CellFigures.as_view()),
        name="api_figures_cells",
    ),
]
