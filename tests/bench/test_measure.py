"""The one timing helper of the benchmarks: how often it runs an operation and what it reports."""

import pytest
from benchmarks.measure import database_facts, machine_facts, timed

from ranks.org.models import Unit


def test_it_warms_up_then_times_each_run():
    calls = []
    timing = timed(lambda: calls.append(1) or len(calls), runs=5, warmups=2)

    assert len(calls) == 7
    assert timing.result == 2  # what the last warm-up returned
    assert len(timing.times_ms) == 5
    assert timing.min_ms <= timing.median_ms <= timing.p90_ms <= max(timing.times_ms)
    assert timing.queries is None


def test_it_refuses_no_run():
    with pytest.raises(ValueError):
        timed(lambda: None, runs=0)


@pytest.mark.django_db
def test_it_counts_the_queries_of_the_first_warm_up_only():
    def two_queries():
        Unit.objects.count()
        return Unit.objects.exists()

    timing = timed(two_queries, runs=3, warmups=2, count_queries=True)

    assert timing.queries == 2
    assert timing.result is False


@pytest.mark.django_db
def test_it_names_the_database_and_the_machine():
    assert database_facts().split()[0] in ("SQLite", "PostgreSQL")
    assert machine_facts().startswith("Python 3.11")
