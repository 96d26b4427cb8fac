"""Writes to the organisation tree: units, their versions, moves, places. Each one audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils.translation import gettext as _

from ranks.core.actor import Actor
from ranks.core.audit import audit_record, snapshot
from ranks.core.errors import DomainError
from ranks.org import sql, tree
from ranks.org.models import Place, PlaceKind, PlaceVersion, Unit, UnitKind, UnitVersion


def _clean_flags(flags: Iterable[str]) -> list[str]:
    flags = sorted({f.strip() for f in flags if f and f.strip()})
    unknown = [f for f in flags if f not in tree.AREA_FLAGS]
    if unknown:
        raise DomainError(
            _("Unknown area flag: %(flag)s. Allowed: %(allowed)s.")
            % {"flag": ", ".join(unknown), "allowed": ", ".join(tree.AREA_FLAGS)},
            field="area_flags",
        )
    return flags


def _check_period(valid_from: dt.date | None, valid_to: dt.date | None) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise DomainError(_("The end date is before the start date."), field="valid_to")


def _check_no_overlap(versions, valid_from, valid_to, exclude_pk=None) -> None:
    start, end = valid_from or tree.BEGINNING, valid_to or tree.END
    for other in versions:
        if other.pk == exclude_pk:
            continue
        if tree.overlaps(
            start, end, other.valid_from or tree.BEGINNING, other.valid_to or tree.END
        ):
            raise DomainError(
                _("This period overlaps another period of the same code (%(start)s – %(end)s).")
                % {"start": other.valid_from or "…", "end": other.valid_to or "…"},
                field="valid_from",
            )


def _check_no_cycle(unit: Unit | None, parent: Unit | None, valid_from, valid_to) -> None:
    if unit is None or parent is None:
        return
    if parent.pk == unit.pk:
        raise DomainError(_("A unit cannot be its own parent."), field="parent")
    text, params = sql.below_during(unit.pk, valid_from or tree.BEGINNING, valid_to or tree.END)
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        below = {row[0] for row in cursor.fetchall()}
    if parent.pk in below:
        raise DomainError(
            _("This parent would put the unit below itself on %(day)s.")
            % {"day": valid_from or "…"},
            field="parent",
        )


def _kind(key: str) -> UnitKind:
    kind = UnitKind.objects.filter(key=key).first()
    if kind is None:
        raise DomainError(_("Unknown unit kind: %(kind)s.") % {"kind": key}, field="kind")
    return kind


def unit_version_save(
    *,
    actor: Actor,
    code: str,
    name: str,
    kind: str,
    parent_code: str | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    can_admit: bool = False,
    area_flags: Iterable[str] = (),
    admin_code: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> UnitVersion:
    """Create or update the version of `code` that starts on `valid_from`."""
    code = code.strip()
    if not code:
        raise DomainError(_("A unit needs a code."), field="code")
    if not name.strip():
        raise DomainError(_("A unit needs a name."), field="name")
    _check_period(valid_from, valid_to)
    kind_obj = _kind(kind)
    flags = _clean_flags(area_flags)
    with transaction.atomic():
        parent = None
        if parent_code:
            parent = Unit.objects.filter(code=parent_code).first()
            if parent is None:
                raise DomainError(
                    _("Unknown parent code: %(code)s.") % {"code": parent_code}, field="parent"
                )
        unit, unit_created = Unit.objects.get_or_create(code=code)
        existing = None if unit_created else unit.versions.filter(valid_from=valid_from).first()
        _check_no_overlap(
            unit.versions.all(), valid_from, valid_to, exclude_pk=existing.pk if existing else None
        )
        _check_no_cycle(unit, parent, valid_from, valid_to)
        before = snapshot(existing) if existing else None
        version = existing or UnitVersion(unit=unit, valid_from=valid_from)
        version.name = name.strip()
        version.kind = kind_obj
        version.parent = parent
        version.valid_to = valid_to
        version.can_admit = can_admit
        version.area_flags = flags
        version.admin_code = admin_code
        version.latitude = latitude
        version.longitude = longitude
        after = snapshot(version)
        if before is not None and {k: v for k, v in before.items() if k != "id"} == {
            k: v for k, v in after.items() if k != "id"
        }:
            return version
        version.save()
        audit_record(
            actor,
            "ranks.org.unit.version_updated" if existing else "ranks.org.unit.version_created",
            object_type="unit",
            object_id=code,
            before=before,
            after=snapshot(version),
        )
    return version


def unit_move(
    *, actor: Actor, code: str, new_parent_code: str | None, on: dt.date, name: str | None = None
) -> UnitVersion:
    """From `on`, the unit hangs below another parent (and maybe bears a new name)."""
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise DomainError(_("Unknown unit code: %(code)s.") % {"code": code}, field="code")
    with transaction.atomic():
        current = unit.versions.valid_on(on).select_related("kind").first()
        if current is None:
            raise DomainError(_("The unit does not exist on %(day)s.") % {"day": on}, field="on")
        if current.valid_from == on:
            raise DomainError(_("The unit already starts a period on that date."), field="on")
        old_end = current.valid_to
        before = snapshot(current)
        current.valid_to = on - dt.timedelta(days=1)
        current.save(update_fields=["valid_to"])
        audit_record(
            actor,
            "ranks.org.unit.version_closed",
            object_type="unit",
            object_id=code,
            before=before,
            after=snapshot(current),
        )
        return unit_version_save(
            actor=actor,
            code=code,
            name=name or current.name,
            kind=current.kind.key,
            parent_code=new_parent_code,
            valid_from=on,
            valid_to=old_end,
            can_admit=current.can_admit,
            area_flags=current.area_flags,
            admin_code=current.admin_code,
            latitude=current.latitude,
            longitude=current.longitude,
        )


def unit_close(*, actor: Actor, code: str, last_day: dt.date) -> UnitVersion:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise DomainError(_("Unknown unit code: %(code)s.") % {"code": code}, field="code")
    with transaction.atomic():
        current = unit.versions.valid_on(last_day).first()
        if current is None:
            raise DomainError(
                _("The unit does not exist on %(day)s.") % {"day": last_day}, field="on"
            )
        before = snapshot(current)
        current.valid_to = last_day
        current.save(update_fields=["valid_to"])
        audit_record(
            actor,
            "ranks.org.unit.closed",
            object_type="unit",
            object_id=code,
            before=before,
            after=snapshot(current),
        )
    return current


def place_version_save(
    *,
    actor: Actor,
    code: str,
    name: str,
    kind: str,
    unit_code: str,
    cell_codes: Iterable[str] = (),
    area_flags: Iterable[str] = (),
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> PlaceVersion:
    code = code.strip()
    if not code:
        raise DomainError(_("A place needs a code."), field="code")
    if kind not in PlaceKind.values:
        raise DomainError(
            _("Unknown place kind: %(kind)s. Allowed: %(allowed)s.")
            % {"kind": kind, "allowed": ", ".join(PlaceKind.values)},
            field="kind",
        )
    _check_period(valid_from, valid_to)
    flags = _clean_flags(area_flags)
    with transaction.atomic():
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            raise DomainError(
                _("Unknown unit code: %(code)s.") % {"code": unit_code}, field="unit_code"
            )
        cells = list(Unit.objects.filter(code__in=list(cell_codes)))
        missing = set(cell_codes) - {c.code for c in cells}
        if missing:
            raise DomainError(
                _("Unknown cell code: %(code)s.") % {"code": ", ".join(sorted(missing))},
                field="cell_codes",
            )
        place, created = Place.objects.get_or_create(code=code)
        existing = None if created else place.versions.filter(valid_from=valid_from).first()
        _check_no_overlap(
            place.versions.all(), valid_from, valid_to, exclude_pk=existing.pk if existing else None
        )
        before = None
        if existing:
            before = {**snapshot(existing), "cells": sorted(c.code for c in existing.cells.all())}
        version = existing or PlaceVersion(place=place, valid_from=valid_from)
        version.name, version.kind, version.unit = name.strip(), kind, unit
        version.area_flags, version.valid_to = flags, valid_to
        version.save()
        version.cells.set(cells)
        after = {**snapshot(version), "cells": sorted(c.code for c in cells)}
        if before != after:
            audit_record(
                actor,
                "ranks.org.place.version_updated"
                if existing
                else "ranks.org.place.version_created",
                object_type="place",
                object_id=code,
                before=before,
                after=after,
            )
    return version
