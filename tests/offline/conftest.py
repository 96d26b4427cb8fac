"""Fixtures of the offline tests: a cell secretary's cell with candidates on its source list and
official members to introduce them (tests/offline/device.py drives the browser)."""

from __future__ import annotations

import datetime as dt

import pytest

from ranks.core.actor import SYSTEM
from ranks.people.services import person_save
from ranks.pipeline.services import candidate_save, stage_event_save
from tests.factories import add_introducers

D = dt.date


@pytest.fixture
def cell(world):
    """C1-A (Chi bộ thôn Đông) with two official introducers and four candidates on its source
    list; alice is an officer of the commune above it."""
    introducers = add_introducers("C1-A")
    names = ["Lò Thị Mai", "Giàng A Páo", "Vàng Thị Dua", "Sùng A Chứ"]
    for n, name in enumerate(names):
        person_id = f"P-Q{n}"
        person_save(
            actor=SYSTEM,
            person_id=person_id,
            full_name=name,
            birth_date=D(1999, 1, 1 + n),
            residence_place_code="V1",
        )
        candidate_save(
            actor=SYSTEM,
            person_id=person_id,
            cell_code="C1-A",
            added_on=D(2026, 1, 5),
            source_group="youth_union",
            mentor_person_ids=["P-AN"],
        )
        stage_event_save(actor=SYSTEM, person_id=person_id, stage="source_list", date=D(2026, 1, 5))
    return {"code": "C1-A", "introducers": introducers}
