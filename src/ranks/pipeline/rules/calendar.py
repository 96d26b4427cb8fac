"""Working days (Monday–Friday less Vietnam's public holidays, lunar ones included) and months."""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from functools import lru_cache

import holidays

from ranks.people.status import months_between

__all__ = [
    "add_months",
    "add_working_days",
    "is_working_day",
    "months_between",
    "next_working_day",
    "public_holidays",
    "working_days_between",
]

ONE_DAY = dt.timedelta(days=1)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[dt.date]:
    """Vietnam's public holidays of one year (Tết and Hùng Kings' day included)."""
    return frozenset(holidays.country_holidays("VN", years=year).keys())


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (start itself not counted); n <= 0 gives start."""
    day = start
    while n > 0:
        day += ONE_DAY
        if is_working_day(day):
            n -= 1
    return day


def next_working_day(day: dt.date) -> dt.date:
    """`day` if it is a working day, else the first working day after it: a deadline that falls
    on a weekend or a holiday moves to it."""
    while not is_working_day(day):
        day += ONE_DAY
    return day


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days after `a` up to and including `b`; negative when b is before a.

    So working_days_between(a, add_working_days(a, n)) == n."""
    if b < a:
        return -working_days_between(b, a)
    count = 0
    day = a
    while day < b:
        day += ONE_DAY
        if is_working_day(day):
            count += 1
    return count


def add_months(day: dt.date, n: int) -> dt.date:
    """The same day n months later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + n
    year, month = divmod(index, 12)
    month += 1
    last = _calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))
