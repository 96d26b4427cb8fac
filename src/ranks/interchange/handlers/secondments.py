"""Importing secondments: members sent to lead or strengthen a cell."""

from __future__ import annotations

from functools import partial

from django.utils.translation import gettext as _

from ranks.core import bulk
from ranks.core.audit import audit_record_many
from ranks.core.errors import DomainError
from ranks.coverage.models import Secondment
from ranks.coverage.services import (
    _state,
    secondment_change,
    secondment_check_input,
    secondment_check_person,
    secondment_home_unit,
    secondment_save,
)
from ranks.interchange.engine import Reject, Row, run_row
from ranks.interchange.handlers.base import Handler, write_and_tell
from ranks.org.models import Unit
from ranks.people.models import Membership, Person
from ranks.pipeline.services import cell_found, cells_on


class SecondmentsHandler(Handler):
    """Secondments a batch at a time: seven queries to check a batch, bulk statements to write
    it, with the checks of `secondment_save` through the same functions."""

    batch_size = 1000

    def handle(self, rows: list[Row]) -> None:
        ctx = self.ctx
        cell_codes = {row.values["cell_code"] for row in rows}
        home_codes = {row.values.get("home_unit_code") for row in rows} - {None}
        units = {u.code: u for u in Unit.objects.filter(code__in=cell_codes | home_codes)}
        visible = None
        if not ctx.scope.full:
            visible = set(
                ctx.scope.units(Unit.objects.filter(code__in=cell_codes)).values_list(
                    "code", flat=True
                )
            )
        people = {
            p.person_id: p
            for p in Person.objects.filter(person_id__in={row.values["person_id"] for row in rows})
        }
        memberships: dict[int, list[Membership]] = {}
        for m in Membership.objects.filter(person__in=list(people.values())):
            memberships.setdefault(m.person_id, []).append(m)
        stored = {
            (s.person_id, s.cell_id, s.from_date): s
            for s in Secondment.objects.filter(
                person__in=list(people.values()),
                cell__in=[units[c] for c in cell_codes if c in units],
                from_date__in={row.values["from_date"] for row in rows},
            ).select_related("person", "cell", "home_unit")
        }
        cells = cells_on((row.values["cell_code"], row.values["from_date"]) for row in rows)
        creates: list[Secondment] = []
        updates: list[Secondment] = []
        changes = []
        for row in rows:
            try:
                secondment, before = self.prepare(
                    row, units, visible, people, memberships, stored, cells
                )
            except Reject as reject:
                ctx.error(row, reject.column, reject.message)
                continue
            except DomainError as error:
                ctx.error(row, error.field or "person_id", str(error))
                continue
            if before is not None and before == _state(secondment):
                ctx.outcome("unchanged")
                continue
            (updates if before else creates).append(secondment)
            ctx.outcome("updated" if before else "created")
            changes.append((secondment, before))
        if not ctx.result.ok:
            return  # the import will be rolled back: save the work
        bulk.insert(Secondment, creates)
        bulk.update(Secondment, updates, ["role", "to_date", "home_unit"])
        audit_record_many(ctx.actor, [secondment_change(s, before) for s, before in changes])

    def prepare(self, row: Row, units, visible, people, memberships, stored, cells):
        values = row.values
        code = values["cell_code"]
        cell = units.get(code)
        if cell is None or (visible is not None and code not in visible):
            raise Reject("cell_code", _("Unknown cell code: %(code)s.") % {"code": code})
        # The seconded member usually comes from outside the cell's units (a border guard).
        person = people.get(values["person_id"])
        if person is None:
            raise Reject(
                "person_id", _("Unknown person: %(code)s.") % {"code": values["person_id"]}
            )
        existing = stored.get((person.pk, cell.pk, values["from_date"]))
        to_date = (
            values.get("to_date") if "to_date" in values or existing is None else existing.to_date
        )
        home = values.get("home_unit_code")
        if "home_unit_code" not in values and existing is not None:
            home = existing.home_unit.code if existing.home_unit else None
        # What secondment_save checks, in its order.
        secondment_check_input(values["role"], values["from_date"], to_date)
        secondment_check_person(
            person, person.person_id, memberships.get(person.pk, []), values["from_date"]
        )
        cell = cell_found(cells[(code, values["from_date"])])
        home_unit = secondment_home_unit(home, units.get(home) if home else None)
        before = _state(existing) if existing else None
        secondment = existing or Secondment(person=person, cell=cell, from_date=values["from_date"])
        secondment.role, secondment.to_date, secondment.home_unit = (
            values["role"],
            to_date,
            home_unit,
        )
        return secondment, before


class SecondmentsRowHandler(Handler):
    def handle(self, rows: list[Row]) -> None:
        for row in rows:
            run_row(self.ctx, row, partial(self.write, row))

    def write(self, row: Row) -> str:
        cell = self.cell_in_scope(row.values["cell_code"])
        # The seconded member usually comes from outside the cell's units (a border guard).
        person = Person.objects.filter(person_id=row.values["person_id"]).first()
        if person is None:
            person = self.person_in_scope(row.values["person_id"])  # no one: refused as unknown
        existing = (
            Secondment.objects.filter(person=person, cell=cell, from_date=row.values["from_date"])
            .select_related("home_unit")
            .first()
        )
        to_date = (
            row.values.get("to_date")
            if "to_date" in row.values or existing is None
            else existing.to_date
        )
        home = row.values.get("home_unit_code")
        if "home_unit_code" not in row.values and existing is not None:
            home = existing.home_unit.code if existing.home_unit else None
        return write_and_tell(
            existing is not None,
            lambda: secondment_save(
                actor=self.ctx.actor,
                person_id=person.person_id,
                cell_code=cell.code,
                role=row.values["role"],
                from_date=row.values["from_date"],
                to_date=to_date,
                home_unit_code=home,
            ),
        )
