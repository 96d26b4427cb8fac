"""The forecast and its range (targets/forecast.py): a year-end rush, a flat history, a unit with
no history, a pooled profile, the pipeline's signal and the status from the range."""

import datetime as dt

from ranks.targets import forecast as fc
from ranks.targets.forecast import StagePast

D = dt.date
# Twenty by the end of June, eighty after, sixty of them in December.
RUSH = [5, 0, 5, 0, 5, 5, 5, 5, 5, 0, 5, 60]
FLAT = [10] * 12


def test_a_year_end_rush_forecasts_from_the_share_of_june():
    history = {2021: RUSH, 2022: RUSH, 2023: RUSH}
    f = fc.history_forecast(30, D(2024, 6, 30), history)
    assert f.basis == fc.OWN and f.years == 3
    # Every past year had 20 % by June: 30 / 0.2.
    assert f.profile == 150.0
    # Last year added 80 after June.
    assert f.seasonal_naive == 110.0
    assert f.point == (150.0 + 110.0) / 2
    # The range spans the seasonal-naive and every year's own projection, widened for chance.
    assert f.low == 30 + fc.poisson_quantile(80, fc.TAIL)
    assert f.high == 30 + fc.poisson_quantile(120, 1 - fc.TAIL)
    assert f.low < 110 < f.point < 150 < f.high
    # A straight line would have said 60: the rush is what lifts it.
    assert f.low > 60


def test_a_flat_history_forecasts_double_at_mid_year():
    history = {2021: FLAT, 2022: FLAT, 2023: FLAT}
    f = fc.history_forecast(60, D(2023 + 1, 6, 30), history)
    # Half the year's admissions by 30 June each year: 60 / 0.5 = 120, and last year's 60 after.
    assert f.profile == 120.0 and f.seasonal_naive == 120.0 and f.point == 120.0
    assert f.low == 60 + fc.poisson_quantile(60, fc.TAIL)
    assert f.high == 60 + fc.poisson_quantile(60, 1 - fc.TAIL)
    assert f.low <= 120 <= f.high


def test_years_that_differ_widen_the_range():
    steady = fc.history_forecast(60, D(2024, 6, 30), {2021: FLAT, 2022: FLAT, 2023: FLAT})
    early = [20] * 6 + [0] * 6  # all 120 by June
    mixed = fc.history_forecast(60, D(2024, 6, 30), {2021: FLAT, 2022: early, 2023: FLAT})
    assert mixed.low < steady.low and mixed.high == steady.high
    # 2022 had everything by June: at its pace 60 is the year.
    assert mixed.low == 60 + fc.poisson_quantile(0, fc.TAIL) == 60


def test_a_unit_with_no_history_has_a_straight_line_and_no_assured_gain():
    f = fc.history_forecast(10, D(2024, 6, 30), {})
    assert f.basis == fc.LINEAR and f.years == 0
    assert f.seasonal_naive is None and f.profile is None and f.smoothing is None
    assert f.point == round(10 * 366 / 182, 1)
    assert f.low == 10
    assert f.high >= f.point
    nothing = fc.history_forecast(0, D(2024, 6, 30), {})
    assert (nothing.point, nothing.low) == (0, 0) and nothing.high > 0


def test_a_short_history_pools_the_profile_of_the_unit_above():
    own = {2023: [0] * 11 + [3]}  # three in December: too few for a profile of its own
    parent = {2021: RUSH, 2022: RUSH, 2023: RUSH}
    f = fc.history_forecast(2, D(2024, 6, 30), own, [{}, parent])
    assert f.basis == fc.POOLED and f.years == 3
    assert f.profile == 10.0  # 2 / 0.2
    assert f.seasonal_naive == 5.0  # 2 + the 3 of last December


def test_the_year_over_is_the_actual():
    f = fc.history_forecast(7, D(2024, 12, 31), {2023: RUSH, 2022: RUSH})
    assert (f.point, f.low, f.high, f.basis) == (7, 7, 7, fc.OVER)


def test_status_from_the_range():
    assert fc.range_status(100, 100, 140) == fc.ON_TRACK
    assert fc.range_status(100, 80, 100) == fc.AT_RISK
    assert fc.range_status(100, 60, 99.9) == fc.BEHIND
    assert fc.range_status(None, 60, 99) == fc.NO_TARGET


def test_the_median_of_counted_values():
    assert fc.median_of({}) is None
    assert fc.median_of({10: 1}) == 10
    assert fc.median_of({10: 1, 20: 1}) == 15
    assert fc.median_of({10: 2, 30: 1}) == 10
    values = [5, 5, 8, 40, 41, 41, 90]
    counts = {v: values.count(v) for v in values}
    assert fc.median_of(counts) == sorted(values)[len(values) // 2]


def test_the_pipeline_counts_the_stages_whose_median_fits_before_year_end():
    past = {
        "cell_resolution": StagePast(10, 9, {20: 5, 40: 4}),  # 90 %, median 20 days
        "class_passed": StagePast(20, 10, {300: 10}),  # 50 %, 300 days: too long from 1 October
        "dossier_prepared": StagePast(4, 2, {60: 2}),
    }
    now = {"cell_resolution": 4, "class_passed": 6, "identified": 3}
    outlook = fc.pipeline_outlook(D(2024, 10, 1), now, past)
    by = {s.stage: s for s in outlook}
    assert by["cell_resolution"].fits and by["cell_resolution"].expected == round(4 * 0.9, 1)
    assert not by["class_passed"].fits and by["class_passed"].expected == 0
    assert by["class_passed"].median_days == 300
    assert by["identified"].share is None and by["identified"].expected == 0
    assert "dossier_prepared" not in by  # nobody at it now
    assert fc.pipeline_forecast(50, outlook) == 50 + 3.6
    # In March the class's 300 days fit.
    march = {s.stage: s for s in fc.pipeline_outlook(D(2024, 3, 1), now, past)}
    assert march["class_passed"].fits and march["class_passed"].expected == 3.0


def test_the_smoothing_runs_at_province_level_with_three_full_years():
    history = {2021: RUSH, 2022: RUSH, 2023: RUSH}
    series = fc.smoothing_series(history, RUSH[:5], D(2024, 6, 30))
    assert series is not None and len(series) == 36 + 5
    smoothed = fc.smoothing_forecast(20, D(2024, 6, 30), series, "provincial_committee")
    assert smoothed is not None
    # The same rhythm three years running: the rest of the year as before, about 80 more.
    assert abs(smoothed - 100) < 10
    assert fc.smoothing_forecast(20, D(2024, 6, 30), series, "commune_committee") is None
    assert fc.smoothing_series({2022: RUSH, 2023: RUSH}, RUSH[:5], D(2024, 6, 30)) is None
    with_it = fc.history_forecast(20, D(2024, 6, 30), history, smoothing=smoothed)
    assert with_it.smoothing == round(smoothed, 1)
    assert with_it.point == round((with_it.profile + with_it.seasonal_naive + smoothed) / 3, 1)
