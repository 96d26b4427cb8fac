"""Importing secondments: members sent to lead or strengthen a cell."""

from __future__ import annotations

from ranks.coverage.models import Secondment
from ranks.coverage.services import secondment_save
from ranks.interchange.engine import Row, run_row
from ranks.interchange.handlers.base import Handler, write_and_tell
from ranks.people.models import Person


class SecondmentsHandler(Handler):
    def handle(self, rows: list[Row]) -> None:
        for row in rows:
            run_row(self.ctx, row, lambda row=row: self.write(row))

    def write(self, row: Row) -> str:
        cell = self.cell_in_scope(row.values["cell_code"])
        # The seconded member usually comes from outside the cell's units (a border guard).
        person = Person.objects.filter(person_id=row.values["person_id"]).first()
        if person is None:
            self.person_in_scope(row.values["person_id"])
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
