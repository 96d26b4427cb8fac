"""The counters: kept in the same transaction as each change, read by the figures, checked and
rebuilt from the records (docs/counters.md)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from ranks.access.scope import Scope
from ranks.core.actor import SYSTEM
from ranks.core.models import AuditEntry
from ranks.counters import services as counters
from ranks.counters.models import TABLES, AdmissionCount, CompositionCount, CoverageCount
from ranks.org.models import Unit
from ranks.org.services import place_version_save, unit_move, unit_version_save
from ranks.people.models import Membership
from ranks.people.services import (
    membership_admit,
    membership_correct,
    membership_transfer,
    person_save,
)
from ranks.pipeline.services import candidate_save
from ranks.targets.progress import admission_ratio, composition, progress

D = dt.date
FULL = Scope(full=True)


def unit(code):
    return Unit.objects.get(code=code)


def counted(code: str, month: dt.date, column: str = "admissions") -> int:
    rows = AdmissionCount.objects.filter(unit__code=code, month=month)
    return rows.aggregate(n=Sum(column))["n"] or 0


def newcomer(person_id: str, **fields):
    values = {
        "full_name": "Lò Thị Mai",
        "birth_date": D(2000, 4, 4),
        "gender": "female",
        "ethnicity": "Thái",
        "religion": "Không",
        "occupation": "farmer",
    }
    return person_save(actor=SYSTEM, person_id=person_id, **{**values, **fields})


def test_an_admission_is_in_every_figure_above_its_cell_at_once(world):
    before = progress(scope=FULL, unit=unit("P"), on=D(2024, 12, 31)).unit.actual
    membership_admit(
        actor=SYSTEM,
        person=newcomer("N-1"),
        cell_code="C2-A",
        admission_decision_date=D(2024, 9, 9),
    )
    for code in ("C2-A", "C2", "D2", "P"):
        assert counted(code, D(2024, 9, 1)) == 1
        assert counted(code, D(2024, 9, 1), "women") == 1
        assert counted(code, D(2024, 9, 1), "ethnic_minority") == 1
        assert counted(code, D(2024, 9, 1), "farmers") == 1
        assert counted(code, D(2024, 9, 1), "villages") == 1  # Bản Nà is a village
    assert counted("C1", D(2024, 9, 1)) == 0
    figures = progress(scope=FULL, unit=unit("P"), on=D(2024, 12, 31))
    assert figures.unit.actual == before + 1
    assert sorted((r.code, r.actual) for r in figures.children) == [("D1", 0), ("D2", 1)]
    # On a day before the decision, within the same month, it is not counted yet.
    assert progress(scope=FULL, unit=unit("P"), on=D(2024, 9, 8)).unit.actual == before


def test_a_back_dated_correction_moves_the_counts_of_both_months(world):
    person = newcomer("N-2")
    membership = membership_admit(
        actor=SYSTEM, person=person, cell_code="C2-A", admission_decision_date=D(2024, 3, 10)
    )
    assert progress(scope=FULL, unit=unit("C2"), on=D(2024, 2, 29)).unit.actual == 0
    membership_correct(actor=SYSTEM, membership=membership, admission_decision_date=D(2024, 1, 20))
    assert counted("C2", D(2024, 3, 1)) == 0
    assert counted("C2", D(2024, 1, 1)) == 1
    curve = progress(scope=FULL, unit=unit("C2"), on=D(2024, 12, 31)).curve
    assert [p.actual for p in curve[:3]] == [1, 1, 1]
    assert Membership.objects.get(pk=membership.pk).postings.get().valid_from == D(2024, 1, 20)
    entry = AuditEntry.objects.filter(action="ranks.people.membership.corrected").get()
    assert (entry.before["admission_decision_date"], entry.after["admission_decision_date"]) == (
        "2024-03-10",
        "2024-01-20",
    )


def test_a_correction_into_the_future_changes_nothing(world):
    membership = world.people["dung"].memberships.get()
    with pytest.raises(Exception, match="future|tương lai"):
        membership_correct(
            actor=SYSTEM, membership=membership, admission_decision_date=D(2099, 1, 1)
        )
    assert Membership.objects.get(pk=membership.pk).admission_decision_date == D(2025, 1, 10)


def test_2025_is_split_at_1_july_between_the_old_district_and_the_new_commune(world):
    for n, day in enumerate([D(2025, 3, 3), D(2025, 6, 30), D(2025, 7, 1), D(2025, 11, 11)]):
        membership_admit(
            actor=SYSTEM, person=newcomer(f"R-{n}"), cell_code="C1-A", admission_decision_date=day
        )
    # Before the reform the cell counted in C1 and the district (with Dung, admitted in January
    # at the school's cell); after it, in the new commune.
    assert progress(scope=FULL, unit=unit("D1"), on=D(2025, 6, 30)).unit.actual == 3
    assert progress(scope=FULL, unit=unit("N1"), on=D(2025, 12, 31)).unit.actual == 2
    assert counted("C1-A", D(2025, 6, 1)) == 1 and counted("C1-A", D(2025, 7, 1)) == 1
    assert counted("N1", D(2025, 6, 1)) == 0 and counted("D1", D(2025, 7, 1)) == 0


def test_a_unit_moved_carries_what_it_counts_from_the_move(world):
    membership_admit(
        actor=SYSTEM,
        person=newcomer("M-1"),
        cell_code="C2-A",
        admission_decision_date=D(2020, 5, 5),
    )
    membership_admit(
        actor=SYSTEM,
        person=newcomer("M-2"),
        cell_code="C2-A",
        admission_decision_date=D(2023, 5, 5),
    )
    assert counted("D2", D(2023, 5, 1)) == 1
    unit_move(actor=SYSTEM, code="C2", new_parent_code="D1", on=D(2022, 1, 1))
    assert counted("D2", D(2020, 5, 1)) == 1  # before the move, still the old district's
    assert counted("D2", D(2023, 5, 1)) == 0
    assert counted("D1", D(2023, 5, 1)) == 1


def test_a_cell_based_at_a_village_from_now_counts_its_admissions_there(world):
    assert counted("C1-B", D(2025, 1, 1), "villages") == 0  # Dung, admitted at the school's cell
    place_version_save(
        actor=SYSTEM, code="V9", name="Thôn Chín", kind="village", unit_code="N1",
        cell_codes=["C1-B"], valid_from=D(2024, 1, 1),
    )  # fmt: skip
    assert counted("C1-B", D(2025, 1, 1), "villages") == 1
    assert counted("N1", D(2025, 1, 1), "villages") == 0  # decided before the reform: C1's
    assert counted("C1", D(2025, 1, 1), "villages") == 1


def test_a_person_recorded_differently_moves_the_segments(world):
    assert counted("C1-B", D(2025, 1, 1), "religious") == 1  # Dung, Catholic
    # Corrected as holding since birth: the admission of January 2025 counts as corrected.
    person_save(
        actor=SYSTEM,
        person_id="P-DUNG",
        religion="KHÔNG",
        occupation="worker",
        attributes_from=world.people["dung"].birth_date,
    )
    assert counted("C1-B", D(2025, 1, 1), "religious") == 0
    assert counted("C1-B", D(2025, 1, 1), "workers") == 1
    assert counted("C1-B", D(2025, 1, 1)) == 1


def _occupations(code: str, year: int) -> dict[str, int]:
    found = composition(
        scope=FULL, unit=unit(code), start=D(year, 1, 1), end=D(year, 12, 31), sensitive=False
    )
    return found.by["occupation"]


def test_a_later_change_of_occupation_leaves_a_past_year_as_it_was(world):
    person = newcomer("N-F", occupation="farmer")
    membership_admit(
        actor=SYSTEM, person=person, cell_code="C2-A", admission_decision_date=D(2023, 5, 10)
    )
    before = {code: _occupations(code, 2023) for code in ("C2-A", "C2", "D2", "P")}
    assert all(found.get("farmer", 0) >= 1 for found in before.values())
    # A farmer admitted in 2023 became a civil servant in 2025.
    person_save(
        actor=SYSTEM, person_id="N-F", occupation="civil_servant", attributes_from=D(2025, 3, 1)
    )
    assert {code: _occupations(code, 2023) for code in before} == before
    assert counted("D2", D(2023, 5, 1), "farmers") == 1
    # The record now says civil servant; the history keeps the farmer.
    periods = list(person.attribute_periods.order_by("valid_from"))
    assert [(p.occupation, p.valid_from, p.valid_to) for p in periods] == [
        ("farmer", person.birth_date, D(2025, 2, 28)),
        ("civil_servant", D(2025, 3, 1), None),
    ]
    call_command("counters", "verify", lang="en")


def test_a_change_back_dated_before_the_decision_moves_the_past_year(world):
    person = newcomer("N-G", occupation="farmer")
    membership_admit(
        actor=SYSTEM, person=person, cell_code="C2-A", admission_decision_date=D(2023, 5, 10)
    )
    before = {code: _occupations(code, 2023) for code in ("C2-A", "C2", "D2", "P")}
    person_save(actor=SYSTEM, person_id="N-G", occupation="worker", attributes_from=D(2023, 1, 1))
    for code, found in before.items():
        after = _occupations(code, 2023)
        assert after.get("farmer", 0) == found.get("farmer", 0) - 1
        assert after.get("worker", 0) == found.get("worker", 0) + 1
    assert counted("D2", D(2023, 5, 1), "farmers") == 0
    assert counted("D2", D(2023, 5, 1), "workers") == 1
    call_command("counters", "verify", lang="en")


def test_a_transfer_leaves_the_admission_where_it_was_decided(world):
    membership = world.people["lan"].memberships.get()
    membership_transfer(actor=SYSTEM, membership=membership, to_cell_code="C1-A", on=D(2020, 1, 1))
    assert counted("C2-A", D(2010, 6, 1)) == 1
    assert counted("C1-A", D(2010, 6, 1)) == 0


def test_the_ratio_reads_admissions_from_the_counters(world):
    membership_admit(
        actor=SYSTEM,
        person=newcomer("Q-1"),
        cell_code="C2-A",
        admission_decision_date=D(2024, 2, 2),
    )
    ratio = admission_ratio(scope=FULL, unit=unit("D2"), year=2024)
    assert (ratio.unit.admissions, ratio.unit.members_at_start) == (1, 1)
    assert ratio.unit.ratio == 100.0


def test_fold_adds_up_the_rows_and_keeps_every_figure(world):
    for n in range(3):
        membership_admit(
            actor=SYSTEM,
            person=newcomer(f"F-{n}"),
            cell_code="C2-A",
            admission_decision_date=D(2024, 9, 9 + n),
        )
    rows = AdmissionCount.objects.filter(unit__code="P", month=D(2024, 9, 1))
    assert rows.count() == 3
    before = progress(scope=FULL, unit=unit("P"), on=D(2024, 12, 31)).rows
    call_command("counters", "fold")
    assert rows.count() == 1
    assert progress(scope=FULL, unit=unit("P"), on=D(2024, 12, 31)).rows == before


@pytest.mark.django_db(transaction=True)
def test_fold_run_on_its_own_also_tidies_the_tables(transactional_db):
    """Outside a transaction (the command, a nightly job) the fold also vacuums the counters'
    tables on PostgreSQL (a unit's members are then read from the index alone again)."""
    from ranks.counters.models import FoldMark
    from tests.factories import build_world

    build_world()
    membership_admit(actor=SYSTEM, person=newcomer("F-T"), cell_code="C2-A",
                     admission_decision_date=D(2024, 9, 9))  # fmt: skip
    before = progress(scope=FULL, unit=unit("P"), on=D(2024, 12, 31)).rows
    counters.fold()
    assert FoldMark.objects.count() == 1
    assert progress(scope=FULL, unit=unit("P"), on=D(2024, 12, 31)).rows == before


def test_verify_finds_a_counter_out_of_step_and_rebuild_mends_it(world, capsys):
    call_command("counters", "verify", lang="vi")
    assert "khớp với hồ sơ" in capsys.readouterr().out
    AdmissionCount.objects.create(unit=unit("C2"), month=D(2024, 5, 1), admissions=3, women=1)
    with pytest.raises(CommandError) as failed:
        call_command("counters", "verify", "--unit", "P", lang="vi")
    assert failed.value.returncode == 1
    out = capsys.readouterr().out
    assert "C2 05/2024" in out and "đếm được 3, đếm lại 0" in out
    # Each kind of counter is named as a reader knows it, coverage by its day.
    CompositionCount.objects.create(unit=unit("C2"), month=D(2024, 5, 1), gender_female=2)
    CoverageCount.objects.create(unit=unit("C2"), day=D(2024, 5, 3), kind_village_cell=1)
    with pytest.raises(CommandError):
        call_command("counters", "verify", lang="vi")
    out = capsys.readouterr().out
    assert "C2 05/2024 giới tính: nữ: đếm được 2, đếm lại 0" in out
    assert "C2 03/05/2024 địa bàn có chi bộ (thôn): đếm được 1, đếm lại 0" in out
    call_command("counters", "rebuild", "--unit", "D2")
    call_command("counters", "verify", lang="vi")
    assert AuditEntry.objects.filter(action="ranks.counters.rebuilt", object_id="D2").exists()


def test_rebuild_of_everything_gives_the_same_counters(world):
    unit_version_save(actor=SYSTEM, code="C2-B", name="Chi bộ bản Mới", kind="cell",
                      parent_code="C2", valid_from=D(2001, 1, 1))  # fmt: skip
    before = progress(scope=FULL, unit=unit("P"), on=D(2024, 12, 31)).rows
    AdmissionCount.objects.all().delete()
    call_command("counters", "rebuild")
    assert progress(scope=FULL, unit=unit("P"), on=D(2024, 12, 31)).rows == before


def test_counters_refuse_a_user_without_full_access(world):
    with pytest.raises(CommandError, match="toàn quyền|full access"):
        call_command("counters", "verify", "--as", "vera")


def test_add_new_counts_a_first_load_in_the_database(world):
    total = AdmissionCount.objects.aggregate(n=Sum("admissions"))["n"]
    for model, _columns in TABLES:
        model.objects.all().delete()
    counters.add_new("SELECT id FROM people_membership", [])
    assert AdmissionCount.objects.aggregate(n=Sum("admissions"))["n"] == total


def test_the_composition_reads_the_counters_and_cuts_months_at_the_days_asked(world):
    person = newcomer("N-9", occupation="worker", education_general="upper_secondary")
    membership_admit(
        actor=SYSTEM, person=person, cell_code="C2-A", admission_decision_date=D(2024, 9, 20)
    )
    whole = composition(
        scope=FULL, unit=unit("P"), start=D(2024, 9, 1), end=D(2024, 9, 30), sensitive=False
    )
    # The period ends the day before: the month's counters hold the admission, the cut does not.
    before = composition(
        scope=FULL, unit=unit("P"), start=D(2024, 9, 1), end=D(2024, 9, 19), sensitive=False
    )
    after = composition(
        scope=FULL, unit=unit("P"), start=D(2024, 9, 20), end=D(2024, 9, 20), sensitive=False
    )
    assert whole.total == before.total + 1
    assert after.total == 1
    assert after.by["occupation"] == {"worker": 1}
    assert after.by["gender"] == {"female": 1}
    assert after.by["education_general"] == {"upper_secondary": 1}
    assert after.by["age_band"] == {"18-30": 1}
    assert after.by["place_kind"] == {"village": 1}  # Bản Nà
    assert after.by["source_group"] == {"": 1}
    assert "ethnicity" not in after.by
    # A cell's own composition comes from its records: the counters keep the units above it.
    cell = composition(
        scope=FULL, unit=unit("C2-A"), start=D(2024, 9, 20), end=D(2024, 9, 20), sensitive=False
    )
    assert (cell.total, cell.by) == (after.total, after.by)
    assert not CompositionCount.objects.filter(unit__code="C2-A").exists()
    assert CompositionCount.objects.filter(unit__code="C2", month=D(2024, 9, 1)).exists()
    # Under a sensitive grant, ethnicity and religion as recorded.
    shown = composition(
        scope=FULL, unit=unit("P"), start=D(2024, 9, 20), end=D(2024, 9, 20), sensitive=True
    )
    assert shown.by["ethnicity"] == {"Thái": 1}
    assert shown.by["religion"] == {"Không": 1}


def test_a_source_group_set_later_moves_the_composition_of_the_admission(world):
    person = newcomer("N-10")
    membership_admit(
        actor=SYSTEM, person=person, cell_code="C2-A", admission_decision_date=D(2024, 9, 20)
    )
    candidate_save(
        actor=SYSTEM,
        person_id="N-10",
        cell_code="C2-A",
        added_on=D(2023, 1, 5),
        source_group="youth_union",
    )
    after = composition(
        scope=FULL, unit=unit("D2"), start=D(2024, 9, 20), end=D(2024, 9, 20), sensitive=False
    )
    assert after.by["source_group"] == {"youth_union": 1}
    rows = CompositionCount.objects.filter(unit__code="D2", month=D(2024, 9, 1))
    assert rows.aggregate(n=Sum("source_group_youth_union"))["n"] == 1
    assert rows.aggregate(n=Sum("source_group_unrecorded"))["n"] == 0
