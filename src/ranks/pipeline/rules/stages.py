"""What may happen next: the next main stages and what blocks them."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from .config import RuleValues, rules_on
from .eligibility import (
    eligibility,
)
from .facts import Pipeline
from .findings import (
    ADMISSION_DECISION,
    BACKGROUND_VERIFIED,
    BLOCKED,
    CELL_RESOLUTION,
    CEREMONY,
    CLASS_PASSED,
    COMMENTS_COLLECTED,
    COMMITTEE_RESOLUTION,
    DOSSIER_PREPARED,
    INTRODUCERS_ASSIGNED,
    OFFICIAL,
    REMOVED,
    SOURCE_LIST,
    Finding,
    NextStage,
    _finding,
    probation_end,
    vote_passes,
)


def _stage_missing(v: RuleValues, key: str, rule: str, stage: str) -> Finding:
    return _finding(v, key, rule, BLOCKED, "stage_missing", stage=stage)


def next_stages(pipeline: Pipeline, on: dt.date) -> list[NextStage]:
    """The main stages that may be recorded next (side states are always possible)."""
    p = pipeline
    if p.removed_on is not None or p.recognition_decided_on is not None:
        return []
    if p.ceremony is not None:
        ends = probation_end(p)
        assert ends is not None
        blockers: tuple[Finding, ...] = ()
        if on < ends:
            v = rules_on(p.ceremony.on)
            blockers = (
                _finding(
                    v, "probation_months", "R10", BLOCKED, "probation_running", ends, ends=ends
                ),
            )
        return [NextStage(OFFICIAL, blockers), NextStage(REMOVED)]
    if p.decision is not None:
        if p.decision.received_on is None:
            v = rules_on(p.decision.on)
            return [
                NextStage(
                    CEREMONY,
                    (_finding(v, "ceremony_wd", "R9", BLOCKED, "decision_not_received"),),
                )
            ]
        return [NextStage(CEREMONY)]
    if p.committee_resolution_on is not None:
        return [NextStage(ADMISSION_DECISION)]
    if p.vote is not None and vote_passes(p.vote, rules_on(p.vote.on)["vote_share"]):
        return [NextStage(COMMITTEE_RESOLUTION)]
    # Before (or after a failed) cell resolution: the dossier steps not yet recorded, then the
    # resolution itself, blocked by whatever eligibility finds on `on`.
    fresh = replace(p, vote=None)
    stages = []
    for stage, missing in (
        (SOURCE_LIST, p.source_listed_on is None),
        (CLASS_PASSED, p.certificate is None),
        (INTRODUCERS_ASSIGNED, not p.introducers),
        (DOSSIER_PREPARED, not p.documents),
        (BACKGROUND_VERIFIED, p.background_verified_on is None),
        (COMMENTS_COLLECTED, p.comments_collected_on is None),
    ):
        if missing:
            stages.append(NextStage(stage))
    blockers = tuple(f for f in eligibility(fresh, on) if f.status == BLOCKED)
    stages.append(NextStage(CELL_RESOLUTION, blockers))
    return stages
