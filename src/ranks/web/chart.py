"""Pure: the geometry of the progress chart (cumulative actual, expected pace, target over a year)
for a server-rendered SVG. No Django import; the template adds the words."""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 480, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 12, 26


@dataclass(frozen=True)
class Point:
    day: dt.date
    actual: int | None
    expected: float | None


@dataclass(frozen=True)
class Tick:
    at: float  # x for month ticks, y for value ticks
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: float
    right: float  # x of the plot's right edge
    top: float
    bottom: float  # y of the plot's bottom edge (the zero line)
    months: tuple[Tick, ...]  # the first of each month, labelled 1–12 in its middle
    month_labels: tuple[Tick, ...]
    values: tuple[Tick, ...]
    actual_d: str  # SVG path data, "" when nothing to draw
    expected_d: str
    target_y: float | None
    on_x: float | None  # the date asked for, when inside the year
    actual_end: tuple[float, float] | None  # the last actual point, for a dot


def nice_step(top: float, ticks: int = 4) -> int:
    """A round whole step (1, 2, 2.5, 5 × 10ⁿ) giving at most `ticks` intervals up to `top`."""
    raw = max(top, 1) / ticks
    power = 10 ** math.floor(math.log10(raw))
    factors = (1, 2, 2.5, 5, 10) if power >= 10 else (1, 2, 5, 10)
    return max(1, int(next(f * power for f in factors if raw <= f * power)))


def _fmt(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def progress_chart(
    points: Sequence[Point], *, year: int, target: int | None, on: dt.date | None = None
) -> Chart:
    """Lines from 1 January (zero) through each point; the scale fits the target, the actual and
    the expected figures, rounded up to a whole step."""
    start = dt.date(year, 1, 1)
    days = 366 if calendar.isleap(year) else 365
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    span_x, span_y = right - LEFT, bottom - TOP
    highest = max(
        [target or 0]
        + [p.actual for p in points if p.actual is not None]
        + [p.expected for p in points if p.expected is not None]
    )
    step = nice_step(highest)
    top_value = max(step, math.ceil(highest / step) * step)

    def x(day: dt.date) -> float:
        # The end of `day`: 31 December reaches the right edge.
        return LEFT + span_x * min(days, max(0, (day - start).days + 1)) / days

    def y(value: float) -> float:
        return bottom - span_y * value / top_value

    def path(pairs: list[tuple[float, float]]) -> str:
        if not pairs:
            return ""
        head, *rest = pairs
        return f"M{_fmt(head[0])},{_fmt(head[1])}" + "".join(
            f" L{_fmt(px)},{_fmt(py)}" for px, py in rest
        )

    in_year = sorted((p for p in points if p.day.year == year), key=lambda p: p.day)
    actual = [(x(p.day), y(p.actual)) for p in in_year if p.actual is not None]
    expected = [(x(p.day), y(p.expected)) for p in in_year if p.expected is not None]
    origin = (float(LEFT), float(bottom))
    months = tuple(Tick(x(dt.date(year, m, 1)) - span_x / days, str(m)) for m in range(1, 13)) + (
        Tick(float(right), ""),
    )
    month_labels = tuple(Tick((months[m].at + months[m + 1].at) / 2, str(m + 1)) for m in range(12))
    values = tuple(Tick(y(v), str(v)) for v in range(0, top_value + 1, step))
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=right,
        top=TOP,
        bottom=bottom,
        months=months,
        month_labels=month_labels,
        values=values,
        actual_d=path([origin, *actual]) if actual else "",
        expected_d=path([origin, *expected]) if expected else "",
        target_y=y(target) if target is not None else None,
        on_x=x(on) if on is not None and on.year == year else None,
        actual_end=actual[-1] if actual else None,
    )
