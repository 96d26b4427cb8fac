"""Importing units: one row per period of a unit, parents before children, loops refused."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from ranks.core.errors import DomainError
from ranks.interchange.engine import Reject, Row, run_row
from ranks.interchange.handlers.base import Handler, write_and_tell
from ranks.org.models import Unit, UnitVersion
from ranks.org.services import unit_version_save


class UnitsHandler(Handler):
    load_all = True
    batch_size = 200

    def order(self, rows: list[Row]) -> list[Row]:
        """Rows whose parent is in the file come after the rows of that parent; loops are errors."""
        by_code: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            by_code[row.values["code"]].append(row)
        ordered: list[Row] = []
        state: dict[str, str] = {}

        def visit(code: str, path: list[str]) -> bool:
            if state.get(code) == "done":
                return True
            if state.get(code) == "visiting":
                loop = path[path.index(code) :] + [code]
                for looped in set(loop):
                    for row in by_code[looped]:
                        self.ctx.error(
                            row,
                            "parent_code",
                            _("The parent links of these rows form a loop: %(loop)s.")
                            % {"loop": " → ".join(loop)},
                        )
                    state[looped] = "broken"
                return False
            if state.get(code) == "broken":
                return False
            state[code] = "visiting"
            fine = True
            for row in by_code[code]:
                parent = row.values.get("parent_code")
                if parent and parent in by_code and parent != code:
                    fine = visit(parent, [*path, code]) and fine
            if state.get(code) == "broken":
                return False
            state[code] = "done" if fine else "broken"
            if fine:
                ordered.extend(
                    sorted(
                        by_code[code],
                        key=lambda r: (
                            r.values.get("valid_from") is not None,
                            r.values.get("valid_from"),
                        ),
                    )
                )
            return fine

        for code in list(by_code):
            visit(code, [])
        return ordered

    def handle(self, rows: list[Row]) -> None:
        for row in rows:
            run_row(self.ctx, row, lambda row=row: self.write(row))

    def write(self, row: Row) -> str:
        code = row.values["code"]
        existing = (
            UnitVersion.objects.filter(unit__code=code, valid_from=row.values.get("valid_from"))
            .select_related("kind", "parent")
            .first()
        )
        stored_parent = existing.parent.code if existing and existing.parent else None
        parent_code = row.values.get("parent_code")
        if existing and "parent_code" not in row.values:  # no such column: keep the parent
            parent_code = stored_parent
        # A parent this period already has may stay, even outside the user's units: a commune's
        # officer re-imports her commune's row, whose parent is the district above her.
        kept = existing is not None and parent_code == stored_parent
        visible = self.ctx.scope.units(Unit.objects.filter(code=code)).exists()
        self.own_code(Unit, code, visible)
        if parent_code and not kept:
            parent = self.unit_in_scope(
                parent_code,
                "parent_code",
                _("Unknown parent code: %(code)s.") % {"code": parent_code},
            )
            start = row.values.get("valid_from")
            if start and not UnitVersion.objects.valid_on(start).filter(unit=parent).exists():
                raise Reject(
                    "parent_code", _("The unit does not exist on %(day)s.") % {"day": start}
                )
        elif not parent_code and not kept and not self.ctx.scope.full:
            raise Reject(
                "parent_code", _("Only a user with full access may import a unit without a parent.")
            )
        fields = {
            "name": row.values["name"],
            "kind": row.values["kind"],
            "parent_code": parent_code,
            "valid_to": row.values.get("valid_to"),
            "can_admit": bool(row.values.get("can_admit")),
            "area_flags": row.values.get("area_flags") or [],
        }
        # Columns the file does not have keep what the database has.
        if existing:
            for key, current in (
                ("valid_to", existing.valid_to),
                ("can_admit", existing.can_admit),
                ("area_flags", existing.area_flags),
            ):
                if key not in row.values:
                    fields[key] = current
        extra = {}
        if existing:
            extra = {
                "admin_code": existing.admin_code,
                "latitude": existing.latitude,
                "longitude": existing.longitude,
            }
        try:
            return write_and_tell(
                existing is not None,
                lambda: unit_version_save(
                    actor=self.ctx.actor,
                    code=code,
                    valid_from=row.values.get("valid_from"),
                    **fields,
                    **extra,
                ),
            )
        except DomainError as error:
            if error.field == "parent":  # the service's name for the parent_code column
                raise Reject("parent_code", str(error)) from error
            raise
