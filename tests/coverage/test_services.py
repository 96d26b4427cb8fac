"""Secondments: saved, updated, idempotent, ended, and each refusal with its message."""

import datetime as dt

import pytest
from django.utils import translation

from ranks.core.actor import SYSTEM, Actor
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from ranks.coverage.models import Secondment
from ranks.coverage.services import secondment_end, secondment_save
from ranks.people.models import Membership
from ranks.people.services import membership_leave, person_save

D = dt.date
OFFICER = Actor(name="bob")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def save(**kwargs):
    """P-LAN, an official member of C2-A since 2010, seconded as secretary of C1-A."""
    kwargs.setdefault("actor", OFFICER)
    kwargs.setdefault("person_id", "P-LAN")
    kwargs.setdefault("cell_code", "C1-A")
    kwargs.setdefault("role", "secretary")
    kwargs.setdefault("from_date", D(2024, 1, 1))
    return secondment_save(**kwargs)


def entries():
    return list(AuditEntry.objects.filter(object_type="secondment").order_by("seq"))


def test_a_new_secondment_is_saved_and_audited(world):
    secondment = save(home_unit_code="C2", to_date=D(2026, 12, 31))
    stored = Secondment.objects.get()
    assert stored.pk == secondment.pk
    assert (
        stored.person.person_id,
        stored.cell.code,
        stored.role,
        stored.from_date,
        stored.to_date,
        stored.home_unit.code,
    ) == ("P-LAN", "C1-A", "secretary", D(2024, 1, 1), D(2026, 12, 31), "C2")
    [entry] = entries()
    assert (entry.action, entry.actor, entry.object_id, entry.before) == (
        "ranks.coverage.secondment.created",
        "bob",
        "P-LAN@C1-A/2024-01-01",
        None,
    )
    assert (entry.after["cell_code"], entry.after["home_unit_code"]) == ("C1-A", "C2")


def test_saving_the_same_key_again_updates_the_secondment(world):
    save(home_unit_code="C2")
    save(role="deputy_secretary")
    stored = Secondment.objects.get()
    assert (stored.role, stored.home_unit) == ("deputy_secretary", None)
    created, updated = entries()
    assert updated.action == "ranks.coverage.secondment.updated"
    assert (updated.before["role"], updated.after["role"]) == ("secretary", "deputy_secretary")
    assert updated.before == created.after


def test_the_same_input_twice_writes_one_audit_entry(world):
    save(home_unit_code="C2")
    save(home_unit_code="C2")
    assert len(entries()) == 1


def test_a_second_period_in_the_same_cell_is_another_secondment(world):
    save(to_date=D(2024, 12, 31))
    save(from_date=D(2025, 9, 1), role="member")
    assert Secondment.objects.count() == 2


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"person_id": "P-NOBODY"}, "person_id", "Unknown person: P-NOBODY."),
        ({"person_id": ""}, "person_id", "A person needs an identifier."),
        (
            {"person_id": "P-DUNG", "from_date": D(2025, 1, 9)},
            "person_id",
            "P-DUNG is not a party member on 09/01/2025.",
        ),
        ({"cell_code": "X-9"}, "cell_code", "Unknown cell code: X-9."),
        (
            {"cell_code": "C2"},
            "cell_code",
            "Đảng bộ xã Hai is not a cell: members are kept in cells.",
        ),
        (
            {"role": "chair"},
            "role",
            "chair is not an allowed value. Allowed: secretary, deputy_secretary, member.",
        ),
        (
            {"to_date": D(2023, 12, 31)},
            "to_date",
            "The end date is before the start date.",
        ),
        ({"home_unit_code": "X-9"}, "home_unit_code", "Unknown unit code: X-9."),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(world, changes, field, message):
    count = AuditEntry.objects.count()
    with pytest.raises(DomainError) as error:
        save(**changes)
    assert (str(error.value), error.value.field) == (message, field)
    assert not Secondment.objects.exists()
    assert AuditEntry.objects.count() == count


def test_a_person_who_never_joined_is_refused(world):
    person_save(actor=SYSTEM, person_id="P-MAI", full_name="Lò Thị Mai", birth_date=D(1995, 4, 5))
    with pytest.raises(DomainError) as error:
        save(person_id="P-MAI")
    assert str(error.value) == "P-MAI is not a party member on 01/01/2024."


def test_a_member_who_left_is_refused_from_the_day_of_leaving(world):
    membership = Membership.objects.get(person__person_id="P-LAN")
    membership_leave(actor=SYSTEM, membership=membership, on=D(2023, 12, 31), reason="removal")
    with pytest.raises(DomainError) as error:
        save(from_date=D(2023, 12, 31))
    assert str(error.value) == "P-LAN is not a party member on 31/12/2023."
    assert save(from_date=D(2023, 12, 30)).from_date == D(2023, 12, 30)


def test_ending_a_secondment_sets_its_last_day_and_is_audited(world):
    secondment = save()
    ended = secondment_end(actor=OFFICER, secondment=secondment, on=D(2025, 6, 30))
    assert Secondment.objects.get().to_date == D(2025, 6, 30) == ended.to_date
    entry = entries()[-1]
    assert entry.action == "ranks.coverage.secondment.ended"
    assert (entry.before["to_date"], entry.after["to_date"]) == (None, "2025-06-30")


def test_ending_twice_on_the_same_day_writes_once(world):
    secondment = save()
    secondment_end(actor=OFFICER, secondment=secondment, on=D(2025, 6, 30))
    secondment_end(actor=OFFICER, secondment=secondment, on=D(2025, 6, 30))
    assert len(entries()) == 2


def test_a_planned_end_can_be_brought_forward(world):
    secondment = save(to_date=D(2026, 12, 31))
    secondment_end(actor=OFFICER, secondment=secondment, on=D(2025, 6, 30))
    assert Secondment.objects.get().to_date == D(2025, 6, 30)


@pytest.mark.parametrize(
    "to_date, on, message",
    [
        (None, D(2023, 12, 31), "The end date is before the start date."),
        (D(2025, 6, 30), D(2025, 7, 1), "The secondment had already ended on 2025-06-30."),
    ],
)
def test_bad_ends_are_refused(world, to_date, on, message):
    secondment = save(to_date=to_date)
    count = AuditEntry.objects.count()
    with pytest.raises(DomainError) as error:
        secondment_end(actor=OFFICER, secondment=secondment, on=on)
    assert (str(error.value), error.value.field) == (message, "to_date")
    assert Secondment.objects.get().to_date == to_date
    assert AuditEntry.objects.count() == count
