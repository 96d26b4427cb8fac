"""Cell health on a date: member counts, ages, the last admission, successors, secondments and
each flag."""

import datetime as dt

import pytest

from ranks.core.actor import SYSTEM
from ranks.coverage.health import cell_health
from ranks.coverage.models import Secondment
from ranks.coverage.services import secondment_end, secondment_save
from ranks.org.models import Unit
from ranks.org.services import place_version_save, unit_version_save
from ranks.people.services import membership_admit, person_save
from ranks.pipeline.services import candidate_save, stage_event_save
from tests.factories import add_introducers

D = dt.date
ON = D(2024, 6, 1)


def health(code, day=ON):
    return {h.code: h for h in cell_health(Unit.objects.get(code=code), day)}


def guard():
    """A border guard, an official member of the commune C1, seconded to the village cell C2-A."""
    person = person_save(
        actor=SYSTEM, person_id="P-BP", full_name="Vì Văn Biên", birth_date=D(1990, 2, 2),
        residence_place_code="V2",
    )  # fmt: skip
    unit_version_save(
        actor=SYSTEM, code="C1-BP", name="Chi bộ Đồn Biên phòng", kind="cell", parent_code="C1",
        valid_from=D(2000, 1, 1),
    )  # fmt: skip
    membership_admit(
        actor=SYSTEM, person=person, cell_code="C1-BP", admission_decision_date=D(2012, 1, 1),
        ceremony_date=D(2012, 1, 10), official_date=D(2013, 1, 10),
    )  # fmt: skip
    return secondment_save(
        actor=SYSTEM, person_id="P-BP", cell_code="C2-A", role="secretary",
        from_date=D(2022, 1, 1), home_unit_code="C1-BP",
    )  # fmt: skip


def test_a_village_cell_of_one_old_member_raises_every_flag_it_should(world):
    # C2-A: Nguyễn Văn Lan, official since 2011, admitted 2010; no candidate.
    h = health("C2")["C2-A"]
    assert (h.official_members, h.probationary_members, h.candidates) == (1, 0, 0)
    assert (h.last_admission, h.years_since_last_admission) == (D(2010, 6, 1), 14)
    assert h.ages == {"31-40": 1}
    assert h.flags == ["below_minimum", "no_admission_5_years", "no_successor"]


def test_a_healthy_cell_has_no_flag(world):
    add_introducers("C2-A", ids=("P-GT3", "P-GT4"))
    newcomer = person_save(
        actor=SYSTEM, person_id="P-MOI", full_name="Lò Thị Mới", birth_date=D(2000, 1, 1)
    )
    membership_admit(
        actor=SYSTEM, person=newcomer, cell_code="C2-A", admission_decision_date=D(2022, 5, 5)
    )
    person_save(
        actor=SYSTEM, person_id="P-NGUON", full_name="Lò Văn Nguồn", birth_date=D(2004, 1, 1)
    )
    candidate_save(actor=SYSTEM, person_id="P-NGUON", cell_code="C2-A", added_on=D(2024, 1, 5))
    h = health("C2-A")["C2-A"]
    assert (h.official_members, h.probationary_members, h.candidates) == (3, 1, 1)
    assert h.years_since_last_admission == 2
    assert h.flags == []
    # A candidate who withdrew is no successor.
    stage_event_save(actor=SYSTEM, person_id="P-NGUON", stage="withdrawn", date=D(2024, 3, 1))
    assert health("C2-A")["C2-A"].flags == ["no_successor"]


def test_a_seconded_secretary_and_a_cell_that_stands_only_by_secondment(world):
    add_introducers("C2-A", ids=("P-GT3",))
    guard()
    h = health("C2")["C2-A"]
    assert (h.official_members, h.official_without_secondments) == (3, 2)
    assert h.seconded_secretary is True
    assert [(s.person_id, s.role, s.home_unit_code) for s in h.seconded] == [
        ("P-BP", "secretary", "C1-BP")
    ]
    assert "stands_only_by_secondment" in h.flags and "seconded_secretary" in h.flags
    assert "below_minimum" not in h.flags


def test_when_the_secondment_ends_the_cell_falls_below_three(world):
    add_introducers("C2-A", ids=("P-GT3",))
    secondment = guard()
    secondment_end(actor=SYSTEM, secondment=secondment, on=D(2024, 3, 31))
    assert Secondment.objects.get().to_date == D(2024, 3, 31)
    assert "stands_only_by_secondment" in health("C2-A", D(2024, 3, 31))["C2-A"].flags
    after = health("C2-A", D(2024, 4, 1))["C2-A"]
    assert (after.official_members, after.seconded_secretary) == (2, False)
    assert "below_minimum" in after.flags


def test_nine_official_members_elect_a_committee(world):
    add_introducers("C2-A", ids=tuple(f"P-GT{n}" for n in range(10, 18)))
    h = health("C2-A")["C2-A"]
    assert h.official_members == 9
    assert "committee_due" in h.flags


def test_a_member_working_outside_the_commune_is_working_away(world):
    place_version_save(
        actor=SYSTEM, code="KCN", name="Khu công nghiệp", kind="enterprise", unit_code="C1",
        valid_from=D(2000, 1, 1),
    )  # fmt: skip
    person_save(
        actor=SYSTEM, person_id="P-LAN", workplace_place_code="KCN", places_from=D(2023, 2, 1)
    )
    assert health("C2-A", D(2023, 1, 31))["C2-A"].working_away == 0
    assert health("C2-A", D(2023, 2, 1))["C2-A"].working_away == 1


def test_recorded_absences_are_counted_beside_the_guessed_ones(world, client):
    from django.contrib.auth import get_user_model

    from ranks.people.absences import absence_return, absence_start

    absence_start(
        actor=SYSTEM, person_id="P-AN", started_on=D(2024, 3, 1), where_kind="country",
        where="Hàn Quốc",
    )  # fmt: skip
    absence_return(actor=SYSTEM, person_id="P-AN", ended_on=D(2024, 9, 1))
    assert health("C1-A", D(2024, 2, 29))["C1-A"].away_recorded == 0
    during = health("C1-A", D(2024, 8, 31))["C1-A"]
    # Abroad with no workplace recorded: recorded, not guessed.
    assert (during.away_recorded, during.working_away) == (1, 0)
    assert health("C1-A", D(2024, 9, 1))["C1-A"].away_recorded == 0
    client.force_login(get_user_model().objects.get(username="alice"))
    page = client.get("/units/C1-A/?on=2024-08-31").content.decode()
    assert 'data-test="health-away-recorded">1<' in page
    assert 'data-test="health-away-workplace">0<' in page
    assert "được ghi nhận đi làm ăn xa" in page and "(theo nơi làm việc)" in page
    cells = client.get("/units/C1/cells/?on=2024-08-31&sort=away_recorded&dir=desc")
    assert "Đi làm ăn xa (đã ghi nhận)" in cells.content.decode()


@pytest.mark.parametrize("cells", [1, 25])
def test_queries_do_not_grow_with_the_cells(world, django_assert_max_num_queries, cells):
    for n in range(cells):
        unit_version_save(
            actor=SYSTEM, code=f"C2-Z{n}", name=f"Chi bộ {n}", kind="cell", parent_code="C2",
            valid_from=D(2000, 1, 1),
        )  # fmt: skip
    commune = Unit.objects.get(code="C2")
    with django_assert_max_num_queries(9):
        found = cell_health(commune, ON)
    assert len(found) == cells + 1
