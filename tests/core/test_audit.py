"""Every change is audited with actor, before and after; the chain shows any row altered or lost."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from ranks.access.services import grant_role, revoke_role
from ranks.core.actor import Actor
from ranks.core.audit import audit_record, audit_verify
from ranks.core.chain import Break
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry, AuditHead
from ranks.org.services import place_version_save, unit_close, unit_move, unit_version_save
from ranks.people.models import Membership
from ranks.people.services import (
    membership_admit,
    membership_leave,
    membership_recognise,
    membership_transfer,
    person_save,
)

D = dt.date
CLERK = Actor(name="clerk", channel="web")


def newest() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()


def membership(person_id):
    return Membership.objects.get(person__person_id=person_id)


CHANGES = [
    (
        "a new unit",
        lambda w: unit_version_save(
            actor=CLERK, code="C2-B", name="Chi bộ bản Mới", kind="cell", parent_code="C2"
        ),
        ("ranks.org.unit.version_created", "unit", "C2-B"),
        lambda before, after: before is None and after["name"] == "Chi bộ bản Mới",
    ),
    (
        "a renamed version",
        lambda w: unit_version_save(
            actor=CLERK,
            code="C2",
            name="Đảng bộ xã Hai Mới",
            kind="grassroots_committee",
            parent_code="D2",
            valid_from=D(2000, 1, 1),
        ),
        ("ranks.org.unit.version_updated", "unit", "C2"),
        lambda before, after: (
            (before["name"], after["name"]) == ("Đảng bộ xã Hai", "Đảng bộ xã Hai Mới")
        ),
    ),
    (
        "a move",
        lambda w: unit_move(actor=CLERK, code="C2-A", new_parent_code="N1", on=D(2025, 8, 1)),
        ("ranks.org.unit.version_created", "unit", "C2-A"),
        lambda before, after: before is None and after["valid_from"] == "2025-08-01",
    ),
    (
        "a close",
        lambda w: unit_close(actor=CLERK, code="C2-A", last_day=D(2025, 12, 31)),
        ("ranks.org.unit.closed", "unit", "C2-A"),
        lambda before, after: (before["valid_to"], after["valid_to"]) == (None, "2025-12-31"),
    ),
    (
        "a place",
        lambda w: place_version_save(
            actor=CLERK,
            code="V3",
            name="Bản Pá",
            kind="village",
            unit_code="C2",
            cell_codes=["C2-A"],
        ),
        ("ranks.org.place.version_created", "place", "V3"),
        lambda before, after: before is None and after["cells"] == ["C2-A"],
    ),
    (
        "a person",
        lambda w: person_save(actor=CLERK, person_id="P-AN", phone="0987654321"),
        ("ranks.people.person.updated", "person", "P-AN"),
        lambda before, after: (before["phone"], after["phone"]) == ("", "0987654321"),
    ),
    (
        "an admission",
        lambda w: membership_admit(
            actor=CLERK,
            person=person_save(
                actor=CLERK, person_id="P-MAI", full_name="Lò Thị Mai", birth_date=D(2000, 4, 5)
            ),
            cell_code="C2-A",
            admission_decision_date=D(2024, 3, 1),
        ),
        ("ranks.people.membership.admitted", "person", "P-MAI"),
        lambda before, after: before is None and after["admission_decision_date"] == "2024-03-01",
    ),
    (
        "a transfer",
        lambda w: membership_transfer(
            actor=CLERK, membership=membership("P-AN"), to_cell_code="C1-B", on=D(2024, 6, 1)
        ),
        ("ranks.people.membership.transferred", "person", "P-AN"),
        lambda before, after: (
            (before["valid_to"], after["cell"], after["valid_from"]) == (None, "C1-B", "2024-06-01")
        ),
    ),
    (
        "a recognition",
        lambda w: membership_recognise(
            actor=CLERK, membership=membership("P-DUNG"), official_date=D(2026, 2, 1)
        ),
        ("ranks.people.membership.recognised", "person", "P-DUNG"),
        lambda before, after: (
            (before["official_date"], after["official_date"]) == (None, "2026-02-01")
        ),
    ),
    (
        "a leaving",
        lambda w: membership_leave(
            actor=CLERK, membership=membership("P-LAN"), on=D(2024, 1, 1), reason="death"
        ),
        ("ranks.people.membership.ended", "person", "P-LAN"),
        lambda before, after: (before["left_reason"], after["left_reason"]) == ("", "death"),
    ),
    (
        "a grant",
        lambda w: grant_role(actor=CLERK, username="bob", role="manager", unit_code="C2"),
        ("ranks.access.grant.saved", "grant", "bob@C2"),
        lambda before, after: (before["role"], after["role"]) == ("officer", "manager"),
    ),
    (
        "a revocation",
        lambda w: revoke_role(actor=CLERK, username="bob", unit_code="C2"),
        ("ranks.access.grant.revoked", "grant", "bob@C2"),
        lambda before, after: before == {"role": "officer", "sensitive": False} and after is None,
    ),
]


@pytest.mark.parametrize(
    "change, what, states", [c[1:] for c in CHANGES], ids=[c[0] for c in CHANGES]
)
def test_every_service_call_adds_an_entry_with_before_and_after(world, change, what, states):
    head = newest().seq
    change(world)
    entry = newest()
    assert entry.seq > head
    assert (entry.action, entry.object_type, entry.object_id) == what
    assert (entry.actor, entry.channel) == ("clerk", "web")
    assert states(entry.before, entry.after)
    assert audit_verify() is None


def test_a_refused_change_adds_no_entry(world):
    head = newest().seq
    with pytest.raises(DomainError):
        unit_move(actor=CLERK, code="C2", new_parent_code="C2-A", on=D(2020, 1, 1))
    assert newest().seq == head


def test_the_chain_holds_on_this_database_with_dates_floats_and_diacritics(db):
    unit_version_save(
        actor=Actor(name="Đặng Thị Dung", channel="cli"),
        code="HN",
        name="Đảng bộ thành phố Hà Nội",
        kind="provincial_committee",
        valid_from=D(2025, 7, 1),
        latitude=21.0,
        longitude=105.8342,
        area_flags=["border"],
    )
    audit_record(CLERK, "ranks.test.noted", object_type="x", object_id=1, after={"n": 10**12})
    assert AuditEntry.objects.count() == 2
    assert audit_verify() is None
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (2, newest().hash)


def test_audit_entries_cannot_be_changed_or_deleted_through_the_models(world):
    entry = newest()
    entry.actor = "mallory"
    with pytest.raises(RuntimeError, match="append-only"):
        entry.save()
    with pytest.raises(RuntimeError, match="append-only"):
        entry.delete()


def _tamper(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _verify_command():
    out = io.StringIO()
    with translation.override("en"):
        call_command("audit", "verify", "--lang", "en", stdout=out)
    return out.getvalue()


def test_an_intact_log_verifies_and_says_how_many_entries(world):
    count = AuditEntry.objects.count()
    assert count > 20
    assert f"The audit log is intact: {count} entries checked." in _verify_command()


def test_an_after_altered_with_raw_sql_is_caught(world):
    target = AuditEntry.objects.get(action="ranks.access.grant.saved", object_id="bob@C2")
    forged = json.dumps({"role": "manager", "sensitive": True})
    column = connection.ops.quote_name("after")
    _tamper(f"UPDATE core_auditentry SET {column} = %s WHERE seq = %s", [forged, target.seq])
    assert AuditEntry.objects.get(seq=target.seq).after == {"role": "manager", "sensitive": True}

    assert audit_verify() == Break(target.seq, "altered")
    with pytest.raises(CommandError) as error:
        _verify_command()
    assert error.value.returncode == 1
    assert str(error.value) == (
        f"The audit log is broken at entry {target.seq}: altered: its content or its link to the "
        "entry before does not match."
    )


def test_a_row_deleted_with_raw_sql_is_caught(world):
    seq = AuditEntry.objects.order_by("seq")[5].seq
    _tamper("DELETE FROM core_auditentry WHERE seq = %s", [seq])
    assert audit_verify() == Break(seq, "missing")
    with pytest.raises(CommandError) as error:
        _verify_command()
    assert error.value.returncode == 1
    assert f"broken at entry {seq}: missing" in str(error.value)


def test_the_newest_row_deleted_with_raw_sql_is_caught(world):
    seq = newest().seq
    _tamper("DELETE FROM core_auditentry WHERE seq = %s", [seq])
    assert audit_verify() == Break(seq, "truncated")
    with pytest.raises(CommandError) as error:
        _verify_command()
    assert f"broken at entry {seq}: truncated" in str(error.value)


@pytest.mark.parametrize(
    "before, after",
    [
        (None, {"name": "Nguyễn Văn Ánh", "born": dt.date(1990, 2, 28), "flags": ["border"]}),
        ({"n": 1.5, "none": None, "nested": {"b": [1, {"z": "ä"}], "a": True}}, None),
        ({"z": 1, "a": 2, "quote": 'say "hi"\n', "emoji": "Đ\u0300"}, {"list": []}),
        ({3: "an int key", 10: "another"}, {"k": dt.datetime(2025, 7, 1, 8, 30)}),
    ],
)
def test_an_entry_hashes_and_stores_what_the_plain_json_path_would(db, before, after):
    """The chain encodes a change once; its hash is that of the JSON the database gives back."""
    from ranks.core.audit import to_json
    from ranks.core.chain import entry_hash

    audit_record(
        CLERK, "ranks.test.values", object_type="t", object_id="1", before=before, after=after
    )
    entry = newest()
    assert (entry.before, entry.after) == (to_json(before), to_json(after))
    fields = {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "channel": entry.channel,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    }
    assert entry_hash(fields) == entry.hash
    assert audit_verify() is None
