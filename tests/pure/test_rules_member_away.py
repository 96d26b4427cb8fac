"""R15 for a party member working away: the yearly comment is due twelve months after the start
or the last comment, on the working-day calendar (a deadline on a weekend or a holiday moves to
the next working day), cited to 213-QĐ/TW."""

import datetime as dt

import pytest

from ranks.pipeline.rules import BLOCKED, OK, WARNING, add_months, member_away_comment, rules_on
from ranks.pipeline.rules.calendar import is_working_day, public_holidays

D = dt.date


@pytest.mark.parametrize(
    ("since", "last", "deadline"),
    [
        # Twelve months on is a Wednesday: it stays.
        pytest.param(D(2025, 3, 4), None, D(2026, 3, 4), id="working-day"),
        # Twelve months on is Sunday 1 March 2026: Monday 2 March.
        pytest.param(D(2025, 3, 1), None, D(2026, 3, 2), id="sunday"),
        # Twelve months after the last comment is National Day (2 September 2026, with the 1st
        # a holiday too): Thursday 3 September.
        pytest.param(D(2024, 6, 1), D(2025, 9, 2), D(2026, 9, 3), id="national-day"),
        # Tết 2026 (16–20 February): Monday 23 February.
        pytest.param(D(2025, 2, 17), None, D(2026, 2, 23), id="tet"),
    ],
)
def test_the_deadline_on_the_working_day_calendar(since, last, deadline):
    finding = member_away_comment(since, last, D(2025, 12, 1))
    assert finding.date == deadline
    assert finding.params == {"deadline": deadline, "since": since}
    # Moved only over days that are no working day, and onto one.
    start = add_months(last or since, 12)
    assert is_working_day(deadline)
    skipped = [start + dt.timedelta(days=n) for n in range((deadline - start).days)]
    assert all(not is_working_day(day) for day in skipped)
    assert any(day in public_holidays(day.year) for day in skipped) or all(
        day.weekday() >= 5 for day in skipped
    )


def test_the_value_and_its_citation_are_the_candidates():
    finding = member_away_comment(D(2025, 3, 4), None, D(2025, 12, 1))
    source = rules_on(D(2025, 3, 4)).source("working_away_comment_months")
    assert (finding.rule, finding.document, finding.clause) == ("R15", source.document, "Art. 5")
    assert finding.code == "due_member_away_comment"


def test_a_comment_restarts_the_year_and_an_older_one_does_not():
    since = D(2025, 3, 4)
    assert member_away_comment(since, D(2025, 11, 3), since).date == D(2026, 11, 3)
    # A comment dated before the start (kept from an earlier time away) counts from the start.
    assert member_away_comment(since, D(2024, 1, 1), since).date == D(2026, 3, 4)


def test_status_ok_then_due_soon_then_overdue():
    since = D(2025, 3, 4)
    assert member_away_comment(since, None, D(2025, 12, 1)).status == OK
    assert member_away_comment(since, None, D(2026, 3, 2)).status == WARNING
    assert member_away_comment(since, None, D(2026, 3, 4)).status == WARNING
    assert member_away_comment(since, None, D(2026, 3, 5)).status == BLOCKED
