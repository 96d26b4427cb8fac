"""Pure: every chart, pages' and reports', built from one set of primitives; no Django import.

The primitives are a frame (a chart's size and its plot's edges), round value ticks, path data
and one way of writing numbers. The pages' charts, the progress of a year, the coverage trend and
the pipeline funnel, are geometry that their templates draw and word. A report's chart
(`ranks.reports.model.Chart`) is written whole as a small standalone SVG for the PDF, with no
script and no external asset: a line chart (cumulative figures month by month) or horizontal bars
(counts by category, whose labels can be long), each with its title, a value axis and a legend.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from xml.sax.saxutils import escape, quoteattr

from ranks.reports.model import BAR, LINE, Chart

# --- primitives -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    at: float  # x for a tick along the bottom, y for a value tick
    label: str


@dataclass(frozen=True)
class Frame:
    """A chart's size and the edges of its plot, in SVG units."""

    width: int
    height: int
    left: float
    right: float  # x of the plot's right edge
    top: float
    bottom: float  # y of the plot's bottom edge (the zero line)

    def y(self, value: float, *, top_value: float) -> float:
        """The height of `value` on a scale from 0 at the bottom to `top_value` at the top."""
        return self.bottom - (self.bottom - self.top) * value / top_value


def value_ticks(highest: float, *, intervals: int = 4) -> tuple[int, ...]:
    """0 up to `highest` or just above, in at most `intervals` whole round steps of 1, 2 or 5 × 10ⁿ
    (and 2.5 × 10ⁿ from 25 up): 3 → 0 1 2 3; 2200 → 0 1000 2000 3000."""
    raw = max(highest, 1) / intervals
    power = 10 ** math.floor(math.log10(raw))
    factors = (1, 2, 2.5, 5, 10) if power >= 10 else (1, 2, 5, 10)
    step = max(1, int(next(f * power for f in factors if raw <= f * power)))
    top = max(step, math.ceil(highest / step) * step)
    return tuple(range(0, top + 1, step))


def one_decimal(value: float) -> str:
    """A coordinate or a figure with at most one decimal and no grouping: 3, 2.5, 236.8."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def path_data(points: Sequence[tuple[float, float]]) -> str:
    """An SVG path through the points, in order; "" when there is none."""
    return " ".join(
        f"{'L' if i else 'M'}{one_decimal(x)},{one_decimal(y)}" for i, (x, y) in enumerate(points)
    )


# --- the pages' progress chart: cumulative actual, expected pace and target over a year --------

PROGRESS_FRAME = Frame(width=480, height=260, left=44, right=480 - 10, top=12, bottom=260 - 26)


@dataclass(frozen=True)
class ProgressPoint:
    day: dt.date
    actual: int | None
    expected: float | None


@dataclass(frozen=True)
class ProgressChart(Frame):
    months: tuple[Tick, ...]  # the first of each month, and the year's end
    month_labels: tuple[Tick, ...]  # 1–12, each in the middle of its month
    values: tuple[Tick, ...]
    actual_d: str  # SVG path data, "" when nothing to draw
    expected_d: str
    target_y: float | None
    on_x: float | None  # the date asked for, when inside the year
    actual_end: tuple[float, float] | None  # the last actual point, for a dot
    # The year-end forecast: a whisker from its low to its high end at 31 December, and a dot.
    forecast_x: float | None = None
    forecast_y: float | None = None
    forecast_low_y: float | None = None
    forecast_high_y: float | None = None

    @property
    def forecast_band_height(self) -> float:
        if self.forecast_low_y is None or self.forecast_high_y is None:
            return 0.0
        return round(self.forecast_low_y - self.forecast_high_y, 1)


@dataclass(frozen=True)
class ForecastPoint:
    """The figure expected by 31 December and its range."""

    point: float
    low: float
    high: float


def progress_chart(
    points: Sequence[ProgressPoint],
    *,
    year: int,
    target: int | None,
    on: dt.date | None = None,
    forecast: ForecastPoint | None = None,
) -> ProgressChart:
    """Lines from 1 January (zero) through each point, and the forecast's range as a whisker at
    year end; the scale fits the target, the actual, the expected figures and the range, rounded
    up to a whole step."""
    frame = PROGRESS_FRAME
    start = dt.date(year, 1, 1)
    days = 366 if calendar.isleap(year) else 365
    span_x = frame.right - frame.left
    highest = max(
        [target or 0]
        + [p.actual for p in points if p.actual is not None]
        + [p.expected for p in points if p.expected is not None]
        + ([forecast.high] if forecast is not None else [])
    )
    ticks = value_ticks(highest)

    def x(day: dt.date) -> float:
        # The end of `day`: 31 December reaches the right edge.
        return frame.left + span_x * min(days, max(0, (day - start).days + 1)) / days

    def y(value: float) -> float:
        return frame.y(value, top_value=ticks[-1])

    in_year = sorted((p for p in points if p.day.year == year), key=lambda p: p.day)
    actual = [(x(p.day), y(p.actual)) for p in in_year if p.actual is not None]
    expected = [(x(p.day), y(p.expected)) for p in in_year if p.expected is not None]
    origin = (float(frame.left), float(frame.bottom))
    months = tuple(Tick(x(dt.date(year, m, 1)) - span_x / days, str(m)) for m in range(1, 13)) + (
        Tick(float(frame.right), ""),
    )
    return ProgressChart(
        **asdict(frame),
        months=months,
        month_labels=tuple(
            Tick((months[m].at + months[m + 1].at) / 2, str(m + 1)) for m in range(12)
        ),
        values=tuple(Tick(y(v), str(v)) for v in ticks),
        actual_d=path_data([origin, *actual]) if actual else "",
        expected_d=path_data([origin, *expected]) if expected else "",
        target_y=y(target) if target is not None else None,
        on_x=x(on) if on is not None and on.year == year else None,
        actual_end=actual[-1] if actual else None,
        # Drawn just inside the right edge, so that the whisker's caps show whole.
        forecast_x=float(frame.right) - 6 if forecast is not None else None,
        forecast_y=y(forecast.point) if forecast is not None else None,
        forecast_low_y=y(forecast.low) if forecast is not None else None,
        forecast_high_y=y(forecast.high) if forecast is not None else None,
    )


# --- the pages' coverage trend: places in all, without members, without a cell, by year -------

# The right margin leaves room for the last year's label.
TREND_FRAME = replace(PROGRESS_FRAME, right=480 - 24)
TREND_SERIES = ("total", "without_members", "without_cell")


@dataclass(frozen=True)
class YearPoint:
    year: int
    total: int
    without_members: int
    without_cell: int


@dataclass(frozen=True)
class TrendChart(Frame):
    years: tuple[Tick, ...]  # every year from the first to the last, each labelled, x
    values: tuple[Tick, ...]
    paths: dict[str, str]  # series → SVG path data
    dots: dict[str, tuple[tuple[float, float], ...]]  # series → a point for each year of data
    turned: bool = False  # the years' labels stand upright (too many to lie side by side)


# Past this many years the labels are turned upright, under a deeper plot's bottom margin.
TREND_FLAT_LABELS = 12
TREND_TURNED_FRAME = replace(TREND_FRAME, height=290, bottom=290 - 50)


def trend_chart(points: Sequence[YearPoint], *, max_labels: int = TREND_FLAT_LABELS) -> TrendChart:
    """Every year on the axis, labelled, and a dot for each year of data on every line: x by
    year (a year with no figure leaves its gap), the scale rounded up to a whole step; a single
    year sits mid-plot. More than `max_labels` years turn their labels upright."""
    ordered = sorted(points, key=lambda p: p.year)
    first = ordered[0].year if ordered else 0
    last = ordered[-1].year if ordered else 0
    turned = last - first + 1 > max_labels
    frame = TREND_TURNED_FRAME if turned else TREND_FRAME
    span_x = frame.right - frame.left
    ticks = value_ticks(max([0, *(p.total for p in ordered)]))

    def x(year: int) -> float:
        if last == first:
            return frame.left + span_x / 2
        return frame.left + span_x * (year - first) / (last - first)

    def y(value: float) -> float:
        return frame.y(value, top_value=ticks[-1])

    dots = {
        s: tuple((round(x(p.year), 1), round(y(getattr(p, s)), 1)) for p in ordered)
        for s in TREND_SERIES
    }
    return TrendChart(
        **asdict(frame),
        years=tuple(Tick(round(x(year), 1), str(year)) for year in range(first, last + 1))
        if ordered
        else (),
        values=tuple(Tick(y(v), str(v)) for v in ticks),
        paths={s: path_data(pts) for s, pts in dots.items()},
        dots=dots,
        turned=turned,
    )


# --- the pages' funnel: candidates entering each stage, a centred bar under each stage's name ----

FUNNEL_WIDTH = 360  # a phone's width: the names and figures keep their size there
FUNNEL_LABEL = 16  # the line of a stage's name and figure
FUNNEL_BAR = 14
FUNNEL_GAP = 10


@dataclass(frozen=True)
class FunnelBar:
    label: str
    value: int
    label_y: float  # the baseline of the name (left) and the figure (right)
    x: float
    y: float
    width: float


@dataclass(frozen=True)
class FunnelChart:
    width: int
    height: int
    bar_height: int
    bars: tuple[FunnelBar, ...]


def funnel_chart(steps: Sequence[tuple[str, int]], *, width: int = FUNNEL_WIDTH) -> FunnelChart:
    """A row for each step: its name and figure on a line, under them a bar centred on the
    chart, as wide as the figure against the largest one (a funnel narrowing down); a step with
    any figure keeps a sliver of a bar, one with none has none."""
    highest = max((value for _label, value in steps), default=0)
    span = width - 8
    row = FUNNEL_LABEL + FUNNEL_BAR + FUNNEL_GAP
    bars = []
    for index, (label, value) in enumerate(steps):
        top = index * row
        bar = span * value / highest if highest else 0.0
        if value > 0:
            bar = max(bar, 2.0)
        bars.append(
            FunnelBar(
                label=label,
                value=value,
                label_y=top + FUNNEL_LABEL - 4,
                x=round((width - bar) / 2, 1),
                y=top + FUNNEL_LABEL,
                width=round(bar, 1),
            )
        )
    return FunnelChart(
        width=width, height=max(len(steps) * row, row), bar_height=FUNNEL_BAR, bars=tuple(bars)
    )


# --- a report's chart as standalone SVG, for the PDF -------------------------------------------

FONT = "DejaVu Sans, sans-serif"
COLOURS = ("#b71c1c", "#546e7a", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a")
REPORT_WIDTH = 640
REPORT_INTERVALS = 6  # an A4 page has room for more grid lines than a phone
LINE_FRAME = Frame(
    width=REPORT_WIDTH, height=300, left=52, right=REPORT_WIDTH - 16, top=32, bottom=300 - 62
)
LABEL_CHARS = 38  # a bar's label beyond this is cut with "…"
CHAR_WIDTH = 5.6  # average width of a character at 10 px, to size the label column


def chart_svg(chart: Chart, *, number: Callable[[float], str] = one_decimal) -> str:
    """The chart as SVG text; `number` writes the figures in the reader's convention."""
    if chart.kind == LINE:
        return _line(chart, number)
    if chart.kind == BAR:
        return _bars(chart, number)
    raise ValueError(f"unknown chart kind: {chart.kind}")  # pragma: no cover - Chart checks


def _report_ticks(chart: Chart) -> tuple[int, ...]:
    values = [v for s in chart.series for v in s.values if v is not None]
    return value_ticks(max(values, default=0), intervals=REPORT_INTERVALS)


def _text(
    x: float, y: float, content: str, *, size: int = 10, anchor: str = "start", **extra: str
) -> str:
    attrs = "".join(f" {k.replace('_', '-')}={quoteattr(str(v))}" for k, v in extra.items())
    return (
        f'<text x="{one_decimal(x)}" y="{one_decimal(y)}" font-size="{size}" '
        f'text-anchor="{anchor}"{attrs}>{escape(content)}</text>'
    )


def _segment(
    x1: float, y1: float, x2: float, y2: float, *, colour: str, width: int = 1, dash: str = ""
) -> str:
    return (
        f'<line x1="{one_decimal(x1)}" y1="{one_decimal(y1)}" x2="{one_decimal(x2)}" '
        f'y2="{one_decimal(y2)}" stroke="{colour}" stroke-width="{width}"{dash}/>'
    )


def _open(width: float, height: float, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family={quoteattr(FONT)} role="img" '
        f"aria-label={quoteattr(title)}>",
        f"<title>{escape(title)}</title>",
        _text(width / 2, 16, title, size=12, anchor="middle", font_weight="bold"),
    ]


def _legend(chart: Chart, y: float, width: float) -> list[str]:
    parts: list[str] = []
    widths = [24 + len(s.label) * CHAR_WIDTH + 18 for s in chart.series]
    x = max((width - sum(widths)) / 2, 4)
    for index, (series, w) in enumerate(zip(chart.series, widths, strict=True)):
        colour = COLOURS[index % len(COLOURS)]
        if chart.kind == LINE:
            dash = ' stroke-dasharray="5 3"' if series.dashed else ""
            parts.append(_segment(x, y - 4, x + 18, y - 4, colour=colour, width=2, dash=dash))
        else:
            parts.append(
                f'<rect x="{one_decimal(x + 4)}" y="{one_decimal(y - 9)}" width="10" height="10" '
                f'fill="{colour}"/>'
            )
        parts.append(_text(x + 24, y, series.label))
        x += w
    return parts


def _line(chart: Chart, number: Callable[[float], str]) -> str:
    frame = LINE_FRAME
    ticks = _report_ticks(chart)
    n = len(chart.categories)

    def x_of(i: int) -> float:
        return frame.left + ((frame.right - frame.left) * (i + 0.5) / n if n else 0)

    def y_of(v: float) -> float:
        return frame.y(v, top_value=ticks[-1])

    # Each category labelled: side by side while they fit, else turned upright, the chart made
    # as much taller as the longest label needs.
    slot = (frame.right - frame.left) / max(n, 1)
    longest = max((len(c) for c in chart.categories), default=0) * CHAR_WIDTH * 0.9
    turned = longest > slot - 2
    height = frame.height + (
        max(0.0, longest + 8 - (frame.height - 30 - frame.bottom)) if turned else 0
    )
    parts = _open(frame.width, height, chart.title)
    for tick in ticks:
        y = y_of(tick)
        parts.append(_segment(frame.left, y, frame.right, y, colour="#dddddd"))
        parts.append(_text(frame.left - 6, y + 3.5, number(tick), anchor="end"))
    parts.append(_segment(frame.left, frame.bottom, frame.right, frame.bottom, colour="#333333"))
    for i, label in enumerate(chart.categories):
        if turned:
            x, y = x_of(i) + 3, frame.bottom + 6
            parts.append(
                _text(x, y, label, size=9, anchor="end", transform=f"rotate(-90 {x:.1f} {y:.1f})")
            )
        else:
            parts.append(_text(x_of(i), frame.bottom + 14, label, size=9, anchor="middle"))
    if chart.value_title:
        middle = (frame.top + frame.bottom) / 2
        parts.append(
            _text(
                12,
                middle,
                chart.value_title,
                size=9,
                anchor="middle",
                transform=f"rotate(-90 12 {one_decimal(middle)})",
            )
        )
    for index, series in enumerate(chart.series):
        colour = COLOURS[index % len(COLOURS)]
        dash = ' stroke-dasharray="5 3"' if series.dashed else ""
        run: list[str] = []
        runs: list[list[str]] = []
        for i, value in enumerate(series.values):
            if value is None:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(f"{one_decimal(x_of(i))},{one_decimal(y_of(value))}")
        if run:
            runs.append(run)
        for points in runs:
            parts.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{dash}/>'
            )
            if not series.dashed:
                for point in points:
                    cx, cy = point.split(",")
                    parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{colour}"/>')
    parts += _legend(chart, height - 14, frame.width)
    parts.append("</svg>")
    return "\n".join(parts)


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _bars(chart: Chart, number: Callable[[float], str]) -> str:
    labels = [_cut(c) for c in chart.categories]
    label_w = min(max((len(t) for t in labels), default=4) * CHAR_WIDTH + 12, REPORT_WIDTH * 0.42)
    left, right, top = label_w + 8, REPORT_WIDTH - 48, 32
    bar_h, gap = 12, 8
    group_h = bar_h * max(len(chart.series), 1) + gap
    plot_w = right - left
    bottom = top + group_h * len(labels)
    legend_h = 28 if len(chart.series) > 1 else 0
    height = bottom + 24 + legend_h
    ticks = _report_ticks(chart)

    def w_of(v: float) -> float:
        return plot_w * v / ticks[-1]

    parts = _open(REPORT_WIDTH, height, chart.title)
    for tick in ticks:
        x = left + w_of(tick)
        parts.append(_segment(x, top, x, bottom, colour="#dddddd"))
        parts.append(_text(x, bottom + 13, number(tick), size=9, anchor="middle"))
    for i, label in enumerate(labels):
        y0 = top + i * group_h + gap / 2
        middle = y0 + bar_h * max(len(chart.series), 1) / 2
        parts.append(_text(left - 6, middle + 3.5, label, anchor="end"))
        for s_index, series in enumerate(chart.series):
            value = series.values[i]
            if value is None:
                continue
            colour = COLOURS[s_index % len(COLOURS)]
            y = y0 + s_index * bar_h
            parts.append(
                f'<rect x="{one_decimal(left)}" y="{one_decimal(y)}" '
                f'width="{one_decimal(w_of(value))}" height="{bar_h - 2}" fill="{colour}"/>'
            )
            parts.append(_text(left + w_of(value) + 4, y + bar_h - 3.5, number(value), size=9))
    parts.append(_segment(left, top, left, bottom, colour="#333333"))
    if legend_h:
        parts += _legend(chart, height - 10, REPORT_WIDTH)
    parts.append("</svg>")
    return "\n".join(parts)
