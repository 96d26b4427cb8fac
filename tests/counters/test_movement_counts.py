"""The counters of members moving: transfers in and out of each unit and leavings, by unit and
day, kept by every writer of memberships (docs/counters.md) and shown on the unit page.
`counters_agree` (tests/conftest.py) recounts them from the records after each test."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum

from ranks.core.actor import SYSTEM
from ranks.counters.models import MovementCount
from ranks.counters.selectors import members_on, movement_between
from ranks.org.models import Unit
from ranks.people.services import (
    membership_admit,
    membership_leave,
    membership_transfer,
    person_save,
)

D = dt.date


def counted(code: str, day: dt.date, column: str) -> int:
    rows = MovementCount.objects.filter(unit__code=code, day=day)
    return rows.aggregate(n=Sum(column))["n"] or 0


def admitted(person_id: str, cell: str, day: dt.date):
    person = person_save(
        actor=SYSTEM, person_id=person_id, full_name="Hà Văn Sinh", birth_date=D(1990, 2, 2)
    )
    return membership_admit(
        actor=SYSTEM, person=person, cell_code=cell, admission_decision_date=day
    )


def pk(code: str) -> int:
    return Unit.objects.get(code=code).pk


def test_a_transfer_counts_out_of_the_units_it_leaves_and_into_those_it_joins(world):
    membership = admitted("T-1", "C2-A", D(2020, 3, 3))
    membership_transfer(actor=SYSTEM, membership=membership, to_cell_code="C1-B", on=D(2024, 6, 1))
    for code in ("C2-A", "C2", "D2"):
        assert counted(code, D(2024, 6, 1), "transfers_out") == 1
        assert counted(code, D(2024, 6, 1), "transfers_in") == 0
    for code in ("C1-B", "C1", "D1"):
        assert counted(code, D(2024, 6, 1), "transfers_in") == 1
        assert counted(code, D(2024, 6, 1), "transfers_out") == 0
    # Within the province it is neither in nor out.
    assert not MovementCount.objects.filter(unit__code="P").exists()
    year = movement_between([pk("D1"), pk("D2")], D(2024, 1, 1), D(2024, 12, 31))
    assert year == {pk("D1"): (1, 0, 0), pk("D2"): (0, 1, 0)}
    assert movement_between([pk("D1")], D(2024, 1, 1), D(2024, 5, 31)) == {}


def test_a_transfer_on_1_january_belongs_to_the_new_year_and_its_members_at_start(world):
    membership = admitted("T-2", "C2-A", D(2020, 3, 3))
    before = members_on([pk("D1"), pk("D2")], D(2024, 1, 1))
    membership_transfer(actor=SYSTEM, membership=membership, to_cell_code="C1-A", on=D(2024, 1, 1))
    after = members_on([pk("D1"), pk("D2")], D(2024, 1, 1))
    assert after[pk("D1")] == before[pk("D1")] + 1
    assert after[pk("D2")] == before[pk("D2")] - 1
    assert movement_between([pk("D2")], D(2023, 1, 1), D(2023, 12, 31)) == {}
    assert movement_between([pk("D2")], D(2024, 1, 1), D(2024, 1, 1)) == {pk("D2"): (0, 1, 0)}


def test_a_leaving_counts_on_its_day_in_every_unit_above_the_last_cell(world):
    membership = admitted("T-3", "C2-A", D(2020, 3, 3))
    membership_leave(actor=SYSTEM, membership=membership, on=D(2024, 9, 9), reason="death")
    for code in ("C2-A", "C2", "D2", "P"):
        assert counted(code, D(2024, 9, 9), "leavings") == 1
    assert counted("D1", D(2024, 9, 9), "leavings") == 0


def test_the_unit_page_shows_the_year_so_far_from_the_counters(world, client, admin_user):
    membership = admitted("T-4", "C2-A", D(2024, 2, 3))
    admitted("T-5", "C2-A", D(2024, 2, 4))
    membership_transfer(actor=SYSTEM, membership=membership, to_cell_code="C1-B", on=D(2024, 6, 1))
    client.force_login(admin_user)
    page = client.get("/units/D2/?on=2024-12-31", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Từ 01/01/2024 đến 31/12/2024" in page
    assert 'data-test="year-admitted">2<' in page
    assert 'data-test="year-transfers-out">1<' in page
    assert 'data-test="year-transfers-in">0<' in page
    page = client.get("/units/D2/?on=2024-05-31").content.decode()
    assert 'data-test="year-transfers-out">0<' in page
