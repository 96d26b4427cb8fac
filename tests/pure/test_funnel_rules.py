"""The funnel's arithmetic: percentiles read from a histogram of whole days equal the nearest
rank of the days themselves; tallies add up by stage and source group."""

import math
import random

from ranks.pipeline.rules.funnel import FUNNEL_STAGES, Tally, percentile, stage_figures
from ranks.reports.charts import funnel_chart


def nearest_rank(values: list[int], p: int) -> int:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p * len(ordered) / 100)) - 1]


def test_a_percentile_of_the_histogram_is_that_of_the_days():
    draw = random.Random(18)
    for _ in range(200):
        days = [draw.choice([0, 1, 3, 7, 30, 31, 90, 365]) for _ in range(draw.randint(1, 70))]
        histogram: dict[int, int] = {}
        for d in days:
            histogram[d] = histogram.get(d, 0) + 1
        for p in (1, 10, 50, 90, 99, 100):
            assert percentile(histogram, p) == nearest_rank(days, p), (days, p)


def test_no_stay_has_no_percentile():
    assert percentile({}, 50) is None
    assert percentile({4: 0}, 90) is None


def test_the_tallies_add_up_by_stage_and_group():
    tallies = [
        Tally("source_list", "worker", True, True, 10, 2),
        Tally("source_list", "worker", True, False, None, 1),
        Tally("source_list", "youth_union", True, True, 40, 1),
        Tally("source_list", "youth_union", False, True, 20, 3),  # entered before the period
        Tally("class_passed", "worker", True, False, None, 2),
    ]
    every = {f.stage: f for f in stage_figures(tallies)}
    assert [f.stage for f in stage_figures(tallies)] == list(FUNNEL_STAGES)
    first = every["source_list"]
    assert (first.entered, first.moved_on, first.stays) == (2 + 1 + 1, 2 + 1, 2 + 1 + 3)
    assert first.conversion == round(3 * 100 / 4, 1)
    assert first.median_days == nearest_rank([10, 10, 40, 20, 20, 20], 50)
    assert first.usual_days == nearest_rank([10, 10, 40, 20, 20, 20], 90)
    worker = {f.stage: f for f in stage_figures(tallies, {"worker"})}
    assert (worker["source_list"].entered, worker["class_passed"].entered) == (3, 2)
    assert worker["class_passed"].conversion == 0.0
    assert every["official"].conversion is None and every["official"].median_days is None
    last = stage_figures([Tally(FUNNEL_STAGES[-1], "", True, False, None, 4)])[-1]
    assert (last.entered, last.conversion) == (4, None)  # nobody goes beyond recognition


def test_the_pages_funnel_centres_bars_as_wide_as_their_figures():
    steps = [("on the source list", 40), ("class passed", 30), ("introducers", 1), ("vote", 0)]
    chart = funnel_chart(steps, width=360)
    widest = chart.bars[0]
    assert (widest.x, widest.width) == (4, 352)
    for bar, (label, value) in zip(chart.bars, steps, strict=True):
        assert (bar.label, bar.value) == (label, value)
        assert abs(bar.x + bar.width / 2 - 180) <= 0.1  # centred
        if value:
            assert bar.width == max(round(352 * value / 40, 1), 2)
        else:
            assert bar.width == 0
    rows = [b.y for b in chart.bars]
    assert rows == sorted(rows) and chart.height >= rows[-1] + chart.bar_height
    assert funnel_chart([]).bars == ()
