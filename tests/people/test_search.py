"""Name search ignores diacritics and case, and matches words by their beginnings."""

import datetime as dt

import pytest

from ranks.access.scope import scope_for
from ranks.core.actor import SYSTEM, Actor
from ranks.people.models import Person
from ranks.people.selectors import person_search
from ranks.people.services import person_save


def search(query, people=None, **kwargs):
    people = Person.objects.all() if people is None else people
    return [p.full_name for p in person_search(people, query, **kwargs)]


@pytest.mark.parametrize(
    "query, names",
    [
        ("nguyen van an", ["Nguyễn Văn An"]),
        ("NGUYEN VAN AN", ["Nguyễn Văn An"]),
        ("Nguyễn Văn An", ["Nguyễn Văn An"]),
        ("dang thi dung", ["Đặng Thị Dung"]),
        ("đặng", ["Đặng Thị Dung"]),
        ("ĐẶNG", ["Đặng Thị Dung"]),
        ("dung dang", ["Đặng Thị Dung"]),
        ("nguyen", ["Nguyễn Văn An", "Nguyễn Văn Lan"]),
        ("lan", ["Nguyễn Văn Lan"]),
        ("an", ["Nguyễn Văn An"]),
        ("guyen", []),
        ("", []),
        ("%", []),
        ("_", []),
    ],
)
def test_search_ignores_diacritics_and_case(world, query, names):
    assert search(query) == names


def test_an_exact_name_comes_before_longer_ones(world):
    person_save(
        actor=SYSTEM, person_id="P-ANH", full_name="Nguyễn Văn Anh", birth_date=dt.date(1999, 1, 1)
    )
    person_save(
        actor=SYSTEM, person_id="P-AA", full_name="Nguyễn Văn An An", birth_date=dt.date(1999, 1, 1)
    )
    assert search("nguyen van an") == ["Nguyễn Văn An", "Nguyễn Văn An An", "Nguyễn Văn Anh"]
    assert search("nguyen van an", limit=1) == ["Nguyễn Văn An"]


def test_search_within_a_scope_finds_only_people_in_it(world):
    bob = scope_for(Actor.for_user(world.users["bob"]))
    assert search("nguyen van", bob.people(Person.objects.all())) == ["Nguyễn Văn Lan"]
    alice = scope_for(Actor.for_user(world.users["alice"]))
    assert search("nguyen van", alice.people(Person.objects.all())) == ["Nguyễn Văn An"]


def test_names_that_begin_with_the_query_come_before_other_matches(world):
    for person_id, name in [("P-BUI", "Bùi Nguyễn Văn An"), ("P-ANH", "Nguyễn Văn Anh")]:
        person_save(
            actor=SYSTEM, person_id=person_id, full_name=name, birth_date=dt.date(1999, 1, 1)
        )
    assert search("nguyen van an") == ["Nguyễn Văn An", "Nguyễn Văn Anh", "Bùi Nguyễn Văn An"]
    assert search("nguyen van an", limit=2) == ["Nguyễn Văn An", "Nguyễn Văn Anh"]
    assert search("van an") == ["Bùi Nguyễn Văn An", "Nguyễn Văn An", "Nguyễn Văn Anh"]
