"""Pure: the geometry of the coverage trend (places in all, without members, without a cell, at
each year's end) for a server-rendered SVG. No Django import; the template adds the words."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ranks.web.chart import Tick, _fmt, nice_step

WIDTH, HEIGHT = 480, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 24, 12, 26
SERIES = ("total", "without_members", "without_cell")


@dataclass(frozen=True)
class YearPoint:
    year: int
    total: int
    without_members: int
    without_cell: int


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    years: tuple[Tick, ...]  # labelled years (thinned to fit), x
    values: tuple[Tick, ...]
    paths: dict[str, str]  # series → SVG path data
    dots: dict[str, tuple[tuple[float, float], ...]]  # series → points, for markers


def trend_chart(points: Sequence[YearPoint], max_labels: int = 10) -> TrendChart:
    """One x step per year, the scale rounded up to a whole step; a single year sits mid-plot."""
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    span_x, span_y = right - LEFT, bottom - TOP
    ordered = sorted(points, key=lambda p: p.year)
    highest = max([0, *(p.total for p in ordered)])
    step = nice_step(highest)
    top_value = max(step, math.ceil(highest / step) * step)
    count = len(ordered)

    def x(index: int) -> float:
        if count <= 1:
            return LEFT + span_x / 2
        return LEFT + span_x * index / (count - 1)

    def y(value: float) -> float:
        return bottom - span_y * value / top_value

    every = max(1, math.ceil(count / max_labels))
    years = tuple(
        Tick(x(i), str(p.year)) for i, p in enumerate(ordered) if i % every == 0 or i == count - 1
    )
    dots = {
        s: tuple((round(x(i), 1), round(y(getattr(p, s)), 1)) for i, p in enumerate(ordered))
        for s in SERIES
    }
    paths = {
        s: (
            "".join(
                f"{'M' if i == 0 else ' L'}{_fmt(px)},{_fmt(py)}" for i, (px, py) in enumerate(pts)
            )
            if pts
            else ""
        )
        for s, pts in dots.items()
    }
    values = tuple(Tick(y(v), str(v)) for v in range(0, top_value + 1, step))
    return TrendChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=right,
        top=TOP,
        bottom=bottom,
        years=years,
        values=values,
        paths=paths,
        dots=dots,
    )
