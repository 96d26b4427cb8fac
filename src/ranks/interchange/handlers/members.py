"""Importing members: one row per member and cell.

`MembersHandler` checks a batch of rows with a fixed number of queries and writes it with bulk
statements; `MembersRowHandler` records one row at a time through `membership_posting_save`, the
reference the set-based one must match: the same checks and messages (the checks are the
service's own functions), the same rows, the same audit entries in the same order, the same
created/updated/unchanged outcome per row.

A member's rows (one per cell) may be anywhere in the file. Each batch reads the memberships
and postings of its people from the database, which holds the earlier batches already, and
applies its rows in file order to that state in memory, so a row sees what the rows before it
did, as in the row path. Rows are written even after a bad row, so that later rows are checked
against the same state as the row path (the import is rolled back at the end anyway).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from ranks.core import bulk
from ranks.core.audit import Change, audit_record_many
from ranks.core.errors import DomainError
from ranks.counters.services import moving
from ranks.interchange.engine import Reject, Row, run_row
from ranks.interchange.handlers.base import Handler
from ranks.org.models import Unit
from ranks.org.tree import in_force
from ranks.people.models import Membership, Person, Posting
from ranks.people.services import (
    MEMBERSHIP_FIELDS,
    cell_check,
    membership_overlap_check,
    membership_posting_save,
    membership_row_check,
    membership_values,
    posting_ends,
)

ADMITTED = "ranks.people.membership.admitted"
UPDATED = "ranks.people.membership.updated"
POSTING_CREATED = "ranks.people.posting.created"
POSTING_UPDATED = "ranks.people.posting.updated"


class MembersRowHandler(Handler):
    """One row at a time through the service (`ranks import --row-by-row`)."""

    batch_size = 500

    def handle(self, rows: list[Row]) -> None:
        for row in rows:
            run_row(self.ctx, row, partial(self.write, row))

    def write(self, row: Row) -> str:
        person = self.person_in_scope(row.values["person_id"])
        self.cell_in_scope(row.values["cell_code"])
        fields = {k: row.values[k] for k in MEMBERSHIP_FIELDS if k in row.values}
        return membership_posting_save(
            actor=self.ctx.actor,
            person=person,
            cell_code=row.values["cell_code"],
            admission_decision_date=row.values["admission_decision_date"],
            cell_from=row.values.get("cell_from"),
            **fields,
        )


def _select(sql: str, values: list, tail: str = "") -> list[tuple]:
    """`sql` completed by "IN values" and `tail`: one array parameter on PostgreSQL (thousands of
    parameters cost more to send than the query takes to run), a list of them elsewhere."""
    if not values:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{sql} = ANY(%s){tail}", [values])
        else:
            cursor.execute(f"{sql} IN ({', '.join(['%s'] * len(values))}){tail}", values)
        return cursor.fetchall()


def _insert(model, columns: list[str], rows: list[tuple]) -> list[int]:
    """Insert `rows` (values of `columns`, without the id) and return their new ids: on
    PostgreSQL ids from the sequence and `COPY` of plain tuples (model instances cost more to
    build than COPY takes to write them), elsewhere `bulk.insert` of instances."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        bulk.insert(model, objs)
        return [obj.pk for obj in objs]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    bulk.copy_rows(table, ["id", *columns], ((pk, *row) for pk, row in zip(ids, rows, strict=True)))
    return ids


def _day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


class _Membership:
    """A membership as the batch sees it: its stored values, and whether it must be written."""

    __slots__ = ("pk", "person_pk", "admitted", "values", "postings", "new", "dirty")

    def __init__(
        self,
        pk: int | None,
        person_pk: int,
        admitted: dt.date,
        values: dict[str, Any],
        new: bool,
    ) -> None:
        self.pk = pk
        self.person_pk = person_pk
        self.admitted = admitted
        self.values = values  # MEMBERSHIP_FIELDS → stored value
        self.postings: list[_Posting] = []
        self.new = new
        self.dirty = False

    def snapshot(self) -> dict[str, Any]:
        """`audit.snapshot(membership)` without the id, which a new one gets when written."""
        v = self.values
        return {
            "person_id": self.person_pk,
            "admission_decision_date": self.admitted.isoformat(),
            "admission_decision_no": v["admission_decision_no"],
            "ceremony_date": _day(v["ceremony_date"]),
            "official_date": _day(v["official_date"]),
            "left_date": _day(v["left_date"]),
            "left_reason": v["left_reason"],
        }


class _Posting:
    __slots__ = (
        "pk",
        "membership",
        "cell_pk",
        "valid_from",
        "valid_to",
        "new",
        "dirty",
        "restructure_pk",
    )

    def __init__(
        self,
        pk: int | None,
        membership: _Membership,
        cell_pk: int,
        valid_from: dt.date,
        valid_to: dt.date | None,
        new: bool,
        restructure_pk: int | None = None,
    ) -> None:
        self.pk = pk
        self.membership = membership
        self.cell_pk = cell_pk
        self.valid_from = valid_from
        self.valid_to = valid_to
        self.new = new
        self.dirty = False
        # The restructure that opened the posting (a carry, not a transfer); never one here.
        self.restructure_pk = restructure_pk

    def snapshot(self) -> dict[str, Any]:
        """`audit.snapshot(posting)` without the ids of a new posting and membership."""
        return {
            "person_id": self.membership.person_pk,
            "cell_id": self.cell_pk,
            "restructure_id": self.restructure_pk,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": _day(self.valid_to),
        }


class MembersHandler(Handler):
    """A batch: seven queries to read (five with full access), bulk writes, one audit call."""

    batch_size = 5000

    def handle(self, rows: list[Row]) -> None:
        ctx = self.ctx
        full = ctx.scope.full
        ids = list({row.values["person_id"] for row in rows})
        people = dict(_select("SELECT person_id, id FROM people_person WHERE person_id", ids))
        visible = (
            people.keys()
            if full
            else set(
                ctx.scope.people(Person.objects.filter(person_id__in=ids))
                .values_list("person_id", flat=True)
                .order_by()
            )
        )
        codes = list({row.values["cell_code"] for row in rows})
        cells = dict(_select("SELECT code, id FROM org_unit WHERE code", codes))
        cells_visible = (
            cells.keys()
            if full
            else set(
                ctx.scope.units(Unit.objects.filter(code__in=codes))
                .values_list("code", flat=True)
                .order_by()
            )
        )
        versions: dict[int, list[list[Any]]] = {}  # cell → [valid_from, valid_to, name, holds]
        for unit_pk, *version in _select(
            "SELECT v.unit_id, v.valid_from, v.valid_to, v.name, k.holds_members"
            " FROM org_unitversion v JOIN org_unitkind k ON k.id = v.kind_id WHERE v.unit_id",
            list(cells.values()),
            " ORDER BY v.unit_id, v.valid_from",
        ):
            versions.setdefault(unit_pk, []).append(version)

        # The memberships and postings of the batch's people, as the database has them now.
        person_pks = list(people.values())
        memberships: dict[int, list[_Membership]] = {pk: [] for pk in person_pks}
        by_pk: dict[int, _Membership] = {}
        columns = ", ".join(MEMBERSHIP_FIELDS)
        for pk, person_pk, admitted, *values in _select(
            f"SELECT id, person_id, admission_decision_date, {columns}"
            " FROM people_membership WHERE person_id",
            person_pks,
        ):
            m = _Membership(
                pk, person_pk, admitted, dict(zip(MEMBERSHIP_FIELDS, values, strict=True)), False
            )
            memberships[person_pk].append(m)
            by_pk[pk] = m
        for pk, membership_pk, cell_pk, valid_from, valid_to, restructure_pk in _select(
            "SELECT id, membership_id, cell_id, valid_from, valid_to, restructure_id"
            " FROM people_posting WHERE person_id",
            person_pks,
            " ORDER BY valid_from",
        ):
            m = by_pk[membership_pk]
            m.postings.append(_Posting(pk, m, cell_pk, valid_from, valid_to, False, restructure_pk))

        # Each row in file order against that state; what it changes is audited in that order.
        changes: list[tuple] = []
        touched: dict[int, _Membership] = {}
        for row in rows:
            try:
                outcome = self.apply(
                    row,
                    people,
                    visible,
                    cells,
                    cells_visible,
                    versions,
                    memberships,
                    changes,
                    touched,
                )
            except Reject as reject:
                ctx.error(row, reject.column, reject.message)
                continue
            except DomainError as error:
                ctx.error(row, error.field or "person_id", str(error))
                continue
            ctx.outcome(outcome)
        self.write(touched.values(), changes)

    def apply(
        self, row, people, visible, cells, cells_visible, versions, memberships, changes, touched
    ) -> str:
        """Check one row as the row path does, in the same order, and change the state."""
        values = row.values
        person_id = values["person_id"]
        person_pk = people.get(person_id)
        if person_pk is None or person_id not in visible:
            raise Reject("person_id", _("Unknown person: %(code)s.") % {"code": person_id})
        code = values["cell_code"]
        cell_pk = cells.get(code)
        if cell_pk is None or code not in cells_visible:
            raise Reject("cell_code", _("Unknown cell code: %(code)s.") % {"code": code})
        admitted = values["admission_decision_date"]
        fields = {k: values[k] for k in MEMBERSHIP_FIELDS if k in values}
        cell_from, merged = membership_row_check(
            admitted, values.get("cell_from"), fields, self.ctx.today
        )
        version = None
        for valid_from, valid_to, name, holds_members in versions.get(cell_pk, ()):
            if in_force(valid_from, valid_to, cell_from):
                version = (name, holds_members)
                break
        cell_check(code, cell_from, version)

        mine = memberships[person_pk]
        membership = next((m for m in mine if m.admitted == admitted), None)
        outcome = "unchanged"
        if membership is None:
            membership_overlap_check((m.values["left_date"] for m in mine), admitted)
            membership = _Membership(None, person_pk, admitted, membership_values(merged), True)
            mine.append(membership)
            changes.append(
                (ADMITTED, person_id, membership, None, None, membership.snapshot(), code)
            )
            outcome = "created"
        else:
            new_values = membership_values(fields)
            if any(membership.values[k] != v for k, v in new_values.items()):
                before = membership.snapshot()
                membership.values.update(new_values)
                membership.dirty = True
                after = membership.snapshot()
                if after != before:
                    changes.append((UPDATED, person_id, membership, None, before, after, None))
                    outcome = "updated"
        touched[id(membership)] = membership
        posting = next((p for p in membership.postings if p.valid_from == cell_from), None)
        if posting is not None and posting.cell_pk != cell_pk:
            before = posting.snapshot()
            posting.cell_pk = cell_pk
            posting.dirty = True
            changes.append(
                (POSTING_UPDATED, person_id, membership, posting, before, posting.snapshot(), code)
            )
            outcome = "updated" if outcome == "unchanged" else outcome
        elif posting is None:
            posting = _Posting(None, membership, cell_pk, cell_from, None, True)
            membership.postings.append(posting)
            membership.postings.sort(key=lambda p: p.valid_from)
            changes.append(
                (POSTING_CREATED, person_id, membership, posting, None, posting.snapshot(), code)
            )
            outcome = "updated" if outcome == "unchanged" else outcome
        # _fit_postings
        postings = membership.postings
        ends = posting_ends([p.valid_from for p in postings], membership.values["left_date"])
        for p, end in zip(postings, ends, strict=True):
            if p.valid_to != end:
                p.valid_to = end
                p.dirty = True
        return outcome

    def write(self, touched, changes) -> None:
        with moving(persons=sorted({m.person_pk for m in touched})):
            self._write(touched, changes)

    def _write(self, touched, changes) -> None:
        new_memberships, changed_memberships, new_postings, changed_postings = [], [], [], []
        for m in touched:
            if m.new:
                new_memberships.append(m)
            elif m.dirty:
                changed_memberships.append(m)
            for p in m.postings:
                if p.new:
                    new_postings.append(p)
                elif p.dirty:
                    changed_postings.append(p)
        ids = _insert(
            Membership,
            ["person_id", "admission_decision_date", *MEMBERSHIP_FIELDS],
            [
                (m.person_pk, m.admitted, *(m.values[k] for k in MEMBERSHIP_FIELDS))
                for m in new_memberships
            ],
        )
        for m, pk in zip(new_memberships, ids, strict=True):
            m.pk, m.new, m.dirty = pk, False, False
        bulk.update(
            Membership,
            [
                Membership(
                    pk=m.pk, person_id=m.person_pk, admission_decision_date=m.admitted, **m.values
                )
                for m in changed_memberships
            ],
            MEMBERSHIP_FIELDS,
        )
        for m in changed_memberships:
            m.dirty = False
        ids = _insert(
            Posting,
            ["membership_id", "person_id", "cell_id", "valid_from", "valid_to"],
            [
                (p.membership.pk, p.membership.person_pk, p.cell_pk, p.valid_from, p.valid_to)
                for p in new_postings
            ],
        )
        for p, pk in zip(new_postings, ids, strict=True):
            p.pk, p.new, p.dirty = pk, False, False
        bulk.update(
            Posting,
            [
                Posting(
                    pk=p.pk,
                    membership_id=p.membership.pk,
                    person_id=p.membership.person_pk,
                    cell_id=p.cell_pk,
                    valid_from=p.valid_from,
                    valid_to=p.valid_to,
                )
                for p in changed_postings
            ],
            ["cell", "valid_to"],
        )
        for p in changed_postings:
            p.dirty = False
        # The audit entries, now that every new row has its id; in the order the rows made them.
        entries = []
        for action, person_id, membership, posting, before, after, code in changes:
            if posting is None:
                keys = {"id": membership.pk}
            else:
                keys = {"id": posting.pk, "membership_id": membership.pk}
            if before is not None:
                before = {**keys, **before}
            after = {**keys, **after}
            if code is not None:
                after["cell"] = code
            entries.append(Change(action, "person", person_id, before, after))
        audit_record_many(self.ctx.actor, entries)
