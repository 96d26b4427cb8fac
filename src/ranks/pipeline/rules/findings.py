"""Findings and the facts every rule reads: status, the rule and document, the dates of probation."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from .calendar import add_months
from .config import RuleValues, rules_on
from .facts import Pipeline, Vote

Status = Literal["ok", "blocked", "warning"]
OK: Status = "ok"
BLOCKED: Status = "blocked"
WARNING: Status = "warning"

# A deadline this many working days away or nearer is a warning in due().
WARN_WITHIN_WD = 10

# Stage keys, equal to ranks.pipeline.models.Stage values (a test holds them equal).
SOURCE_LIST = "source_list"
CLASS_PASSED = "class_passed"
INTRODUCERS_ASSIGNED = "introducers_assigned"
DOSSIER_PREPARED = "dossier_prepared"
BACKGROUND_VERIFIED = "background_verified"
COMMENTS_COLLECTED = "comments_collected"
CELL_RESOLUTION = "cell_resolution"
COMMITTEE_RESOLUTION = "committee_resolution"
ADMISSION_DECISION = "admission_decision"
CEREMONY = "ceremony"
OFFICIAL = "official"
REMOVED = "removed"


@dataclass(frozen=True)
class Finding:
    """One rule's answer: `date` is when it becomes ok, or when it falls due."""

    rule: str
    document: str
    clause: str
    status: Status
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    date: dt.date | None = None

    @property
    def citation(self) -> str:
        return f"{self.document} {self.clause}"


@dataclass(frozen=True)
class NextStage:
    """A main stage that may be recorded next; allowed when nothing blocks it."""

    stage: str
    blockers: tuple[Finding, ...] = ()

    @property
    def allowed(self) -> bool:
        return not self.blockers


def _finding(
    values: RuleValues,
    key: str,
    rule: str,
    status: Status,
    code: str,
    date: dt.date | None = None,
    **params: Any,
) -> Finding:
    source = values.source(key)
    return Finding(rule, source.document, source.clause, status, code, params, date)


def _calendar_months(start: dt.date, end: dt.date) -> int:
    """Months counted by calendar month: age is reached on the 1st of the birthday's month."""
    return (end.year - start.year) * 12 + end.month - start.month


def considered_on(pipeline: Pipeline, on: dt.date) -> dt.date:
    """Eligibility is judged on the day of the cell resolution, or on `on` before it."""
    return pipeline.vote.on if pipeline.vote is not None else on


def vote_passes(vote: Vote, share: Fraction) -> bool:
    return vote.official_members > 0 and Fraction(vote.votes_for, vote.official_members) >= share


def _votes_required(vote: Vote, share: Fraction) -> int:
    return math.ceil(share * vote.official_members)


def probation_end(pipeline: Pipeline) -> dt.date | None:
    """End of the 12 months from the ceremony (R10)."""
    if pipeline.ceremony is None:
        return None
    months = rules_on(pipeline.ceremony.on)["probation_months"]
    return add_months(pipeline.ceremony.on, months)


def official_date(pipeline: Pipeline) -> dt.date | None:
    """Official status dates from the end of probation once recognised, however late (R11)."""
    if pipeline.recognition_decided_on is None:
        return None
    return probation_end(pipeline)


# --- eligibility -------------------------------------------------------------------------------
