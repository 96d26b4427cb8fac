"""Members of a cell and counts over a subtree on a date."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ranks.core.actor import SYSTEM
from ranks.people.models import Membership
from ranks.people.selectors import cell_members_on, member_counts_on
from ranks.people.services import membership_leave, membership_recognise

D = dt.date


def test_member_counts_over_a_subtree_follow_the_date(world):
    province = world.units["P"]
    assert member_counts_on(province.pk, D(2014, 1, 1)) == {
        "official": 1,
        "probationary": 0,
        "total": 1,
    }
    assert member_counts_on(province.pk, D(2025, 3, 1)) == {
        "official": 2,
        "probationary": 1,
        "total": 3,
    }
    # After the reform the old commune's cells count under the new commune, not the province.
    assert member_counts_on(world.units["N1"].pk, D(2025, 7, 1)) == {
        "official": 1,
        "probationary": 1,
        "total": 2,
    }
    assert member_counts_on(world.units["C1"].pk, D(2025, 7, 1))["total"] == 0


def test_member_counts_are_one_query_and_follow_recognition_and_leaving(world):
    dung = Membership.objects.get(person__person_id="P-DUNG")
    membership_recognise(actor=SYSTEM, membership=dung, official_date=D(2026, 2, 1))
    an = Membership.objects.get(person__person_id="P-AN")
    membership_leave(actor=SYSTEM, membership=an, on=D(2026, 1, 15), reason="death")
    with CaptureQueriesContext(connection) as queries:
        counts = member_counts_on(world.units["N1"].pk, D(2026, 3, 1))
    assert len(queries) == 1
    assert counts == {"official": 1, "probationary": 0, "total": 1}


def test_cell_members_on_a_date_by_name(world):
    cell = world.units["C1-B"]
    assert list(cell_members_on(cell.pk, D(2025, 1, 9))) == []
    assert [p.person.full_name for p in cell_members_on(cell.pk, D(2025, 1, 10))] == [
        "Đặng Thị Dung"
    ]
