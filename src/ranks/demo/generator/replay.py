"""Pure: a planned candidacy as the rules engine sees it, one event at a time.

`facts` builds from plan data what `ranks.pipeline.facts_from_records.pipeline_facts` builds from
the records: the latest event of each stage counts, the introducers are those of the latest
assignment (one not on the first is a replacement), an introducer's months together count from
the start of their posting in the candidate's cell. `replay` records the events in date order as
`stage_event_save` would, and says for each what `rules.refusals` and the side states refuse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from ranks.demo.generator.plan import EventPlan, PersonPlan
from ranks.pipeline import rules
from ranks.pipeline.rules.timeline import MAIN, SIDE

ORDER = {stage: index for index, stage in enumerate(MAIN + SIDE)}
ONE_DAY = dt.timedelta(days=1)

# What ends each side state, and the side state an event needs (services._check_state).
_ENDED_BY = {
    "working_away": "returned",
    "paused": "resumed",
    "handed_over": "handover_accepted",
    "withdrawn": "source_list",
    "ineligible": "source_list",
}
_NEEDS = {
    "returned": "working_away",
    "resumed": "paused",
    "handover_accepted": "handed_over",
    "handover_refused": "handed_over",
}


@dataclass(frozen=True)
class Tenure:
    """One posting of a party member to a cell, with the dates of the membership."""

    person_id: str
    cell: str
    valid_from: dt.date
    valid_to: dt.date | None
    official: dt.date | None
    left: dt.date | None

    def official_on(self, day: dt.date) -> bool:
        return (
            self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
            and self.official is not None
            and self.official <= day
            and (self.left is None or day < self.left)
        )


@dataclass(frozen=True)
class Refusal:
    event: EventPlan
    findings: tuple[rules.Finding, ...]  # what rules.refusals finds
    state: str = ""  # why the side states refuse it, if they do


def in_order(events: Sequence[EventPlan]) -> list[EventPlan]:
    """Date order; two events on one day in §5 order, side states after the main stages."""
    return sorted(events, key=lambda e: (e.date, ORDER[e.stage]))


def _latest(events: Sequence[EventPlan], stage: str) -> EventPlan | None:
    found = [e for e in events if e.stage == stage]
    return found[-1] if found else None


def _day(event: EventPlan | None) -> dt.date | None:
    return event.date if event is not None else None


def _vote(event: EventPlan | None) -> rules.Vote | None:
    if event is None or event.votes_for is None or event.official_members is None:
        return None
    return rules.Vote(event.date, event.votes_for, event.official_members)


def _introducer(
    person_id: str, cell: str, on: dt.date, replacement: bool, tenures: Sequence[Tenure]
) -> rules.Introducer:
    here = sorted(
        (t for t in tenures if t.cell == cell and t.valid_from <= on), key=lambda t: t.valid_from
    )
    tenure = here[-1] if here else None
    if tenure is None:  # not posted to the cell: a member, but months together unknown
        earlier = sorted((t for t in tenures if t.valid_from <= on), key=lambda t: t.valid_from)
        member = earlier[-1] if earlier else None
        return rules.Introducer(
            official_since=member.official if member else None,
            probationary=member is not None and member.official is None,
            left_on=member.left if member else None,
            replacement=replacement,
        )
    left = [d for d in (tenure.valid_to and tenure.valid_to + ONE_DAY, tenure.left) if d]
    return rules.Introducer(
        official_since=tenure.official,
        probationary=tenure.official is None,
        joined_unit_on=tenure.valid_from,
        left_on=min(left) if left else None,
        replacement=replacement,
    )


def _introducers(
    events: Sequence[EventPlan], cell: str, on: dt.date, tenures: Mapping[str, Sequence[Tenure]]
) -> tuple[rules.Introducer, ...]:
    assigned = [e for e in events if e.stage == "introducers_assigned"]
    if not assigned:
        return ()
    first, latest = set(assigned[0].introducers), assigned[-1]
    found = [
        _introducer(p, cell, on, p not in first, tenures.get(p, ()))
        for p in sorted(latest.introducers)
    ]
    if latest.youth_union_resolution:
        found.append(rules.Introducer(youth_union_resolution=True))
    return tuple(found)


def facts(
    events: Sequence[EventPlan],
    on: dt.date,
    *,
    person: PersonPlan,
    flags: frozenset[str],
    cell: str,
    tenures: Mapping[str, Sequence[Tenure]],
) -> rules.Pipeline:
    """What the records would say about the candidacy on `on`, from events in date order."""
    events = [e for e in events if e.date <= on]
    certificate = _latest(events, "class_passed")
    dossier = _latest(events, "dossier_prepared")
    ceremony = _latest(events, "ceremony")
    decision = _latest(events, "admission_decision")
    resolutions = [e for e in events if e.stage == "cell_resolution"]
    admission = [e for e in resolutions if ceremony is None or e.date <= ceremony.date]
    recognition = [e for e in resolutions if ceremony is not None and e.date > ceremony.date]
    state = rules.state_on(((e.stage, e.date) for e in events), on)
    received = decision.received_on if decision is not None else None
    return rules.Pipeline(
        candidate=rules.Candidate(
            birth_date=person.birth_date,
            education_general=person.education_general,
            area_flags=flags,
            is_youth_union=person.youth_union,
        ),
        certificate=rules.Certificate(certificate.date) if certificate else None,
        documents=(
            tuple(
                rules.Document(name, dossier.date)
                for name in ("application", "background declaration")
            )
            if dossier
            else ()
        ),
        introducers=_introducers(events, cell, on, tenures),
        source_listed_on=_day(_latest(events, "source_list")),
        background_verified_on=_day(_latest(events, "background_verified")),
        comments_collected_on=_day(_latest(events, "comments_collected")),
        vote=_vote(admission[-1] if admission else None),
        committee_resolution_on=_day(_latest(events, "committee_resolution")),
        decision=(
            rules.Decision(decision.date, received if received and received <= on else None)
            if decision
            else None
        ),
        ceremony=rules.Ceremony(ceremony.date) if ceremony else None,
        recognition_vote=_vote(recognition[-1] if recognition else None),
        recognition_decided_on=_day(_latest(events, "official")),
        removed_on=_day(_latest(events, "removed")),
        recognition_votes=tuple(v for v in map(_vote, recognition) if v is not None),
        away_since=state.side_since if state.side == "working_away" else None,
    )


def state_refusal(events: Sequence[EventPlan], stage: str, on: dt.date) -> str:
    """Why the side states refuse `stage` on `on` after `events`, or "" (services._check_state)."""
    state = rules.state_on(((e.stage, e.date) for e in events), on)
    main = stage in MAIN
    if state.closed and main:
        return f"closed by {state.stage}"
    if stage in _NEEDS:
        return "" if state.side == _NEEDS[stage] else f"needs {_NEEDS[stage]}"
    if state.side is None or stage in ("withdrawn", "ineligible"):
        return ""
    if stage == "source_list" and state.side in ("withdrawn", "ineligible"):
        return ""
    if state.side == "working_away" and (main or stage == "handed_over"):
        return ""
    if main or stage in _ENDED_BY:
        return f"{state.side} since {state.side_since}"
    return ""


def replay(
    events: Sequence[EventPlan],
    *,
    person: PersonPlan,
    flags: frozenset[str],
    cell: str,
    tenures: Mapping[str, Sequence[Tenure]],
) -> list[Refusal]:
    """Each event recorded in date order: what refuses it (empty findings and state: nothing)."""
    ordered = in_order(events)
    facts_of = partial(facts, person=person, flags=flags, cell=cell, tenures=tenures)
    out = []
    for index, event in enumerate(ordered):
        before = facts_of(ordered[:index], event.date)
        after = facts_of(ordered[: index + 1], event.date)
        out.append(
            Refusal(
                event,
                tuple(rules.refusals(before, after, event.stage, event.date)),
                state_refusal(ordered[:index], event.stage, event.date),
            )
        )
    return out
