"""Coverage on a date and its trend: places without members, places without a cell."""

import datetime as dt

import pytest

from ranks.core.actor import SYSTEM
from ranks.coverage.recount import Records
from ranks.coverage.selectors import (
    BlankPlaces,
    counted_coverage,
    coverage_on,
    coverage_trend,
    places_by_owner,
)
from ranks.org.models import Unit
from ranks.org.services import place_version_save, unit_version_save
from ranks.people.models import Membership, PersonPlace
from ranks.people.services import membership_admit, membership_leave, person_save

D = dt.date


def unit(code):
    return Unit.objects.get(code=code)


def blank(coverage):
    return {(b.code, b.has_members, b.has_cell) for b in coverage.blank}


def test_the_small_world_on_a_date(world):
    # V1 (village, C1-A): Nguyễn Văn An lives there; S1 (school, C1-B): no member lives or
    # works there; V2 (village, C2-A): Nguyễn Văn Lan.
    c = coverage_on(unit("P"), D(2024, 6, 1))
    assert c.totals.as_dict() == {"total": 3, "without_members": 1, "without_cell": 0}
    assert c.by_kind["school"].as_dict() == {"total": 1, "without_members": 1, "without_cell": 0}
    assert blank(c) == {("S1", False, True)}
    # D2 is mountainous: V2 inherits the flag.
    assert c.by_flag["mountainous"].as_dict() == {
        "total": 1,
        "without_members": 0,
        "without_cell": 0,
    }
    assert {k: v.total for k, v in c.by_child.items()} == {"D1": 2, "D2": 1}


def test_a_year_in_which_a_blank_village_gets_a_member_and_a_cell(world):
    place_version_save(
        actor=SYSTEM, code="V3", name="Bản Mới", kind="village", unit_code="C2",
        valid_from=D(2018, 1, 1), valid_to=D(2021, 4, 30),
    )  # fmt: skip
    unit_version_save(
        actor=SYSTEM, code="C2-B", name="Chi bộ bản Mới", kind="cell", parent_code="C2",
        valid_from=D(2021, 5, 1),
    )  # fmt: skip
    place_version_save(
        actor=SYSTEM, code="V3", name="Bản Mới", kind="village", unit_code="C2",
        cell_codes=["C2-B"], valid_from=D(2021, 5, 1),
    )  # fmt: skip
    # A member moves into the village on 2021-03-01.
    teacher = person_save(
        actor=SYSTEM, person_id="P-GV", full_name="Lò Văn Giáo", birth_date=D(1985, 1, 1),
        residence_place_code="V2",
    )  # fmt: skip
    membership_admit(
        actor=SYSTEM, person=teacher, cell_code="C2-A", admission_decision_date=D(2010, 1, 1)
    )
    person_save(
        actor=SYSTEM, person_id="P-GV", residence_place_code="V3", places_from=D(2021, 3, 1)
    )
    before = coverage_on(unit("C2"), D(2020, 12, 31))
    assert blank(before) == {("V3", False, False)}
    assert coverage_on(unit("C2"), D(2021, 3, 31)).totals.as_dict() == {
        "total": 2,
        "without_members": 0,
        "without_cell": 1,
    }
    trend = coverage_trend(unit("C2"), D(2022, 6, 30), years=[2019, 2020, 2021, 2022])
    assert [(c.on, c.totals.without_members, c.totals.without_cell) for c in trend] == [
        (D(2019, 12, 31), 1, 1),
        (D(2020, 12, 31), 1, 1),
        (D(2021, 12, 31), 0, 0),
        (D(2022, 6, 30), 0, 0),
    ]


def test_a_member_who_moves_away_leaves_the_place_blank_from_that_day(world):
    person_save(
        actor=SYSTEM, person_id="P-LAN", residence_place_code="V1", places_from=D(2024, 3, 1)
    )
    periods = set(
        PersonPlace.objects.filter(person__person_id="P-LAN").values_list(
            "place__code", "valid_from", "valid_to"
        )
    )
    assert periods == {("V1", D(2024, 3, 1), None), ("V2", None, D(2024, 2, 29))}
    assert blank(coverage_on(unit("C2"), D(2024, 2, 29))) == set()
    assert blank(coverage_on(unit("C2"), D(2024, 3, 1))) == {("V2", False, True)}


def test_a_member_who_left_the_party_no_longer_counts(world):
    from ranks.people.models import Membership

    lan = Membership.objects.get(person__person_id="P-LAN")
    membership_leave(actor=SYSTEM, membership=lan, on=D(2024, 5, 1), reason="death")
    assert blank(coverage_on(unit("C2"), D(2024, 4, 30))) == set()
    assert blank(coverage_on(unit("C2"), D(2024, 5, 1))) == {("V2", False, True)}


def test_a_combined_cell_serves_several_villages(world):
    place_version_save(
        actor=SYSTEM, code="V4", name="Bản Nà Hai", kind="village", unit_code="C2",
        cell_codes=["C2-A"], valid_from=D(2000, 1, 1),
    )  # fmt: skip
    c = coverage_on(unit("C2"), D(2024, 1, 1))
    assert c.totals.as_dict() == {"total": 2, "without_members": 1, "without_cell": 0}
    assert blank(c) == {("V4", False, True)}


def test_the_reform_moves_the_places_with_their_commune(world):
    # V1 belongs to C1 until 2025-06-30, to N1 from 2025-07-01 (the test world leaves S1 with
    # C1, which closed).
    assert coverage_on(unit("N1"), D(2025, 7, 1)).totals.total == 1
    assert coverage_on(unit("D1"), D(2025, 6, 30)).totals.total == 2
    assert coverage_on(unit("D1"), D(2025, 7, 1)).totals.total == 0


@pytest.mark.parametrize("places", [1, 40])
def test_a_ten_year_trend_takes_the_same_queries(world, django_assert_max_num_queries, places):
    for n in range(places):
        place_version_save(
            actor=SYSTEM, code=f"VX{n}", name=f"Bản {n}", kind="village", unit_code="C2",
            valid_from=D(2010 + n % 10, 1, 1),
        )  # fmt: skip
    province = unit("P")
    with django_assert_max_num_queries(2):
        trend = coverage_trend(province, D(2024, 12, 31), years=range(2015, 2025))
    assert len(trend) == 10
    assert trend[-1].totals.total == 3 + places


def test_an_import_dates_a_move_with_places_from(world):
    import io

    from ranks.interchange.engine import run_import

    text = (
        "person_id,full_name,birth_date,residence_place_code,places_from\n"
        "P-LAN,Nguyễn Văn Lan,08/08/1988,V1,01/03/2024\n"
    )
    result = run_import(
        actor=SYSTEM, kind="people", stream=io.BytesIO(text.encode()), filename="people.csv"
    )
    assert result.ok and result.updated == 1
    assert blank(coverage_on(unit("C2"), D(2024, 3, 1))) == {("V2", False, True)}
    # The same file again changes nothing.
    again = run_import(
        actor=SYSTEM, kind="people", stream=io.BytesIO(text.encode()), filename="people.csv"
    )
    assert again.unchanged == 1
    assert PersonPlace.objects.filter(person__person_id="P-LAN").count() == 2


def test_the_counters_give_what_the_records_give_for_every_unit_and_day(world):
    """The figures read from the coverage counters equal those walked from the records, for
    every unit on days across the reform, after places, cells and members have moved."""
    place_version_save(
        actor=SYSTEM, code="V4", name="Bản Nà Hai", kind="village", unit_code="C2",
        cell_codes=["C2-A"], area_flags=["border"], valid_from=D(2003, 1, 1),
        valid_to=D(2025, 8, 31),
    )  # fmt: skip
    lan = Membership.objects.get(person__person_id="P-LAN")
    membership_leave(actor=SYSTEM, membership=lan, on=D(2024, 5, 1), reason="death")
    days = [D(2000, 1, 1), D(2003, 1, 1), D(2024, 4, 30), D(2024, 5, 1), D(2025, 6, 30),
            D(2025, 7, 1), D(2025, 9, 1), D(2026, 12, 31)]  # fmt: skip
    compared = 0
    for u in Unit.objects.all():
        records = Records(u)
        for day, counted in zip(days, counted_coverage(u, days), strict=True):
            walked = records.coverage(day, with_lists=False)
            assert (counted.name, counted.totals, counted.by_kind, counted.by_flag) == (
                walked.name, walked.totals, walked.by_kind, walked.by_flag
            ), (u.code, day)  # fmt: skip
            assert counted.by_child == walked.by_child, (u.code, day)
            compared += counted.totals.total
            # The blank places read a page at a time from the places are those walked.
            listed = records.coverage(day)
            blank = BlankPlaces(u, day)
            assert list(blank) == listed.blank, (u.code, day)
            assert blank[1:2] == listed.blank[1:2]
            assert BlankPlaces(u, day, "cell").count() == listed.totals.without_cell
            assert BlankPlaces(u, day, "members").count() == listed.totals.without_members
            owners = places_by_owner(u, day)
            assert owners.counts == listed.by_owner, (u.code, day)
            for which in ("any", "members", "cell", "both"):
                assert owners.blank_count(which) == BlankPlaces(u, day, which).count()
            assert owners.blank_count("any") == len(listed.blank)
            assert owners.blank_count("both") == sum(
                1 for b in listed.blank if not b.has_members and not b.has_cell
            )
    assert compared > 20
