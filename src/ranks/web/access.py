"""What the signed-in user may see, for views: scope, and objects fetched through it (404 if not)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from ranks.access.models import Grant
from ranks.access.scope import Scope, scope_for
from ranks.core.actor import Actor
from ranks.core.clock import today
from ranks.core.dates import parse_date
from ranks.org.models import Unit
from ranks.people.models import Person
from ranks.pipeline.facts_from_records import candidate_for_facts
from ranks.pipeline.models import Candidate, Stage, StageEvent
from ranks.pipeline.selectors import candidate_state


def actor_of(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)


def scope_of(request: HttpRequest, *, role: str = "viewer", sensitive: bool = False) -> Scope:
    cache = request.__dict__.setdefault("_ranks_scopes", {})
    key = (role, sensitive)
    if key not in cache:
        cache[key] = scope_for(actor_of(request), role=role, sensitive=sensitive)
    return cache[key]


def unit_or_404(request: HttpRequest, code: str) -> Unit:
    unit = scope_of(request).units(Unit.objects.filter(code=code)).first()
    if unit is None:
        raise Http404(_("No such unit."))
    return unit


def person_or_404(request: HttpRequest, person_id: str) -> Person:
    person = scope_of(request).people(Person.objects.filter(person_id=person_id)).first()
    if person is None:
        raise Http404(_("No such person."))
    return person


def day_of(request: HttpRequest) -> tuple[dt.date, str | None]:
    """The date asked for with ?on=, else today; and a message when ?on= was not a date."""
    raw = request.GET.get("on")
    day = parse_date(raw)
    if raw and day is None:
        return today(), _("“%(value)s” is not a date; showing today. Write it as DD/MM/YYYY.") % {
            "value": raw
        }
    return day or today(), None


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


def _pending_handover(candidate: Candidate) -> StageEvent | None:
    """The handover still waiting for the receiving side's answer today, if any."""
    state = candidate_state(candidate, today())
    if state.side != Stage.HANDED_OVER:
        return None
    handovers = [
        e for e in candidate.events.all() if e.stage == Stage.HANDED_OVER and e.date <= today()
    ]
    return max(handovers, key=lambda e: (e.date, e.pk)) if handovers else None


def _covers(scope: Scope, unit_id: int | None) -> bool:
    if unit_id is None:
        return False
    return scope.full or scope.units(Unit.objects.filter(pk=unit_id)).exists()


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
    handover = _pending_handover(candidate)
    if not via_cell and (handover is None or not _covers(scope, handover.to_unit_id)):
        raise Http404(_("No such candidate."))
    officer = scope_of(request, role="officer")
    return CandidateAccess(
        candidate=candidate,
        via_cell=via_cell,
        may_record=via_cell and _covers(officer, candidate.cell_id),
        handover=handover,
        may_answer_handover=handover is not None and _covers(officer, handover.to_unit_id),
    )


def officer_covers(request: HttpRequest, unit: Unit) -> bool:
    """Whether the user may record for `unit` and the units below it."""
    return _covers(scope_of(request, role="officer"), unit.pk)


def manager_covers(request: HttpRequest, unit: Unit | None) -> bool:
    """Whether the user may set and split targets of `unit` (the manager role over it); None, a
    unit above the top of the tree, only for full access."""
    scope = scope_of(request, role="manager")
    if unit is None:
        return scope.full
    return _covers(scope, unit.pk)


def sensitive_covers(request: HttpRequest, unit: Unit) -> bool:
    """Whether the user's sensitive grant covers `unit`: ethnicity and religion, as counts."""
    return _covers(scope_of(request, sensitive=True), unit.pk)


def home_unit(request: HttpRequest) -> Unit | None:
    """The committee a user's grants are all at, if one: their natural landing is its dashboard.
    Users with grants at several units, at a cell, or with full access start from the tree."""
    if actor_of(request).has_full_access:
        return None
    grants = list(Grant.objects.filter(user=request.user).select_related("unit")[:2])
    if len(grants) != 1:
        return None
    unit = grants[0].unit
    committee = unit.versions.valid_on(today()).filter(kind__holds_members=False).exists()
    return unit if committee else None
