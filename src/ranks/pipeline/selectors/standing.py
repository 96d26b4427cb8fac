"""Where candidacies stand: stage, side state and pending handover, and `standing` for a list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import CharField, QuerySet
from django.db.models.expressions import RawSQL

from ranks.core.clock import today
from ranks.org import sql
from ranks.pipeline import rules
from ranks.pipeline.models import Candidate, Stage, StageEvent
from ranks.pipeline.rules import timeline


def candidate_state(candidate: Candidate, on: dt.date | None = None) -> rules.State:
    """The current stage, side state and time in each stage on `on` (today by default).

    Reads `candidate.events.all()`, so a prefetch saves the query."""
    day = on or today()
    return rules.state_on(((e.stage, e.date) for e in candidate.events.all()), day)


def candidate_current_stage(candidate: Candidate, on: dt.date | None = None) -> str:
    """The stage of the latest dated main-stage event; two on one date count in §5 order."""
    return candidate_state(candidate, on).stage


def handover_pending(*, candidate: Candidate, day: dt.date) -> StageEvent | None:
    """The handover of `candidate` still waiting for the receiving side's answer on `day`, if any:
    its latest by then, while the candidacy stands handed over.

    Reads `candidate.events.all()`, so a prefetch saves the query."""
    if candidate_state(candidate, day).side != Stage.HANDED_OVER:
        return None
    handovers = [
        e for e in candidate.events.all() if e.stage == Stage.HANDED_OVER and e.date <= day
    ]
    return max(handovers, key=lambda e: (e.date, e.pk)) if handovers else None


def _order_sql(alias: str) -> tuple[str, list[str]]:
    """The order of an event (as `alias`) among those of its day, as `rules.state_on` counts
    them (§5, then side states): a CASE over the stages."""
    stages = timeline.MAIN + timeline.SIDE
    whens = " ".join(f"WHEN {alias}.stage = %s THEN {i}" for i in range(len(stages)))
    return f"CASE {whens} ELSE {len(stages)} END", list(stages)


def _in(values: Iterable[str]) -> tuple[str, list[str]]:
    found = list(values)
    return ", ".join(["%s"] * len(found)), found


def standing(candidates: QuerySet[Candidate], day: dt.date) -> QuerySet[Candidate]:
    """The candidacies annotated with where they stand on `day`, read in the database as
    `rules.state_on` reads them: `stage_on`, the last main stage recorded by then (two on one day
    in §5 order; `identified` for none), and `side_on`, the last side state begun by then unless
    an event after it ended it (None: none in force). So a list can be filtered and paginated
    without reading every candidacy's events.

    Two correlated sub-selects of hand-written SQL, the same on SQLite and PostgreSQL: built with
    the ORM's expressions, the side state's date and order were written out again inside each
    check of an ending event, and the statement took 0.1 s to compile and ran to 40 KB."""
    events = StageEvent._meta.db_table
    outer = f'"{Candidate._meta.db_table}"."id"'
    d = sql.date_param(day)
    order_e, order_e_params = _order_sql("e")
    order_x, order_x_params = _order_sql("x")
    main, main_params = _in(timeline.MAIN)
    begins, begins_params = _in(sorted(timeline.BEGINS))
    stage_on = RawSQL(
        f"COALESCE((SELECT e.stage FROM {events} e WHERE e.candidate_id = {outer}"
        f" AND e.date <= %s AND e.stage IN ({main})"
        f" ORDER BY e.date DESC, {order_e} DESC LIMIT 1), %s)",
        [d, *main_params, *order_e_params, timeline.IDENTIFIED],
        output_field=CharField(),
    )
    pairs = [(ending, side) for ending, sides in timeline.ENDS.items() for side in sorted(sides)]
    ends = " OR ".join("(x.stage = %s AND b.stage = %s)" for _ in pairs)
    side_on = RawSQL(
        f"(SELECT CASE WHEN EXISTS (SELECT 1 FROM {events} x WHERE x.candidate_id = b.candidate_id"
        f" AND x.date <= %s AND ({ends})"
        f" AND (x.date > b.date OR (x.date = b.date AND {order_x} > b.ord)))"
        f" THEN NULL ELSE b.stage END"
        f" FROM (SELECT e.candidate_id, e.stage, e.date, {order_e} AS ord FROM {events} e"
        f" WHERE e.candidate_id = {outer} AND e.date <= %s AND e.stage IN ({begins})"
        f" ORDER BY e.date DESC, ord DESC LIMIT 1) b)",
        [
            d,
            *(v for pair in pairs for v in pair),
            *order_x_params,
            *order_e_params,
            d,
            *begins_params,
        ],
        output_field=CharField(),
    )
    return candidates.annotate(stage_on=stage_on, side_on=side_on)
