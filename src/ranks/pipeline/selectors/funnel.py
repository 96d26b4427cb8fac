"""The pipeline funnel of a unit over a period: entries into each stage, conversion to the next,
days in each stage (median and 90th percentile), and the candidates stuck longer than usual.

The figures are one grouped query over the stage events of the candidacies of the cells below
the unit on the period's last day (in the user's scope, as the source list shows them); the
percentiles are read in Python from the histogram of whole days the query returns
(`rules.funnel`). The stuck candidates are a page of the source list's query, filtered in the
database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL

from ranks.org import sql
from ranks.org.models import Unit
from ranks.org.selectors import unit_names_on, unit_version_nearest
from ranks.pipeline.models import Candidate, StageEvent
from ranks.pipeline.rules.funnel import FUNNEL_STAGES, StageFigures, Tally, stage_figures
from ranks.pipeline.selectors.source_list import PAGE_SIZE, source_list_asked
from ranks.pipeline.stages import SourceGroup

if TYPE_CHECKING:
    from ranks.access.scope import Scope

NO_GROUP = ""  # a candidacy with no source group recorded
STUCK_REPORT_LIMIT = 5000  # stuck candidates a report lists; the page shows them all, paged


@dataclass(frozen=True)
class Funnel:
    """The funnel of a unit over a period, for one source group or all (`group` empty)."""

    unit_code: str
    unit_name: str
    start: dt.date
    end: dt.date
    group: str
    stages: tuple[StageFigures, ...]
    # Every source group with an entry in the period (NO_GROUP for none recorded), in the order
    # of the choices, each with its own stages' figures: conversion side by side.
    by_group: tuple[tuple[str, tuple[StageFigures, ...]], ...]
    # The unit's usual time in each stage (its 90th percentile over the period, every group):
    # a candidate in the stage longer than this is stuck. A stage no stay ended in has none.
    usual: dict[str, int]


@dataclass(frozen=True)
class StuckRow:
    person_id: str
    full_name: str
    cell_code: str
    cell_name: str
    source_group: str
    stage: str
    since: dt.date
    days: int
    usual_days: int


@dataclass(frozen=True)
class Stuck:
    rows: list[StuckRow]
    total: int
    page: Page[dict[str, Any]] | None = None


def _candidacies(*, scope: Scope, unit: Unit, end: dt.date) -> QuerySet[Candidate]:
    """The candidacies of the cells below `unit` on `end` in `scope` (the source list's rule)."""
    return scope.units(
        Candidate.objects.filter(
            cell_id__in=RawSQL(*sql.subtree_on_ids([unit.pk], end)), added_on__lte=end
        ),
        "cell",
    )


def _days_between(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _tallies(*, scope: Scope, unit: Unit, start: dt.date, end: dt.date) -> list[Tally]:
    """One query: the first day each candidacy entered each funnel stage by `end`; the next
    stage entered after it (a stay's end, events of one day in §5 order); whether a later
    stage was reached by `end`; grouped and counted."""
    candidacies = (
        _candidacies(scope=scope, unit=unit, end=end).values("id", "source_group").order_by()
    )
    cand_sql, cand_params = candidacies.query.sql_with_params()
    events = StageEvent._meta.db_table
    stages = ", ".join(["%s"] * len(FUNNEL_STAGES))
    rank = " ".join(f"WHEN %s THEN {i}" for i in range(len(FUNNEL_STAGES)))
    s, e = sql.date_param(start), sql.date_param(end)
    query = (
        f"WITH cand AS ({cand_sql}),"
        f" firsts AS (SELECT c.id AS cid, c.source_group AS grp, x.stage AS stage,"
        f" MIN(x.date) AS d FROM cand c JOIN {events} x ON x.candidate_id = c.id"
        f" WHERE x.stage IN ({stages}) AND x.date <= %s"
        f" GROUP BY c.id, c.source_group, x.stage),"
        f" ranked AS (SELECT cid, grp, stage, d, CASE stage {rank} END AS rk FROM firsts),"
        f" walked AS (SELECT cid, grp, stage, d, rk,"
        f" LEAD(d) OVER (PARTITION BY cid ORDER BY d, rk) AS next_d,"
        f" MAX(rk) OVER (PARTITION BY cid) AS top_rk FROM ranked)"
        f" SELECT stage, grp, entered, moved, days, COUNT(*) FROM ("
        f"SELECT stage, grp,"
        f" CASE WHEN d >= %s THEN 1 ELSE 0 END AS entered,"
        f" CASE WHEN top_rk > rk THEN 1 ELSE 0 END AS moved,"
        f" CASE WHEN next_d >= %s THEN {_days_between('next_d', 'd')} END AS days"
        f" FROM walked WHERE d >= %s OR next_d >= %s) t"
        f" GROUP BY stage, grp, entered, moved, days"
    )
    params = [
        *cand_params,
        *FUNNEL_STAGES,
        e,
        *FUNNEL_STAGES,
        s,
        s,
        s,
        s,
    ]
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return [
            Tally(
                stage=stage,
                group=group or NO_GROUP,
                entered=bool(entered),
                moved_on=bool(moved),
                days=None if days is None else int(days),
                count=int(n),
            )
            for stage, group, entered, moved, days, n in cursor.fetchall()
        ]


def funnel_of(*, scope: Scope, unit: Unit, start: dt.date, end: dt.date, group: str = "") -> Funnel:
    """The funnel of `unit` from `start` to `end` (both included), of one source group or all.

    Entered: candidacies whose first event of the stage falls in the period. Went further: of
    those, the ones with an event of a later stage (removal aside) by `end`. Days in a stage:
    from its first day to the first event of another stage after it, for the stays that ended
    in the period. The cost is one query grouped in the database, whatever the members below."""
    tallies = _tallies(scope=scope, unit=unit, start=start, end=end)
    everyone = stage_figures(tallies)
    present = {t.group for t in tallies if t.entered}
    order = [*SourceGroup.values, NO_GROUP]
    by_group = tuple(
        (g, stage_figures(tallies, {g}))
        for g in order + sorted(present - set(order))
        if g in present
    )
    version = unit_version_nearest(unit, end)
    return Funnel(
        unit_code=unit.code,
        unit_name=version.name if version else unit.code,
        start=start,
        end=end,
        group=group,
        stages=stage_figures(tallies, {group}) if group else everyone,
        by_group=by_group,
        usual={f.stage: f.usual_days for f in everyone if f.usual_days is not None},
    )


def _stuck_query(
    *, scope: Scope, unit: Unit, end: dt.date, usual: dict[str, int], group: str
) -> QuerySet[Candidate] | None:
    """The active candidacies (no side state, not yet admitted or removed) standing on `end` in
    a stage for longer than the unit's usual time there; None when no stage has one."""
    stuck = Q()
    for stage, days in usual.items():
        if stage not in FUNNEL_STAGES[:-2]:  # the ceremony and recognition follow admission
            continue
        cutoff = end - dt.timedelta(days=days)
        entered_before = StageEvent.objects.filter(
            candidate=OuterRef("pk"), stage=stage, date__lt=cutoff
        )
        stuck |= Q(Exists(entered_before), stage_on=stage)
    if not stuck:
        return None
    listed = source_list_asked(
        scope=scope, unit=unit, day=end, group=group, state_key="active"
    ).prefetch_related(None)  # values are read, not candidacies
    since = (
        StageEvent.objects.filter(candidate=OuterRef("pk"), stage=OuterRef("stage_on"))
        .filter(date__lte=end)
        .order_by("date")
        .values("date")[:1]
    )
    return listed.filter(stuck).annotate(since=Subquery(since))


def _stuck_rows(
    values: list[dict[str, Any]], *, end: dt.date, usual: dict[str, int]
) -> list[StuckRow]:
    names = unit_names_on(unit_ids={v["cell_id"] for v in values}, day=end)
    return [
        StuckRow(
            person_id=v["person__person_id"],
            full_name=v["person__full_name"],
            cell_code=v["cell__code"],
            cell_name=names.get(v["cell_id"], v["cell__code"]),
            source_group=v["source_group"],
            stage=v["stage_on"],
            since=v["since"],
            days=(end - v["since"]).days,
            usual_days=usual[v["stage_on"]],
        )
        for v in values
    ]


STUCK_FIELDS = (
    "person__person_id",
    "person__full_name",
    "cell_id",
    "cell__code",
    "source_group",
    "stage_on",
    "since",
)


def funnel_stuck(
    *,
    scope: Scope,
    unit: Unit,
    funnel: Funnel,
    page_number: str | int | None = None,
    limit: int | None = None,
) -> Stuck:
    """The candidates of `funnel` stuck on its last day, by name: one page of them (the source
    list's size), or the first `limit` when a limit is given (a report)."""
    query = _stuck_query(
        scope=scope, unit=unit, end=funnel.end, usual=funnel.usual, group=funnel.group
    )
    if query is None:
        return Stuck(rows=[], total=0)
    # `stage_on` and `since` are annotations of the query.
    values = query.values(*STUCK_FIELDS)
    if limit is not None:
        found = list(values[: limit + 1])
        total = len(found) if len(found) <= limit else values.count()
        return Stuck(
            rows=_stuck_rows(found[:limit], end=funnel.end, usual=funnel.usual), total=total
        )
    page = Paginator(values, PAGE_SIZE).get_page(page_number)
    rows = _stuck_rows(list(page.object_list), end=funnel.end, usual=funnel.usual)
    return Stuck(rows=rows, total=page.paginator.count, page=page)
