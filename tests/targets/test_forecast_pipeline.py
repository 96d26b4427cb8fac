"""The pipeline's forecast on a small hand-made pipeline (targets/conversion.py): candidates now
at each stage, the share admitted from it in the unit's past and the median days it took."""

from __future__ import annotations

import datetime as dt
import statistics

from ranks.access.scope import Scope
from ranks.counters.services import moving
from ranks.org.models import Unit
from ranks.people.models import Person
from ranks.pipeline.models import Candidate, StageEvent
from ranks.targets import forecast as fc
from ranks.targets.conversion import candidates_by_stage, stage_past
from ranks.targets.progress import progress

D = dt.date
FULL = Scope(full=True)
ON = D(2024, 6, 30)

# (person, cell, [(stage, day)]): the past of C2-A, then who is in its pipeline on 30 June 2024.
PAST = [
    ("F-1", [("cell_resolution", D(2022, 3, 1)), ("admission_decision", D(2022, 3, 31))]),
    ("F-2", [("cell_resolution", D(2022, 4, 1)), ("admission_decision", D(2022, 5, 1))]),
    ("F-3", [("cell_resolution", D(2022, 5, 1)), ("admission_decision", D(2022, 6, 20))]),
    ("F-4", [("cell_resolution", D(2022, 6, 1)), ("withdrawn", D(2022, 7, 1))]),
    ("F-5", [("class_passed", D(2022, 1, 10)), ("admission_decision", D(2023, 2, 14))]),
    ("F-6", [("class_passed", D(2022, 2, 10)), ("withdrawn", D(2022, 9, 1))]),
]
NOW = [
    ("N-1", [("class_passed", D(2024, 2, 1)), ("cell_resolution", D(2024, 6, 1))]),
    ("N-2", [("cell_resolution", D(2024, 6, 10))]),
    ("N-3", [("class_passed", D(2024, 5, 1))]),
    ("N-4", [("class_passed", D(2024, 5, 2)), ("withdrawn", D(2024, 6, 1))]),
]


def pipeline(world, rows, cell="C2-A"):
    people = Person.objects.bulk_create(
        Person(person_id=pid, full_name=f"Người {pid}", birth_date=D(2000, 1, 1))
        for pid, _events in rows
    )
    with moving(candidacies=[p.pk for p in people]):  # as an import writes them
        for person, (_pid, events) in zip(people, rows, strict=True):
            found = Candidate.objects.create(
                person=person, cell=Unit.objects.get(code=cell), added_on=events[0][1]
            )
            StageEvent.objects.bulk_create(
                StageEvent(candidate=found, stage=s, date=d, recorded_by="test") for s, d in events
            )


def past_of(stage):
    """The share and the median days from the stage, counted here from PAST itself."""
    took = []
    reached = 0
    for _pid, events in PAST:
        days = dict(events)
        if stage in days:
            reached += 1
            if "admission_decision" in days:
                took.append((days["admission_decision"] - days[stage]).days)
    return len(took) / reached, statistics.median(took)


def test_the_pipeline_forecast_counts_the_stages_that_fit_before_year_end(world):
    pipeline(world, PAST + NOW)
    province = Unit.objects.get(code="P")
    past = stage_past(province.pk, ON)
    share, median = past_of("cell_resolution")
    assert (past["cell_resolution"].share, past["cell_resolution"].median_days) == (share, median)
    class_share, class_median = past_of("class_passed")
    assert past["class_passed"].share == class_share
    assert past["class_passed"].median_days == class_median > (D(2024, 12, 31) - ON).days
    # On 30 June: two at the cell's resolution, one with the class passed (the other withdrew).
    assert candidates_by_stage([province.pk], ON)[province.pk] == {
        "cell_resolution": 2,
        "class_passed": 1,
    }
    p = progress(scope=FULL, unit=province, on=ON, pipeline=True)
    by = {s.stage: s for s in p.outlook}
    assert by["cell_resolution"].fits and by["cell_resolution"].expected == round(2 * share, 1)
    assert not by["class_passed"].fits and by["class_passed"].expected == 0
    assert p.unit.forecast_pipeline == p.unit.actual + round(2 * share, 1)
    # The cell itself reads the same pipeline; the other district has none.
    rows = {r.code: r for r in p.rows}
    assert rows["C2-A"].forecast_pipeline == p.unit.forecast_pipeline
    assert rows["D1"].forecast_pipeline == rows["D1"].actual
    # Not asked for: not counted.
    assert progress(scope=FULL, unit=province, on=ON).unit.forecast_pipeline is None


def test_the_past_is_read_as_it_was_known_on_the_day(world):
    pipeline(world, PAST)
    province = Unit.objects.get(code="P")
    # On 1 February 2023 only F-5 had passed its class a year before, and its admission of
    # 14 February was still to come; the resolutions of 2022 were less than a year old.
    early = stage_past(province.pk, D(2023, 2, 1))
    assert early.keys() == {"class_passed"}
    assert (early["class_passed"].reached, early["class_passed"].admitted) == (1, 0)
    later = stage_past(province.pk, D(2023, 3, 1))
    assert (later["class_passed"].reached, later["class_passed"].admitted) == (2, 1)
    assert stage_past(province.pk, D(2022, 12, 31)) == {}


def test_the_pipeline_reads_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    pipeline(world, PAST + NOW)
    province = Unit.objects.get(code="P")
    with django_assert_max_num_queries(6):
        p = progress(scope=FULL, unit=province, on=ON, pipeline=True)
    assert p.outlook
    assert fc.range_status(None, 0, 1) == p.unit.status  # no target
