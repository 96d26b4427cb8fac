"""The rule of a unit's position in the structure of another date (`ranks.org.restated`): pure."""

import datetime as dt

import pytest

from ranks.org.restated import Span, chain_on, nearest, position_on

pytestmark = pytest.mark.pure

D = dt.date
OLD_END = D(2025, 6, 30)
NEW = D(2025, 7, 1)
# 1 province; 2 districts until the reform; communes 11, 12 under district 10 merged into 30;
# commune 21 under district 20, which is dissolved into the province; cells below them.
VERSIONS = {
    1: [Span(None)],
    10: [Span(1, None, OLD_END)],
    20: [Span(1, None, OLD_END)],
    11: [Span(10, None, OLD_END)],
    12: [Span(10, None, OLD_END)],
    21: [Span(20, None, OLD_END), Span(1, NEW)],
    30: [Span(1, NEW)],
    111: [Span(11, None, OLD_END), Span(30, NEW)],  # moved into the new commune
    112: [Span(11, None, D(2025, 3, 31))],  # closed before the reform, went nowhere
    121: [Span(12, None, D(2024, 12, 31))],
    301: [Span(30, D(2026, 1, 1))],  # opened after the reform
    211: [Span(21, None)],
}
SUCCESSORS = {11: 30, 12: 30, 20: 1}


@pytest.mark.parametrize(
    ("unit", "day", "expected"),
    [
        (111, D(2024, 6, 1), 111),  # in force: itself
        (111, D(2026, 6, 1), 111),
        (11, D(2026, 6, 1), 30),  # closed, merged: its successor
        (20, D(2026, 6, 1), 1),  # dissolved into the province
        (112, D(2026, 6, 1), 30),  # closed cell: its parent, then the parent's successor
        (112, D(2025, 5, 1), 11),  # closed before S, parent still in force
        (121, D(2026, 6, 1), 30),
        (301, D(2024, 6, 1), 1),  # opened after S: its first parent, then that one's parent
        (30, D(2024, 6, 1), 1),  # not closed before S: no successor is used
        (211, D(2024, 6, 1), 211),
        (99, D(2024, 6, 1), None),  # unknown
    ],
)
def test_position_on(unit, day, expected):
    assert position_on(unit, day, VERSIONS, SUCCESSORS) == expected


def test_a_successor_that_is_itself_closed_is_followed():
    versions = {**VERSIONS, 30: [Span(1, NEW, D(2026, 12, 31))], 40: [Span(1, D(2027, 1, 1))]}
    assert position_on(11, D(2027, 6, 1), versions, {**SUCCESSORS, 30: 40}) == 40
    assert position_on(11, D(2027, 6, 1), versions, SUCCESSORS) == 1


def test_a_loop_gives_none():
    versions = {5: [Span(6, None, D(2020, 1, 1))], 6: [Span(5, None, D(2020, 1, 1))]}
    assert position_on(5, D(2024, 1, 1), versions, {}) is None
    assert position_on(5, D(2024, 1, 1), versions, {5: 6, 6: 5}) is None


def test_nearest_version():
    spans = [Span(1, D(2020, 1, 1), D(2020, 12, 31)), Span(2, D(2022, 1, 1), D(2022, 12, 31))]
    assert nearest(spans, D(2021, 3, 1)).parent == 1
    assert nearest(spans, D(2021, 11, 1)).parent == 2
    assert nearest(spans, D(2019, 1, 1)).parent == 1
    assert nearest(spans, D(2030, 1, 1)).parent == 2


def test_chain_on():
    assert chain_on(111, D(2024, 1, 1), VERSIONS) == [111, 11, 10, 1]
    assert chain_on(111, D(2026, 1, 1), VERSIONS) == [111, 30, 1]
    assert chain_on(301, D(2024, 1, 1), VERSIONS) == []
