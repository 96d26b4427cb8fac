"""The outcome of a candidacy's latest cell vote, and what follows from it (R7, R11, R12).

A cell resolution before the ceremony is the admission vote (R7); after it, the vote on
recognition (R11). A failed admission vote leaves the candidacy at the cell resolution: the cell
may vote again at a later meeting. A failed recognition vote either has two thirds against
(propose removal) or neither side has two thirds: the cell votes again, up to
`recognition_max_votes` such votes; after the last one the upper committee decides (R12).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .config import rules_on
from .eligibility import _against_passes
from .facts import Vote
from .findings import _votes_required, vote_passes


@dataclass(frozen=True)
class VoteOutcome:
    """The latest vote: its figures, whether it passed, and for a recognition vote where R12
    stands (`held` votes without two thirds either way of `most` allowed)."""

    recognition: bool
    on: dt.date
    votes_for: int
    official_members: int
    required: int
    passed: bool
    against: bool = False  # recognition: two thirds did not vote for (propose removal)
    held: int = 0
    most: int = 0

    @property
    def failed(self) -> bool:
        return not self.passed

    @property
    def left(self) -> int:
        """Recognition votes the cell may still hold before the upper committee decides."""
        return max(self.most - self.held, 0)

    @property
    def upper_decides(self) -> bool:
        return self.recognition and self.failed and not self.against and self.left == 0


def latest_vote(admission: Vote | None, recognition: tuple[Vote, ...]) -> VoteOutcome | None:
    """The outcome of the latest vote: the latest recognition vote when there is one (they come
    in date order), else the latest admission vote; None before any vote."""
    if recognition:
        latest = recognition[-1]
        v = rules_on(latest.on)
        share = v["vote_share"]
        held = sum(
            1 for vote in recognition
            if not vote_passes(vote, share) and not _against_passes(vote, share)
        )  # fmt: skip
        return VoteOutcome(
            recognition=True,
            on=latest.on,
            votes_for=latest.votes_for,
            official_members=latest.official_members,
            required=_votes_required(latest, share),
            passed=vote_passes(latest, share),
            against=_against_passes(latest, share),
            held=held,
            most=v["recognition_max_votes"],
        )
    if admission is None:
        return None
    share = rules_on(admission.on)["vote_share"]
    return VoteOutcome(
        recognition=False,
        on=admission.on,
        votes_for=admission.votes_for,
        official_members=admission.official_members,
        required=_votes_required(admission, share),
        passed=vote_passes(admission, share),
    )
