"""What every handler shares: access checks by code, and telling a change from no change."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import Model
from django.utils.translation import gettext as _

from ranks.core.audit import audit_seq
from ranks.interchange.engine import Context, Reject, Row
from ranks.org.models import Place, Unit
from ranks.people.models import Person


class Handler:
    role = "officer"  # the role needed at a unit to change its records
    batch_size = 500
    load_all = False  # True: all rows are read first, so they can be put in dependency order

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def order(self, rows: list[Row]) -> list[Row]:
        return rows

    def handle(self, rows: list[Row]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """After the last batch: rows a handler kept aside until the whole file was read."""

    # Access: an object outside the user's units reads as unknown, like a missing one.

    def unit_in_scope(self, code: str, column: str, message: str | None = None) -> Unit:
        unit = self.ctx.scope.unit(code)
        if unit is None:
            raise Reject(column, message or _("Unknown unit code: %(code)s.") % {"code": code})
        return unit

    def cell_in_scope(self, code: str, column: str = "cell_code") -> Unit:
        return self.unit_in_scope(code, column, _("Unknown cell code: %(code)s.") % {"code": code})

    def person_in_scope(self, person_id: str, column: str = "person_id") -> Person:
        person = self.ctx.scope.people(Person.objects.filter(person_id=person_id)).first()
        if person is None:
            raise Reject(column, _("Unknown person: %(code)s.") % {"code": person_id})
        return person

    def place_in_scope(self, code: str, column: str) -> Place:
        place = self.ctx.scope.places(Place.objects.filter(code=code)).first()
        if place is None:
            raise Reject(column, _("Unknown place code: %(code)s.") % {"code": code})
        return place

    def visible_people(self, ids: Iterable[str]) -> set[str] | None:
        """The person_ids among `ids` in the user's units (None: all are)."""
        if self.ctx.scope.full:
            return None
        return set(
            self.ctx.scope.people(Person.objects.filter(person_id__in=ids)).values_list(
                "person_id", flat=True
            )
        )

    def visible_units(self, codes: Iterable[str]) -> set[str] | None:
        """The unit codes among `codes` in the user's units (None: all are)."""
        if self.ctx.scope.full:
            return None
        return set(
            self.ctx.scope.units(Unit.objects.filter(code__in=codes)).values_list("code", flat=True)
        )

    def own_code(self, model: type[Model], code: str, visible: bool, column: str = "code") -> None:
        """A code that exists outside the user's units cannot be taken over by an import."""
        if self.ctx.scope.full or visible:
            return
        if model._default_manager.filter(code=code).exists():
            raise Reject(
                column,
                _("This code is already used outside your units: %(code)s.") % {"code": code},
            )


def write_and_tell(existed: bool, write: Callable[[], object]) -> str:
    """Run a service that audits exactly what it changes; say created, updated or unchanged."""
    before = audit_seq()
    write()
    if audit_seq() == before:
        return "unchanged"
    return "updated" if existed else "created"
