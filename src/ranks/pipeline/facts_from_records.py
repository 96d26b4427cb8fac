"""The rules engine's facts about one candidacy, read from the records as they stood on a date.

The person gives the birth date, education and Youth Union membership; the cell's ancestry on
the date gives the inherited area flags; the stage events up to the date give the rest. Where a
stage was recorded more than once (a class retaken, a vote held again) the latest event counts.
Introducers are not recorded in the data model yet, so none are given (R6 then reports them
missing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ranks.org.selectors import unit_ancestry, unit_inherited_flags
from ranks.pipeline import rules
from ranks.pipeline.models import Candidate, Stage, StageEvent

# The documents a prepared dossier holds (R5); their names are keys that findings_text translates.
DOSSIER_DOCUMENTS = ("application", "background declaration")


def _latest(events: Iterable[StageEvent], stage: str) -> StageEvent | None:
    found = [e for e in events if e.stage == stage]
    return max(found, key=lambda e: (e.date, e.pk or 0)) if found else None


def _day(event: StageEvent | None) -> dt.date | None:
    return event.date if event is not None else None


def _vote(event: StageEvent | None) -> rules.Vote | None:
    if event is None or event.votes_for is None or event.official_members is None:
        return None
    return rules.Vote(
        on=event.date, votes_for=event.votes_for, official_members=event.official_members
    )


def _received(event: StageEvent, on: dt.date) -> dt.date | None:
    """The day the cell received the decision, if it had by `on`."""
    received = event.received_on
    return received if received is not None and received <= on else None


def candidate_facts(
    candidate: Candidate, on: dt.date, area_flags: frozenset[str] | None = None
) -> rules.Candidate:
    """The person's facts and the area flags the candidate's cell inherits on `on` (one query,
    unless `area_flags` are given)."""
    person = candidate.person
    flags = (
        area_flags
        if area_flags is not None
        else unit_inherited_flags(unit_ancestry(candidate.cell, on))
    )
    return rules.Candidate(
        birth_date=person.birth_date,
        # Blank means not recorded: the engine then finds the education insufficient (R3).
        education_general=person.education_general,
        area_flags=frozenset(flags),
        is_youth_union=person.youth_union,
    )


def pipeline_facts(
    candidate: Candidate, on: dt.date, area_flags: frozenset[str] | None = None
) -> rules.Pipeline:
    """Everything the records say about the candidacy up to and including `on`.

    Reads `candidate.events.all()` (prefetch it) and runs one query more for the cell's ancestry,
    unless `area_flags` are given; `candidate.person` and `candidate.cell` should be selected
    with the candidate.
    """
    events = [e for e in candidate.events.all() if e.date <= on]

    certificate = _latest(events, Stage.CLASS_PASSED)
    dossier = _latest(events, Stage.DOSSIER_PREPARED)
    ceremony = _latest(events, Stage.CEREMONY)
    decision = _latest(events, Stage.ADMISSION_DECISION)

    # A cell resolution after the ceremony is the vote on recognition (R11), not on admission.
    resolutions = [e for e in events if e.stage == Stage.CELL_RESOLUTION]
    admission_votes = [e for e in resolutions if ceremony is None or e.date <= ceremony.date]
    recognition_votes = [e for e in resolutions if ceremony is not None and e.date > ceremony.date]

    documents: tuple[rules.Document, ...] = ()
    if dossier is not None:
        documents = tuple(
            rules.Document(name=name, dated=dossier.date) for name in DOSSIER_DOCUMENTS
        )

    return rules.Pipeline(
        candidate=candidate_facts(candidate, on, area_flags),
        certificate=rules.Certificate(issued_on=certificate.date) if certificate else None,
        documents=documents,
        introducers=(),
        source_listed_on=_day(_latest(events, Stage.SOURCE_LIST)),
        background_verified_on=_day(_latest(events, Stage.BACKGROUND_VERIFIED)),
        comments_collected_on=_day(_latest(events, Stage.COMMENTS_COLLECTED)),
        vote=_vote(_latest(admission_votes, Stage.CELL_RESOLUTION)),
        committee_resolution_on=_day(_latest(events, Stage.COMMITTEE_RESOLUTION)),
        decision=(
            rules.Decision(on=decision.date, received_on=_received(decision, on))
            if decision is not None
            else None
        ),
        ceremony=rules.Ceremony(on=ceremony.date) if ceremony is not None else None,
        recognition_vote=_vote(_latest(recognition_votes, Stage.CELL_RESOLUTION)),
        recognition_decided_on=_day(_latest(events, Stage.OFFICIAL)),
        removed_on=_day(_latest(events, Stage.REMOVED)),
    )


def candidate_for_facts(queryset, person_id: str) -> Candidate | None:
    """The candidacy of `person_id` in `queryset`, with what `pipeline_facts` reads: one query
    and one for the events."""
    return (
        queryset.filter(person__person_id=person_id)
        .select_related("person", "cell")
        .prefetch_related("events")
        .first()
    )
