"""Importing places: one row per period, each belonging to a unit, with the cells based there."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ranks.interchange.engine import Reject, Row, run_row
from ranks.interchange.handlers.base import Handler, write_and_tell
from ranks.org.models import Place, PlaceVersion, UnitVersion
from ranks.org.services import place_version_save


class PlacesHandler(Handler):
    load_all = True  # a file is small; rows of one code go in date order
    batch_size = 200

    def order(self, rows: list[Row]) -> list[Row]:
        return sorted(
            rows,
            key=lambda r: (
                r.values["code"],
                r.values.get("valid_from") is not None,
                r.values.get("valid_from"),
            ),
        )

    def handle(self, rows: list[Row]) -> None:
        for row in rows:
            run_row(self.ctx, row, lambda row=row: self.write(row))

    def write(self, row: Row) -> str:
        code = row.values["code"]
        visible = self.ctx.scope.places(Place.objects.filter(code=code)).exists()
        self.own_code(Place, code, visible)
        self.unit_in_scope(row.values["unit_code"], "unit_code")
        start = row.values.get("valid_from")
        for cell_code in row.values.get("cell_codes") or []:
            cell = self.cell_in_scope(cell_code, "cell_codes")
            if start and not UnitVersion.objects.valid_on(start).filter(unit=cell).exists():
                raise Reject(
                    "cell_codes",
                    _("The cell %(code)s does not exist on %(day)s.")
                    % {"code": cell_code, "day": start},
                )
        existing = PlaceVersion.objects.filter(
            place__code=code, valid_from=row.values.get("valid_from")
        ).first()
        fields = {
            "cell_codes": row.values.get("cell_codes") or [],
            "area_flags": row.values.get("area_flags") or [],
            "valid_to": row.values.get("valid_to"),
        }
        if existing:
            if "cell_codes" not in row.values:
                fields["cell_codes"] = [c.code for c in existing.cells.all()]
            if "area_flags" not in row.values:
                fields["area_flags"] = existing.area_flags
            if "valid_to" not in row.values:
                fields["valid_to"] = existing.valid_to
        return write_and_tell(
            existing is not None,
            lambda: place_version_save(
                actor=self.ctx.actor,
                code=code,
                name=row.values["name"],
                kind=row.values["kind"],
                unit_code=row.values["unit_code"],
                valid_from=row.values.get("valid_from"),
                **fields,
            ),
        )
