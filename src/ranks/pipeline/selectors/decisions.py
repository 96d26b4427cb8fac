"""Who decides a candidate's admission (R18), and the files awaiting a committee's decision.

The competent committee is read from the dated tree on the day (`org.selectors.competent_for`):
files in progress follow a `can_admit` change or a restructure by themselves; when the committee
changed while a file was in progress (from its admission vote), the change is said."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from ranks.access.scope import Scope
from ranks.org.models import Unit
from ranks.org.selectors import (
    Competent,
    CompetentChange,
    competent_changes,
    competent_for,
    competent_with_changes,
)
from ranks.pipeline.due import DueItem, due_candidates, due_items
from ranks.pipeline.models import Candidate, Stage, StageEvent


def _vote_day(candidate: Candidate, day: dt.date) -> dt.date | None:
    """The day of the latest admission vote on or before `day` (a vote after a ceremony is a
    recognition vote, not the start of a file awaiting a decision)."""
    events = [e for e in candidate.events.all() if e.date <= day]
    ceremony = min((e.date for e in events if e.stage == Stage.CEREMONY), default=None)
    votes = [
        e.date
        for e in events
        if e.stage == Stage.CELL_RESOLUTION and (ceremony is None or e.date < ceremony)
    ]
    return max(votes, default=None)


@dataclass(frozen=True)
class CandidateCommittee:
    """What the candidate's page says of who decides: the competent committee on the day, its
    last change while the file was in progress, and the decision recorded (its committee, and
    the exception's reason when another unit decided)."""

    competent: Competent | None
    change: CompetentChange | None
    decision: StageEvent | None  # its committee is named in the timeline


def candidate_committee(candidate: Candidate, day: dt.date) -> CandidateCommittee:
    """From a candidacy read with its events (`candidate_or_404`): five queries (two more for
    each day the tree above the cell changed in the meantime), whatever the size of the cell
    or of the tree above it. The file is in progress from its admission vote, or before the
    vote from its entry on the source list."""
    decision = max(
        (
            e
            for e in candidate.events.all()
            if e.stage == Stage.ADMISSION_DECISION and e.date <= day
        ),
        key=lambda e: (e.date, e.pk),
        default=None,
    )
    on = decision.date if decision is not None else day
    # In progress from the admission vote; before it, from the entry on the source list.
    start = _vote_day(candidate, on) or candidate.added_on
    if start >= on:
        return CandidateCommittee(
            competent_for([candidate.cell], on)[candidate.cell_id], None, decision
        )
    competent, changes = competent_with_changes({candidate.pk: (candidate.cell, start)}, on)
    return CandidateCommittee(competent[candidate.cell_id], changes.get(candidate.pk), decision)


@dataclass(frozen=True)
class AwaitingDecision:
    """A file awaiting the committee's decision: its R8 deadline (the due list's item) and
    the change of competent committee while it was waiting, if any."""

    item: DueItem
    change: CompetentChange | None

    def as_dict(self) -> dict[str, object]:
        found = self.item.as_dict()
        found["committee_since"] = self.change.since.isoformat() if self.change else None
        found["committee_was"] = self.change.was.code if self.change and self.change.was else None
        return found


def decisions_awaiting(*, scope: Scope, unit: Unit, on: dt.date) -> list[AwaitingDecision]:
    """The files `unit` must decide on `on`: candidates in its subtree and in `scope` whose
    admission vote is recorded and no admission decision yet, in the cells it is competent for
    that day, with their R8 deadlines, nearest first (overdue first). SQL picks the candidates
    (never the members); the competent committee is read once per cell."""
    voted = StageEvent.objects.filter(
        candidate=OuterRef("pk"), stage=Stage.CELL_RESOLUTION, date__lte=on
    )
    decided = StageEvent.objects.filter(
        candidate=OuterRef("pk"), stage__in=(Stage.ADMISSION_DECISION, Stage.CEREMONY), date__lte=on
    )
    candidates = list(
        due_candidates(scope=scope, unit=unit, on=on)
        .filter(Exists(voted))
        .exclude(Exists(decided))
        .order_by("id")
    )
    if not candidates:
        return []
    cells = {c.cell_id: c.cell for c in candidates}
    competent = competent_for(cells.values(), on)
    mine = [c for c in candidates if (found := competent[c.cell_id]) and found.code == unit.code]
    starts: dict[int, tuple[Unit, dt.date]] = {}
    for c in mine:
        vote = _vote_day(c, on)
        if vote is not None and vote < on:
            starts[c.pk] = (c.cell, vote)
    changes = competent_changes(starts, on)
    by_person = {c.person.person_id: c.pk for c in mine}
    return [
        AwaitingDecision(item, changes.get(by_person[item.person_id]))
        for item in due_items(mine, on, rule="R8")
    ]
