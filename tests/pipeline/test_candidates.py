"""Saving a candidacy: created, updated, idempotent, and each refusal with its message."""

import datetime as dt

import pytest
from django.utils import translation

from ranks.core.actor import SYSTEM, Actor
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from ranks.people.services import person_save
from ranks.pipeline.models import Candidate
from ranks.pipeline.services import candidate_save

D = dt.date
OFFICER = Actor(name="alice")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def mai(world):
    return person_save(
        actor=SYSTEM, person_id="P-MAI", full_name="Lò Thị Mai", birth_date=D(1995, 4, 5)
    )


def save(**kwargs):
    kwargs.setdefault("actor", OFFICER)
    kwargs.setdefault("person_id", "P-MAI")
    kwargs.setdefault("cell_code", "C1-A")
    kwargs.setdefault("added_on", D(2024, 3, 1))
    return candidate_save(**kwargs)


def entries():
    return list(AuditEntry.objects.filter(object_type="candidate").order_by("seq"))


def test_a_new_candidacy_is_saved_with_its_mentors_and_audited(mai):
    candidate = save(
        source_group="youth_union", mentor_person_ids=["P-AN", " P-DUNG ", ""], note=" quiet "
    )
    stored = Candidate.objects.get(person__person_id="P-MAI")
    assert stored.pk == candidate.pk
    assert (stored.cell.code, stored.added_on, stored.source_group, stored.note) == (
        "C1-A",
        D(2024, 3, 1),
        "youth_union",
        "quiet",
    )
    assert sorted(stored.mentors.values_list("person_id", flat=True)) == ["P-AN", "P-DUNG"]
    [entry] = entries()
    assert (entry.action, entry.actor, entry.object_id, entry.before) == (
        "ranks.pipeline.candidate.created",
        "alice",
        "P-MAI",
        None,
    )
    assert entry.after["cell_code"] == "C1-A"
    assert entry.after["mentors"] == ["P-AN", "P-DUNG"]


def test_saving_again_updates_the_candidacy_with_before_and_after(mai):
    save(source_group="youth_union", mentor_person_ids=["P-AN"])
    save(cell_code="C1-B", source_group="student", mentor_person_ids=["P-DUNG"])
    stored = Candidate.objects.get(person__person_id="P-MAI")
    assert (stored.cell.code, stored.source_group) == ("C1-B", "student")
    assert list(stored.mentors.values_list("person_id", flat=True)) == ["P-DUNG"]
    assert Candidate.objects.count() == 1
    created, updated = entries()
    assert updated.action == "ranks.pipeline.candidate.updated"
    assert (updated.before["cell_code"], updated.after["cell_code"]) == ("C1-A", "C1-B")
    assert (updated.before["mentors"], updated.after["mentors"]) == (["P-AN"], ["P-DUNG"])
    assert updated.before == created.after


def test_changing_only_the_mentors_is_an_update(mai):
    save(mentor_person_ids=["P-AN"])
    save(mentor_person_ids=["P-AN", "P-LAN"])
    assert [e.action for e in entries()] == [
        "ranks.pipeline.candidate.created",
        "ranks.pipeline.candidate.updated",
    ]


def test_the_same_input_twice_writes_one_audit_entry(mai):
    save(source_group="worker", mentor_person_ids=["P-LAN", "P-AN"], note="n")
    save(source_group="worker", mentor_person_ids=["P-AN", "P-LAN"], note="n")
    assert len(entries()) == 1


def test_a_member_of_the_party_can_be_mentor_and_the_cell_is_read_on_the_added_date(world):
    # C1-A hung below C1 until the reform and below N1 after: a cell on both dates.
    save(person_id="P-AN", added_on=D(2010, 1, 1))
    save(person_id="P-AN", added_on=D(2025, 8, 1))
    assert Candidate.objects.get().added_on == D(2025, 8, 1)


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"person_id": "P-NOBODY"}, "person_id", "Unknown person: P-NOBODY."),
        ({"person_id": " "}, "person_id", "A person needs an identifier."),
        ({"cell_code": "X-9"}, "cell_code", "Unknown cell code: X-9."),
        (
            {"added_on": D(1999, 6, 1)},
            "cell_code",
            "The cell C1-A does not exist on 1999-06-01.",
        ),
        (
            {"cell_code": "C2"},
            "cell_code",
            "Đảng bộ xã Hai is not a cell: members are kept in cells.",
        ),
        (
            {"added_on": D(1995, 4, 4)},
            "added_on",
            "The date added to the source list is before the birth date.",
        ),
        (
            {"source_group": "farmer"},
            "source_group",
            "farmer is not an allowed value. Allowed: youth_union, military, "
            "returning_graduate, student, worker, religious, association, other.",
        ),
        (
            {"mentor_person_ids": ["P-AN", "P-X", "P-Y"]},
            "mentor_person_ids",
            "Unknown person: P-X, P-Y.",
        ),
        (
            {"mentor_person_ids": ["P-MAI"]},
            "mentor_person_ids",
            "A candidate cannot be their own mentor.",
        ),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(mai, changes, field, message):
    count = AuditEntry.objects.count()
    with pytest.raises(DomainError) as error:
        save(**changes)
    assert (str(error.value), error.value.field) == (message, field)
    assert not Candidate.objects.exists()
    assert AuditEntry.objects.count() == count


def test_a_future_added_date_is_refused(mai):
    with pytest.raises(DomainError) as error:
        save(added_on=today() + dt.timedelta(days=1))
    assert (str(error.value), error.value.field) == (
        "The date added to the source list is in the future.",
        "added_on",
    )


def test_a_refused_update_leaves_the_candidacy_as_it_was(mai):
    save(mentor_person_ids=["P-AN"])
    with pytest.raises(DomainError):
        save(cell_code="C1-B", mentor_person_ids=["P-NOBODY"])
    stored = Candidate.objects.get()
    assert stored.cell.code == "C1-A"
    assert list(stored.mentors.values_list("person_id", flat=True)) == ["P-AN"]
    assert len(entries()) == 1


def test_adding_a_person_who_is_already_a_candidate_is_refused(mai):
    assert save(new=True).cell.code == "C1-A"
    with pytest.raises(DomainError) as error:
        save(cell_code="C1-B", new=True)
    assert (str(error.value), error.value.field) == (
        "P-MAI is already a candidate; record the next step on their page.",
        "person_id",
    )
    assert Candidate.objects.get().cell.code == "C1-A"
    assert len(entries()) == 1
