"""After the cell resolution: decision, ceremony, probation and recognition (R8–R11), what is
due (warning within 10 WD, blocked when overdue) and what may happen next."""

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
    add_working_days,
    due,
    evaluate,
    findings,
    next_stages,
    official_date,
)

D = dt.date

MEMBER = Introducer(official_since=D(2010, 1, 1), joined_unit_on=D(2015, 1, 1))
VOTED = Pipeline(
    Candidate(D(2000, 5, 20)),
    certificate=Certificate(D(2024, 9, 1)),
    documents=(Document("application", D(2025, 1, 10)),),
    introducers=(MEMBER, MEMBER),
    source_listed_on=D(2024, 1, 1),
    background_verified_on=D(2025, 1, 20),
    comments_collected_on=D(2025, 1, 22),
    vote=Vote(D(2025, 2, 3), 5, 7),
)
# 60 WD after Mon 2025-02-03 (Hùng Kings' day 7 April skipped) and the 30 WD extension after it.
DECISION_DEADLINE = D(2025, 4, 29)
EXTENDED_DEADLINE = D(2025, 6, 13)


def by_rule(findings, rule):
    (finding,) = [f for f in findings if f.rule == rule]
    return finding


def test_decision_deadlines_are_counted_in_working_days():
    assert add_working_days(D(2025, 2, 3), 60) == DECISION_DEADLINE
    assert add_working_days(D(2025, 2, 3), 90) == EXTENDED_DEADLINE


@pytest.mark.parametrize(
    "decided, status, code",
    [
        pytest.param(DECISION_DEADLINE, "ok", "decision_on_time", id="R8-on-the-60th-WD"),
        pytest.param(D(2025, 5, 5), "warning", "decision_extended", id="R8-in-the-extension"),
        pytest.param(D(2025, 6, 16), "blocked", "decision_late", id="R8-past-the-extension"),
    ],
)
def test_decision_within_60_WD_of_the_cell_resolution(decided, status, code):
    pipeline = dataclasses.replace(VOTED, decision=Decision(decided))
    finding = by_rule(evaluate(pipeline, D(2025, 9, 1)), "R8")
    assert (finding.status, finding.code, finding.date) == (status, code, DECISION_DEADLINE)
    assert finding.citation == "232-QĐ/TW §4.3.1"


@pytest.mark.parametrize(
    "on, status, code, date",
    [
        pytest.param(D(2025, 3, 3), "ok", "due_decision", DECISION_DEADLINE, id="R8-due-far"),
        pytest.param(D(2025, 4, 15), "warning", "due_decision", DECISION_DEADLINE, id="R8-due-within-10-WD"),
        pytest.param(D(2025, 5, 5), "warning", "due_decision_extension", EXTENDED_DEADLINE, id="R8-due-in-extension"),
        pytest.param(D(2025, 6, 16), "blocked", "due_decision_extension", EXTENDED_DEADLINE, id="R8-overdue"),
    ],
)  # fmt: skip
def test_decision_due(on, status, code, date):
    finding = by_rule(due(VOTED, on), "R8")
    assert (finding.status, finding.code, finding.date) == (status, code, date)


def test_no_decision_is_due_after_a_failed_vote():
    assert due(dataclasses.replace(VOTED, vote=Vote(D(2025, 2, 3), 4, 7)), D(2025, 3, 3)) == []


# R9: decision received Mon 2025-01-20; the Tết holidays 27–31 January push 30 WD to 10 March.
RECEIVED = dataclasses.replace(
    VOTED,
    vote=Vote(D(2024, 12, 2), 5, 7),
    committee_resolution_on=D(2024, 12, 20),
    decision=Decision(D(2025, 1, 15), received_on=D(2025, 1, 20)),
)
CEREMONY_DEADLINE = D(2025, 3, 10)


@pytest.mark.parametrize(
    "on, status",
    [
        pytest.param(D(2025, 2, 3), "ok", id="R9-due-across-tet"),
        pytest.param(D(2025, 2, 28), "warning", id="R9-due-within-10-WD"),
        pytest.param(CEREMONY_DEADLINE, "warning", id="R9-due-on-the-day"),
        pytest.param(D(2025, 3, 11), "blocked", id="R9-overdue"),
    ],
)
def test_ceremony_due_within_30_WD_of_receiving_the_decision(on, status):
    finding = by_rule(due(RECEIVED, on), "R9")
    assert (finding.status, finding.date, finding.code) == (
        status,
        CEREMONY_DEADLINE,
        "due_ceremony",
    )


@pytest.mark.parametrize(
    "held, status",
    [
        pytest.param(CEREMONY_DEADLINE, "ok", id="R9-held-on-the-30th-WD"),
        pytest.param(D(2025, 3, 11), "warning", id="R9-held-late-needs-approval"),
    ],
)
def test_ceremony_held(held, status):
    pipeline = dataclasses.replace(RECEIVED, ceremony=Ceremony(held))
    assert by_rule(evaluate(pipeline, D(2025, 4, 1)), "R9").status == status


# R10, R11: ceremony 2024-03-10, probation ends 2025-03-10; the cell met late.
ON_PROBATION = dataclasses.replace(
    VOTED,
    vote=Vote(D(2023, 12, 1), 5, 7),
    committee_resolution_on=D(2023, 12, 20),
    decision=Decision(D(2024, 2, 1), received_on=D(2024, 2, 5)),
    ceremony=Ceremony(D(2024, 3, 10)),
)
PROBATION_END = D(2025, 3, 10)
RECOGNITION_CELL_DEADLINE = add_working_days(PROBATION_END, 30)


def test_probation_is_12_months_from_the_ceremony():
    finding = by_rule(evaluate(ON_PROBATION, D(2024, 9, 1)), "R10")
    assert (finding.status, finding.code, finding.date) == (
        "ok",
        "probation_running",
        PROBATION_END,
    )
    assert finding.citation == "Charter Art. 5.1"
    assert official_date(ON_PROBATION) is None


def test_R11_official_status_dates_from_the_end_of_probation_even_when_late():
    late = dataclasses.replace(
        ON_PROBATION,
        recognition_vote=Vote(D(2025, 6, 2), 5, 7),
        recognition_decided_on=D(2025, 7, 15),
    )
    assert RECOGNITION_CELL_DEADLINE < D(2025, 6, 2)
    findings = [f for f in evaluate(late, D(2025, 8, 1)) if f.rule == "R11"]
    assert {f.code: f.status for f in findings} == {
        "recognition_cell_late": "warning",
        "official_from": "ok",
    }
    assert official_date(late) == PROBATION_END
    assert [f.date for f in findings if f.code == "official_from"] == [PROBATION_END]


@pytest.mark.parametrize(
    "on, status",
    [
        pytest.param(D(2025, 1, 6), "ok", id="R11-cell-due-during-probation"),
        pytest.param(RECOGNITION_CELL_DEADLINE, "warning", id="R11-cell-due-on-the-day"),
        pytest.param(RECOGNITION_CELL_DEADLINE + dt.timedelta(days=1), "blocked", id="R11-cell-overdue"),
    ],
)  # fmt: skip
def test_recognition_cell_due(on, status):
    finding = by_rule(due(ON_PROBATION, on), "R11")
    assert (finding.status, finding.date) == (status, RECOGNITION_CELL_DEADLINE)


def test_R11_committee_due_30_WD_after_the_cell_with_an_extension():
    voted = dataclasses.replace(ON_PROBATION, recognition_vote=Vote(D(2025, 3, 17), 5, 7))
    finding = by_rule(due(voted, D(2025, 3, 18)), "R11")
    assert (finding.code, finding.date) == (
        "due_recognition_committee",
        add_working_days(D(2025, 3, 17), 30),
    )
    finding = by_rule(due(voted, add_working_days(D(2025, 3, 17), 31)), "R11")
    assert (finding.status, finding.code) == ("warning", "due_recognition_committee_extension")


def test_R11_failed_recognition_vote_blocks():
    failed = dataclasses.replace(ON_PROBATION, recognition_vote=Vote(D(2025, 3, 17), 4, 7))
    statuses = {f.code: f.status for f in evaluate(failed, D(2025, 3, 18)) if f.rule == "R11"}
    assert statuses == {"recognition_vote_failed": "blocked"}


@pytest.mark.parametrize(
    "pipeline, on, expected",
    [
        pytest.param(VOTED, D(2025, 2, 4), [("committee_resolution", True)], id="next-after-vote"),
        pytest.param(dataclasses.replace(VOTED, committee_resolution_on=D(2025, 2, 10)), D(2025, 2, 11), [("admission_decision", True)], id="next-after-committee"),
        pytest.param(dataclasses.replace(RECEIVED, decision=Decision(D(2025, 1, 15))), D(2025, 1, 16), [("ceremony", False)], id="R9-next-ceremony-needs-receipt"),
        pytest.param(RECEIVED, D(2025, 1, 21), [("ceremony", True)], id="R9-next-ceremony"),
        pytest.param(ON_PROBATION, D(2024, 9, 1), [("official", False), ("removed", True)], id="R10-official-after-probation"),
        pytest.param(ON_PROBATION, PROBATION_END, [("official", True), ("removed", True)], id="R10-official-on-the-day"),
        pytest.param(dataclasses.replace(VOTED, vote=None), D(2025, 2, 3), [("cell_resolution", True)], id="R1-R7-ready-for-resolution"),
    ],
)  # fmt: skip
def test_next_stages(pipeline, on, expected):
    assert [(s.stage, s.allowed) for s in next_stages(pipeline, on)] == expected


def test_next_stages_before_the_resolution_list_missing_steps_and_blockers():
    identified = Pipeline(Candidate(D(2007, 6, 25)))
    stages = next_stages(identified, D(2025, 3, 1))
    assert [s.stage for s in stages] == [
        "source_list",
        "class_passed",
        "introducers_assigned",
        "dossier_prepared",
        "background_verified",
        "comments_collected",
        "cell_resolution",
    ]
    blockers = {f.rule: f for f in stages[-1].blockers}
    assert blockers["R1"].date == D(2025, 6, 1)
    assert {"R1", "R4", "R5", "R6"} <= set(blockers)


def test_stage_keys_match_the_model():
    from ranks.pipeline.models import Stage  # only here: the engine itself imports no Django

    keys = {v for k, v in vars(findings).items() if k.isupper() and isinstance(v, str)}
    keys -= {findings.OK, findings.BLOCKED, findings.WARNING}
    assert keys <= set(Stage.values)
