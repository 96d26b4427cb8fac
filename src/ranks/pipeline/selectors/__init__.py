"""Reads of the pipeline, one module per kind of read, all importable from here.

Where candidacies stand (`standing`); what the pages show: a unit's source list or board
(`source_list`), a candidate and the forms' choices (`candidate`), the handovers waiting for an
answer (`handovers`), the basis a device's record was made on (`basis`).
"""

from ranks.pipeline.selectors.basis import (
    candidate_bases,
    candidate_basis,
    candidate_recent_events,
)
from ranks.pipeline.selectors.candidate import (
    CandidateOverview,
    FindingRow,
    FormChoices,
    candidacy_visible,
    candidate_choices,
    candidate_eligibility,
    candidate_overview,
    event_choices,
)
from ranks.pipeline.selectors.decisions import (
    AwaitingDecision,
    CandidateCommittee,
    candidate_committee,
    decisions_awaiting,
)
from ranks.pipeline.selectors.handovers import HandoverRow, Handovers, handovers_waiting
from ranks.pipeline.selectors.source_list import (
    BOARD_COLUMN_LIMIT,
    PAGE_SIZE,
    BoardColumn,
    Row,
    SourceList,
    candidates_on_board,
    candidates_paged,
    rows_with_deadlines,
    source_list_asked,
    state_key_of,
)
from ranks.pipeline.selectors.standing import (
    candidate_current_stage,
    candidate_state,
    handover_pending,
    standing,
)

__all__ = [
    "AwaitingDecision",
    "CandidateCommittee",
    "candidate_committee",
    "decisions_awaiting",
    "BOARD_COLUMN_LIMIT",
    "PAGE_SIZE",
    "BoardColumn",
    "CandidateOverview",
    "FindingRow",
    "FormChoices",
    "HandoverRow",
    "Handovers",
    "Row",
    "SourceList",
    "candidacy_visible",
    "candidate_bases",
    "candidate_basis",
    "candidate_recent_events",
    "candidate_choices",
    "candidate_eligibility",
    "candidate_current_stage",
    "candidate_overview",
    "candidate_state",
    "candidates_on_board",
    "candidates_paged",
    "rows_with_deadlines",
    "source_list_asked",
    "state_key_of",
    "event_choices",
    "handover_pending",
    "handovers_waiting",
    "standing",
]
