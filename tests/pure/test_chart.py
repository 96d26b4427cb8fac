"""The progress chart's geometry: lines from 1 January, a scale that fits, month ticks."""

import datetime as dt

from ranks.web.chart import (
    BOTTOM,
    HEIGHT,
    LEFT,
    RIGHT,
    TOP,
    WIDTH,
    Point,
    nice_step,
    progress_chart,
)

D = dt.date


def test_nice_steps():
    assert [nice_step(v) for v in (0, 3, 10, 37, 2200, 2233, 9000)] == [
        1,
        1,
        5,
        10,
        1000,
        1000,
        2500,
    ]


def test_lines_start_on_1_january_at_zero_and_stop_at_the_date():
    points = [Point(D(2026, m, 28), 10 * m if m <= 6 else None, 100 * m / 12) for m in range(1, 13)]
    chart = progress_chart(points, year=2026, target=100, on=D(2026, 6, 30))
    assert chart.actual_d.startswith(f"M{LEFT},{HEIGHT - BOTTOM}")
    assert chart.actual_d.count("L") == 6 and chart.expected_d.count("L") == 12
    # The scale: 0 to the target, in steps of 25 (the highest figure is the target, 100).
    assert [t.label for t in chart.values] == ["0", "25", "50", "75", "100"]
    assert chart.target_y == TOP
    assert chart.on_x is not None and LEFT < chart.on_x < WIDTH - RIGHT
    assert [t.label for t in chart.month_labels] == [str(m) for m in range(1, 13)]
    assert chart.months[0].at == LEFT and chart.months[-1].at == WIDTH - RIGHT
    x, y = chart.actual_end
    assert x < chart.on_x and y == HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * 60 / 100


def test_without_a_target_there_is_no_target_or_expected_line():
    chart = progress_chart([Point(D(2026, 1, 31), 0, None)], year=2026, target=None)
    assert chart.target_y is None and chart.expected_d == "" and chart.on_x is None
    assert chart.actual_d.count("L") == 1
    assert [t.label for t in chart.values] == ["0", "1"]


def test_a_figure_above_the_target_raises_the_scale():
    chart = progress_chart([Point(D(2026, 3, 31), 2233, 550.0)], year=2026, target=2200)
    assert chart.values[-1].label == "3000" and chart.target_y > TOP
