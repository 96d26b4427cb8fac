"""Names in Vietnamese order, the same in Python, on SQLite and on PostgreSQL: letters in the order
of the Vietnamese alphabet (a ă â … d đ … e ê … o ô ơ … u ư), tones in dictionary order (none,
huyền, hỏi, ngã, sắc, nặng); people by given name, then full name. In a query, a page, an export
and a report."""

import datetime as dt
import random

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from ranks.access.scope import scope_for
from ranks.core.actor import SYSTEM
from ranks.core.collation import given_name, person_key, person_order, sort_key, vietnamese
from ranks.interchange.exporters import export_kind
from ranks.org.models import UnitVersion
from ranks.org.services import unit_version_save
from ranks.people.models import Person
from ranks.people.services import membership_admit, person_save

# The order a Vietnamese reader expects ("Ái Quốc" before "Tứ Minh", "Đại" before "Đường").
CELLS = [
    "Chi bộ Ái Quốc",
    "Chi bộ Ăn",
    "Chi bộ Ân",
    "Chi bộ Dân",
    "Chi bộ Đại",
    "Chi bộ Đường",
    "Chi bộ Em",
    "Chi bộ Ê",
    "Chi bộ Ma",
    "Chi bộ Mà",
    "Chi bộ Mả",
    "Chi bộ Mã",
    "Chi bộ Má",
    "Chi bộ Mạ",
    "Chi bộ Ô",
    "Chi bộ Ơn",
    "Chi bộ thôn Đông",  # the world's C1-A
    "Chi bộ trường Tiểu học",  # the world's C1-B
    "Chi bộ Tứ Minh",
    "Chi bộ Út",
    "Chi bộ Ưng",
]
# People by given name (the last word), then the full name.
PEOPLE = [
    "Âu Văn An",
    "Bùi Văn An",
    "Lê Thị Anh",
    "Trần Văn Ánh",
    "Lò Văn Ăn",
    "Nguyễn Ân",
    "Đỗ Bình",
    "Lê Dung",
    "Hoàng Văn Đại",
    "Lê Đức",
]


def shuffled(names):
    names = list(names)
    random.Random(13).shuffle(names)
    return names


@pytest.mark.pure
def test_python_sorts_in_vietnamese_order():
    assert sorted(shuffled(CELLS), key=sort_key) == CELLS
    assert sorted(shuffled(PEOPLE), key=person_key) == PEOPLE
    assert given_name(" Nguyễn Văn  An ") == "An"
    # Equal for ICU (case only differs at the third level): code point order decides, as both
    # databases decide.
    assert sorted(["an", "An"], key=sort_key) == ["an", "An"]


@pytest.fixture
def cells(world):
    for number, name in enumerate(shuffled(CELLS)):
        if name.startswith(("Chi bộ thôn", "Chi bộ trường")):
            continue  # already in the world
        unit_version_save(
            actor=SYSTEM,
            code=f"C1-V{number}",
            name=name,
            kind="cell",
            parent_code="C1",
            valid_from=dt.date(2000, 1, 1),
        )
    return world


@pytest.fixture
def people(world):
    for number, name in enumerate(shuffled(PEOPLE)):
        person = person_save(
            actor=SYSTEM,
            person_id=f"V-{number:02}",
            full_name=name,
            birth_date=dt.date(1990, 1, 1),
            residence_place_code="V1",
        )
        membership_admit(
            actor=SYSTEM,
            person=person,
            cell_code="C1-B",
            admission_decision_date=dt.date(2020, 1, 1),
        )
    return world


def test_the_database_orders_as_python_does(cells, people):
    versions = UnitVersion.objects.filter(parent__code="C1").order_by(vietnamese("name"))
    assert [v.name for v in versions] == CELLS
    found = Person.objects.filter(person_id__startswith="V-").order_by(*person_order())
    assert [p.full_name for p in found] == PEOPLE
    # The same collation, not a look-alike: the one PostgreSQL created, SQLite's registered one.
    assert connection.vendor in ("sqlite", "postgresql")


def in_order(text: str, names: list[str]) -> bool:
    places = [text.index(f">{name}<") for name in names]
    return places == sorted(places)


def test_a_page_lists_units_and_members_in_vietnamese_order(client, cells, people):
    client.force_login(get_user_model().objects.get(username="root"))
    commune = client.get("/units/C1/").content.decode()
    assert in_order(commune, CELLS)
    cell = client.get("/units/C1-B/").content.decode()
    assert in_order(cell, PEOPLE)


def test_the_people_export_is_in_register_order(people):
    export = export_kind(
        actor=SYSTEM, kind="people", scope=scope_for(SYSTEM), root=None, sensitive=False
    )
    names = [r["full_name"] for r in export.records if r["person_id"].startswith("V-")]
    assert names == PEOPLE


def test_a_report_lists_the_cells_in_vietnamese_order(cells):
    from io import StringIO

    out = StringIO()
    call_command(
        "report", "cells", "--unit", "C1", "--on", "2024-06-01", "--format", "csv", stdout=out
    )
    rows = [line.split(",") for line in out.getvalue().splitlines()[1:]]
    assert [row[1] for row in rows if row and row[1].startswith("Chi bộ")] == CELLS
