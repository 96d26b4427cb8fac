"""The members present on any day, from the counters: the figure of the first of the month plus
the days between (`counters.selectors.present_on`), against the count from the records that the
unit page used to make (`people.selectors.member_counts_on`)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ranks.core.actor import SYSTEM
from ranks.counters.selectors import present_on
from ranks.org.models import Unit
from ranks.org.services import unit_move, unit_version_save
from ranks.people.selectors import member_counts_on
from ranks.people.services import (
    membership_admit,
    membership_leave,
    membership_recognise,
    membership_transfer,
    person_save,
)

D = dt.date


def admitted(person_id: str, cell: str, day: dt.date):
    person = person_save(
        actor=SYSTEM, person_id=person_id, full_name="Cầm Thị Hoa", birth_date=D(1995, 1, 9)
    )
    return membership_admit(
        actor=SYSTEM, person=person, cell_code=cell, admission_decision_date=day
    )


def assert_counted_as_recorded(days: list[dt.date]) -> None:
    """Every unit's members on each day, from the counters, are those the records give."""
    units = list(Unit.objects.values_list("pk", "code"))
    for day in days:
        counted = present_on([pk for pk, _code in units], day)
        for pk, code in units:
            recorded = member_counts_on(pk, day)
            assert counted[pk] == (recorded["total"], recorded["official"]), (code, day)


def test_the_members_on_any_day_are_those_of_the_records(world):
    a = admitted("W-1", "C2-A", D(2024, 3, 12))
    membership_recognise(actor=SYSTEM, membership=a, official_date=D(2025, 3, 12))
    b = admitted("W-2", "C1-A", D(2023, 6, 20))
    membership_transfer(actor=SYSTEM, membership=b, to_cell_code="C2-A", on=D(2024, 5, 17))
    c = admitted("W-3", "C1-B", D(2022, 1, 5))
    membership_leave(actor=SYSTEM, membership=c, on=D(2024, 5, 9), reason="death")
    admitted("W-4", "C2-A", D(2024, 5, 1))
    # A cell moved to another commune in the middle of a month.
    unit_version_save(actor=SYSTEM, code="C3", name="Đảng bộ xã Ba", kind="grassroots_committee",
                      parent_code="D2", valid_from=D(2000, 1, 1))  # fmt: skip
    unit_move(actor=SYSTEM, code="C2-A", new_parent_code="C3", on=D(2024, 5, 15))
    days = [D(2024, 3, 11), D(2024, 3, 12), D(2024, 5, 1), D(2024, 5, 8), D(2024, 5, 9),
            D(2024, 5, 14), D(2024, 5, 15), D(2024, 5, 16), D(2024, 5, 17), D(2024, 5, 31),
            D(2025, 3, 11), D(2025, 3, 12), D(2025, 6, 30), D(2025, 7, 1), D(2025, 7, 2)]  # fmt: skip
    assert_counted_as_recorded(days)


def test_the_members_on_a_day_read_the_same_queries_whatever_the_members(world):
    province = Unit.objects.get(code="P")

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            present_on([province.pk], D(2024, 12, 17))
        return len(seen)

    few = queries()
    for n in range(5):
        admitted(f"W-M{n}", "C2-A", D(2020, 2, 1 + n))
    assert queries() == few


def test_the_ratio_of_a_unit_created_mid_month_counts_its_members_of_that_day(world):
    from ranks.access.scope import Scope
    from ranks.targets.progress import admission_ratio

    unit_version_save(actor=SYSTEM, code="C4", name="Đảng bộ xã Bốn", kind="grassroots_committee",
                      parent_code="D2", valid_from=D(2024, 3, 15))  # fmt: skip
    unit_version_save(actor=SYSTEM, code="C4-A", name="Chi bộ thôn Bốn", kind="cell",
                      parent_code="C4", valid_from=D(2024, 3, 15))  # fmt: skip
    admitted("W-R1", "C4-A", D(2024, 3, 15))
    admitted("W-R2", "C4-A", D(2024, 6, 1))
    ratio = admission_ratio(scope=Scope(full=True), unit=Unit.objects.get(code="C4"), year=2024)
    assert (ratio.unit.admissions, ratio.unit.members_at_start) == (2, 1)


def test_a_cell_below_a_commune_for_days_of_one_month_counts_there_on_those_days_only(world):
    # The counters keep the members present by month: a stay that starts and ends within one
    # month changes no month's figure, and the days in between are read from the records.
    a = admitted("W-S1", "C2-A", D(2023, 2, 10))
    membership_recognise(actor=SYSTEM, membership=a, official_date=D(2024, 2, 10))
    admitted("W-S2", "C2-A", D(2024, 5, 8))
    b = admitted("W-S3", "C1-A", D(2022, 7, 1))
    membership_transfer(actor=SYSTEM, membership=b, to_cell_code="C2-A", on=D(2024, 5, 12))
    unit_version_save(actor=SYSTEM, code="C3", name="Đảng bộ xã Ba", kind="grassroots_committee",
                      parent_code="D2", valid_from=D(2000, 1, 1))  # fmt: skip
    unit_move(actor=SYSTEM, code="C2-A", new_parent_code="C3", on=D(2024, 5, 6))
    unit_move(actor=SYSTEM, code="C2-A", new_parent_code="C2", on=D(2024, 5, 20))
    days = [D(2024, 5, 1), D(2024, 5, 5), D(2024, 5, 6), D(2024, 5, 8), D(2024, 5, 12),
            D(2024, 5, 19), D(2024, 5, 20), D(2024, 5, 31), D(2024, 6, 1), D(2025, 1, 1)]  # fmt: skip
    assert_counted_as_recorded(days)
    # Below the commune while the cell is: all of the cell's members, and none after.
    commune, cell = (Unit.objects.get(code=code).pk for code in ("C3", "C2-A"))
    during = present_on([commune, cell], D(2024, 5, 12))
    assert during[commune] == during[cell] and during[cell][0] >= 3
    assert present_on([commune], D(2024, 6, 1))[commune] == (0, 0)
