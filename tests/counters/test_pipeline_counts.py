"""The pipeline's counters: candidates added to a source list and awareness classes passed, by
unit and day, kept by every writer and read by progress (docs/counters.md). `counters_agree`
(tests/conftest.py) recounts them from the records after each test."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from ranks.access.scope import Scope
from ranks.core.actor import SYSTEM
from ranks.counters import services as counters
from ranks.counters.models import PipelineCount, StageCount
from ranks.org.models import Unit
from ranks.org.services import unit_move, unit_version_save
from ranks.people.services import person_save
from ranks.pipeline.services import candidate_save, stage_event_save
from ranks.targets.progress import progress

D = dt.date
FULL = Scope(full=True)
ENTRIES, GRADUATES = "source_entries", "class_graduates"


def counted(code: str, day: dt.date, column: str) -> int:
    rows = PipelineCount.objects.filter(unit__code=code, day=day)
    return rows.aggregate(n=Sum(column))["n"] or 0


def actual(code: str, on: dt.date, metric: str) -> int:
    return progress(scope=FULL, unit=Unit.objects.get(code=code), on=on, metric=metric).unit.actual


def candidate(person_id: str, cell: str, added_on: dt.date):
    person_save(
        actor=SYSTEM, person_id=person_id, full_name="Lò Văn Pọm", birth_date=D(2003, 5, 5),
        education_general="upper_secondary",
    )  # fmt: skip
    return candidate_save(actor=SYSTEM, person_id=person_id, cell_code=cell, added_on=added_on)


def event(person_id: str, stage: str, day: dt.date, **fields):
    return stage_event_save(actor=SYSTEM, person_id=person_id, stage=stage, date=day, **fields)


def test_a_candidate_and_a_class_passed_are_in_every_figure_above_the_cell_at_once(world):
    entries = actual("P", D(2024, 12, 31), ENTRIES)
    graduates = actual("P", D(2024, 12, 31), GRADUATES)
    candidate("Q-1", "C2-A", D(2024, 3, 5))
    event("Q-1", "source_list", D(2024, 3, 5))
    event("Q-1", "class_passed", D(2024, 4, 10), certificate_no="GCN-Q-1")
    for code in ("C2-A", "C2", "D2", "P"):
        assert counted(code, D(2024, 3, 5), ENTRIES) == 1
        assert counted(code, D(2024, 4, 10), GRADUATES) == 1
    assert counted("D1", D(2024, 3, 5), ENTRIES) == 0
    assert actual("P", D(2024, 12, 31), ENTRIES) == entries + 1
    assert actual("P", D(2024, 12, 31), GRADUATES) == graduates + 1
    rows = progress(
        scope=FULL, unit=Unit.objects.get(code="D2"), on=D(2024, 12, 31), metric=ENTRIES
    )
    assert [(r.code, r.actual) for r in rows.rows if r.code in ("C2", "C2-A")] == [
        ("C2", 1),
        ("C2-A", 1),
    ]
    # On the day before, within the same month, neither is counted yet.
    assert actual("P", D(2024, 3, 4), ENTRIES) == entries
    assert actual("P", D(2024, 4, 9), GRADUATES) == graduates
    assert actual("P", D(2024, 4, 10), GRADUATES) == graduates + 1


def test_the_day_a_candidate_was_added_corrected_moves_both_days(world):
    candidate("Q-2", "C2-A", D(2024, 3, 5))
    candidate_save(actor=SYSTEM, person_id="Q-2", cell_code="C2-A", added_on=D(2024, 1, 20))
    assert counted("P", D(2024, 3, 5), ENTRIES) == 0
    assert counted("P", D(2024, 1, 20), ENTRIES) == 1
    assert PipelineCount.objects.filter(unit__code="P", day=D(2024, 3, 5)).count() == 2  # +1, −1


def test_a_handover_accepted_moves_the_entry_and_the_class_to_the_receiving_cell(world):
    candidate("Q-3", "C1-A", D(2024, 3, 1))
    event("Q-3", "source_list", D(2024, 3, 1))
    event("Q-3", "class_passed", D(2024, 4, 2), certificate_no="GCN-Q-3")
    assert counted("D1", D(2024, 4, 2), GRADUATES) == 1
    event("Q-3", "handed_over", D(2024, 5, 2), to_unit_code="C2", detail="Về nơi cư trú")
    event("Q-3", "handover_accepted", D(2024, 5, 10), to_unit_code="C2-A")
    # The candidate's current cell stands for the cell of each day (as the records are read).
    assert counted("D1", D(2024, 4, 2), GRADUATES) == 0
    assert counted("D2", D(2024, 4, 2), GRADUATES) == 1
    assert counted("D2", D(2024, 3, 1), ENTRIES) == 1


def test_a_cell_moved_to_another_unit_carries_its_candidates_from_the_move(world):
    candidate("Q-4", "C2-A", D(2024, 3, 5))
    candidate("Q-5", "C2-A", D(2025, 8, 5))
    unit_version_save(actor=SYSTEM, code="N2", name="Đảng bộ xã Mới Hai",
                      kind="commune_committee", valid_from=D(2025, 7, 1), can_admit=True)  # fmt: skip
    unit_move(actor=SYSTEM, code="C2-A", new_parent_code="N2", on=D(2025, 7, 1))
    assert counted("C2", D(2024, 3, 5), ENTRIES) == 1  # before the move: where it was
    assert counted("N2", D(2024, 3, 5), ENTRIES) == 0
    assert counted("N2", D(2025, 8, 5), ENTRIES) == 1  # after it: in the new commune
    assert counted("C2", D(2025, 8, 5), ENTRIES) == 0


def test_rebuild_gives_the_same_pipeline_counters_and_verify_names_them(world, capsys):
    candidate("Q-6", "C2-A", D(2024, 3, 5))
    before = progress(scope=FULL, unit=Unit.objects.get(code="P"), on=D(2024, 12, 31),
                      metric=ENTRIES).rows  # fmt: skip
    PipelineCount.objects.create(unit=Unit.objects.get(code="C2"), day=D(2024, 6, 7),
                                 class_graduates=2)  # fmt: skip
    with pytest.raises(CommandError):
        call_command("counters", "verify", lang="vi")
    assert (
        "C2 07/06/2024 quần chúng hoàn thành lớp bồi dưỡng nhận thức về Đảng: đếm được 2, đếm lại 0"
        in (capsys.readouterr().out)
    )
    PipelineCount.objects.all().delete()
    StageCount.objects.all().delete()
    counters.add_new_candidates("SELECT id FROM pipeline_candidate", [])  # a first load
    call_command("counters", "verify", lang="vi")
    counters.rebuild()
    call_command("counters", "verify", lang="vi")
    after = progress(scope=FULL, unit=Unit.objects.get(code="P"), on=D(2024, 12, 31),
                     metric=ENTRIES).rows  # fmt: skip
    assert after == before


def test_progress_of_the_pipeline_does_not_read_more_with_more_candidates(world):
    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            progress(scope=FULL, unit=Unit.objects.get(code="P"), on=D(2024, 12, 31),
                     metric=ENTRIES, depth=1)  # fmt: skip
        return len(seen)

    few = queries()
    for n in range(6):
        candidate(f"Q-M{n}", "C2-A" if n % 2 else "C1-B", D(2024, 2, 1 + n))
    assert queries() == few
    assert actual("P", D(2024, 12, 31), ENTRIES) >= 6
