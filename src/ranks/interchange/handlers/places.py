"""Importing places: one row per period, each belonging to a unit, with the cells based there.

`PlacesHandler` (every import) checks a batch with a fixed number of queries and writes it with
bulk statements; `PlacesRowHandler` (`ranks import --row-by-row`) writes one row at a time
through `place_version_save`. Both call the same checks of `ranks.org.services`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db.models import F, Model
from django.utils.translation import gettext as _

from ranks.core import bulk
from ranks.core.audit import Change, audit_record_many, snapshot
from ranks.core.errors import DomainError
from ranks.counters.services import moving
from ranks.interchange.engine import Context, Reject, Row, run_row
from ranks.interchange.handlers.base import Handler, write_and_tell
from ranks.org import services
from ranks.org.models import Place, PlaceVersion, Unit, UnitVersion

Cells = PlaceVersion.cells.through


def _fields(row: Row, existing_cells: list[str] | None, existing) -> dict[str, Any]:
    """What the row asks for; columns the file does not have keep what the database has."""
    fields = {
        "cell_codes": row.values.get("cell_codes") or [],
        "area_flags": row.values.get("area_flags") or [],
        "valid_to": row.values.get("valid_to"),
    }
    if existing:
        if "cell_codes" not in row.values:
            fields["cell_codes"] = existing_cells
        if "area_flags" not in row.values:
            fields["area_flags"] = existing.area_flags
        if "valid_to" not in row.values:
            fields["valid_to"] = existing.valid_to
    return fields


def _check_cell(code: str, versions, start, end) -> None:
    try:
        services.check_cell_during(code, versions, start, end)
    except DomainError as error:
        raise Reject("cell_codes", str(error)) from error


class PlacesRowHandler(Handler):
    """One row at a time through `place_version_save` (the reference path)."""

    load_all = True  # rows of one code go in date order
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
            run_row(self.ctx, row, partial(self.write, row))

    def write(self, row: Row) -> str:
        code = row.values["code"]
        visible = self.ctx.scope.places(Place.objects.filter(code=code)).exists()
        self.own_code(Place, code, visible)
        self.unit_in_scope(row.values["unit_code"], "unit_code")
        start = row.values.get("valid_from")
        existing = PlaceVersion.objects.filter(place__code=code, valid_from=start).first()
        fields = _fields(
            row, [c.code for c in existing.cells.all()] if existing else None, existing
        )
        for cell_code in row.values.get("cell_codes") or []:
            cell = self.cell_in_scope(cell_code, "cell_codes")
            _check_cell(cell_code, cell.versions.all(), start, fields["valid_to"])
        return write_and_tell(
            existing is not None,
            lambda: services.place_version_save(
                actor=self.ctx.actor,
                code=code,
                name=row.values["name"],
                kind=row.values["kind"],
                unit_code=row.values["unit_code"],
                valid_from=start,
                **fields,
            ),
        )


@dataclass
class _Period:
    pk: int
    valid_from: dt.date | None
    valid_to: dt.date | None


VERSION_FIELDS = ["name", "kind", "unit", "area_flags", "valid_to"]


class PlacesHandler(Handler):
    """Set-based: a batch of rows is checked with six queries (seven with a limited scope) and
    written with bulk statements (places, their versions, the cells based there)."""

    batch_size = 5000

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._new_pk = itertools.count(-1, -1)

    def handle(self, rows: list[Row]) -> None:
        ctx = self.ctx
        full = ctx.scope.full
        codes = {row.values["code"] for row in rows}
        unit_codes = {row.values["unit_code"] for row in rows}
        unit_codes |= {c for row in rows for c in row.values.get("cell_codes") or []}
        # The units and cells the rows name, with their periods.
        units = dict(Unit.objects.filter(code__in=unit_codes).values_list("code", "pk"))
        units_seen = set(units)
        if not full:
            units_seen = set(
                ctx.scope.units(Unit.objects.filter(code__in=list(units))).values_list(
                    "code", flat=True
                )
            )
        unit_periods: dict[str, list[_Period]] = defaultdict(list)
        for code, vf, vt in UnitVersion.objects.filter(
            unit_id__in=list(units.values())
        ).values_list("unit__code", "valid_from", "valid_to"):
            unit_periods[code].append(_Period(0, vf, vt))
        # The places, their versions and the cells based at them.
        places = dict(Place.objects.filter(code__in=codes).values_list("code", "pk"))
        places_seen = set(places)
        if not full:
            places_seen = set(
                ctx.scope.places(Place.objects.filter(code__in=list(places))).values_list(
                    "code", flat=True
                )
            )
        versions: dict[tuple[str, dt.date | None], PlaceVersion] = {}
        periods: dict[str, dict[int, _Period]] = defaultdict(dict)
        for version in PlaceVersion.objects.filter(place_id__in=list(places.values())).annotate(
            _code=F("place__code")
        ):
            versions[(version._code, version.valid_from)] = version
            periods[version._code][version.pk] = _Period(
                version.pk, version.valid_from, version.valid_to
            )
        cells_of: dict[int, list[str]] = defaultdict(list)
        for version_id, cell_code, cell_id in Cells.objects.filter(
            placeversion_id__in=[v.pk for v in versions.values()]
        ).values_list("placeversion_id", "unit__code", "unit_id"):
            cells_of[version_id].append(cell_code)
            units.setdefault(cell_code, cell_id)  # kept by a row without the cell_codes column

        accepted = []
        for row in rows:
            try:
                accepted.append(
                    self.check(
                        row,
                        units,
                        units_seen,
                        unit_periods,
                        places,
                        places_seen,
                        versions,
                        periods,
                        cells_of,
                    )
                )
            except Reject as reject:
                ctx.error(row, reject.column, reject.message)
            except DomainError as error:
                ctx.error(row, error.field or "code", str(error))
        self.write(accepted, units, places)

    def check(
        self, row, units, units_seen, unit_periods, places, places_seen, versions, periods, cells_of
    ):
        """The checks of the row path, in the same order, on the loaded state."""
        full = self.ctx.scope.full
        code = row.values["code"]
        if not full and code in places and code not in places_seen:
            raise Reject(
                "code",
                _("This code is already used outside your units: %(code)s.") % {"code": code},
            )
        unit_code = row.values["unit_code"]
        if unit_code not in units_seen:
            raise Reject("unit_code", _("Unknown unit code: %(code)s.") % {"code": unit_code})
        start = row.values.get("valid_from")
        existing = versions.get((code, start))
        before_cells = sorted(cells_of.get(existing.pk, [])) if existing else None
        fields = _fields(row, before_cells, existing)
        for cell_code in row.values.get("cell_codes") or []:
            if cell_code not in units_seen:
                raise Reject("cell_codes", _("Unknown cell code: %(code)s.") % {"code": cell_code})
            _check_cell(cell_code, unit_periods[cell_code], start, fields["valid_to"])
        # What place_version_save checks, in its order.
        if not code.strip():
            raise DomainError(_("A place needs a code."), field="code")
        services.place_kind(row.values["kind"])
        services.check_period(start, fields["valid_to"])
        flags = services.clean_flags(fields["area_flags"])
        missing = set(fields["cell_codes"]) - set(units)
        if missing:
            raise DomainError(
                _("Unknown cell code: %(code)s.") % {"code": ", ".join(sorted(missing))},
                field="cell_codes",
            )
        own = periods[code]
        services.check_no_overlap(
            own.values(), start, fields["valid_to"], exclude_pk=existing.pk if existing else None
        )
        key = existing.pk if existing else next(self._new_pk)
        own[key] = _Period(key, start, fields["valid_to"])
        return row, existing, before_cells, {**fields, "area_flags": flags}

    def write(self, accepted, units, places) -> None:
        ctx = self.ctx
        new_places = []
        for row, _existing, _cells, _fields in accepted:
            code = row.values["code"]
            if code not in places:
                place = Place(code=code)
                places[code] = place
                new_places.append(place)
        bulk.insert(Place, new_places)
        for place in new_places:
            places[place.code] = place.pk
        creates: list[PlaceVersion] = []
        updates: list[PlaceVersion] = []
        relinked: list[int] = []
        links: list[Model] = []  # of `Cells`, which the stubs name only inside themselves
        outcomes = []
        for row, existing, before_cells, fields in accepted:
            cells = sorted(set(fields["cell_codes"]))
            if existing is not None:
                before = {**snapshot(existing), "cells": before_cells}
                version = PlaceVersion(
                    **{f.attname: getattr(existing, f.attname) for f in _CONCRETE}
                )
                version._state.adding = False
            else:
                before = None
                version = PlaceVersion(
                    place_id=places[row.values["code"]], valid_from=row.values.get("valid_from")
                )
            version.name = row.values["name"].strip()
            version.kind = row.values["kind"]
            version.unit_id = units[row.values["unit_code"]]
            version.area_flags = fields["area_flags"]
            version.valid_to = fields["valid_to"]
            if existing is None:
                creates.append(version)
            else:
                after = {**snapshot(version), "cells": cells}
                if after == before:
                    ctx.outcome("unchanged")
                    continue
                updates.append(version)
                if cells != before_cells:
                    relinked.append(version.pk)
            outcomes.append((row, version, before, cells))
        # The cells of the places written, before and after: a village's cell counts its
        # admissions in the villages segment.
        codes = {c for _r, _v, before, cells in outcomes for c in cells}
        codes |= {c for _r, _v, before, _c in outcomes if before for c in before["cells"]}
        cell_pks = Unit.objects.filter(code__in=sorted(codes)).values_list("pk", flat=True)
        written = {v.place_id for _r, v, _b, _c in outcomes}
        with moving(cells=list(cell_pks), places=written):
            bulk.insert(PlaceVersion, creates)
            bulk.update(PlaceVersion, updates, VERSION_FIELDS)
            if relinked:
                Cells.objects.filter(placeversion_id__in=relinked).delete()
            relinked_ids = set(relinked)
            changes = []
            for row, version, before, cells in outcomes:
                if before is None or version.pk in relinked_ids:
                    links.extend(Cells(placeversion_id=version.pk, unit_id=units[c]) for c in cells)
                created = before is None
                changes.append(
                    Change(
                        "ranks.org.place.version_created"
                        if created
                        else "ranks.org.place.version_updated",
                        "place",
                        row.values["code"],
                        before,
                        {**snapshot(version), "cells": cells},
                    )
                )
                ctx.outcome("created" if created else "updated")
            bulk.insert(Cells, links)
        audit_record_many(ctx.actor, changes)


_CONCRETE = PlaceVersion._meta.concrete_fields
