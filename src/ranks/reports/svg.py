"""Pure: a report's chart as a small standalone SVG, with no script and no external asset.

Two kinds: a line chart (cumulative admissions against the expected pace, month by month) and
horizontal bars (counts by category, whose labels can be long). Both draw the chart's title,
a value axis with round steps, and a legend.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

from ranks.reports.model import BAR, LINE, Chart

FONT = "DejaVu Sans, sans-serif"
COLOURS = ("#b71c1c", "#546e7a", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a")
WIDTH = 640
LABEL_CHARS = 38  # a bar's label beyond this is cut with "…"
CHAR_WIDTH = 5.6  # average width of a character at 10 px, to size the label column


def plain_number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}"


def chart_svg(chart: Chart, *, number: Callable[[float], str] = plain_number) -> str:
    """The chart as SVG text; `number` writes the figures in the reader's convention."""
    if chart.kind == LINE:
        return _line(chart, number)
    if chart.kind == BAR:
        return _bars(chart, number)
    raise ValueError(f"unknown chart kind: {chart.kind}")  # pragma: no cover - Chart checks


def nice_ticks(top: float, most: int = 6) -> list[float]:
    """0 up to at least `top` in steps of 1, 2 or 5 × 10ⁿ, at most `most` + 1 ticks."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if step < 1 and top >= 1:
        step = 1.0
    count = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def _text(
    x: float, y: float, content: str, *, size: int = 10, anchor: str = "start", **extra
) -> str:
    attrs = "".join(f" {k.replace('_', '-')}={quoteattr(str(v))}" for k, v in extra.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{attrs}>'
        f"{escape(content)}</text>"
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
            parts.append(
                f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 18:.1f}" y2="{y - 4:.1f}" '
                f'stroke="{colour}" stroke-width="2"{dash}/>'
            )
        else:
            parts.append(
                f'<rect x="{x + 4:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{colour}"/>'
            )
        parts.append(_text(x + 24, y, series.label))
        x += w
    return parts


def _line(chart: Chart, number: Callable[[float], str]) -> str:
    height = 300
    left, right, top, bottom = 52, 16, 32, 62
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    values = [v for s in chart.series for v in s.values if v is not None]
    ticks = nice_ticks(max(values, default=0))
    top_value = ticks[-1]
    n = len(chart.categories)

    def x_of(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n if n else 0)

    def y_of(v: float) -> float:
        return top + plot_h - plot_h * v / top_value

    parts = _open(WIDTH, height, chart.title)
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="#dddddd" stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y + 3.5, number(tick), anchor="end"))
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="#333333" stroke-width="1"/>'
    )
    for i, label in enumerate(chart.categories):
        parts.append(_text(x_of(i), top + plot_h + 14, label, size=9, anchor="middle"))
    if chart.value_title:
        parts.append(
            _text(
                12,
                top + plot_h / 2,
                chart.value_title,
                size=9,
                anchor="middle",
                transform=f"rotate(-90 12 {top + plot_h / 2:.1f})",
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
            run.append(f"{x_of(i):.1f},{y_of(value):.1f}")
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
    parts += _legend(chart, height - 14, WIDTH)
    parts.append("</svg>")
    return "\n".join(parts)


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _bars(chart: Chart, number: Callable[[float], str]) -> str:
    labels = [_cut(c) for c in chart.categories]
    label_w = min(max((len(t) for t in labels), default=4) * CHAR_WIDTH + 12, WIDTH * 0.42)
    left, right, top = label_w + 8, 48, 32
    bar_h, gap = 12, 8
    group_h = bar_h * max(len(chart.series), 1) + gap
    plot_w = WIDTH - left - right
    plot_h = group_h * len(labels)
    legend_h = 28 if len(chart.series) > 1 else 0
    height = top + plot_h + 24 + legend_h
    values = [v for s in chart.series for v in s.values if v is not None]
    ticks = nice_ticks(max(values, default=0))
    top_value = ticks[-1]

    def w_of(v: float) -> float:
        return plot_w * v / top_value

    parts = _open(WIDTH, height, chart.title)
    for tick in ticks:
        x = left + w_of(tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" '
            f'stroke="#dddddd" stroke-width="1"/>'
        )
        parts.append(_text(x, top + plot_h + 13, number(tick), size=9, anchor="middle"))
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
                f'<rect x="{left}" y="{y:.1f}" width="{w_of(value):.1f}" height="{bar_h - 2}" '
                f'fill="{colour}"/>'
            )
            parts.append(_text(left + w_of(value) + 4, y + bar_h - 3.5, number(value), size=9))
    parts.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" '
        f'stroke="#333333" stroke-width="1"/>'
    )
    if legend_h:
        parts += _legend(chart, height - 10, WIDTH)
    parts.append("</svg>")
    return "\n".join(parts)
