"""Rule values come from the document in force on the day, and findings name it."""

import datetime as dt
from fractions import Fraction

import pytest

from ranks.pipeline.rules import RULE_SETS, Candidate, Certificate, Pipeline, evaluate, rules_on

D = dt.date


@pytest.mark.parametrize(
    "day, key, citation",
    [
        pytest.param(D(2024, 6, 1), "min_age_months", "24-QĐ/TW §1.1.1", id="R1-2024-24QD"),
        pytest.param(D(2025, 2, 3), "min_age_months", "232-QĐ/TW §1.1.1", id="R1-2025-232QD"),
        pytest.param(D(2025, 8, 1), "min_age_months", "294-QĐ/TW §1.1.1", id="R1-2025-294QD"),
        pytest.param(D(2024, 6, 1), "max_age_exemption", "01-HD/TW §1.1", id="R2-2024-01HD"),
        pytest.param(D(2025, 8, 1), "certificate_valid_months", "06-HD/TW §5.4", id="R4-06HD"),
        pytest.param(D(2024, 6, 1), "dossier_valid_months", "01-HD/TW §3.4", id="R5-01HD"),
        pytest.param(D(2025, 8, 1), "vote_share", "Charter Art. 4.3", id="R7-charter"),
        pytest.param(D(2025, 8, 1), "probation_months", "Charter Art. 5.1", id="R10-charter"),
        pytest.param(D(2025, 2, 3), "decision_wd", "232-QĐ/TW §4.3.1", id="R8-232QD"),
        pytest.param(D(2025, 2, 3), "ceremony_wd", "232-QĐ/TW §4.1", id="R9-232QD"),
    ],
)
def test_values_cite_the_document_in_force(day, key, citation):
    assert rules_on(day).source(key).citation == citation


@pytest.mark.parametrize(
    "key, value",
    [
        pytest.param("min_age_months", 216, id="R1"),
        pytest.param("max_age_months", 720, id="R2"),
        pytest.param("education_required", "lower_secondary", id="R3"),
        pytest.param("certificate_valid_months", 60, id="R4"),
        pytest.param("dossier_valid_months", 12, id="R5"),
        pytest.param("introducer_count", 2, id="R6-count"),
        pytest.param("introducer_months_together", 12, id="R6-months"),
        pytest.param("vote_share", Fraction(2, 3), id="R7"),
        pytest.param("decision_wd", 60, id="R8"),
        pytest.param("decision_extension_wd", 30, id="R8-extension"),
        pytest.param("ceremony_wd", 30, id="R9"),
        pytest.param("probation_months", 12, id="R10"),
        pytest.param("recognition_cell_wd", 30, id="R11-cell"),
        pytest.param("recognition_committee_wd", 30, id="R11-committee"),
        pytest.param("recognition_max_votes", 3, id="R12"),
        pytest.param("cell_min_official_members", 3, id="R14-cell"),
        pytest.param("cell_committee_threshold", 9, id="R14-committee"),
        pytest.param("working_away_comment_months", 12, id="R15"),
    ],
)
@pytest.mark.parametrize("day", [D(2024, 6, 1), D(2025, 2, 3), D(2025, 8, 1)])
def test_every_value_is_stated_on_every_day(key, value, day):
    assert rules_on(day)[key] == value


def test_regulations_do_not_overlap():
    regulations = sorted(
        (r for r in RULE_SETS if r.document.endswith("QĐ/TW") and "min_age_months" in r.values),
        key=lambda r: r.effective_from,
    )
    for earlier, later in zip(regulations, regulations[1:], strict=False):
        assert earlier.effective_to == later.effective_from - dt.timedelta(days=1)


@pytest.mark.parametrize(
    "on, regulation, guidance",
    [
        pytest.param(D(2024, 6, 1), "24-QĐ/TW", "01-HD/TW", id="R1-R4-2024"),
        pytest.param(D(2025, 8, 1), "294-QĐ/TW", "06-HD/TW", id="R1-R4-2025-08"),
    ],
)
def test_findings_name_the_document_of_the_day(on, regulation, guidance):
    pipeline = Pipeline(Candidate(D(2000, 1, 1)), certificate=Certificate(D(2024, 1, 1)))
    by_rule = {f.rule: f for f in evaluate(pipeline, on)}
    assert by_rule["R1"].document == regulation
    assert by_rule["R4"].document == guidance
