"""Working days skip weekends and Vietnam's public holidays, Tết included; months clamp."""

import datetime as dt

import holidays
import pytest

from ranks.pipeline.rules import add_months, add_working_days, working_days_between

D = dt.date


def count_forward(start, n):
    """Independent count against the holidays package, for cross-checking."""
    vn = holidays.country_holidays("VN", years=range(start.year, start.year + 2))
    day = start
    while n:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in vn:
            n -= 1
    return day


@pytest.mark.parametrize(
    "start, n, expected",
    [
        # R9: decision received Mon 2025-01-20; Tết 2025-01-27..31 is skipped, so 30 WD is
        # Mon 10 March, not 3 March.
        pytest.param(D(2025, 1, 20), 30, D(2025, 3, 10), id="R9-tet-2025"),
        pytest.param(D(2025, 1, 24), 1, D(2025, 2, 3), id="WD-friday-before-tet"),
        # Hùng Kings' day (lunar) 2025-04-07 and 30 April, 1–2 May.
        pytest.param(D(2025, 4, 4), 1, D(2025, 4, 8), id="WD-hung-kings-2025"),
        pytest.param(D(2025, 4, 29), 1, D(2025, 5, 5), id="WD-reunification-labour-day"),
        pytest.param(D(2025, 3, 3), 0, D(2025, 3, 3), id="WD-zero"),
        pytest.param(D(2024, 2, 7), 1, D(2024, 2, 15), id="WD-tet-2024"),
    ],
)
def test_add_working_days(start, n, expected):
    assert add_working_days(start, n) == expected
    assert count_forward(start, n) == expected
    assert working_days_between(start, expected) == n


def test_working_days_between_is_signed():
    assert working_days_between(D(2025, 3, 10), D(2025, 1, 20)) == -30


@pytest.mark.parametrize(
    "day, n, expected",
    [
        pytest.param(D(2020, 1, 15), 60, D(2025, 1, 15), id="R4-60-months"),
        pytest.param(D(2024, 1, 31), 1, D(2024, 2, 29), id="months-leap-clamp"),
        pytest.param(D(2024, 3, 10), 12, D(2025, 3, 10), id="R10-12-months"),
        pytest.param(D(2025, 1, 31), -2, D(2024, 11, 30), id="months-backwards"),
    ],
)
def test_add_months(day, n, expected):
    assert add_months(day, n) == expected
