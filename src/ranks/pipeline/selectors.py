"""Reads of the pipeline: where a candidacy stands."""

from __future__ import annotations

import datetime as dt

from ranks.core.clock import today
from ranks.pipeline import rules
from ranks.pipeline.models import Candidate


def candidate_state(candidate: Candidate, on: dt.date | None = None) -> rules.State:
    """The current stage, side state and time in each stage on `on` (today by default).

    Reads `candidate.events.all()`, so a prefetch saves the query."""
    day = on or today()
    return rules.state_on(((e.stage, e.date) for e in candidate.events.all()), day)


def candidate_current_stage(candidate: Candidate, on: dt.date | None = None) -> str:
    """The stage of the latest dated main-stage event; two on one date count in §5 order."""
    return candidate_state(candidate, on).stage
