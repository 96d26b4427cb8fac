"""Writing people and memberships: admission, transfer, recognition, leaving, and refusals."""

import datetime as dt

import pytest
from django.utils import translation

from ranks.core.actor import SYSTEM
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from ranks.people.models import Membership, Person, Posting
from ranks.people.selectors import cell_members_on
from ranks.people.services import (
    membership_admit,
    membership_leave,
    membership_recognise,
    membership_transfer,
    person_save,
)
from ranks.people.status import LEFT, OFFICIAL, PROBATIONARY
from tests.factories import REFORM

D = dt.date


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refused(call, **kwargs) -> str:
    with pytest.raises(DomainError) as error:
        call(actor=SYSTEM, **kwargs)
    return str(error.value)


def newcomer(person_id="P-MAI", **fields):
    fields.setdefault("full_name", "Lò Thị Mai")
    fields.setdefault("birth_date", D(2000, 4, 5))
    return person_save(actor=SYSTEM, person_id=person_id, **fields)


def member_codes(cell, day):
    return [p.person.person_id for p in cell_members_on(cell.pk, day)]


def test_a_new_person_is_saved_with_a_folded_search_name(db):
    person = newcomer(ethnicity="Thái", youth_union=True)
    stored = Person.objects.get(person_id="P-MAI")
    assert (stored.full_name, stored.search_name, stored.ethnicity, stored.youth_union) == (
        "Lò Thị Mai",
        "lo thi mai",
        "Thái",
        True,
    )
    assert person.pk == stored.pk


def test_updating_a_person_keeps_the_other_fields(db):
    newcomer(phone="0912345678")
    person_save(actor=SYSTEM, person_id="P-MAI", full_name="Lò Thị Mai Anh")
    stored = Person.objects.get(person_id="P-MAI")
    assert (stored.search_name, stored.phone) == ("lo thi mai anh", "0912345678")


def test_none_clears_a_field_including_a_yes_no_one(db):
    newcomer(phone="0912345678", youth_union=True)
    person_save(actor=SYSTEM, person_id="P-MAI", phone=None, youth_union=None)
    stored = Person.objects.get(person_id="P-MAI")
    assert (stored.phone, stored.youth_union) == ("", False)


def test_saving_an_unchanged_person_writes_no_audit_entry(db):
    newcomer()
    count = AuditEntry.objects.count()
    newcomer()
    assert AuditEntry.objects.count() == count


@pytest.mark.parametrize(
    "person_id, fields, message",
    [
        (" ", {"full_name": "A", "birth_date": D(2000, 1, 1)}, "A person needs an identifier."),
        ("P-X", {"full_name": " ", "birth_date": D(2000, 1, 1)}, "A person needs a full name."),
        ("P-X", {"full_name": "A"}, "A new person needs a full name and a birth date."),
        (
            "P-X",
            {"full_name": "A", "birth_date": D(2999, 1, 1)},
            "The birth date is in the future.",
        ),
        (
            "P-X",
            {"full_name": "A", "birth_date": D(2000, 1, 1), "occupation": "astronaut"},
            "astronaut is not an allowed value. Allowed: farmer, worker, student, civil_servant, "
            "armed_forces, enterprise_employee, self_employed, religious_dignitary, retired, other.",
        ),
        (
            "P-X",
            {"full_name": "A", "birth_date": D(2000, 1, 1), "residence_place_code": "NOPE"},
            "Unknown place code: NOPE.",
        ),
    ],
)
def test_bad_person_input_is_refused_with_a_message(db, person_id, fields, message):
    assert refused(person_save, person_id=person_id, **fields) == message
    assert not Person.objects.exists()


def test_admission_opens_a_membership_and_a_posting_to_the_cell(world):
    person = newcomer()
    membership = membership_admit(
        actor=SYSTEM,
        person=person,
        cell_code="C2-A",
        admission_decision_date=D(2024, 3, 1),
        admission_decision_no="123-QĐ/ĐU",
        ceremony_date=D(2024, 3, 15),
    )
    cell = world.units["C2-A"]
    assert member_codes(cell, D(2024, 2, 29)) == ["P-LAN"]
    # By given name, as registers read: Nguyễn Văn Lan before Lò Thị Mai.
    assert member_codes(cell, D(2024, 3, 1)) == ["P-LAN", "P-MAI"]
    assert membership.status_on(D(2024, 3, 1)) == PROBATIONARY
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.object_id, entry.after["cell"]) == (
        "ranks.people.membership.admitted",
        "P-MAI",
        "C2-A",
    )
    assert entry.after["admission_decision_no"] == "123-QĐ/ĐU"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"cell_code": "NOPE"}, "Unknown cell code: NOPE."),
        ({"cell_code": "C2"}, "Đảng bộ xã Hai is not a cell: members are kept in cells."),
        (
            {"cell_code": "C1-A", "admission_decision_date": D(1999, 1, 1)},
            "The cell C1-A does not exist on 1999-01-01.",
        ),
        (
            {"admission_decision_date": D(2999, 1, 1)},
            "The admission decision date is in the future.",
        ),
        ({"ceremony_date": D(2024, 2, 1)}, "The ceremony is before the admission decision."),
        (
            {"ceremony_date": D(2024, 3, 15), "official_date": D(2024, 3, 14)},
            "Official status is dated before the ceremony.",
        ),
    ],
)
def test_bad_admissions_are_refused_and_change_nothing(world, kwargs, message):
    person = newcomer()
    args = {"person": person, "cell_code": "C2-A", "admission_decision_date": D(2024, 3, 1)}
    assert refused(membership_admit, **{**args, **kwargs}) == message
    assert not Membership.objects.filter(person=person).exists()
    assert not Posting.objects.filter(person=person).exists()


def test_a_member_cannot_be_admitted_twice(world):
    message = refused(
        membership_admit,
        person=world.people["an"],
        cell_code="C1-A",
        admission_decision_date=D(2024, 1, 1),
    )
    assert message == "This person is already a party member on that date."


def test_someone_who_left_may_be_admitted_again_after_leaving(world):
    membership = Membership.objects.get(person__person_id="P-LAN")
    membership_leave(actor=SYSTEM, membership=membership, on=D(2020, 1, 31), reason="removal")
    again = membership_admit(
        actor=SYSTEM,
        person=world.people["lan"],
        cell_code="C2-A",
        admission_decision_date=D(2024, 1, 1),
    )
    assert again.status_on(D(2024, 1, 1)) == PROBATIONARY
    assert member_codes(world.units["C2-A"], D(2022, 1, 1)) == []


def test_a_transfer_moves_the_member_from_the_date(world):
    membership = Membership.objects.get(person__person_id="P-AN")
    posting = membership_transfer(
        actor=SYSTEM, membership=membership, to_cell_code="C1-B", on=D(2024, 6, 1)
    )
    assert (posting.cell.code, posting.valid_from, posting.valid_to) == (
        "C1-B",
        D(2024, 6, 1),
        None,
    )
    assert member_codes(world.units["C1-A"], D(2024, 5, 31)) == ["P-AN"]
    assert member_codes(world.units["C1-A"], D(2024, 6, 1)) == []
    assert "P-AN" in member_codes(world.units["C1-B"], D(2024, 6, 1))
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "ranks.people.membership.transferred"
    assert (entry.before["valid_to"], entry.after["cell"]) == (None, "C1-B")


@pytest.mark.parametrize(
    "cell, on, message",
    [
        ("C1-A", D(2024, 6, 1), "The member already belongs to that cell."),
        (
            "C1-B",
            D(2015, 3, 1),
            "The transfer date must be after the member joined the current cell.",
        ),
        ("C1-B", D(2014, 1, 1), "The member belongs to no cell on that date."),
        ("C2", D(2024, 6, 1), "Đảng bộ xã Hai is not a cell: members are kept in cells."),
    ],
)
def test_bad_transfers_are_refused(world, cell, on, message):
    membership = Membership.objects.get(person__person_id="P-AN")
    assert refused(membership_transfer, membership=membership, to_cell_code=cell, on=on) == message
    assert Posting.objects.filter(membership=membership).count() == 1


def test_a_member_who_left_cannot_be_transferred_afterwards(world):
    membership = Membership.objects.get(person__person_id="P-AN")
    membership_leave(actor=SYSTEM, membership=membership, on=D(2020, 1, 1), reason="death")
    message = refused(
        membership_transfer, membership=membership, to_cell_code="C1-B", on=D(2021, 1, 1)
    )
    assert message == "The member had already left on that date."


def test_recognition_makes_a_probationary_member_official(world):
    membership = Membership.objects.get(person__person_id="P-DUNG")
    assert membership.status_on(D(2026, 2, 1)) == PROBATIONARY
    membership_recognise(actor=SYSTEM, membership=membership, official_date=D(2026, 2, 1))
    membership.refresh_from_db()
    assert membership.status_on(D(2026, 2, 1)) == OFFICIAL
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.before["official_date"], entry.after["official_date"]) == (None, "2026-02-01")


def test_recognition_before_the_ceremony_is_refused(world):
    membership = Membership.objects.get(person__person_id="P-DUNG")
    message = refused(membership_recognise, membership=membership, official_date=D(2025, 1, 31))
    assert message == "Official status is dated before the ceremony."


def test_leaving_ends_the_membership_and_its_posting(world):
    membership = Membership.objects.get(person__person_id="P-AN")
    membership_leave(actor=SYSTEM, membership=membership, on=D(2024, 12, 31), reason="transfer_out")
    membership.refresh_from_db()
    assert membership.status_on(D(2024, 12, 31)) == LEFT
    assert membership.party_age_on(D(2030, 1, 1)) == (9, 9)
    assert list(membership.postings.values_list("valid_to", flat=True)) == [D(2024, 12, 31)]
    assert member_codes(world.units["C1-A"], D(2024, 12, 30)) == ["P-AN"]
    assert member_codes(world.units["C1-A"], D(2024, 12, 31)) == []


def test_leaving_drops_postings_that_start_after_it(world):
    membership = Membership.objects.get(person__person_id="P-AN")
    membership_transfer(actor=SYSTEM, membership=membership, to_cell_code="C1-B", on=D(2024, 6, 1))
    membership_leave(actor=SYSTEM, membership=membership, on=D(2024, 1, 31), reason="death")
    assert [(p.cell.code, p.valid_to) for p in membership.postings.all()] == [
        ("C1-A", D(2024, 1, 31))
    ]


@pytest.mark.parametrize(
    "on, reason, message",
    [
        (
            D(2024, 1, 1),
            "holiday",
            "holiday is not an allowed value. Allowed: death, removal, transfer_out.",
        ),
        (D(2010, 1, 1), "death", "Leaving is dated before the admission decision."),
        (D(2999, 1, 1), "death", "The leaving date is in the future."),
    ],
)
def test_bad_leaving_is_refused(world, on, reason, message):
    membership = Membership.objects.get(person__person_id="P-AN")
    assert refused(membership_leave, membership=membership, on=on, reason=reason) == message
    membership.refresh_from_db()
    assert membership.left_date is None


def test_leaving_twice_is_refused(world):
    membership = Membership.objects.get(person__person_id="P-AN")
    membership_leave(actor=SYSTEM, membership=membership, on=D(2024, 1, 1), reason="death")
    message = refused(membership_leave, membership=membership, on=D(2024, 2, 1), reason="death")
    assert message == "This membership has already ended."


def test_the_reform_does_not_move_members_out_of_moved_cells(world):
    assert member_codes(world.units["C1-A"], REFORM) == ["P-AN"]
