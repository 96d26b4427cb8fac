"""`ranks tree`: the tree of a date, within the acting user's scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ranks.org.models import Unit, UnitKind, UnitVersion
from tests.cli.helpers import ranks, ranks_fails

OLD_TREE = [
    "P  Đảng bộ tỉnh Thử  (provincial_committee)",
    "  D1  Đảng bộ huyện Một  (district_committee)",
    "    C1  Đảng bộ xã Một  (grassroots_committee)",
    "      C1-A  Chi bộ thôn Đông  (cell)",
    "      C1-B  Chi bộ trường Tiểu học  (cell)",
    "  D2  Đảng bộ huyện Hai  (district_committee)",
    "    C2  Đảng bộ xã Hai  (grassroots_committee)",
    "      C2-A  Chi bộ bản Nà  (cell)",
]


def test_the_whole_tree_of_a_date(world):
    assert ranks("tree", "--on", "2024-01-01") == OLD_TREE


def test_the_tree_after_the_reform_written_as_vietnamese_users_write_dates(world):
    assert ranks("tree", "--on", "01/07/2025") == [
        "C2  Đảng bộ xã Hai  (grassroots_committee)",
        "  C2-A  Chi bộ bản Nà  (cell)",
        "N1  Đảng bộ xã Mới  (commune_committee)",
        "  C1-A  Chi bộ thôn Đông  (cell)",
        "  C1-B  Chi bộ trường Tiểu học  (cell)",
    ]


def test_officers_of_two_communes_see_only_their_own(world):
    alice = ranks("tree", "--as", "alice", "--on", "2024-01-01")
    bob = ranks("tree", "--as", "bob", "--on", "2024-01-01")
    assert alice == [
        "C1  Đảng bộ xã Một  (grassroots_committee)",
        "  C1-A  Chi bộ thôn Đông  (cell)",
        "  C1-B  Chi bộ trường Tiểu học  (cell)",
    ]
    assert bob == ["C2  Đảng bộ xã Hai  (grassroots_committee)", "  C2-A  Chi bộ bản Nà  (cell)"]


def test_a_grant_follows_cells_into_the_new_commune(world):
    assert ranks("tree", "--as", "alice", "--on", "2026-01-01") == [
        "N1  Đảng bộ xã Mới  (commune_committee)",
        "  C1-A  Chi bộ thôn Đông  (cell)",
        "  C1-B  Chi bộ trường Tiểu học  (cell)",
    ]


def test_a_grant_at_a_dissolved_province_shows_nothing_after_it(world):
    assert ranks("tree", "--as", "vera", "--on", "2024-01-01") == OLD_TREE
    assert ranks("tree", "--as", "vera", "--on", "2026-01-01") == [
        "No units in your scope on 2026-01-01."
    ]


def test_a_superuser_sees_everything(world):
    assert ranks("tree", "--as", "root", "--on", "2024-01-01") == OLD_TREE


def test_one_unit_and_its_subtree(world):
    assert ranks("tree", "--on", "2024-01-01", "--unit", "D2") == [
        "D2  Đảng bộ huyện Hai  (district_committee)",
        "  C2  Đảng bộ xã Hai  (grassroots_committee)",
        "    C2-A  Chi bộ bản Nà  (cell)",
    ]


def test_depth_limits_the_levels_printed(world):
    assert ranks("tree", "--on", "2024-01-01", "--depth", "1") == [
        OLD_TREE[0],
        OLD_TREE[1],
        OLD_TREE[5],
    ]
    assert ranks("tree", "--on", "2024-01-01", "--depth", "0") == [OLD_TREE[0]]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--on", "2024-13-01"], "Not a date: 2024-13-01. Write YYYY-MM-DD or DD/MM/YYYY."),
        (["--on", "31/02/2024"], "Not a date: 31/02/2024. Write YYYY-MM-DD or DD/MM/YYYY."),
        (["--on", "yesterday"], "Not a date: yesterday. Write YYYY-MM-DD or DD/MM/YYYY."),
        (["--depth", "-1"], "The depth must be 0 or more."),
        (["--unit", "NOPE"], "Unknown unit code: NOPE."),
        (["--unit", "N1", "--on", "2024-01-01"], "The unit does not exist on 2024-01-01."),
        (["--as", "nobody"], "Unknown user: nobody."),
        # Bob may not look into alice's commune: it reads as if it did not exist.
        (["--as", "bob", "--unit", "C1"], "Unknown unit code: C1."),
    ],
)
def test_bad_input_exits_2_with_a_message(world, args, message):
    assert ranks_fails("tree", *args) == (2, message)


def test_no_units_on_a_date_before_any(world):
    assert ranks("tree", "--on", "1990-01-01") == ["No units on 1990-01-01."]


def _chain(depth):
    kind = UnitKind.objects.get(key="cell")
    units = Unit.objects.bulk_create([Unit(code=f"L{i:02}") for i in range(depth)])
    UnitVersion.objects.bulk_create(
        UnitVersion(unit=u, name=u.code, kind=kind, parent=units[i - 1] if i else None)
        for i, u in enumerate(units)
    )


@pytest.mark.parametrize("depth", [2, 50])
def test_the_tree_costs_the_same_queries_whatever_its_depth(world, depth):
    _chain(depth)
    with CaptureQueriesContext(connection) as queries:
        lines = ranks("tree", "--as", "vera", "--on", "2024-01-01")
    assert lines == OLD_TREE
    scoped = len(queries)
    with CaptureQueriesContext(connection) as queries:
        lines = ranks("tree", "--on", "2024-01-01", "--unit", "L00")
    assert lines[-1] == f"{'  ' * (depth - 1)}L{depth - 1:02}  L{depth - 1:02}  (cell)"
    # Scoped: the user, their grants, the tree. One unit: the unit, its subtree.
    assert (scoped, len(queries)) == (3, 2)
