"""Reads for the pipeline's forecast (signal (b) of `targets.forecast`): the candidates of units
at each stage on a day, from the stage counters, and a unit's past from each stage to the
admission decision, aggregated in the database (a row per stage and number of days)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection

from django.db import connection

from ranks.core.replica import read_connection
from ranks.counters.models import STAGES_BY_SIDE
from ranks.counters.selectors import stages_on
from ranks.org import sql
from ranks.pipeline.models import Candidate, Stage, StageEvent
from ranks.targets.forecast import FORECAST_YEARS, StageOutlook, StagePast, pipeline_outlook

# The stages a candidate can still be admitted from: before the admission decision.
OPEN_STAGES: tuple[str, ...] = STAGES_BY_SIDE[: STAGES_BY_SIDE.index(Stage.ADMISSION_DECISION)]
# Candidates counted as on their way: not withdrawn, not found ineligible, not handed over.
GOING_SIDES = ("active", "working_away", "paused")
# A candidate's past counts once it has had this long to reach admission.
SETTLED_DAYS = 365


def candidates_by_stage(unit_ids: Collection[int], day: dt.date) -> dict[int, dict[str, int]]:
    """For each unit: its candidates on `day` at each stage before the admission decision, still
    on their way. One query over the stage counters (`counters.selectors.stages_on`)."""
    found: dict[int, dict[str, int]] = {}
    for unit_id, counts in stages_on(unit_ids, day).items():
        by = {
            stage: sum(counts.get(f"stage_{stage}_{side}", 0) for side in GOING_SIDES)
            for stage in OPEN_STAGES
        }
        found[unit_id] = {stage: n for stage, n in by.items() if n}
    return found


def _days(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def stage_past(unit_id: int, day: dt.date) -> dict[str, StagePast]:
    """The unit's past from each stage before the admission decision, as known on `day`: the
    candidates of the cells ever below it who reached the stage from 1 January `FORECAST_YEARS`
    years before `day`'s year to `SETTLED_DAYS` before `day`, how many of them had an admission
    decision by `day`, and the days from the stage to it. One grouped query: its rows are the
    stages times the numbers of days, whatever the number of candidates."""
    first = dt.date(day.year - FORECAST_YEARS, 1, 1)
    last = day - dt.timedelta(days=SETTLED_DAYS)
    if last < first:
        return {}
    # The cells as a list computed first (`org.sql.first`): PostgreSQL then reads the
    # candidates through their cell's index, not the country's.
    cells, params = sql.subtree_ever_ids([unit_id])
    events, candidates = StageEvent._meta.db_table, Candidate._meta.db_table
    stages = ", ".join(["%s"] * len(OPEN_STAGES))
    days = _days("a.day", "r.day")
    query = (
        f"WITH cands AS (SELECT id FROM {candidates} WHERE cell_id IN ({cells})),"
        f" reached AS (SELECT e.candidate_id, e.stage, MIN(e.date) AS day FROM {events} e"
        f" WHERE e.candidate_id IN (SELECT id FROM cands) AND e.stage IN ({stages})"
        " AND e.date >= %s AND e.date <= %s GROUP BY e.candidate_id, e.stage),"
        f" admitted AS (SELECT e.candidate_id, MIN(e.date) AS day FROM {events} e"
        " WHERE e.candidate_id IN (SELECT id FROM cands) AND e.stage = %s AND e.date <= %s"
        " GROUP BY e.candidate_id)"
        f" SELECT r.stage, {days}, COUNT(*) FROM reached r"
        " LEFT JOIN admitted a ON a.candidate_id = r.candidate_id AND a.day >= r.day"
        f" GROUP BY r.stage, {days}"
    )

    def param(d: dt.date) -> dt.date | str:
        return d.isoformat() if connection.vendor == "sqlite" else d

    with read_connection().cursor() as cursor:
        cursor.execute(
            query,
            [
                *params,
                *OPEN_STAGES,
                param(first),
                param(last),
                Stage.ADMISSION_DECISION.value,
                param(day),
            ],
        )
        rows = cursor.fetchall()
    reached: dict[str, int] = defaultdict(int)
    admitted: dict[str, int] = defaultdict(int)
    took: dict[str, dict[int, int]] = defaultdict(dict)
    for stage, gap, count in rows:
        reached[stage] += count
        if gap is not None:
            admitted[stage] += count
            took[stage][int(gap)] = took[stage].get(int(gap), 0) + count
    return {s: StagePast(reached[s], admitted[s], dict(took[s])) for s in reached}


def unit_outlook(unit_id: int, day: dt.date) -> tuple[StageOutlook, ...]:
    """The pipeline's signal for one unit on `day`: its candidates at each stage and its past
    from each (two queries)."""
    now = candidates_by_stage([unit_id], day).get(unit_id, {})
    return pipeline_outlook(day, now, stage_past(unit_id, day) if now else {})
