"""The source list of a unit's cells on a day: a page of the table, or the board by stage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Prefetch, Q, QuerySet, Value, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import NullIf, RowNumber

from ranks.core.clock import today
from ranks.core.collation import person_order
from ranks.counters.models import STANDING_OF_COLUMN
from ranks.counters.selectors import stages_on
from ranks.org import sql
from ranks.org.models import Unit
from ranks.org.selectors import unit_names_on
from ranks.pipeline import rules
from ranks.pipeline.facts_from_records import EVENT_PREFETCH, pipeline_facts, vote_outcome
from ranks.pipeline.models import MAIN_STAGES, Candidate, Stage, StageEvent
from ranks.pipeline.selectors.standing import candidate_state, standing

if TYPE_CHECKING:
    from ranks.access.scope import Scope

PAGE_SIZE = 50  # rows of a source list's page
BOARD_COLUMN_LIMIT = 30  # cards of each stage on the board
MEMBER_STAGES = (Stage.CEREMONY, Stage.OFFICIAL)


@dataclass
class Row:
    """A candidacy on a source list or board: where it stands on the day, and for how long."""

    candidate: Candidate
    state: rules.State
    days: int | None
    cell_name: str = ""
    # The latest vote, when it failed and the candidacy stands at the cell resolution.
    failed_vote: rules.VoteOutcome | None = None
    # The earliest deadline running on the day, as the candidate's page lists its deadlines
    # (`rules.due`); read by `rows_with_deadlines` only.
    next_due: rules.Finding | None = None

    @property
    def stage_on(self) -> str:
        return self.state.stage


@dataclass(frozen=True)
class BoardColumn:
    stage: str
    rows: list[Row]
    count: int


@dataclass(frozen=True)
class SourceList:
    """What a source list shows: a page of the table, or the board's first cards of each stage,
    and how many candidates there are in all."""

    rows: list[Row]
    total: int
    page: Page[Candidate] | None = None
    columns: list[BoardColumn] = field(default_factory=list)


def state_key_of(state: rules.State) -> str:
    """The source list's state key of a candidacy (`stages.STATE_FILTERS`), as
    `_standing_filter` selects it: removed, admitted (member), else its side state or active."""
    if state.stage == Stage.REMOVED:
        return "removed"
    if state.stage in MEMBER_STAGES:
        return "member"
    return state.side or "active"


def _standing_filter(state_key: str) -> Q:
    """The candidacies of one state key (the keys of the counters' `STANDING_OF_COLUMN`), on
    the annotations of `standing`."""
    if state_key == "removed":
        return Q(stage_on=Stage.REMOVED)
    if state_key == "member":
        return Q(stage_on__in=MEMBER_STAGES)
    alone = Q(stage_on__in=[*MEMBER_STAGES, Stage.REMOVED])
    if state_key == "active":
        return Q(side_on__isnull=True) & ~alone
    return Q(side_on=state_key) & ~alone


def _candidates_asked(
    *,
    scope: Scope,
    unit: Unit,
    day: dt.date,
    group: str,
    state_key: str,
    stage: str,
    with_standing: bool,
) -> QuerySet[Candidate]:
    """The candidacies of the cells below `unit` on `day` in `scope`, of one source group, state
    and stage (each, empty: all), annotated with where they stand when `with_standing`."""
    candidates = scope.units(
        Candidate.objects.filter(
            cell_id__in=RawSQL(*sql.subtree_on_ids([unit.pk], day)), added_on__lte=day
        ),
        "cell",
    )
    if group:
        candidates = candidates.filter(source_group=group)
    if with_standing and day >= today():
        # Today (no event is dated in the future): where each stands is kept on the candidacy.
        candidates = candidates.annotate(
            stage_on=F("stage_now"), side_on=NullIf(F("side_now"), Value(""))
        )
    elif with_standing:
        candidates = standing(candidates, day)
    if state_key:
        candidates = candidates.filter(_standing_filter(state_key))
    if stage:
        candidates = candidates.filter(Q(stage_on=stage))
    return candidates.order_by(*person_order("person__"))


def _counted(
    *, scope: Scope, unit: Unit, day: dt.date, group: str, state_key: str, stage: str
) -> dict[str, int] | None:
    """The unit's candidates on `day` by main stage, of one state (or all), from the counters;
    None when they cannot say: a source group is asked, or the user sees only part of the unit."""
    if group:
        return None
    if not (scope.full or scope.units_on(Unit.objects.filter(pk=unit.pk), day).exists()):
        return None
    found = dict.fromkeys(MAIN_STAGES, 0)
    for column, n in stages_on([unit.pk], day).get(unit.pk, {}).items():
        stage_of, state = STANDING_OF_COLUMN[column]
        if not state_key or state == state_key:
            found[stage_of] += n
    if stage:
        return {s: (n if s == stage else 0) for s, n in found.items()}
    return found


def _with_rows(candidates: QuerySet[Candidate]) -> QuerySet[Candidate]:
    """The candidacies with what their rows show: people, cells, events and mentors, read for
    those shown alone."""
    return candidates.select_related("person", "cell").prefetch_related(
        Prefetch(
            "events",
            queryset=StageEvent.objects.only(
                "candidate_id", "stage", "date", "votes_for", "official_members"
            ),
        ),
        "mentors",
    )


def _rows(candidates: Iterable[Candidate], day: dt.date) -> list[Row]:
    """The rows of the candidacies shown, and the names of their cells on `day`: one query."""
    rows = []
    for candidate in candidates:
        state = candidate_state(candidate, day)
        row = Row(candidate, state, state.days_in_stage(day))
        if state.stage == Stage.CELL_RESOLUTION:
            vote = vote_outcome(candidate.events.all(), day)
            row.failed_vote = vote if vote is not None and vote.failed else None
        rows.append(row)
    names = unit_names_on(unit_ids={row.candidate.cell_id for row in rows}, day=day)
    for row in rows:
        row.cell_name = names.get(row.candidate.cell_id, row.candidate.cell.code)
    return rows


def source_list_asked(
    *,
    scope: Scope,
    unit: Unit,
    day: dt.date,
    group: str = "",
    state_key: str = "",
    stage: str = "",
) -> QuerySet[Candidate]:
    """The candidacies of the source list of the cells below `unit` on `day` in `scope`, filtered
    as `candidates_paged` filters them, with what `rows_with_deadlines` reads: the caller orders
    and slices (the API's cursor)."""
    return (
        _candidates_asked(
            scope=scope,
            unit=unit,
            day=day,
            group=group,
            state_key=state_key,
            stage=stage,
            with_standing=bool(state_key or stage),
        )
        .select_related("person", "cell")
        .prefetch_related(*EVENT_PREFETCH, "mentors")
    )


def rows_with_deadlines(candidates: Iterable[Candidate], day: dt.date) -> list[Row]:
    """The rows of the candidacies shown (`_rows`) with each one's earliest deadline on `day`
    (`next_due`), from the deadlines the candidate's page lists (`rules.due`). The candidacies
    come with `EVENT_PREFETCH` (`source_list_asked`): no query more than `_rows`."""
    rows = _rows(candidates, day)
    for row in rows:
        # The deadlines read no area flags (as `due.due_list`): no ancestry query.
        facts = pipeline_facts(row.candidate, day, area_flags=frozenset())
        dated = [f for f in rules.due(facts, day) if f.date is not None]
        row.next_due = min(dated, key=lambda f: (f.date or dt.date.max, f.rule)) if dated else None
    return rows


def candidates_paged(
    *,
    scope: Scope,
    unit: Unit,
    day: dt.date,
    group: str = "",
    state_key: str = "",
    stage: str = "",
    page_number: str | int | None = None,
) -> SourceList:
    """One page of the source list of the cells below `unit` on `day`, filtered and ordered in
    the database (by name), with its events, mentors and cell names read for it alone. The total
    comes from the counters when they can say it (`_counted`), else from a count of the rows."""
    candidates = _candidates_asked(
        scope=scope,
        unit=unit,
        day=day,
        group=group,
        state_key=state_key,
        stage=stage,
        with_standing=bool(state_key or stage),
    )
    counts = _counted(
        scope=scope, unit=unit, day=day, group=group, state_key=state_key, stage=stage
    )
    paginator = Paginator(_with_rows(candidates), PAGE_SIZE)
    if counts is not None:
        paginator.count = sum(counts.values())  # the counters' figure: no count of rows
    page = paginator.get_page(page_number)
    return SourceList(rows=_rows(page.object_list, day), total=paginator.count, page=page)


def candidates_on_board(
    *,
    scope: Scope,
    unit: Unit,
    day: dt.date,
    group: str = "",
    state_key: str = "",
    stage: str = "",
) -> SourceList:
    """The board of the cells below `unit` on `day`: a column per main stage with its count and
    its first `BOARD_COLUMN_LIMIT` candidates by name, picked in the database."""
    candidates = _candidates_asked(
        scope=scope,
        unit=unit,
        day=day,
        group=group,
        state_key=state_key,
        stage=stage,
        with_standing=True,
    )
    counts = _counted(
        scope=scope, unit=unit, day=day, group=group, state_key=state_key, stage=stage
    )
    if counts is None:
        counts = dict.fromkeys(MAIN_STAGES, 0)
        # `stage_on` is annotated by `_candidates_asked`, which the type of the query set omits.
        by_stage = candidates.values("stage_on")  # type: ignore[misc]
        for row in by_stage.annotate(n=Count("pk")).order_by():
            counts[row["stage_on"]] = row["n"]
    # The order's expressions are annotated first: Django's wrapping of a filter on a window
    # (a subquery) loses its columns when they are expressions over a join.
    given, full, person_id = person_order("person__")
    first = (
        candidates.annotate(order_given=given, order_full=full)
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=F("stage_on"),
                order_by=[F("order_given"), F("order_full"), F(person_id)],
            )
        )
        .filter(place__lte=BOARD_COLUMN_LIMIT)
        .order_by("order_given", "order_full", person_id)
    )
    rows = _rows(_with_rows(first), day)
    columns = [
        BoardColumn(stage=s, rows=[row for row in rows if row.stage_on == s], count=counts[s])
        for s in MAIN_STAGES
    ]
    return SourceList(rows=rows, total=sum(counts.values()), columns=columns)
