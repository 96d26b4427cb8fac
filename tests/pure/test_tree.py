"""The tree of a date, read from effective-dated versions: the 2025 reform in miniature."""

import datetime as dt

import pytest

from ranks.org.tree import (
    BEGINNING,
    Tree,
    Version,
    boundary_dates,
    find_cycle,
    find_overlaps,
    history,
    in_force,
    overlaps,
)

D = dt.date
REFORM = D(2025, 7, 1)
LAST_OLD_DAY = D(2025, 6, 30)

# Province P → district D1 → commune C1 → cells C1-A, C1-B; district D2 → commune C2 → cell C2-A.
# On 2025-07-01 the districts close and new commune N1 takes C1-A and C1-B (C1-A renamed).
VERSIONS = [
    Version("P", None, D(2000, 1, 1), LAST_OLD_DAY, "Tỉnh", "provincial_committee"),
    Version("D1", "P", D(2000, 1, 1), LAST_OLD_DAY, "Huyện Một", "district_committee"),
    Version(
        "D2",
        "P",
        D(2000, 1, 1),
        LAST_OLD_DAY,
        "Huyện Hai",
        "district_committee",
        frozenset({"mountainous"}),
    ),
    Version("C1", "D1", D(2000, 1, 1), LAST_OLD_DAY, "Xã Một", "grassroots_committee"),
    Version(
        "C2", "D2", D(2000, 1, 1), None, "Xã Hai", "grassroots_committee", frozenset({"border"})
    ),
    Version("C1-A", "C1", D(2000, 1, 1), LAST_OLD_DAY, "Chi bộ thôn Đông", "cell"),
    Version("C1-A", "N1", REFORM, None, "Chi bộ thôn Đông Mới", "cell"),
    Version("C1-B", "C1", D(2000, 1, 1), LAST_OLD_DAY, "Chi bộ trường", "cell"),
    Version("C1-B", "N1", REFORM, None, "Chi bộ trường", "cell"),
    Version("C2-A", "C2", D(2000, 1, 1), None, "Chi bộ bản Nà", "cell"),
    Version("N1", None, REFORM, None, "Xã Mới", "commune_committee"),
]


@pytest.mark.parametrize(
    "day, roots, children_of, expected_children",
    [
        (D(2024, 1, 1), ["P"], "C1", ["C1-A", "C1-B"]),
        (LAST_OLD_DAY, ["P"], "P", ["D1", "D2"]),
        # C2 was not moved by the reform: its parent closed, so it stands as a root.
        (REFORM, ["C2", "N1"], "N1", ["C1-A", "C1-B"]),
        (D(1999, 12, 31), [], "P", []),
    ],
)
def test_tree_of_a_date(day, roots, children_of, expected_children):
    tree = Tree(VERSIONS, day)
    assert tree.roots() == roots
    assert tree.children(children_of) == expected_children


def test_a_version_is_valid_on_its_first_and_last_day_only():
    version = Version("X", None, D(2020, 1, 1), D(2020, 12, 31))
    assert [version.valid_on(d) for d in (D(2019, 12, 31), D(2020, 1, 1))] == [False, True]
    assert [version.valid_on(d) for d in (D(2020, 12, 31), D(2021, 1, 1))] == [True, False]
    assert Version("Y", None).valid_on(BEGINNING)


@pytest.mark.parametrize(
    "valid_from, valid_to, day, expected",
    [
        (D(2020, 1, 1), D(2020, 12, 31), D(2020, 1, 1), True),
        (D(2020, 1, 1), D(2020, 12, 31), D(2020, 12, 31), True),
        (D(2020, 1, 1), D(2020, 12, 31), D(2019, 12, 31), False),
        (D(2020, 1, 1), D(2020, 12, 31), D(2021, 1, 1), False),
        (None, D(2020, 12, 31), BEGINNING, True),
        (D(2020, 1, 1), None, D(9999, 12, 31), True),
        (None, None, REFORM, True),
    ],
)
def test_a_period_is_in_force_from_its_first_to_its_last_day(valid_from, valid_to, day, expected):
    assert in_force(valid_from, valid_to, day) is expected


def test_the_moved_cell_has_the_name_of_the_date():
    assert Tree(VERSIONS, LAST_OLD_DAY).by_code["C1-A"].name == "Chi bộ thôn Đông"
    assert Tree(VERSIONS, REFORM).by_code["C1-A"].name == "Chi bộ thôn Đông Mới"


@pytest.mark.parametrize(
    "day, code, ancestors",
    [
        (D(2024, 1, 1), "C1-A", ["P", "D1", "C1"]),
        (D(2024, 1, 1), "P", []),
        (REFORM, "C1-A", ["N1"]),
        (REFORM, "C2-A", ["C2"]),
    ],
)
def test_ancestors_run_from_the_root_down_to_the_parent(day, code, ancestors):
    assert Tree(VERSIONS, day).ancestors(code) == ancestors


def test_subtree_is_depth_first_from_the_unit():
    tree = Tree(VERSIONS, D(2024, 1, 1))
    assert tree.subtree("P") == ["P", "D1", "C1", "C1-A", "C1-B", "D2", "C2", "C2-A"]
    assert tree.subtree("C2-A") == ["C2-A"]
    assert Tree(VERSIONS, REFORM).subtree("N1") == ["N1", "C1-A", "C1-B"]


def test_area_flags_are_inherited_downward_on_the_date():
    assert Tree(VERSIONS, D(2024, 1, 1)).inherited_flags("C2-A") == {"mountainous", "border"}
    # After the reform the mountainous district is gone; the commune's own flag stays.
    assert Tree(VERSIONS, REFORM).inherited_flags("C2-A") == {"border"}
    assert Tree(VERSIONS, D(2024, 1, 1)).inherited_flags("C1-A") == frozenset()


def test_a_tree_with_a_loop_has_no_root_and_finite_ancestors():
    loop = [Version("A", "B"), Version("B", "A")]
    tree = Tree(loop, D(2024, 1, 1))
    assert tree.roots() == []
    assert tree.ancestors("A") == ["B"]


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ((D(2020, 1, 1), D(2020, 12, 31)), (D(2021, 1, 1), D(2021, 12, 31)), False),
        ((D(2020, 1, 1), D(2020, 12, 31)), (D(2020, 12, 31), D(2021, 12, 31)), True),
        ((D(2020, 1, 1), D(2020, 12, 31)), (D(2020, 3, 1), D(2020, 4, 1)), True),
        ((D(2021, 1, 1), D(2021, 12, 31)), (D(2020, 1, 1), D(2020, 12, 31)), False),
    ],
)
def test_periods_overlap_when_they_share_a_day(a, b, expected):
    assert overlaps(*a, *b) is expected


def test_find_overlaps_reports_each_pair_of_one_code_once():
    versions = [
        Version("X", None, D(2020, 1, 1), D(2020, 12, 31)),
        Version("X", None, D(2020, 6, 1), None),
        Version("Y", None, D(2020, 6, 1), None),
        Version("Z", None, D(2020, 1, 1), D(2020, 5, 31)),
        Version("Z", None, D(2020, 6, 1), None),
    ]
    assert find_overlaps(versions) == [(versions[0], versions[1])]
    assert find_overlaps(VERSIONS) == []


def test_find_cycle_names_the_first_date_and_the_loop():
    versions = [
        Version("A", None, D(2000, 1, 1), D(2019, 12, 31)),
        Version("A", "C", D(2020, 1, 1), None),
        Version("B", "A", D(2000, 1, 1), None),
        Version("C", "B", D(2000, 1, 1), None),
    ]
    day, loop = find_cycle(versions)
    assert day == D(2020, 1, 1)
    assert sorted(loop) == ["A", "B", "C"]
    assert find_cycle(VERSIONS) is None


def test_boundary_dates_are_starts_and_days_after_ends():
    versions = [
        Version("A", None, D(2000, 1, 1), D(2019, 12, 31)),
        Version("B", None, None, None),
    ]
    assert boundary_dates(versions) == [BEGINNING, D(2000, 1, 1), D(2020, 1, 1)]


def test_history_of_a_moved_and_renamed_cell():
    assert _events(VERSIONS, "C1-A") == [
        ("opened", D(2000, 1, 1), None, "C1"),
        ("moved", REFORM, "C1", "N1"),
        ("renamed", REFORM, "Chi bộ thôn Đông", "Chi bộ thôn Đông Mới"),
    ]


def _events(versions, code):
    return [
        (e.what, e.day, e.before, e.after) for e in history(v for v in versions if v.code == code)
    ]


@pytest.mark.parametrize(
    "versions, expected",
    [
        (
            [Version("X", "P", D(2000, 1, 1), D(2025, 6, 30))],
            [("opened", D(2000, 1, 1), None, "P"), ("closed", D(2025, 6, 30), None, None)],
        ),
        (
            [
                Version("X", "P", D(2000, 1, 1), D(2009, 12, 31), "Old"),
                Version("X", "P", D(2012, 1, 1), None, "Old"),
            ],
            [
                ("opened", D(2000, 1, 1), None, "P"),
                ("closed", D(2009, 12, 31), None, None),
                ("reopened", D(2012, 1, 1), None, "P"),
            ],
        ),
        (
            [
                Version("X", "P", D(2000, 1, 1), D(2009, 12, 31), "X", "cell"),
                Version("X", "P", D(2010, 1, 1), None, "X", "grassroots_cell"),
            ],
            [
                ("opened", D(2000, 1, 1), None, "P"),
                ("kind_changed", D(2010, 1, 1), "cell", "grassroots_cell"),
            ],
        ),
        # Versions given out of order are read in date order.
        (
            [
                Version("X", "Q", D(2010, 1, 1), None),
                Version("X", "P", None, D(2009, 12, 31)),
            ],
            [("opened", None, None, "P"), ("moved", D(2010, 1, 1), "P", "Q")],
        ),
    ],
)
def test_history_reads_what_happened(versions, expected):
    assert _events(versions, "X") == expected


def test_history_tells_admission_authority_only_when_asked():
    versions = [
        Version("X", "P", D(2000, 1, 1), D(2009, 12, 31), "X", "commune_committee"),
        Version("X", "P", D(2010, 1, 1), D(2019, 12, 31), "X", "commune_committee", can_admit=True),
        Version("X", "P", D(2020, 1, 1), None, "Y", "commune_committee", can_admit=False),
    ]
    assert [(e.what, e.day, e.before, e.after) for e in history(versions, can_admit=True)] == [
        ("opened", D(2000, 1, 1), None, "P"),
        ("can_admit_changed", D(2010, 1, 1), "false", "true"),
        ("renamed", D(2020, 1, 1), "X", "Y"),
        ("can_admit_changed", D(2020, 1, 1), "true", "false"),
    ]
    assert [e.what for e in history(versions)] == ["opened", "renamed"]
