"""Which candidacies the signed-in user may see, and what they may record on them (404 if none)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from ranks.access.requests import scope_of
from ranks.core.clock import today
from ranks.org.models import Unit
from ranks.org.selectors import competent_for
from ranks.pipeline.facts_from_records import candidate_for_facts
from ranks.pipeline.models import Candidate, Stage, StageEvent
from ranks.pipeline.selectors import handover_pending


@dataclass(frozen=True)
class CandidateAccess:
    """A candidacy the user may see, and what they may record on it.

    Its cell in the user's scope shows it; so does a handover to a unit in the user's scope that
    is still waiting for an answer, so that the receiving side can accept or refuse it. Recording
    needs the officer role over the cell; answering a handover, over the unit it was handed to.
    """

    candidate: Candidate
    via_cell: bool
    may_record: bool
    handover: StageEvent | None  # the pending handover, if any
    may_answer_handover: bool


def candidate_or_404(request: HttpRequest, person_id: str) -> CandidateAccess:
    """The candidacy of `person_id` with what `pipeline_facts` reads, or 404 as if missing."""
    scope = scope_of(request)
    candidate = candidate_for_facts(scope.units(Candidate.objects.all(), "cell"), person_id)
    via_cell = candidate is not None
    if candidate is None and not scope.empty:
        handed = Candidate.objects.filter(
            events__stage=Stage.HANDED_OVER,
            events__to_unit__in=scope.units(Unit.objects.all()),
        )
        candidate = candidate_for_facts(handed.distinct(), person_id)
    if candidate is None:
        raise Http404(_("No such candidate."))
    handover = handover_pending(candidate=candidate, day=today())
    if not via_cell and (handover is None or not scope.covers(handover.to_unit_id)):
        raise Http404(_("No such candidate."))
    officer = scope_of(request, role="officer")
    return CandidateAccess(
        candidate=candidate,
        via_cell=via_cell,
        may_record=via_cell and officer.covers(candidate.cell_id),
        handover=handover,
        may_answer_handover=handover is not None and officer.covers(handover.to_unit_id),
    )


def may_decide(request: HttpRequest, seen: CandidateAccess, day) -> bool:
    """Whether the user may record the admission decision of a candidacy they see: as an
    officer over its cell (`may_record`), or as an officer of the committee competent for the
    cell on `day` (R18: the committee records its own decision for the cells below it)."""
    if seen.may_record:
        return True
    if not seen.via_cell:
        return False
    competent = competent_for([seen.candidate.cell], day)[seen.candidate.cell_id]
    return competent is not None and scope_of(request, role="officer").covers(
        competent.version.unit_id
    )
