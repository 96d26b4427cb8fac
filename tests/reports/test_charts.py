"""The charts: round value ticks, the pages' progress and trend geometry, a report's SVG."""

import datetime as dt

import pytest

from ranks.reports.charts import (
    PROGRESS_FRAME,
    REPORT_INTERVALS,
    ProgressPoint,
    YearPoint,
    chart_svg,
    progress_chart,
    trend_chart,
    value_ticks,
)
from ranks.reports.model import BAR, LINE, Chart, Series

pytestmark = pytest.mark.pure  # no database: run once, on the SQLite pass

D = dt.date
F = PROGRESS_FRAME


def test_value_ticks_are_whole_round_steps_up_to_the_highest_figure():
    assert [value_ticks(v) for v in (0, 3, 10, 37, 2200, 2233, 9000)] == [
        (0, 1),
        (0, 1, 2, 3),
        (0, 5, 10),
        (0, 10, 20, 30, 40),
        (0, 1000, 2000, 3000),
        (0, 1000, 2000, 3000),
        (0, 2500, 5000, 7500, 10000),
    ]


def test_a_report_takes_more_ticks():
    assert value_ticks(0, intervals=REPORT_INTERVALS) == (0, 1)
    assert value_ticks(7, intervals=REPORT_INTERVALS) == (0, 2, 4, 6, 8)
    assert value_ticks(2200, intervals=REPORT_INTERVALS)[-1] == 2500
    assert value_ticks(3, intervals=REPORT_INTERVALS) == (0, 1, 2, 3)


# --- the pages' progress chart -----------------------------------------------------------------


def test_lines_start_on_1_january_at_zero_and_stop_at_the_date():
    points = [
        ProgressPoint(D(2026, m, 28), 10 * m if m <= 6 else None, 100 * m / 12)
        for m in range(1, 13)
    ]
    chart = progress_chart(points, year=2026, target=100, on=D(2026, 6, 30))
    assert chart.actual_d.startswith(f"M{F.left},{F.bottom}")
    assert chart.actual_d.count("L") == 6 and chart.expected_d.count("L") == 12
    # The scale: 0 to the target, in steps of 25 (the highest figure is the target, 100).
    assert [t.label for t in chart.values] == ["0", "25", "50", "75", "100"]
    assert chart.target_y == F.top
    assert chart.on_x is not None and F.left < chart.on_x < F.right
    assert [t.label for t in chart.month_labels] == [str(m) for m in range(1, 13)]
    assert chart.months[0].at == F.left and chart.months[-1].at == F.right
    x, y = chart.actual_end
    assert x < chart.on_x and y == F.bottom - (F.bottom - F.top) * 60 / 100


def test_without_a_target_there_is_no_target_or_expected_line():
    chart = progress_chart([ProgressPoint(D(2026, 1, 31), 0, None)], year=2026, target=None)
    assert chart.target_y is None and chart.expected_d == "" and chart.on_x is None
    assert chart.actual_d.count("L") == 1
    assert [t.label for t in chart.values] == ["0", "1"]


def test_a_figure_above_the_target_raises_the_scale():
    chart = progress_chart([ProgressPoint(D(2026, 3, 31), 2233, 550.0)], year=2026, target=2200)
    assert chart.values[-1].label == "3000" and chart.target_y > F.top


# --- the pages' coverage trend -----------------------------------------------------------------


def test_the_trend_chart_has_a_point_per_year():
    chart = trend_chart([YearPoint(2006, 3181, 86, 995), YearPoint(2020, 3181, 0, 0)])
    assert (
        chart.paths["without_cell"].startswith("M") and chart.paths["without_cell"].count(" L") == 1
    )
    (x0, y0), (x1, y1) = chart.dots["without_cell"]
    assert x0 < x1 and y0 < y1  # 995 is higher up than 0
    assert chart.dots["total"][0][1] == chart.dots["total"][1][1]
    # Every year on the axis, labelled, the years between at their place.
    assert [t.label for t in chart.years] == [str(y) for y in range(2006, 2021)]
    assert chart.years[0].at == x0 and chart.years[-1].at == x1
    assert chart.turned  # 15 labels stand upright
    assert chart.values[-1].label == "4000"
    one = trend_chart([YearPoint(2024, 3, 1, 0)])
    assert one.dots["total"][0][0] == (one.left + one.right) / 2
    assert [t.label for t in one.years] == ["2024"]


def test_the_trend_chart_shows_each_year_with_a_point_on_every_line():
    years = range(2000, 2026)
    many = trend_chart([YearPoint(y, 10, 26 - (y - 2000), 3) for y in years])
    assert [t.label for t in many.years] == [str(y) for y in years]
    for series in ("total", "without_members", "without_cell"):
        assert len(many.dots[series]) == len(years) == many.paths[series].count(" L") + 1
    xs = [t.at for t in many.years]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    assert many.turned and many.bottom < many.height - 40  # room for upright labels
    few = trend_chart([YearPoint(y, 1, 0, 0) for y in range(2020, 2025)])
    assert not few.turned and len(few.years) == 5


def test_a_report_line_chart_labels_every_category_even_when_many():
    chart = Chart(
        kind=LINE,
        title="Trend",
        categories=tuple(str(y) for y in range(1990, 2025)) + ("01/06/2025",),
        series=(Series("Without a cell", tuple(float(i) for i in range(36))),),
    )
    svg = chart_svg(chart)
    for year in range(1990, 2025):
        assert f">{year}</text>" in svg
    assert "rotate(-90" in svg  # upright: 36 labels do not fit side by side
    assert svg.count("<circle") == 36


# --- a report's chart as SVG -------------------------------------------------------------------


def test_a_line_chart_breaks_where_a_series_has_no_value_and_escapes_its_texts():
    chart = Chart(
        kind=LINE,
        title="Admissions <so far> & pace",
        categories=("Jan", "Feb", "Mar", "Apr"),
        series=(
            Series("Actual", (1, 2, None, None)),
            Series("Expected", (1, 2, 3, 4), dashed=True),
        ),
    )
    svg = chart_svg(chart)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "Admissions &lt;so far&gt; &amp; pace" in svg
    assert svg.count("<polyline") == 2
    assert svg.count('stroke-dasharray="5 3"') == 2  # the expected line and its legend
    assert "<script" not in svg and "href" not in svg


def test_a_bar_chart_draws_a_bar_per_value():
    chart = Chart(
        kind=BAR,
        title="By occupation",
        categories=("farmer", "worker", "a very long label that the chart cuts before the bars"),
        series=(Series("Number", (40, 25, 0)),),
    )
    svg = chart_svg(chart)
    assert svg.count("<rect") == 3
    assert "…" in svg
