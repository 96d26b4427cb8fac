"""The outcome of the latest cell vote (R7, R11, R12): pure, no database."""

import datetime as dt

import pytest

from ranks.pipeline.rules import Vote, latest_vote

pytestmark = pytest.mark.pure

D = dt.date


def test_no_vote_no_outcome():
    assert latest_vote(None, ()) is None


def test_an_admission_vote_below_two_thirds_failed():
    outcome = latest_vote(Vote(D(2024, 9, 10), votes_for=2, official_members=4), ())
    assert outcome is not None
    assert (outcome.recognition, outcome.passed, outcome.required) == (False, False, 3)
    assert outcome.failed and not outcome.upper_decides


def test_an_admission_vote_of_two_thirds_passed():
    outcome = latest_vote(Vote(D(2024, 9, 10), votes_for=4, official_members=6), ())
    assert outcome is not None and outcome.passed and outcome.required == 4


def test_the_latest_recognition_vote_counts_the_undecided_ones_up_to_the_limit():
    admission = Vote(D(2024, 9, 10), votes_for=4, official_members=4)
    first = Vote(D(2025, 11, 10), votes_for=2, official_members=4)
    outcome = latest_vote(admission, (first,))
    assert outcome is not None
    assert (outcome.recognition, outcome.failed, outcome.against) == (True, True, False)
    assert (outcome.held, outcome.most, outcome.left) == (1, 3, 2)
    third = latest_vote(admission, (first, first, Vote(D(2026, 1, 12), 2, 4)))
    assert third is not None and third.left == 0 and third.upper_decides


def test_two_thirds_against_is_a_removal_not_an_undecided_vote():
    against = Vote(D(2025, 11, 10), votes_for=1, official_members=3)
    outcome = latest_vote(None, (against,))
    assert outcome is not None
    assert (outcome.against, outcome.held, outcome.upper_decides) == (True, 0, False)


def test_a_recognition_vote_that_passes_is_not_failed():
    outcome = latest_vote(None, (Vote(D(2025, 11, 10), votes_for=3, official_members=4),))
    assert outcome is not None and outcome.passed and not outcome.upper_decides
