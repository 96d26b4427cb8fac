"""Pure: a member's status on a date and party age, from the membership's dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CANDIDATE = "none"
PROBATIONARY = "probationary"
OFFICIAL = "official"
LEFT = "left"


@dataclass(frozen=True)
class MembershipDates:
    admission_decision_date: dt.date
    ceremony_date: dt.date | None = None
    official_date: dt.date | None = None
    left_date: dt.date | None = None


def status_on(m: MembershipDates, day: dt.date) -> str:
    """Official from the official date; probationary from the admission decision until then."""
    if m.left_date is not None and m.left_date <= day:
        return LEFT
    if m.official_date is not None and m.official_date <= day:
        return OFFICIAL
    if m.admission_decision_date <= day:
        return PROBATIONARY
    return CANDIDATE


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from start to end (the day of month must be reached)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def party_age(m: MembershipDates, day: dt.date) -> tuple[int, int]:
    """(years, months) of party age on `day`, counted from the admission decision date (R13)."""
    end = min(day, m.left_date) if m.left_date else day
    if end < m.admission_decision_date:
        return (0, 0)
    months = months_between(m.admission_decision_date, end)
    return divmod(months, 12)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Full years of age on `day`."""
    return months_between(birth_date, day) // 12
