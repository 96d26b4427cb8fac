"""The rules engine's facts about one candidacy, read from the records as they stood on a date.

The person gives the birth date, education and Youth Union membership; the cell's ancestry on
the date gives the inherited area flags; the stage events up to the date give the rest. Where a
stage was recorded more than once (a class retaken, a vote held again) the latest event counts.

Introducers are those of the latest `introducers_assigned` event; one who was not on the first
such event is a replacement (R6 then asks no 12 months of them). An introducer's months with the
candidate count from the start of their posting in the candidate's cell, and end when that
posting or their membership ends; they are probationary until their official date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ranks.org.selectors import unit_ancestry, unit_inherited_flags
from ranks.pipeline import rules
from ranks.pipeline.models import Candidate, Stage, StageEvent

# What `pipeline_facts` reads through the candidate: prefetch it.
EVENT_PREFETCH = ("events", "events__introducers__postings__membership")

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


def _introducer(person, cell_id: int, on: dt.date, replacement: bool) -> rules.Introducer:
    """R6's facts about one introducer; reads `person.postings.all()` with their memberships."""
    postings = sorted(
        (p for p in person.postings.all() if p.cell_id == cell_id and p.valid_from <= on),
        key=lambda p: p.valid_from,
    )
    posting = postings[-1] if postings else None
    membership = posting.membership if posting is not None else None
    if membership is None:
        memberships = sorted(
            (
                p.membership
                for p in person.postings.all()
                if p.membership.admission_decision_date <= on
            ),
            key=lambda m: m.admission_decision_date,
        )
        membership = memberships[-1] if memberships else None
    left: list[dt.date] = []
    if posting is not None and posting.valid_to is not None:
        left.append(posting.valid_to + dt.timedelta(days=1))
    if membership is not None and membership.left_date is not None:
        left.append(membership.left_date)
    official = membership.official_date if membership is not None else None
    return rules.Introducer(
        official_since=official,
        probationary=membership is not None and official is None,
        joined_unit_on=posting.valid_from if posting is not None else None,
        left_on=min(left) if left else None,
        replacement=replacement,
    )


def _introducers(events: list[StageEvent], cell_id: int, on: dt.date) -> tuple:
    assigned = sorted(
        (e for e in events if e.stage == Stage.INTRODUCERS_ASSIGNED),
        key=lambda e: (e.date, e.pk or 0),
    )
    if not assigned:
        return ()
    first = {p.pk for p in assigned[0].introducers.all()}
    latest = assigned[-1]
    found = [
        _introducer(p, cell_id, on, replacement=p.pk not in first)
        for p in sorted(latest.introducers.all(), key=lambda p: p.person_id)
    ]
    if latest.youth_union_resolution:
        found.append(rules.Introducer(youth_union_resolution=True))
    return tuple(found)


def _away_since(events: list[StageEvent], on: dt.date) -> dt.date | None:
    state = rules.state_on(((e.stage, e.date) for e in events), on)
    return state.side_since if state.side == Stage.WORKING_AWAY else None


def candidate_facts(
    candidate: Candidate,
    on: dt.date,
    area_flags: frozenset[str] | None = None,
    consent: bool = False,
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
        # An admission vote recorded as an exception carries the provincial-level consent and
        # the place condition of R2 and R3.
        village_elder_consent=consent,
        over_60_consent=consent,
        no_member_or_org_where_lives=consent,
    )


def pipeline_facts(
    candidate: Candidate,
    on: dt.date,
    area_flags: frozenset[str] | None = None,
    events: Iterable[StageEvent] | None = None,
) -> rules.Pipeline:
    """Everything the records say about the candidacy up to and including `on`.

    Reads `candidate.events.all()` and the introducers' postings (prefetch `EVENT_PREFETCH`) and runs one query more for the cell's ancestry,
    unless `area_flags` are given; `candidate.person` and `candidate.cell` should be selected
    with the candidate.
    """
    source = candidate.events.all() if events is None else events
    events = [e for e in source if e.date <= on]

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

    admission_vote = _latest(admission_votes, Stage.CELL_RESOLUTION)
    consent = admission_vote is not None and bool(admission_vote.exception_document)
    return rules.Pipeline(
        candidate=candidate_facts(candidate, on, area_flags, consent),
        certificate=rules.Certificate(issued_on=certificate.date) if certificate else None,
        documents=documents,
        introducers=_introducers(events, candidate.cell_id, on),
        source_listed_on=_day(_latest(events, Stage.SOURCE_LIST)),
        background_verified_on=_day(_latest(events, Stage.BACKGROUND_VERIFIED)),
        comments_collected_on=_day(_latest(events, Stage.COMMENTS_COLLECTED)),
        vote=_vote(admission_vote),
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
        recognition_votes=tuple(
            v
            for v in (
                _vote(e) for e in sorted(recognition_votes, key=lambda e: (e.date, e.pk or 0))
            )
            if v is not None
        ),
        away_since=_away_since(events, on),
    )


def candidate_for_facts(queryset, person_id: str) -> Candidate | None:
    """The candidacy of `person_id` in `queryset`, with what `pipeline_facts` reads: one query
    and one for the events."""
    return (
        queryset.filter(person__person_id=person_id)
        .select_related("person", "cell")
        .prefetch_related(*EVENT_PREFETCH)
        .first()
    )
