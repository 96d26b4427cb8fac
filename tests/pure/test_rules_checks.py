"""Refusing an event that breaks a rule (R1–R12), the candidacy's state and time in each stage,
not being recognised (R12) and the yearly comment for a candidate working away (R15)."""

import dataclasses
import datetime as dt

import pytest

from ranks.pipeline.rules import (
    Candidate,
    Ceremony,
    Certificate,
    Decision,
    Document,
    Introducer,
    Pipeline,
    Vote,
    add_months,
    due,
    evaluate,
    refusals,
    rules_on,
    state_on,
)

D = dt.date
replace = dataclasses.replace

MEMBER = Introducer(official_since=D(2010, 1, 1), joined_unit_on=D(2015, 1, 1))
READY = Pipeline(
    Candidate(D(2000, 5, 20)),
    certificate=Certificate(D(2024, 9, 1)),
    documents=(Document("application", D(2025, 1, 10)),),
    introducers=(MEMBER, MEMBER),
)
VOTED = replace(READY, vote=Vote(D(2025, 2, 3), 5, 7))
DECIDED = replace(
    VOTED,
    committee_resolution_on=D(2025, 2, 10),
    decision=Decision(D(2025, 3, 3), received_on=D(2025, 3, 5)),
)
ON_PROBATION = replace(DECIDED, ceremony=Ceremony(D(2025, 3, 20)))


def codes(findings):
    return [(f.rule, f.code) for f in findings]


def refused(before, stage, on, after=None):
    return codes(refusals(before, after or before, stage, on))


# --- the admission vote: eligible on its day ----------------------------------------------------


@pytest.mark.parametrize(
    "pipeline, expected",
    [
        pytest.param(READY, [], id="eligible"),
        # R2: the day after the month of the 60th birthday is over 720 months.
        pytest.param(
            replace(READY, candidate=Candidate(D(1965, 1, 15))),
            [("R2", "age_over_max")],
            id="R2-over-60",
        ),
        pytest.param(
            replace(READY, candidate=Candidate(D(2007, 4, 1))),
            [("R1", "age_under_min")],
            id="R1-17",
        ),
        pytest.param(
            replace(READY, candidate=Candidate(D(1990, 1, 1), education_general="read_write")),
            [("R3", "education_insufficient")],
            id="R3-read-write",
        ),
        pytest.param(replace(READY, certificate=None), [("R4", "certificate_missing")], id="R4"),
        pytest.param(
            replace(READY, introducers=(MEMBER,)),
            [("R6", "introducers_missing")],
            id="R6-one-introducer",
        ),
    ],
)
def test_a_cell_resolution_is_refused_for_what_makes_the_candidate_ineligible(pipeline, expected):
    assert refused(pipeline, "cell_resolution", D(2025, 2, 3)) == expected


def test_steps_before_the_vote_are_never_refused_by_order():
    for stage in ("source_list", "class_passed", "dossier_prepared", "comments_collected"):
        assert refused(Pipeline(Candidate(D(2000, 5, 20))), stage, D(2025, 1, 1)) == []


@pytest.mark.parametrize(
    "introducer, code",
    [
        pytest.param(Introducer(probationary=True), "introducer_probationary", id="probationary"),
        pytest.param(
            Introducer(official_since=D(2010, 1, 1), joined_unit_on=D(2024, 3, 1)),
            "introducer_too_recent",
            id="11-months",
        ),
        pytest.param(
            Introducer(
                official_since=D(2010, 1, 1), joined_unit_on=D(2015, 1, 1), left_on=D(2025, 1, 1)
            ),
            "introducer_left",
            id="left",
        ),
    ],
)
def test_an_introducer_who_cannot_introduce_is_refused_on_assignment(introducer, code):
    after = replace(READY, introducers=(MEMBER, introducer))
    assert ("R6", code) in refused(READY, "introducers_assigned", D(2025, 2, 1), after)


def test_a_replacement_introducer_needs_no_12_months():
    replacement = Introducer(
        official_since=D(2010, 1, 1), joined_unit_on=D(2024, 12, 1), replacement=True
    )
    after = replace(READY, introducers=(MEMBER, replacement))
    assert refused(READY, "introducers_assigned", D(2025, 2, 1), after) == []


# --- after the vote ------------------------------------------------------------------------------


def test_the_committee_needs_a_passed_vote():
    assert refused(READY, "committee_resolution", D(2025, 2, 10)) == [("R7", "stage_missing")]
    failed = replace(READY, vote=Vote(D(2025, 2, 3), 4, 7))
    assert refused(failed, "committee_resolution", D(2025, 2, 10)) == [("R7", "vote_failed")]
    assert refused(VOTED, "committee_resolution", D(2025, 2, 10)) == []


def test_the_decision_within_60_plus_30_working_days():
    committee = replace(VOTED, committee_resolution_on=D(2025, 2, 10))
    assert refused(VOTED, "admission_decision", D(2025, 3, 1)) == [("R8", "stage_missing")]
    # 60 + 30 WD after 2025-02-03 end on 2025-06-13 (Hùng Kings, 30/4 and 1/5 skipped).
    assert refused(committee, "admission_decision", D(2025, 6, 13)) == []
    assert refused(committee, "admission_decision", D(2025, 6, 16)) == [("R8", "decision_late")]


def test_a_ceremony_across_tet_counts_working_days():
    # Decision received Fri 2025-01-10: 30 weekdays would end on Fri 2025-02-21, but the five
    # days of Tết (27/1–31/1 2025) are not working days, so the deadline is Fri 2025-02-28.
    received = replace(DECIDED, decision=Decision(D(2025, 1, 8), received_on=D(2025, 1, 10)))
    assert refused(received, "ceremony", D(2025, 2, 24)) == []
    assert refused(received, "ceremony", D(2025, 2, 28)) == []
    assert refused(received, "ceremony", D(2025, 3, 3)) == [("R9", "ceremony_needs_approval")]


def test_a_ceremony_needs_the_decision_received():
    unreceived = replace(DECIDED, decision=Decision(D(2025, 3, 3)))
    assert refused(unreceived, "ceremony", D(2025, 3, 10)) == [("R9", "decision_not_received")]
    assert refused(VOTED, "ceremony", D(2025, 3, 10)) == [("R9", "stage_missing")]


def test_recognition_after_probation_with_a_passed_vote():
    assert refused(ON_PROBATION, "cell_resolution", D(2026, 3, 19)) == [
        ("R10", "recognition_before_probation_end")
    ]
    assert refused(ON_PROBATION, "cell_resolution", D(2026, 3, 20)) == []
    assert refused(ON_PROBATION, "official", D(2026, 3, 19)) == [("R10", "probation_running")]
    assert refused(ON_PROBATION, "official", D(2026, 4, 1)) == [("R11", "stage_missing")]
    failed = replace(ON_PROBATION, recognition_vote=Vote(D(2026, 3, 25), 3, 7))
    assert refused(failed, "official", D(2026, 4, 1)) == [("R11", "recognition_vote_failed")]
    passed = replace(ON_PROBATION, recognition_vote=Vote(D(2026, 3, 25), 5, 7))
    assert refused(passed, "official", D(2026, 4, 1)) == []
    assert refused(VOTED, "removed", D(2026, 4, 1)) == [("R12", "stage_missing")]


# --- R12: not recognised -------------------------------------------------------------------------


def r12(*votes):
    p = replace(ON_PROBATION, recognition_vote=votes[-1], recognition_votes=votes)
    (finding,) = [f for f in evaluate(p, D(2026, 6, 1)) if f.rule == "R12"]
    return finding


def test_R12_two_thirds_against_proposes_removal():
    finding = r12(Vote(D(2026, 3, 25), 2, 7))  # 5 of 7 did not vote for
    assert (finding.status, finding.code, finding.citation) == (
        "blocked",
        "not_recognised_removal",
        "294-QĐ/TW §4.2.3",
    )


def test_R12_three_votes_without_two_thirds_go_to_the_upper_committee():
    split = Vote(D(2026, 3, 25), 4, 7)  # 4 for, 3 not: neither side has 2/3
    assert r12(split).code == "recognition_vote_again"
    assert r12(split, replace(split, on=D(2026, 4, 20))).params["votes"] == 2
    third = r12(split, replace(split, on=D(2026, 4, 20)), replace(split, on=D(2026, 5, 15)))
    assert (third.status, third.code, third.params["votes"]) == (
        "warning",
        "recognition_upper_decides",
        3,
    )


def test_R12_says_nothing_after_a_passed_vote():
    p = replace(ON_PROBATION, recognition_vote=Vote(D(2026, 3, 25), 5, 7))
    assert not [f for f in evaluate(p, D(2026, 6, 1)) if f.rule == "R12"]


# --- R15: working away ---------------------------------------------------------------------------


def test_R15_a_comment_from_where_they_live_each_year():
    away = replace(READY, vote=None, away_since=D(2025, 3, 1))
    (finding,) = [f for f in due(away, D(2026, 2, 25)) if f.rule == "R15"]
    assert (finding.status, finding.date, finding.citation) == (
        "warning",
        D(2026, 3, 1),
        "213-QĐ/TW Art. 5",
    )
    (late,) = [f for f in due(away, D(2026, 3, 2)) if f.rule == "R15"]
    assert late.status == "blocked"
    commented = replace(away, comments_collected_on=D(2025, 12, 1))
    (renewed,) = [f for f in due(commented, D(2026, 3, 2)) if f.rule == "R15"]
    assert (renewed.status, renewed.date) == ("ok", add_months(D(2025, 12, 1), 12))


# --- rule values before the oldest document held -------------------------------------------------


def test_29_QD_TW_states_the_2016_to_2021_values_and_older_days_borrow_them():
    assert rules_on(D(2018, 5, 1)).source("min_age_months").document == "29-QĐ/TW"
    assert rules_on(D(2018, 5, 1)).source("certificate_valid_months").document == "01-HD/TW 2016"
    older = rules_on(D(2014, 1, 1))
    assert (older["min_age_months"], older.source("min_age_months").document) == (
        216,
        "29-QĐ/TW",
    )


# --- state and time in stage ---------------------------------------------------------------------


def test_state_follows_the_latest_main_stage_and_the_side_states():
    events = [
        ("source_list", D(2024, 1, 10)),
        ("class_passed", D(2024, 3, 1)),
        ("working_away", D(2024, 4, 1)),
        ("handed_over", D(2024, 5, 1)),
    ]
    state = state_on(events, D(2024, 5, 10))
    assert (state.stage, state.side, state.side_since, state.stopped) == (
        "class_passed",
        "handed_over",
        D(2024, 5, 1),
        True,
    )
    accepted = state_on([*events, ("handover_accepted", D(2024, 5, 20))], D(2024, 6, 1))
    assert (accepted.side, accepted.stopped) == (None, False)
    assert [(p.stage, p.days(D(2024, 6, 1))) for p in accepted.periods] == [
        ("source_list", 51),
        ("class_passed", 92),
    ]


def test_withdrawn_until_put_on_a_source_list_again():
    events = [("source_list", D(2024, 1, 10)), ("withdrawn", D(2024, 2, 1))]
    assert state_on(events, D(2024, 3, 1)).stopped
    again = state_on([*events, ("source_list", D(2025, 1, 6))], D(2025, 2, 1))
    assert (again.stage, again.since, again.side) == ("source_list", D(2025, 1, 6), None)


def test_official_and_removed_close_the_file_and_no_events_is_identified():
    assert state_on([], D(2025, 1, 1)).stage == "identified"
    assert state_on([("official", D(2025, 1, 1))], D(2025, 1, 2)).closed
    assert not state_on([("official", D(2025, 1, 1))], D(2024, 12, 31)).closed
