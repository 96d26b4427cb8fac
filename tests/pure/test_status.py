"""A member's status on a date, and party age counted from the admission decision (R13)."""

import datetime as dt

import pytest

from ranks.people.status import (
    CANDIDATE,
    LEFT,
    OFFICIAL,
    PROBATIONARY,
    MembershipDates,
    age_on,
    months_between,
    party_age,
    status_on,
)

D = dt.date
# Admitted by decision on 1 March 2015, ceremony 20 March, official a year after the ceremony.
AN = MembershipDates(D(2015, 3, 1), D(2015, 3, 20), D(2016, 3, 20))
LEFT_2020 = MembershipDates(D(2015, 3, 1), D(2015, 3, 20), D(2016, 3, 20), D(2020, 5, 31))
ON_PROBATION = MembershipDates(D(2025, 1, 10), D(2025, 2, 1))


@pytest.mark.parametrize(
    "dates, day, expected",
    [
        (AN, D(2015, 2, 28), CANDIDATE),
        (AN, D(2015, 3, 1), PROBATIONARY),
        (AN, D(2016, 3, 19), PROBATIONARY),
        (AN, D(2016, 3, 20), OFFICIAL),
        (ON_PROBATION, D(2030, 1, 1), PROBATIONARY),
        (LEFT_2020, D(2020, 5, 30), OFFICIAL),
        (LEFT_2020, D(2020, 5, 31), LEFT),
        (LEFT_2020, D(2024, 1, 1), LEFT),
    ],
)
def test_status_on_a_date(dates, day, expected):
    assert status_on(dates, day) == expected


@pytest.mark.parametrize(
    "dates, day, years_months",
    [
        # Party age starts at the decision, not at the ceremony 19 days later.
        (AN, D(2016, 3, 1), (1, 0)),
        (AN, D(2016, 2, 29), (0, 11)),
        (AN, D(2025, 9, 15), (10, 6)),
        (AN, D(2014, 1, 1), (0, 0)),
        # It stops counting when the member leaves.
        (LEFT_2020, D(2025, 9, 15), (5, 2)),
    ],
)
def test_party_age_counts_from_the_admission_decision(dates, day, years_months):
    assert party_age(dates, day) == years_months


@pytest.mark.parametrize(
    "start, end, months",
    [
        (D(2000, 1, 15), D(2000, 2, 14), 0),
        (D(2000, 1, 15), D(2000, 2, 15), 1),
        (D(2000, 1, 15), D(2000, 1, 1), 0),
        (D(2000, 1, 31), D(2000, 3, 31), 2),
    ],
)
def test_months_between_needs_the_day_of_month_reached(start, end, months):
    assert months_between(start, end) == months


@pytest.mark.parametrize(
    "birth, day, age",
    [
        (D(2007, 9, 2), D(2025, 9, 1), 17),
        (D(2007, 9, 2), D(2025, 9, 2), 18),
        (D(1965, 1, 1), D(2025, 1, 1), 60),
    ],
)
def test_age_in_full_years(birth, day, age):
    assert age_on(birth, day) == age
