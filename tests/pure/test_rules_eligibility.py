"""Eligibility to be considered (R1–R7), with the regulations' own examples."""

import dataclasses
import datetime as dt

import pytest

from ranks.pipeline.rules import (
    TEMPLATES,
    Candidate,
    Certificate,
    Document,
    Introducer,
    Pipeline,
    Vote,
    evaluate,
    render,
)

D = dt.date

OFFICIAL_MEMBER = Introducer(official_since=D(2010, 1, 1), joined_unit_on=D(2015, 1, 1))
GRADUATE = Candidate(D(2000, 5, 20))
READY = Pipeline(
    GRADUATE,
    certificate=Certificate(D(2024, 9, 1)),
    documents=(Document("application", D(2025, 1, 10)), Document("background", D(2025, 1, 5))),
    introducers=(OFFICIAL_MEMBER, OFFICIAL_MEMBER),
)


def findings(pipeline, on, rule):
    return [f for f in evaluate(pipeline, on) if f.rule == rule]


def test_a_complete_candidate_is_eligible():
    assert all(f.status == "ok" for f in evaluate(READY, D(2025, 3, 1)))


@pytest.mark.parametrize(
    "birth, on, rule, status, date",
    [
        # A 17-year-old graduate becomes eligible in the month of the 18th birthday.
        pytest.param(D(2007, 6, 25), D(2025, 5, 31), "R1", "blocked", D(2025, 6, 1), id="R1-month-before"),
        pytest.param(D(2007, 6, 25), D(2025, 6, 1), "R1", "ok", None, id="R1-first-day-of-18th-birthday-month"),
        pytest.param(D(2007, 6, 25), D(2025, 6, 24), "R1", "ok", None, id="R1-before-the-birthday-itself"),
        # 60 full years counted in months: the birthday's month is ok, the month after is not.
        pytest.param(D(1965, 3, 10), D(2025, 3, 31), "R2", "ok", None, id="R2-month-of-60th-birthday"),
        pytest.param(D(1965, 3, 10), D(2025, 4, 1), "R2", "blocked", None, id="R2-month-after-60th-birthday"),
    ],
)  # fmt: skip
def test_age_counted_in_months(birth, on, rule, status, date):
    pipeline = dataclasses.replace(READY, candidate=Candidate(birth))
    (finding,) = findings(pipeline, on, rule)
    assert (finding.status, finding.date) == (status, date)


def test_R2_over_60_with_consent_where_there_is_no_member():
    elder = Candidate(D(1960, 1, 1), over_60_consent=True, no_member_or_org_where_lives=True)
    (finding,) = findings(dataclasses.replace(READY, candidate=elder), D(2025, 3, 1), "R2")
    assert (finding.status, finding.code, finding.document) == (
        "ok",
        "age_over_max_exempted",
        "01-HD/TW",
    )


def test_R2_consent_alone_is_not_enough():
    elder = Candidate(D(1960, 1, 1), over_60_consent=True)
    (finding,) = findings(dataclasses.replace(READY, candidate=elder), D(2025, 3, 1), "R2")
    assert finding.status == "blocked"


@pytest.mark.parametrize(
    "education, flags, elder, status, code",
    [
        pytest.param("lower_secondary", (), False, "ok", "education_ok", id="R3-lower-secondary"),
        pytest.param("upper_secondary", (), False, "ok", "education_ok", id="R3-upper-secondary"),
        pytest.param("primary", ("mountainous",), False, "ok", "education_exempt_area", id="R3-primary-mountainous"),
        pytest.param("primary", ("fishermen",), False, "ok", "education_exempt_area", id="R3-primary-fishermen"),
        pytest.param("primary", (), False, "blocked", "education_insufficient", id="R3-primary-elsewhere"),
        pytest.param("read_write", ("border",), True, "ok", "education_village_elder", id="R3-village-elder"),
        pytest.param("read_write", ("border",), False, "blocked", "education_insufficient", id="R3-read-write-no-consent"),
        pytest.param("read_write", (), True, "blocked", "education_insufficient", id="R3-elder-outside-area"),
    ],
)  # fmt: skip
def test_education(education, flags, elder, status, code):
    candidate = Candidate(D(2000, 1, 1), education, frozenset(flags), village_elder_consent=elder)
    (finding,) = findings(dataclasses.replace(READY, candidate=candidate), D(2025, 3, 1), "R3")
    assert (finding.status, finding.code) == (status, code)


@pytest.mark.parametrize(
    "issued, resolution, status, citation",
    [
        # 06-HD/TW's example: issued 2020-01-15, 60 months end 2025-01-15.
        pytest.param(D(2020, 1, 15), D(2025, 2, 3), "blocked", "232-QĐ/TW", id="R4-expired-2025-02-03"),
        pytest.param(D(2020, 1, 15), D(2025, 1, 15), "ok", "24-QĐ/TW", id="R4-last-day"),
        pytest.param(D(2020, 1, 15), D(2025, 1, 16), "blocked", "24-QĐ/TW", id="R4-day-after"),
    ],
)  # fmt: skip
def test_certificate_valid_60_months_to_the_cell_resolution(issued, resolution, status, citation):
    pipeline = dataclasses.replace(
        READY,
        certificate=Certificate(issued),
        documents=(Document("application", resolution),),
        vote=Vote(resolution, 5, 7),
    )
    (finding,) = findings(pipeline, D(2025, 9, 1), "R4")
    assert finding.status == status
    assert finding.params["valid_until"] == D(2025, 1, 15)
    assert finding.document in ("01-HD/TW", "06-HD/TW")
    assert findings(pipeline, D(2025, 9, 1), "R1")[0].document == citation


def test_R4_no_certificate():
    (finding,) = findings(dataclasses.replace(READY, certificate=None), D(2025, 3, 1), "R4")
    assert (finding.status, finding.code) == ("blocked", "certificate_missing")


@pytest.mark.parametrize(
    "dated, on, status",
    [
        pytest.param(D(2024, 3, 1), D(2025, 3, 1), "ok", id="R5-exactly-12-months"),
        pytest.param(D(2024, 2, 28), D(2025, 3, 1), "blocked", id="R5-older-than-12-months"),
    ],
)
def test_dossier_documents_at_most_12_months_old(dated, on, status):
    pipeline = dataclasses.replace(READY, documents=(Document("background", dated),))
    (finding,) = findings(pipeline, on, "R5")
    assert finding.status == status


ON = D(2025, 3, 1)
PROBATIONARY = Introducer(official_since=None, probationary=True, joined_unit_on=D(2020, 1, 1))
NEWCOMER = Introducer(official_since=D(2010, 1, 1), joined_unit_on=D(2024, 4, 1))  # 11 months
REPLACEMENT = Introducer(
    official_since=D(2010, 1, 1), joined_unit_on=D(2025, 2, 1), replacement=True
)
LEFT = dataclasses.replace(OFFICIAL_MEMBER, left_on=D(2025, 1, 1))
YOUTH_UNION = Introducer(youth_union_resolution=True)


@pytest.mark.parametrize(
    "introducers, youth_union, status, codes, date",
    [
        pytest.param((OFFICIAL_MEMBER, OFFICIAL_MEMBER), False, "ok", {"introducers_ok"}, None, id="R6-two-official"),
        pytest.param((OFFICIAL_MEMBER, PROBATIONARY), False, "blocked", {"introducer_probationary", "introducers_missing"}, None, id="R6-probationary-refused"),
        pytest.param((OFFICIAL_MEMBER, NEWCOMER), False, "blocked", {"introducer_too_recent", "introducers_missing"}, D(2025, 4, 1), id="R6-11-months-refused"),
        pytest.param((OFFICIAL_MEMBER, REPLACEMENT), False, "ok", {"introducers_ok"}, None, id="R6-replacement-no-12-months"),
        pytest.param((OFFICIAL_MEMBER, LEFT), False, "blocked", {"introducer_left", "introducers_missing"}, None, id="R6-introducer-left"),
        pytest.param((YOUTH_UNION, OFFICIAL_MEMBER), True, "ok", {"introducers_ok"}, None, id="R6-youth-union-plus-one"),
        pytest.param((YOUTH_UNION, OFFICIAL_MEMBER), False, "blocked", {"introducers_missing"}, None, id="R6-youth-union-for-non-member"),
        pytest.param((OFFICIAL_MEMBER,), False, "blocked", {"introducers_missing"}, None, id="R6-only-one"),
    ],
)  # fmt: skip
def test_introducers(introducers, youth_union, status, codes, date):
    candidate = dataclasses.replace(GRADUATE, is_youth_union=youth_union)
    pipeline = dataclasses.replace(READY, candidate=candidate, introducers=introducers)
    found = findings(pipeline, ON, "R6")
    assert {f.code for f in found} == codes
    count = found[-1]
    assert (count.status, count.date) == (status, date)


@pytest.mark.parametrize(
    "votes_for, official_members, status",
    [
        pytest.param(5, 7, "ok", id="R7-5-of-7-passes"),
        pytest.param(4, 7, "blocked", id="R7-4-of-7-fails"),
        pytest.param(2, 3, "ok", id="R7-2-of-3-passes"),
        pytest.param(6, 9, "ok", id="R7-exactly-two-thirds"),
        pytest.param(0, 0, "blocked", id="R7-no-members"),
    ],
)
def test_vote_two_thirds_of_all_official_members(votes_for, official_members, status):
    pipeline = dataclasses.replace(READY, vote=Vote(D(2025, 3, 3), votes_for, official_members))
    (finding,) = findings(pipeline, D(2025, 3, 3), "R7")
    assert finding.status == status
    assert finding.citation == "Charter Art. 4.3"


def test_R14_vote_in_a_cell_too_small_warns():
    pipeline = dataclasses.replace(READY, vote=Vote(D(2025, 3, 3), 2, 2))
    (finding,) = findings(pipeline, D(2025, 3, 3), "R14")
    assert finding.status == "warning"


def test_eligibility_is_judged_on_the_day_of_the_cell_resolution():
    # The resolution was held before the 18th birthday month; later days do not cure it.
    young = dataclasses.replace(
        READY, candidate=Candidate(D(2007, 6, 25)), vote=Vote(D(2025, 5, 15), 5, 7)
    )
    (finding,) = findings(young, D(2025, 9, 1), "R1")
    assert finding.status == "blocked"


def test_every_code_has_a_template_that_renders():
    pipelines = [READY, dataclasses.replace(READY, candidate=Candidate(D(2010, 1, 1), "primary"))]
    for pipeline in pipelines:
        for finding in evaluate(pipeline, ON):
            assert finding.code in TEMPLATES
            assert render(finding.code, finding.params)
