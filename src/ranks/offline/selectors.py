"""What the offline recording page of a cell holds: the candidates a secretary records steps of,
each with the version of its record (its basis), the cell's members, and the places a new person
may live at. A fixed number of queries whatever the cell's size; the page is one cell's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ranks.access.scope import Scope
from ranks.core.collation import person_order
from ranks.org.models import Unit
from ranks.people.selectors import (
    absence_bases,
    absence_open_for,
    cell_members_on,
    places_offered,
)
from ranks.pipeline.models import Candidate
from ranks.pipeline.selectors import candidate_bases
from ranks.pipeline.stages import Stage

# The steps a cell's secretary records at the cell, in the order of the pipeline (DESIGN.md §5):
# the class, the introducers, the dossier, the comments, the vote, the ceremony; and a candidate
# who leaves to work away or comes back.
OFFLINE_STAGES: tuple[str, ...] = (
    Stage.CLASS_PASSED,
    Stage.INTRODUCERS_ASSIGNED,
    Stage.DOSSIER_PREPARED,
    Stage.COMMENTS_COLLECTED,
    Stage.CELL_RESOLUTION,
    Stage.CEREMONY,
    Stage.WORKING_AWAY,
    Stage.RETURNED,
)
# Candidacies whose steps are no longer the cell's to record.
_CLOSED_STAGES = (Stage.OFFICIAL, Stage.REMOVED)
_CLOSED_SIDES = (Stage.WITHDRAWN, Stage.INELIGIBLE, Stage.HANDED_OVER)


@dataclass(frozen=True)
class KitCandidate:
    person_id: str
    name: str
    stage: str
    side: str
    basis: str


@dataclass(frozen=True)
class KitMember:
    person_id: str
    name: str
    away: bool
    basis: str


@dataclass(frozen=True)
class RecordKit:
    candidates: list[KitCandidate]
    members: list[tuple[str, str]]
    places: list[tuple[str, str]]
    members_away: list[KitMember]


def record_kit(*, officer: Scope, cell: Unit, day: dt.date) -> RecordKit:
    """The candidates in progress in `cell` (by name, in Vietnamese order), the members present
    on `day` (with whether each is working away, and the basis of their absences) and the places
    offered to a new person. Seven queries."""
    rows = list(
        Candidate.objects.filter(cell=cell)
        .exclude(stage_now__in=_CLOSED_STAGES)
        .exclude(side_now__in=_CLOSED_SIDES)
        .select_related("person")
        .order_by(*person_order("person__"))
    )
    bases = candidate_bases([c.pk for c in rows])
    candidates = [
        KitCandidate(
            person_id=c.person.person_id,
            name=c.person.full_name,
            stage=c.stage_now,
            side=c.side_now,
            basis=bases.get(c.pk, ""),
        )
        for c in rows
    ]
    members = [(p.person.person_id, p.person.full_name) for p in cell_members_on(cell.pk, day)]
    ids = [pid for pid, _name in members]
    away = absence_open_for(ids)
    absence = absence_bases(ids)
    places = places_offered(scope=officer, unit=cell, day=day)
    return RecordKit(
        candidates=candidates,
        members=members,
        places=places,
        members_away=[
            KitMember(person_id=pid, name=name, away=pid in away, basis=absence[pid])
            for pid, name in members
        ],
    )
