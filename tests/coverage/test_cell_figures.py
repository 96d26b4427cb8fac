"""Cell health from the counters (`coverage.health.cell_figures`): the same members, official
members, candidates, years since the last admission, secondments and flags as the records give
(`cell_health`), on any day; and the cell-health page above `RECORDS_LIMIT` members, paginated,
reading them."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from ranks.core.actor import SYSTEM
from ranks.core.clock import today
from ranks.coverage.health import cell_figures, cell_health, with_details
from ranks.org.models import Unit
from ranks.people.models import Membership
from ranks.people.services import membership_admit, membership_leave, person_save
from ranks.pipeline.services import candidate_save, stage_event_save
from tests.coverage.test_health import guard

D = dt.date
DAYS = [
    D(2010, 6, 1), D(2015, 6, 1), D(2015, 6, 2), D(2020, 5, 31), D(2022, 1, 1), D(2024, 1, 5),
    D(2024, 6, 1), D(2024, 6, 14), D(2024, 6, 20), D(2025, 6, 30), D(2025, 7, 1), D(2025, 7, 16),
    D(2026, 12, 3),
]  # fmt: skip


def figures(rows) -> dict[str, tuple]:
    return {
        h.code: (
            h.name, h.parent_code, h.official_members, h.probationary_members,
            h.official_without_secondments, h.candidates, h.years_since_last_admission,
            sorted(s.person_id for s in h.seconded), h.seconded_secretary, h.flags,
        )
        for h in rows
    }  # fmt: skip


def assert_same(code: str, days=DAYS) -> int:
    """`cell_figures` and `cell_health` agree for every cell below `code` on each day; returns
    the cells compared."""
    unit = Unit.objects.get(code=code)
    compared = 0
    for day in days:
        by_records = figures(cell_health(unit, day))
        assert figures(cell_figures(unit, day)) == by_records, day
        compared += len(by_records)
    return compared


def test_the_counters_give_every_figure_the_records_give_on_any_day(world):
    guard()  # a seconded secretary from another cell
    # An admission this month, one a month before five years, a withdrawn and a live candidate.
    for n, (cell, day) in enumerate([("C2-A", D(2024, 6, 10)), ("C1-A", D(2019, 6, 20))]):
        person = person_save(actor=SYSTEM, person_id=f"F-{n}", full_name=f"Lò Văn {n}",
                             birth_date=D(1995, 1, 1))  # fmt: skip
        membership_admit(actor=SYSTEM, person=person, cell_code=cell,
                         admission_decision_date=day)  # fmt: skip
    for n, cell in enumerate(["C2-A", "C1-B"]):
        person_save(actor=SYSTEM, person_id=f"Q-{n}", full_name=f"Hà Thị {n}",
                    birth_date=D(2004, 1, 1))  # fmt: skip
        candidate_save(actor=SYSTEM, person_id=f"Q-{n}", cell_code=cell, added_on=D(2024, 1, 5))
    stage_event_save(actor=SYSTEM, person_id="Q-1", stage="withdrawn", date=D(2024, 6, 15))
    leaving = Membership.objects.filter(person__person_id="F-1").get()
    membership_leave(actor=SYSTEM, membership=leaving, on=D(2024, 6, 18), reason="death")
    assert assert_same("P", DAYS[:10]) > 20
    assert assert_same("C2", DAYS[10:]) > 0


def test_after_a_fold_the_cells_starts_give_the_same_figures(world):
    from ranks.counters import services as counters
    from ranks.counters.models import CellStartCount, FoldMark

    guard()
    person = person_save(actor=SYSTEM, person_id="F-9", full_name="Lò Văn Chín",
                         birth_date=D(1995, 1, 1))  # fmt: skip
    membership_admit(actor=SYSTEM, person=person, cell_code="C2-A",
                     admission_decision_date=D(2024, 6, 10))  # fmt: skip
    person_save(actor=SYSTEM, person_id="Q-9", full_name="Hà Thị Chín", birth_date=D(2004, 1, 1))
    candidate_save(actor=SYSTEM, person_id="Q-9", cell_code="C1-B", added_on=D(2023, 5, 5))
    counters.fold()
    mark = FoldMark.objects.get()
    this_month = today().replace(day=1)
    assert mark.start_for(this_month) == this_month
    assert CellStartCount.objects.filter(start=this_month).count() == 4  # the four cells
    first = min(dt.date.fromisoformat(x) for x in mark.starts.split(","))
    days = [d for d in DAYS if d >= first]
    days += [today(), this_month, today() - dt.timedelta(days=40), D(2026, 1, 1), D(2026, 1, 2),
             D(2025, 12, 31), D(2024, 12, 20)]  # fmt: skip
    assert assert_same("P", [d for d in days if d < D(2025, 7, 1)]) > 0
    assert assert_same("C2", [d for d in days if d >= D(2025, 7, 1)]) > 0
    # Written since the fold, into months before the years it counted up to: an admission in
    # a cell that had none, a leaving, a candidate who withdrew.
    late = person_save(actor=SYSTEM, person_id="F-10", full_name="Lò Văn Mười",
                       birth_date=D(1990, 1, 1))  # fmt: skip
    membership_admit(actor=SYSTEM, person=late, cell_code="C1-B",
                     admission_decision_date=D(2021, 8, 8))  # fmt: skip
    gone = Membership.objects.filter(person__person_id="F-9").get()
    membership_leave(actor=SYSTEM, membership=gone, on=D(2024, 8, 1), reason="death")
    stage_event_save(actor=SYSTEM, person_id="Q-9", stage="withdrawn", date=D(2023, 9, 1))
    assert assert_same("P", [d for d in days if d < D(2025, 7, 1)]) > 0
    assert assert_same("C2", [d for d in days if d >= D(2025, 7, 1)]) > 0
    # A rebuild drops the year starts: the figures read every month until the next fold.
    counters.rebuild()
    assert not FoldMark.objects.exists()
    assert assert_same("C2", [d for d in days if d >= D(2025, 7, 1)]) > 0


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=fast):
        with transaction.atomic():
            call_command("demo", stdout=StringIO(), lang="en", members=300, non_members=60)
            yield
            transaction.set_rollback(True)


@pytest.mark.django_db
def test_on_the_demo_province_too(demo):
    province = Unit.objects.filter(versions__kind__key="provincial_committee").first()
    today = D(2026, 12, 3)
    days = [today, today.replace(day=1), D(2025, 3, 17), D(2023, 12, 31)]
    assert assert_same(province.code, days) > 40


@pytest.mark.django_db
def test_the_details_of_a_page_come_from_its_cells_records(demo):
    province = Unit.objects.filter(versions__kind__key="provincial_committee").first()
    day = D(2026, 12, 3)
    rows = cell_figures(province, day)[:7]
    assert all(r.ages == {} for r in rows)
    with_details(rows, province, day)
    wanted = {h.code: h for h in cell_health(province, day)}
    for r in rows:
        expected = wanted[r.code]
        assert (r.ages, r.share_over_60, r.working_away, r.last_admission) == (
            expected.ages, expected.share_over_60, expected.working_away, expected.last_admission,
        )  # fmt: skip


def test_the_page_above_the_limit_reads_the_counters_a_page_at_a_time(client, world, monkeypatch):
    monkeypatch.setattr("ranks.coverage.selectors.RECORDS_LIMIT", 0)
    monkeypatch.setattr("ranks.coverage.views.CELLS_PAGE", 2)
    client.force_login(get_user_model().objects.get(username="vera"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    first = client.get("/units/P/cells/?on=2024-06-01&sort=name&dir=asc").content.decode()
    second = client.get("/units/P/cells/?on=2024-06-01&sort=name&dir=asc&page=2").content.decode()
    codes = {h.code for h in cell_health(Unit.objects.get(code="P"), D(2024, 6, 1))}
    shown = [c for c in sorted(codes) if f'data-test="cell-{c}"' in first + second]
    assert first.count('data-test="cell-') == 2 and "Page 1 of 2" in first
    assert set(shown) == codes == {"C1-A", "C1-B", "C2-A"}
    # The age bands need every member's record: shown for the page, not offered as a sort.
    assert 'data-test="sort-over_60"' not in first and 'data-test="sort-official"' in first
    row = (first + second).split('data-test="cell-C2-A"')[1].split("</tr>")[0]
    assert row.split('data-label="Over 60 (%)">')[1].split("</td>")[0] == "0.0"  # one, aged 37
    flagged = client.get("/units/P/cells/?on=2024-06-01&flag=no_successor").content.decode()
    records = cell_health(Unit.objects.get(code="P"), D(2024, 6, 1))
    wanted = [h.code for h in records if "no_successor" in h.flags]
    option = flagged.split('value="no_successor" selected>')[1].split("</option>")[0]
    assert option.endswith(f"({len(wanted)})") and len(wanted) == 3


def test_the_page_above_the_limit_reads_a_fixed_number_of_queries(client, world, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr("ranks.coverage.selectors.RECORDS_LIMIT", 0)
    client.force_login(get_user_model().objects.get(username="vera"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert client.get("/units/P/cells/?on=2024-06-01").status_code == 200
        return len(seen)

    queries()  # the first request of a session reads more
    few = queries()
    for n in range(6):
        person = person_save(actor=SYSTEM, person_id=f"M-{n}", full_name=f"Lò Văn {n}",
                             birth_date=D(1960 + n, 1, 1))  # fmt: skip
        membership_admit(actor=SYSTEM, person=person, cell_code="C1-B" if n % 2 else "C2-A",
                         admission_decision_date=D(2020, 3, 1 + n))  # fmt: skip
    # At most as many: the day of a last admission is read only when its month leaves the
    # years in doubt (C2-A's June 2010 on a 1 June did; March 2020 does not).
    assert queries() <= few <= 20
