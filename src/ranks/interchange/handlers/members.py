"""Importing members: one row per member and cell, through `membership_posting_save`."""

from __future__ import annotations

from ranks.interchange.engine import Row, run_row
from ranks.interchange.handlers.base import Handler
from ranks.people.services import MEMBERSHIP_FIELDS, membership_posting_save


class MembersHandler(Handler):
    batch_size = 500

    def handle(self, rows: list[Row]) -> None:
        for row in rows:
            run_row(self.ctx, row, lambda row=row: self.write(row))

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
