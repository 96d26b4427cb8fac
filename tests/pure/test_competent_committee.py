"""R18 without a database: who is competent, why, when it changed, and the refusal's citation."""

import datetime as dt

from ranks.org.tree import competent, competent_authorised, competent_change
from ranks.pipeline.rules import BLOCKED, render, rules_on, wrong_committee

D = dt.date


def test_the_grassroots_committee_decides_when_it_is_authorised():
    assert (competent([("G", True), ("D", True)]), competent_authorised([("G", True)])) == (
        "G",
        True,
    )
    above = [("G", False), ("D", True)]
    assert (competent(above), competent_authorised(above)) == ("D", False)


def test_the_last_change_over_dated_points():
    points = [(D(2025, 6, 2), "D1"), (D(2025, 7, 1), "N1"), (D(2025, 8, 1), "N1")]
    assert competent_change(points) == (D(2025, 7, 1), "N1", "D1")
    assert competent_change(points[:1]) is None
    assert competent_change([(D(2025, 1, 1), "A"), (D(2025, 2, 1), "A")]) is None


def test_a_decision_for_another_unit_cites_the_regulation_in_force_and_its_guidance():
    assert wrong_committee(D(2025, 3, 24), committee="X", competent="X", authorised=True) is None
    for day, document, guidance in (
        (D(2024, 5, 2), "24-QĐ/TW", "01-HD/TW"),
        (D(2025, 3, 24), "232-QĐ/TW", "01-HD/TW"),
        (D(2025, 8, 1), "294-QĐ/TW", "06-HD/TW"),
    ):
        found = wrong_committee(day, committee="C1", competent="D1", authorised=False)
        assert found is not None
        assert (found.rule, found.status, found.document) == ("R18", BLOCKED, document)
        assert found.clause == rules_on(day).source("decision_committee").clause
        assert found.params["guidance"].startswith(guidance + " ")
        assert render(found.code, found.params).startswith("The admission decision belongs to D1")
