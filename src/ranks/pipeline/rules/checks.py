"""Would recording an event break a rule? The findings that refuse it.

`before` is what the records say up to the event's day without it, `after` the same with it. An
event that breaks a rule may still be recorded as an exception, with who approved it and the
document (over-60 admissions, read-and-write village elders, a late ceremony); the Django layer
decides that, the rules only say what is broken.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from .calendar import add_working_days, working_days_between
from .config import rules_on
from .eligibility import eligibility
from .facts import Pipeline
from .findings import (
    ADMISSION_DECISION,
    BLOCKED,
    CELL_RESOLUTION,
    CEREMONY,
    COMMITTEE_RESOLUTION,
    INTRODUCERS_ASSIGNED,
    OFFICIAL,
    REMOVED,
    Finding,
    _finding,
    _votes_required,
    probation_end,
    vote_passes,
)


def _missing(on: dt.date, key: str, rule: str, stage: str) -> Finding:
    return _finding(rules_on(on), key, rule, BLOCKED, "stage_missing", stage=stage)


def _cell_resolution(before: Pipeline, on: dt.date) -> list[Finding]:
    if before.ceremony is not None:
        # After the ceremony the cell votes on recognition, once probation has ended (R10, R11).
        ends = probation_end(before)
        assert ends is not None
        if on < ends:
            v = rules_on(before.ceremony.on)
            return [
                _finding(
                    v,
                    "probation_months",
                    "R10",
                    BLOCKED,
                    "recognition_before_probation_end",
                    ends,
                    ends=ends,
                )  # fmt: skip
            ]
        return []
    # The admission vote: the candidate must be eligible on its day (R1–R6).
    return [f for f in eligibility(replace(before, vote=None), on) if f.status == BLOCKED]


def _committee_resolution(before: Pipeline, on: dt.date) -> list[Finding]:
    vote = before.vote
    if vote is None:
        return [_missing(on, "vote_share", "R7", CELL_RESOLUTION)]
    v = rules_on(vote.on)
    if vote_passes(vote, v["vote_share"]):
        return []
    return [
        _finding(
            v,
            "vote_share",
            "R7",
            BLOCKED,
            "vote_failed",
            votes_for=vote.votes_for,
            official_members=vote.official_members,
            required=_votes_required(vote, v["vote_share"]),
        )  # fmt: skip
    ]


def _decision(before: Pipeline, on: dt.date) -> list[Finding]:
    if before.committee_resolution_on is None or before.vote is None:
        return [_missing(on, "decision_wd", "R8", COMMITTEE_RESOLUTION)]
    v = rules_on(before.vote.on)
    extended = add_working_days(before.vote.on, v["decision_wd"] + v["decision_extension_wd"])
    if on <= extended:
        return []
    wd = working_days_between(before.vote.on, on)
    return [
        _finding(
            v, "decision_wd", "R8", BLOCKED, "decision_late", extended, wd=wd, extended=extended
        )
    ]


def _ceremony(before: Pipeline, after: Pipeline, on: dt.date) -> list[Finding]:
    if before.decision is None:
        return [_missing(on, "ceremony_wd", "R9", ADMISSION_DECISION)]
    received = after.decision.received_on if after.decision else None
    if received is None:
        v = rules_on(before.decision.on)
        return [_finding(v, "ceremony_wd", "R9", BLOCKED, "decision_not_received")]
    v = rules_on(received)
    deadline = add_working_days(received, v["ceremony_wd"])
    if on <= deadline:
        return []
    return [
        _finding(
            v, "ceremony_wd", "R9", BLOCKED, "ceremony_needs_approval", deadline, deadline=deadline
        )
    ]


def _official(before: Pipeline, on: dt.date) -> list[Finding]:
    if before.ceremony is None:
        return [_missing(on, "probation_months", "R10", CEREMONY)]
    ends = probation_end(before)
    assert ends is not None
    v = rules_on(before.ceremony.on)
    if on < ends:
        return [
            _finding(v, "probation_months", "R10", BLOCKED, "probation_running", ends, ends=ends)
        ]
    vote = before.recognition_vote
    if vote is None:
        return [_missing(on, "recognition_cell_wd", "R11", CELL_RESOLUTION)]
    rv = rules_on(vote.on)
    if not vote_passes(vote, rv["vote_share"]):
        return [
            _finding(
                rv,
                "vote_share",
                "R11",
                BLOCKED,
                "recognition_vote_failed",
                required=_votes_required(vote, rv["vote_share"]),
                official_members=vote.official_members,
            )  # fmt: skip
        ]
    return []


# The stages `refusals` checks: an event of any other stage is never refused, whatever the facts
# (callers need not build them).
CHECKED_STAGES = frozenset(
    {
        CELL_RESOLUTION,
        INTRODUCERS_ASSIGNED,
        COMMITTEE_RESOLUTION,
        ADMISSION_DECISION,
        CEREMONY,
        OFFICIAL,
        REMOVED,
    }
)


def refusals(before: Pipeline, after: Pipeline, stage: str, on: dt.date) -> list[Finding]:
    """The blocked findings that refuse recording `stage` on `on`; empty when nothing breaks.

    Steps before the cell resolution may be recorded in any order and again (a class retaken);
    side states have no rule of their own here."""
    if stage not in CHECKED_STAGES:
        return []
    if stage == CELL_RESOLUTION:
        return _cell_resolution(before, on)
    if stage == INTRODUCERS_ASSIGNED:
        # Each introducer must be valid on the day they are assigned (R6).
        checked = eligibility(replace(after, vote=None), on)
        return [f for f in checked if f.rule == "R6" and f.status == BLOCKED]
    if stage == COMMITTEE_RESOLUTION:
        return _committee_resolution(before, on)
    if stage == ADMISSION_DECISION:
        return _decision(before, on)
    if stage == CEREMONY:
        return _ceremony(before, after, on)
    if stage == OFFICIAL:
        return _official(before, on)
    if stage == REMOVED and before.ceremony is None:
        return [_missing(on, "recognition_max_votes", "R12", CEREMONY)]
    return []


def wrong_committee(
    on: dt.date, *, committee: str, competent: str, authorised: bool
) -> Finding | None:
    """R18: the admission decision on `on` recorded for `committee` (a name and code as the
    page shows them) when `competent` decides it: the grassroots committee above the cell when
    it is authorised to admit (`authorised`), otherwise the committee directly above it."""
    if committee == competent:
        return None
    v = rules_on(on)
    guidance = v.source("decision_committee_guidance")
    return _finding(
        v,
        "decision_committee",
        "R18",
        BLOCKED,
        "decision_wrong_committee",
        on,
        competent=competent,
        committee=committee,
        on=on,
        why="authorised" if authorised else "not_authorised",
        guidance=guidance.citation,
    )
