"""Reads of the pipeline: a candidate's current stage (the rules engine will build on it)."""

from __future__ import annotations

from ranks.pipeline.models import MAIN_STAGES, Candidate, Stage

_ORDER = {stage: index for index, stage in enumerate(MAIN_STAGES)}


def candidate_current_stage(candidate: Candidate) -> str:
    """The stage of the latest dated main-stage event; side states are ignored.

    Two events on one date: the later stage of §5 wins (a cell and its committee may both resolve
    on the same day). Reads `candidate.events.all()`, so a prefetch saves the query.
    """
    events = [e for e in candidate.events.all() if e.stage in _ORDER]
    if not events:
        return Stage.IDENTIFIED.value
    latest = max(events, key=lambda e: (e.date, _ORDER[e.stage]))
    return latest.stage
