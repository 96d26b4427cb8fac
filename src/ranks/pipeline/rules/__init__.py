"""Pure rules engine: facts in, findings out; rule values keyed by document and date (§5)."""

from .calendar import add_months, add_working_days, months_between, working_days_between
from .checks import CHECKED_STAGES, refusals, wrong_committee
from .config import RULE_SETS, Cited, RuleSet, RuleValues, rules_on
from .deadlines import candidate_away_comment, due, member_away_comment
from .eligibility import eligibility, evaluate
from .facts import (
    EDUCATION_LEVELS,
    Candidate,
    Ceremony,
    Certificate,
    Decision,
    Document,
    Introducer,
    Pipeline,
    Vote,
)
from .findings import (
    BLOCKED,
    OK,
    WARNING,
    Finding,
    NextStage,
    official_date,
    probation_end,
)
from .messages import TEMPLATES, render
from .stages import next_stages
from .timeline import Period, State, changes, state_on
from .votes import VoteOutcome, latest_vote

__all__ = [
    "BLOCKED",
    "EDUCATION_LEVELS",
    "OK",
    "RULE_SETS",
    "TEMPLATES",
    "WARNING",
    "Candidate",
    "Ceremony",
    "Certificate",
    "Cited",
    "Decision",
    "Document",
    "Finding",
    "Introducer",
    "NextStage",
    "Pipeline",
    "RuleSet",
    "RuleValues",
    "Vote",
    "VoteOutcome",
    "latest_vote",
    "add_months",
    "add_working_days",
    "candidate_away_comment",
    "due",
    "member_away_comment",
    "eligibility",
    "evaluate",
    "months_between",
    "next_stages",
    "official_date",
    "Period",
    "State",
    "refusals",
    "CHECKED_STAGES",
    "changes",
    "state_on",
    "probation_end",
    "render",
    "rules_on",
    "working_days_between",
    "wrong_committee",
]
