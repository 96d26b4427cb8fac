"""A date far ahead asks for a trend of thousands of years: the page answers, with the years the
trend can show, instead of failing."""

from ranks.coverage.selectors import TREND_YEARS, coverage_trend
from ranks.org.models import Unit


def test_the_coverage_page_of_a_far_date(client, world):
    client.force_login(world.users["alice"])
    response = client.get("/units/C1/coverage/?on=9998-12-31")
    assert response.status_code == 200


def test_the_trend_holds_at_most_its_years(world):
    import datetime as dt

    trend = coverage_trend(Unit.objects.get(code="C1"), dt.date(9998, 12, 31))
    assert 1 <= len(trend) <= TREND_YEARS
    assert trend[-1].on == dt.date(9998, 12, 31)
