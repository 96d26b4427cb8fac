"""Handovers waiting for the receiving unit's answer, to a unit's subtree and from its cells."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from ranks.org.models import Unit
from ranks.org.selectors import unit_labels_as_of, unit_subtree_ids
from ranks.pipeline.models import Candidate, Stage, StageEvent
from ranks.pipeline.selectors.standing import handover_pending

if TYPE_CHECKING:
    from ranks.access.scope import Scope


@dataclass(frozen=True)
class HandoverRow:
    candidate: Candidate
    handover: StageEvent
    from_unit: tuple[str, str]  # (code, name)
    to_unit: tuple[str, str]
    may_answer: bool


@dataclass(frozen=True)
class Handovers:
    incoming: list[HandoverRow]  # to the unit's subtree
    outgoing: list[HandoverRow]  # from its cells


def _pending(candidates: QuerySet[Candidate], day: dt.date) -> list[tuple[Candidate, StageEvent]]:
    """Each candidate whose latest handover waits for an answer on `day`, with that handover."""
    pairs = ((c, handover_pending(candidate=c, day=day)) for c in candidates)
    return [(c, e) for c, e in pairs if e is not None]


def handovers_waiting(*, scope: Scope, officer: Scope, unit: Unit, day: dt.date) -> Handovers:
    """Handovers waiting for an answer on `day`: to the units below `unit`, and from the cells
    below it in `scope`; the officer scope may answer those to the units it covers."""
    below = unit_subtree_ids([unit.pk], day)
    with_events = Candidate.objects.select_related("person", "cell").prefetch_related("events")
    incoming = [
        (c, e)
        for c, e in _pending(
            with_events.filter(
                events__stage=Stage.HANDED_OVER, events__to_unit_id__in=below
            ).distinct(),
            day,
        )
        if e.to_unit_id in below
    ]
    outgoing = _pending(scope.units(with_events.filter(cell_id__in=below), "cell"), day)
    pairs = incoming + outgoing
    unit_ids = {c.cell_id for c, _e in pairs} | {e.to_unit_id for _c, e in pairs if e.to_unit_id}
    names = unit_labels_as_of(unit_ids=unit_ids, day=day)
    answerable = officer.covered_ids(e.to_unit_id for _c, e in incoming)

    def rows(found: Sequence[tuple[Candidate, StageEvent]]) -> list[HandoverRow]:
        return [
            HandoverRow(
                candidate=c,
                handover=e,
                from_unit=names.get(c.cell_id, (c.cell.code, c.cell.code)),
                to_unit=names.get(e.to_unit_id, ("", "")) if e.to_unit_id else ("", ""),
                may_answer=e.to_unit_id in answerable,
            )
            for c, e in sorted(found, key=lambda p: (p[1].date, p[0].person.person_id))
        ]

    return Handovers(incoming=rows(incoming), outgoing=rows(outgoing))
