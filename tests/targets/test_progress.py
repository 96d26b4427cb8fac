"""Progress against targets, pace and projection, counting across the 2025 reform, composition
and the admission ratio, from records."""

import datetime as dt

import pytest

from ranks.access.scope import Scope
from ranks.core.actor import SYSTEM
from ranks.counters.services import moving
from ranks.org.models import Unit
from ranks.org.services import unit_version_save
from ranks.people.models import Membership, Person, Posting
from ranks.people.services import membership_admit, person_save
from ranks.targets import forecast as fc
from ranks.targets.progress import admission_ratio, composition, progress
from ranks.targets.services import target_set

D = dt.date
FULL = Scope(full=True)


def unit(code):
    return Unit.objects.get(code=code)


def admit_many(cell_code: str, days: list[dt.date], *, prefix: str, **person) -> None:
    """Admissions in bulk (people, memberships, postings), as an import would leave them."""
    cell = unit(cell_code)
    start = Person.objects.count()
    people = Person.objects.bulk_create(
        [
            Person(
                person_id=f"{prefix}-{start + n}",
                full_name=f"Người {n}",
                birth_date=person.get("birth_date", D(1995, 1, 1)),
                gender=person.get("gender", "male"),
                occupation=person.get("occupation", "student"),
                ethnicity=person.get("ethnicity", "Kinh"),
                religion=person.get("religion", "Không"),
            )
            for n in range(len(days))
        ]
    )
    with moving(persons=[p.pk for p in people]):  # an import counts what it writes
        memberships = Membership.objects.bulk_create(
            [
                Membership(person=p, admission_decision_date=d)
                for p, d in zip(people, days, strict=True)
            ]
        )
        Posting.objects.bulk_create(
            [
                Posting(
                    membership=m, person=m.person, cell=cell, valid_from=m.admission_decision_date
                )
                for m in memberships
            ]
        )


def spread(year: int, counts_by_month: list[int]) -> list[dt.date]:
    return [D(year, month + 1, 10) for month, n in enumerate(counts_by_month) for _ in range(n)]


def row(p, code):
    (found,) = [r for r in p.rows if r.code == code]
    return found


# --- the seeds' figures -----------------------------------------------------------------------


def test_848_admitted_is_38_5_percent_of_2200_at_mid_year(world):
    admit_many("C2-A", [D(2024, 1 + n % 6, 5) for n in range(848)], prefix="HD")
    target_set(actor=SYSTEM, unit_code="P", year=2024, metric="admissions", value=2200)
    p = progress(scope=FULL, unit=unit("P"), on=D(2024, 6, 30))
    province = p.unit
    assert (province.actual, province.target, province.percent) == (848, 2200, 38.5)
    # No history: the straight line expects 182/366 of 2,200 by 30 June.
    assert province.pace == "linear"
    assert province.expected == round(2200 * 182 / 366, 1)
    assert province.projection == round(848 * 366 / 182, 1)
    assert province.status == "behind"
    # Every unit above the cell counts the admissions; the other district none.
    # Depth first, children by name: huyện Hai before huyện Một.
    assert [(r.code, r.actual) for r in p.rows] == [
        ("P", 848),
        ("D2", 848),
        ("C2", 848),
        ("C2-A", 848),
        ("D1", 0),
        ("C1", 0),
        ("C1-A", 0),
        ("C1-B", 0),
    ]
    assert [r.depth for r in p.rows] == [0, 1, 2, 3, 1, 2, 3, 3]


def test_a_commune_assigned_6_that_admitted_1(world):
    target_set(actor=SYSTEM, unit_code="C1", year=2023, metric="admissions", value=6)
    admit_many("C1-A", [D(2023, 9, 1)], prefix="PK")
    c1 = progress(scope=FULL, unit=unit("C1"), on=D(2023, 12, 31)).unit
    assert (c1.actual, c1.target, c1.percent, c1.projection, c1.status) == (
        1,
        6,
        16.7,
        1.0,
        "behind",
    )


def test_only_1_of_57_is_a_farmer(world):
    admit_many("C2-A", [D(2024, 3, 1)] * 56, prefix="TM")
    admit_many("C2-A", [D(2024, 4, 1)], prefix="TMF", occupation="farmer")
    d2 = "D2"
    assert progress(scope=FULL, unit=unit(d2), on=D(2024, 6, 30)).unit.actual == 57
    farmers = progress(scope=FULL, unit=unit(d2), on=D(2024, 6, 30), metric="admissions_farmers")
    assert farmers.unit.actual == 1


# --- pace --------------------------------------------------------------------------------------


def test_a_year_end_rush_in_the_history_sets_the_pace(world):
    # 2021–2023: 20 admissions in the first half, 80 in the second (60 of them in December).
    for year in (2021, 2022, 2023):
        admit_many("C2-A", spread(year, [5, 0, 5, 0, 5, 5, 5, 5, 5, 0, 5, 60]), prefix=f"Y{year}")
    admit_many("C1-A", spread(2024, [5, 5, 5, 5, 5, 5]), prefix="LIN")
    admit_many("C2-A", spread(2024, [5, 5, 5, 5, 5, 5]), prefix="RUSH")
    for code in ("C1-A", "C2-A"):
        target_set(actor=SYSTEM, unit_code=code, year=2024, metric="admissions", value=100)
    p = progress(scope=FULL, unit=unit("P"), on=D(2024, 6, 30))
    rushed, linear = row(p, "C2-A"), row(p, "C1-A")
    # With history: 20 % of the year's admissions came by the end of June.
    assert (rushed.pace, rushed.expected, rushed.projection) == ("history", 20.0, 150.0)
    # The forecast: the profile's 150 and last year's 30 + 80 = 110, side by side; the range's
    # low end (110 less the chance of a count) is under 100, its high end over: at risk.
    assert (rushed.forecast, rushed.forecast_basis) == ((150 + 110) / 2, "own")
    assert rushed.forecast_low == 30 + fc.poisson_quantile(80, fc.TAIL) < 100
    assert rushed.forecast_high > 150 and rushed.status == "at_risk"
    # Without it: the pace is a straight line (30 of 100 projects to 60), but the forecast pools
    # the rhythm of the units above (the province's past years): 30 / 0.2, no last year.
    assert (linear.pace, linear.projection) == ("linear", round(30 * 366 / 182, 1))
    assert linear.expected == round(100 * 182 / 366, 1)
    assert (linear.forecast_basis, linear.forecast) == ("pooled", 150.0)
    assert linear.status == fc.range_status(100, linear.forecast_low, linear.forecast_high)
    # The curve of the unit: month ends, the actual stops at the date.
    curve = progress(scope=FULL, unit=unit("C2-A"), on=D(2024, 6, 30)).curve
    assert [(c.day, c.actual) for c in curve[:6]] == [
        (D(2024, 1, 31), 5),
        (D(2024, 2, 29), 10),
        (D(2024, 3, 31), 15),
        (D(2024, 4, 30), 20),
        (D(2024, 5, 31), 25),
        (D(2024, 6, 30), 30),
    ]
    assert curve[-1].day == D(2024, 12, 31) and curve[-1].actual is None
    assert curve[-1].expected == 100.0


# --- the 2025 reform ----------------------------------------------------------------------------


def test_2024_is_counted_in_the_2024_tree_and_2026_in_the_new_one(world):
    admit_many("C1-A", [D(2024, 5, 10)], prefix="OLD")
    admit_many("C1-A", [D(2025, 3, 3)], prefix="MID")
    admit_many("C1-A", [D(2025, 8, 1), D(2026, 2, 2)], prefix="NEW")
    old = progress(scope=FULL, unit=unit("P"), on=D(2024, 12, 31))
    assert [(r.code, r.actual) for r in old.rows if r.actual] == [
        ("P", 1),
        ("D1", 1),
        ("C1", 1),
        ("C1-A", 1),
    ]
    # 2025 for the new commune: only what was decided once the cell was under it.
    assert row(progress(scope=FULL, unit=unit("N1"), on=D(2025, 12, 31)), "N1").actual == 1
    assert row(progress(scope=FULL, unit=unit("N1"), on=D(2025, 12, 31)), "C1-A").actual == 2
    new = progress(scope=FULL, unit=unit("N1"), on=D(2026, 6, 30))
    assert [(r.code, r.actual) for r in new.rows] == [("N1", 1), ("C1-A", 1), ("C1-B", 0)]


def test_a_unit_that_does_not_exist_on_the_date_is_refused(world):
    from ranks.core.errors import DomainError

    with pytest.raises(DomainError):
        progress(scope=FULL, unit=unit("N1"), on=D(2024, 6, 30))


# --- composition -------------------------------------------------------------------------------


def test_age_bands_at_the_decision_date(world):
    decided = D(2024, 6, 15)
    admit_many("C2-A", [decided], prefix="A30", birth_date=D(1993, 6, 16))  # 30 that day
    admit_many("C2-A", [decided], prefix="A31", birth_date=D(1993, 6, 15))  # turns 31 that day
    admit_many("C2-A", [decided], prefix="A61", birth_date=D(1963, 1, 1), gender="female")
    c = composition(
        scope=FULL, unit=unit("P"), start=D(2024, 1, 1), end=D(2024, 12, 31), sensitive=False
    )
    assert c.total == 3
    assert c.by["age_band"] == {"18-30": 1, "31-40": 1, "over_60": 1}
    assert c.by["gender"] == {"male": 2, "female": 1}
    assert "religion" not in c.by and "ethnicity" not in c.by
    sensitive = composition(
        scope=FULL, unit=unit("P"), start=D(2024, 1, 1), end=D(2024, 12, 31), sensitive=True
    )
    assert sensitive.by["ethnicity"] == {"Kinh": 3}


def test_the_kind_of_place_where_the_admitting_cell_is_based(world):
    admit_many("C1-A", [D(2024, 3, 3)], prefix="VIL")  # C1-A is based at village V1
    admit_many("C1-B", [D(2024, 3, 3), D(2024, 4, 4)], prefix="SCH")  # C1-B at school S1
    c = composition(
        scope=FULL, unit=unit("C1"), start=D(2024, 1, 1), end=D(2024, 12, 31), sensitive=False
    )
    assert c.by["place_kind"] == {"school": 2, "village": 1}
    villages = progress(
        scope=FULL, unit=unit("C1"), on=D(2024, 12, 31), metric="admissions_villages"
    )
    assert villages.unit.actual == 1


# --- the admission ratio -----------------------------------------------------------------------


def test_the_ratio_ranks_siblings(world):
    # On 1 January 2024 D1 has P-AN (C1-A) and D2 has P-LAN (C2-A); add members so the ratios
    # differ: D1 100 members, D2 50; admissions 2024: D1 3 (3 %), D2 5 (10 %).
    admit_many("C1-A", [D(2020, 1, 1)] * 99, prefix="M1")
    admit_many("C2-A", [D(2020, 1, 1)] * 49, prefix="M2")
    admit_many("C1-A", [D(2024, 5, 1)] * 3, prefix="N1A")
    admit_many("C2-A", [D(2024, 5, 1)] * 5, prefix="N2A")
    r = admission_ratio(scope=FULL, unit=unit("D1"), year=2024)
    assert (r.unit.admissions, r.unit.members_at_start, r.unit.ratio, r.unit.rank) == (
        3,
        100,
        3.0,
        2,
    )
    assert r.unit.within_norm is True
    assert [(s.code, s.rank, s.ratio) for s in r.siblings] == [("D2", 1, 10.0), ("D1", 2, 3.0)]
    assert [(c.code, c.members_at_start) for c in r.children] == [("C1", 100)]


def test_siblings_outside_the_scope_are_ranked_but_not_shown(world):
    from ranks.access.scope import scope_for
    from ranks.core.actor import Actor

    # A second commune under D1, outside alice's grants (C1 and N1).
    unit_version_save(
        actor=SYSTEM,
        code="C3",
        name="Đảng bộ xã Ba",
        kind="grassroots_committee",
        parent_code="D1",
        valid_from=D(2000, 1, 1),
    )
    unit_version_save(
        actor=SYSTEM, code="C3-A", name="Chi bộ thôn Ba", kind="cell", parent_code="C3",
        valid_from=D(2000, 1, 1),
    )  # fmt: skip
    admit_many("C1-A", [D(2020, 1, 1)] * 9, prefix="S")
    admit_many("C3-A", [D(2020, 1, 1)] * 10, prefix="Z")
    admit_many("C1-A", [D(2024, 5, 1)], prefix="SA")
    admit_many("C3-A", [D(2024, 5, 1)] * 2, prefix="ZA")
    alice = Actor.for_user(world.users["alice"])
    r = admission_ratio(scope=scope_for(alice), unit=unit("C1"), year=2024)
    # C3 has 2 of 10 (20 %), C1 1 of 10 (10 %): C1 ranks second, C3 is not shown to alice.
    assert (r.unit.ratio, r.unit.rank, r.ranked_among) == (10.0, 2, 2)
    assert [s.code for s in r.siblings] == ["C1"]
    full = admission_ratio(scope=FULL, unit=unit("C1"), year=2024)
    assert [(s.code, s.rank) for s in full.siblings] == [("C3", 1), ("C1", 2)]


def test_a_unit_whose_parent_closed_is_ranked_alone(world):
    # C2 still points at D2, which closed on 2025-06-30.
    admit_many("C2-A", [D(2026, 3, 1)], prefix="AL")
    r = admission_ratio(scope=FULL, unit=unit("C2"), year=2026)
    assert (r.unit.code, r.unit.admissions, r.unit.members_at_start, r.unit.rank) == (
        "C2",
        1,
        1,
        1,
    )
    assert [s.code for s in r.siblings] == ["C2"]


# --- fixed number of queries --------------------------------------------------------------------


@pytest.mark.parametrize("cells", [1, 30])
def test_queries_do_not_grow_with_the_subtree(world, django_assert_max_num_queries, cells):
    for n in range(cells):
        unit_version_save(
            actor=SYSTEM,
            code=f"C2-X{n}",
            name=f"Chi bộ {n}",
            kind="cell",
            parent_code="C2",
            valid_from=D(2000, 1, 1),
        )
        admit_many(f"C2-X{n}", [D(2024, 2, 2), D(2023, 3, 3)], prefix=f"Q{n}")
    target_set(actor=SYSTEM, unit_code="P", year=2024, metric="admissions", value=10)
    province, district = unit("P"), unit("D2")
    # Versions, admissions of the year and the three before, the cells' places, targets.
    with django_assert_max_num_queries(4):
        p = progress(scope=FULL, unit=province, on=D(2024, 6, 30))
    assert p.unit.actual == cells
    # The counters of the composition and of the admissions, the unit's own versions; and
    # the admissions of the days that cut a month, with their rollup.
    with django_assert_max_num_queries(3):
        composition(
            scope=FULL, unit=province, start=D(2024, 1, 1), end=D(2024, 12, 31), sensitive=False
        )
    with django_assert_max_num_queries(5):
        composition(
            scope=FULL, unit=province, start=D(2024, 1, 10), end=D(2024, 12, 31), sensitive=False
        )
    # Ethnicity and religion from the records: the periods of the units below, the
    # admissions with their people, the cells' places, the people's attributes on those days.
    with django_assert_max_num_queries(7):
        composition(
            scope=FULL, unit=province, start=D(2024, 1, 1), end=D(2024, 12, 31), sensitive=True
        )
    # The unit's versions, the parent's and its children, the unit's children, the counters of
    # the members on 1 January and of the year's admissions, the scope.
    with django_assert_max_num_queries(8):
        admission_ratio(scope=FULL, unit=district, year=2024)


def test_person_save_admissions_count_too(world):
    person = person_save(
        actor=SYSTEM, person_id="P-ONE", full_name="Lò Văn Một", birth_date=D(2000, 1, 1)
    )
    membership_admit(
        actor=SYSTEM, person=person, cell_code="C2-A", admission_decision_date=D(2024, 7, 1)
    )
    assert progress(scope=FULL, unit=unit("C2"), on=D(2024, 7, 1)).unit.actual == 1
    assert progress(scope=FULL, unit=unit("C2"), on=D(2024, 6, 30)).unit.actual == 0


def test_places_with_members_and_with_a_cell_count_places_on_the_date(
    world, django_assert_max_num_queries
):
    # V1 (An) and V2 (Lan) have members, S1 (the school) none; all three have a cell.
    target_set(actor=SYSTEM, unit_code="P", year=2024, metric="places_with_members", value=3)
    province = unit("P")
    with django_assert_max_num_queries(7):
        p = progress(scope=FULL, unit=province, on=D(2024, 6, 30), metric="places_with_members")
    assert (p.unit.actual, p.unit.target, p.unit.percent) == (2, 3, 66.7)
    # Nothing changed since 1 January: the way from 2 to 3 is expected half done by June.
    assert p.unit.expected == round(2 + 1 * 182 / 366, 1)
    assert p.unit.projection == 2.0 and p.unit.status == "behind"  # 2 of 3 is under 80 %
    assert [(r.code, r.actual) for r in p.rows if r.depth == 1] == [("D2", 1), ("D1", 1)]
    cells = progress(scope=FULL, unit=province, on=D(2024, 6, 30), metric="places_with_cell")
    assert cells.unit.actual == 3
    assert [c.actual for c in p.curve][:6] == [2, 2, 2, 2, 2, 2]
