"""The planning norms R16 and R17 come from 21-NQ/TW by date, and a unit's standing from them."""

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

import pytest

from ranks.pipeline.rules import RULE_SETS, RuleSet
from ranks.pipeline.rules.norms import (
    CELL,
    LATE,
    MEMBERS,
    MET,
    NO_PACE,
    ON_TIME,
    STALLED,
    coverage_norms,
    coverage_standing,
    coverage_standings,
    ratio_norm,
    ratio_norm_of_year,
    ratio_standing,
)

D = dt.date


@dataclass
class Counts:
    total: int
    without_members: int
    without_cell: int


@dataclass
class Point:
    on: dt.date
    by_kind: dict[str, Counts] = field(default_factory=dict)


def trend(*years: tuple[int, int, int], villages: int = 10, groups: int = 0) -> list[Point]:
    """Year-end points (the last on 30 June): (year, villages without members, villages and
    groups without a cell — all of them villages when `groups` is 0)."""
    points = []
    for i, (year, no_members, no_cell) in enumerate(years):
        day = D(year, 6, 30) if i == len(years) - 1 else D(year, 12, 31)
        by_kind = {"village": Counts(villages, no_members, no_cell)}
        if groups:
            by_kind["residential_group"] = Counts(groups, 0, 0)
        points.append(Point(day, by_kind))
    return points


# --- by effective date -------------------------------------------------------------------------


def test_no_norm_is_held_before_the_resolution():
    # Before 21-NQ/TW (2022-06-16) no document states the norms: nothing stands in for them.
    assert ratio_norm(D(2022, 6, 15)) is None
    assert ratio_norm_of_year(2021) is None
    assert coverage_norms(D(2021, 12, 31)) == ()


def test_the_resolution_states_both_norms_from_its_day():
    r16 = ratio_norm(D(2022, 6, 16))
    assert (r16.low, r16.high, r16.rule, r16.document) == (3, 4, "R16", "21-NQ/TW")
    # A year is held to the norm in force on its last day: 2022 is.
    assert ratio_norm_of_year(2022) == r16
    members, cell = coverage_norms(D(2022, 6, 16))
    assert (members.what, members.kinds, members.year) == (MEMBERS, ("village",), 2025)
    assert (cell.what, cell.kinds, cell.year) == (CELL, ("village", "residential_group"), 2030)
    assert {members.document, cell.document, members.rule} == {"21-NQ/TW", "R17"}


def test_a_later_document_replaces_the_norm_from_its_day():
    later = RuleSet(
        document="99-NQ/TW",
        effective_from=D(2027, 1, 1),
        stands_in_before=False,
        values={"admission_norm_percent": ((4, 5), "§1"), "members_norm_year": (2028, "§2")},
    )
    sets = (*RULE_SETS, later)
    assert ratio_norm(D(2026, 12, 31), sets).document == "21-NQ/TW"
    assert (ratio_norm(D(2027, 1, 1), sets).low, ratio_norm(D(2027, 1, 1), sets).clause) == (
        4,
        "§1",
    )
    members, cell = coverage_norms(D(2027, 6, 1), sets)
    assert (members.year, members.document, cell.year) == (2028, "99-NQ/TW", 2030)


@pytest.mark.parametrize(
    "ratio, within", [(2.99, False), (3.0, True), (4.0, True), (4.01, False), (None, None)]
)
def test_within_the_ratio_norm(ratio, within):
    assert ratio_norm(D(2024, 1, 1)).within(ratio) is within


# --- the pace towards a coverage norm ----------------------------------------------------------


def test_three_villages_reached_in_2029_though_the_norm_asked_2025():
    # 6 villages without members at the end of 2023, 3 on 30 June 2026: 1 a year over 3 years.
    points = trend((2022, 7, 9), (2023, 6, 9), (2024, 5, 9), (2025, 4, 9), (2026, 3, 9))
    members, _cell = coverage_norms(D(2026, 6, 30))
    s = coverage_standing(members, points)
    assert (s.short, s.pace, s.pace_years, s.reached, s.status) == (3, 1, 3, 2029, LATE)


def test_a_norm_reached_in_time_at_a_faster_pace():
    # Without a cell: 9 at the end of 2023, 3 in June 2026: 2 a year, so none by 2028 (≤ 2030).
    points = trend((2023, 0, 9), (2024, 0, 7), (2025, 0, 5), (2026, 0, 3))
    _members, cell = coverage_norms(D(2026, 6, 30))
    s = coverage_standing(cell, points)
    assert (s.short, s.pace, s.reached, s.status) == (3, 2, 2028, ON_TIME)


def test_a_fractional_pace_rounds_the_year_up():
    points = trend((2023, 0, 5), (2024, 0, 5), (2025, 0, 4), (2026, 0, 3))
    _members, cell = coverage_norms(D(2026, 6, 30))
    s = coverage_standing(cell, points)
    assert (s.pace, s.reached) == (Fraction(2, 3), 2026 + 5)  # 3 / (2/3) = 4.5 → 5 years


def test_met_stalled_and_no_pace():
    members, cell = coverage_norms(D(2026, 6, 30))
    assert coverage_standing(members, trend((2025, 2, 2), (2026, 0, 2))).status == MET
    stalled = coverage_standing(cell, trend((2023, 0, 2), (2025, 0, 1), (2026, 0, 3)))
    assert (stalled.status, stalled.pace, stalled.reached) == (STALLED, -Fraction(1, 3), None)
    alone = coverage_standing(cell, trend((2026, 0, 4)))
    assert (alone.status, alone.short, alone.pace) == (NO_PACE, 4, None)


def test_the_pace_is_read_over_the_years_recorded_when_fewer_than_three():
    s = coverage_standing(coverage_norms(D(2026, 6, 30))[0], trend((2025, 5, 5), (2026, 3, 3)))
    assert (s.pace, s.pace_years, s.reached) == (2, 1, 2028)


def test_the_cell_norm_counts_villages_and_residential_groups():
    points = [
        Point(D(2026, 6, 30), {"village": Counts(4, 1, 2), "residential_group": Counts(3, 0, 3)})
    ]
    members, cell = coverage_standings(D(2026, 6, 30), points)
    assert (members.places, members.short) == (4, 1)  # the members norm counts villages only
    assert (cell.places, cell.short) == (7, 5)


def test_no_standing_without_places_of_the_kinds_or_before_the_resolution():
    schools = [Point(D(2026, 6, 30), {"school": Counts(5, 5, 5)})]
    assert coverage_standings(D(2026, 6, 30), schools) == ()
    assert coverage_standings(D(2021, 6, 30), trend((2020, 3, 3), (2021, 2, 2))) == ()


# --- the ratio ---------------------------------------------------------------------------------


def test_admissions_short_of_the_ratio_norm_and_the_projection():
    norm = ratio_norm_of_year(2026)
    s = ratio_standing(norm, 2026, admissions=12, members=1001, projected=25.4)
    # 3 % of 1,001 members is 30.03: 31 admissions reach it.
    assert (s.needed, s.short, s.projected, s.projected_ratio) == (31, 19, 25, 2.5)
    assert s.projected_within is False
    assert ratio_standing(norm, 2026, admissions=40, members=1000).short == 0
    assert ratio_standing(norm, 2026, admissions=1, members=0) is None
