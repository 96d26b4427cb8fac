"""The dashboard shows the forecast and its range: the figures, the whisker on the chart, the
signals in words, the status from the range, and the pipeline's words kept under their own
generation (a candidate changes them, not the kept body)."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ranks.access.scope import Scope
from ranks.core.actor import SYSTEM
from ranks.org.models import Unit
from ranks.targets import forecast as fc
from ranks.targets.progress import progress
from ranks.targets.services import target_set
from tests.targets.test_dashboard import MID_YEAR, ON, figure, signed_in
from tests.targets.test_dashboard import n1 as n1  # noqa: F401 - the fixture
from tests.targets.test_forecast_pipeline import pipeline

URL = f"/units/N1/dashboard/{ON}"
D = dt.date
# C1-A's past (two of three cell resolutions admitted, 30 and 50 days later) and, on 30 June,
# two candidates at the cell's resolution.
PAST = [
    ("T-1", [("cell_resolution", D(2023, 3, 1)), ("admission_decision", D(2023, 3, 31))]),
    ("T-2", [("cell_resolution", D(2023, 4, 1)), ("admission_decision", D(2023, 5, 21))]),
    ("T-3", [("cell_resolution", D(2023, 5, 1)), ("withdrawn", D(2023, 7, 1))]),
]
NOW = [
    ("T-4", [("cell_resolution", D(2026, 6, 1))]),
    ("T-5", [("cell_resolution", D(2026, 6, 2))]),
]


def read(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_dashboard_shows_the_forecast_its_range_and_why(client, n1):  # noqa: F811
    signed_in(client, "alice")
    text, _ = read(client)
    head = progress(scope=Scope(full=True), unit=Unit.objects.get(code="N1"), on=MID_YEAR).unit
    assert figure(text, "forecast-point") == str(round(head.forecast))
    assert figure(text, "forecast-low") == str(round(head.forecast_low))
    assert figure(text, "forecast-high") == str(round(head.forecast_high))
    assert 'data-test="chart-forecast"' in text
    assert f'data-low="{round(head.forecast_low)}"' in text
    # N1 opened on 1 July 2025: no past year of its own, and no unit above it.
    assert head.forecast_basis == fc.LINEAR
    assert "Past years: none to go by, so an even pace through the year" in text
    # Its status comes from the range: 12 is above the high end of 3 by June.
    status = fc.range_status(12, head.forecast_low, head.forecast_high)
    assert f'data-status="{status}"' in text
    assert "On track when the low end reaches the target" in text
    # The screen reader's table says it too.
    assert figure(text, "chart-forecast-text").startswith("Forecast for 31 December:")
    assert "No candidates are on their way." in text


def test_the_pipelines_words_follow_a_new_candidate_and_the_body_stays_kept(
    client,
    n1,  # noqa: F811
):
    pipeline(n1, PAST, cell="C1-A")
    signed_in(client, "alice")
    _text, counted = read(client)
    pipeline(n1, NOW, cell="C1-A")
    text, kept = read(client)
    assert kept < counted / 2  # the body was kept; only the pipeline's words were counted
    # Two at the cell's resolution, two in three admitted from it before, in 40 days at the
    # median: 3 admitted so far + 2 × 2/3.
    assert "From the pipeline: 4." in text
    assert 'data-test="pipeline-cell_resolution"' in text
    assert figure(text, "actual") == "3"


def test_the_past_from_each_stage_is_read_again_only_when_the_admissions_change(
    client,
    n1,  # noqa: F811
):
    """The candidates at each stage follow every change; the unit's past from each stage (its
    events of the last years, the costly read) is kept until an admission or a target changes
    the admissions' generation."""

    def past_read(queries) -> bool:
        return any("WITH cands AS" in q["sql"] for q in queries.captured_queries)

    pipeline(n1, PAST, cell="C1-A")
    pipeline(n1, NOW[:1], cell="C1-A")
    signed_in(client, "alice")
    with CaptureQueriesContext(connection) as queries:
        client.get(URL)
    assert past_read(queries)
    pipeline(n1, NOW[1:], cell="C1-A")
    with CaptureQueriesContext(connection) as queries:
        text = client.get(URL).content.decode()
    assert not past_read(queries)
    assert "From the pipeline: 4." in text  # both candidates counted, the past as before
    target_set(actor=SYSTEM, unit_code="N1", year=MID_YEAR.year, metric="admissions", value=20)
    with CaptureQueriesContext(connection) as queries:
        client.get(URL)
    assert past_read(queries)
