"""Importing admission targets: a manager's figures for the units below."""

from __future__ import annotations

from ranks.interchange.engine import Row, run_row
from ranks.interchange.handlers.base import Handler, write_and_tell
from ranks.targets.models import Target
from ranks.targets.services import target_set


class TargetsHandler(Handler):
    role = "manager"

    def handle(self, rows: list[Row]) -> None:
        for row in rows:
            run_row(self.ctx, row, lambda row=row: self.write(row))

    def write(self, row: Row) -> str:
        unit = self.unit_in_scope(row.values["unit_code"], "unit_code")
        existed = Target.objects.filter(
            unit=unit, year=row.values["year"], metric=row.values["metric"]
        ).exists()
        return write_and_tell(
            existed,
            lambda: target_set(
                actor=self.ctx.actor,
                unit_code=unit.code,
                year=row.values["year"],
                metric=row.values["metric"],
                value=row.values["value"],
                reason="import",
            ),
        )
