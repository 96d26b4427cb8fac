"""Where candidacies stand: stage, side state and pending handover, and `standing` for a list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from ranks.core.clock import today
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


def _order() -> Case:
    """The order of events of one day, as `rules.state_on` counts them (§5, then side states)."""
    return Case(
        *(When(stage=s, then=Value(i)) for i, s in enumerate(timeline.MAIN + timeline.SIDE)),
        default=Value(len(timeline.MAIN + timeline.SIDE)),
        output_field=IntegerField(),
    )


def _last(day: dt.date, stages: Iterable[str], column: str) -> Subquery:
    """The `column` of a candidacy's last event among `stages` by `day`, in the order they count."""
    events = StageEvent.objects.filter(
        candidate_id=OuterRef("pk"), date__lte=day, stage__in=stages
    ).annotate(order=_order())
    return Subquery(events.order_by("-date", "-order").values(column)[:1])


def standing(candidates: QuerySet[Candidate], day: dt.date) -> QuerySet[Candidate]:
    """The candidacies annotated with where they stand on `day`, read in the database as
    `rules.state_on` reads them: `stage_on`, the last main stage recorded by then (two on one day
    in §5 order; `identified` for none), and `side_on`, the last side state begun by then unless
    an event after it ended it (None: none in force). So a list can be filtered and paginated
    without reading every candidacy's events."""
    begins = sorted(timeline.BEGINS)
    candidates = candidates.annotate(
        stage_on=Coalesce(_last(day, timeline.MAIN, "stage"), Value(timeline.IDENTIFIED)),
        side_began=_last(day, begins, "stage"),
        side_date=_last(day, begins, "date"),
        side_order=_last(day, begins, "order"),
    )
    ended = Q()
    for ending, sides in timeline.ENDS.items():
        for side in sides:
            later = StageEvent.objects.annotate(order=_order()).filter(
                Q(date__gt=OuterRef("side_date"))
                | Q(date=OuterRef("side_date"), order__gt=OuterRef("side_order")),
                candidate_id=OuterRef("pk"),
                date__lte=day,
                stage=ending,
            )
            ended |= Q(Exists(later), side_began=side)
    return candidates.annotate(side_on=Case(When(ended, then=Value(None)), default=F("side_began")))
