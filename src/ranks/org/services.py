"""Writes to the organisation tree: units, their versions, moves, places. Each one audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from django.db import connection, transaction
from django.utils.translation import gettext as _

from ranks.core.actor import Actor
from ranks.core.audit import Change, audit_record, audit_record_many, snapshot
from ranks.core.errors import DomainError
from ranks.counters.services import moving
from ranks.org import sql, tree
from ranks.org.models import Place, PlaceKind, PlaceVersion, Unit, UnitKind, UnitVersion


class Period(Protocol):
    """Anything with a dated period: a version, or an import's period not yet written."""

    @property
    def pk(self) -> Any: ...
    @property
    def valid_from(self) -> dt.date | None: ...
    @property
    def valid_to(self) -> dt.date | None: ...


def clean_flags(flags: Iterable[str]) -> list[str]:
    """The area flags sorted and without repeats; an unknown one is refused."""
    flags = sorted({f.strip() for f in flags if f and f.strip()})
    unknown = [f for f in flags if f not in tree.AREA_FLAGS]
    if unknown:
        raise DomainError(
            _("Unknown area flag: %(flag)s. Allowed: %(allowed)s.")
            % {"flag": ", ".join(unknown), "allowed": ", ".join(tree.AREA_FLAGS)},
            field="area_flags",
        )
    return flags


def check_period(valid_from: dt.date | None, valid_to: dt.date | None) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise DomainError(_("The end date is before the start date."), field="valid_to")


def check_no_overlap(
    versions: Iterable[Period],
    valid_from: dt.date | None,
    valid_to: dt.date | None,
    exclude_pk: Any = None,
) -> None:
    """`versions` (anything with pk, valid_from, valid_to) are the other periods of the code."""
    start, end = valid_from or tree.BEGINNING, valid_to or tree.END
    for other in versions:
        if exclude_pk is not None and other.pk == exclude_pk:
            continue
        if tree.overlaps(
            start, end, other.valid_from or tree.BEGINNING, other.valid_to or tree.END
        ):
            raise DomainError(
                _("This period overlaps another period of the same code (%(start)s – %(end)s).")
                % {"start": other.valid_from or "…", "end": other.valid_to or "…"},
                field="valid_from",
            )


def exists_during(
    versions: Iterable[Period], valid_from: dt.date | None, valid_to: dt.date | None
) -> bool:
    """Whether some version (anything with valid_from, valid_to) overlaps the period: a link
    between two dated things holds while both exist, so it only needs to overlap somewhere."""
    start, end = valid_from or tree.BEGINNING, valid_to or tree.END
    return any(
        tree.overlaps(start, end, v.valid_from or tree.BEGINNING, v.valid_to or tree.END)
        for v in versions
    )


def check_parent_during(
    parent_code: str,
    versions: Iterable[Period],
    valid_from: dt.date | None,
    valid_to: dt.date | None,
) -> None:
    """A unit's parent must exist at some time during the unit's period (not necessarily on
    its first day: a cell may be recorded since before its commune committee)."""
    if not exists_during(versions, valid_from, valid_to):
        raise DomainError(
            _("The parent %(code)s never exists while this unit does (%(start)s – %(end)s).")
            % {"code": parent_code, "start": valid_from or "…", "end": valid_to or "…"},
            field="parent",
        )


def check_cell_during(
    cell_code: str,
    versions: Iterable[Period],
    valid_from: dt.date | None,
    valid_to: dt.date | None,
) -> None:
    """A cell based at a place must exist at some time during the place's period: the village
    counts as without a cell until the cell opens."""
    if not exists_during(versions, valid_from, valid_to):
        raise DomainError(
            _("The cell %(code)s never exists while this place does (%(start)s – %(end)s).")
            % {"code": cell_code, "start": valid_from or "…", "end": valid_to or "…"},
            field="cell_codes",
        )


def cycle_error(valid_from: dt.date | None) -> DomainError:
    return DomainError(
        _("This parent would put the unit below itself on %(day)s.") % {"day": valid_from or "…"},
        field="parent",
    )


def self_parent_error() -> DomainError:
    return DomainError(_("A unit cannot be its own parent."), field="parent")


def _check_no_cycle(
    unit: Unit | None, parent: Unit | None, valid_from: dt.date | None, valid_to: dt.date | None
) -> None:
    if unit is None or parent is None:
        return
    if parent.pk == unit.pk:
        raise self_parent_error()
    text, params = sql.below_during(unit.pk, valid_from or tree.BEGINNING, valid_to or tree.END)
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        below = {row[0] for row in cursor.fetchall()}
    if parent.pk in below:
        raise cycle_error(valid_from)


def versions_below_themselves(version_ids: list[int]) -> set[int]:
    """Of these unit versions, the ones whose parent links lead back to their own unit during
    their period: one query for a whole batch (a set-based import checks after writing)."""
    if not version_ids:
        return set()

    def later(a: str, b: str) -> str:
        return f"CASE WHEN {a} > {b} THEN {a} ELSE {b} END"

    def earlier(a: str, b: str) -> str:
        return f"CASE WHEN {a} < {b} THEN {a} ELSE {b} END"

    def start(alias: str) -> str:
        return f"COALESCE({alias}.valid_from, {sql.OPEN_START})"

    def end(alias: str) -> str:
        return f"COALESCE({alias}.valid_to, {sql.OPEN_END})"

    found: set[int] = set()
    for i in range(0, len(version_ids), 5000):
        chunk = version_ids[i : i + 5000]
        text = (
            f"WITH RECURSIVE up(origin_id, unit_id, vf, vt) AS ("
            f" SELECT v.id, v.parent_id, {start('v')}, {end('v')} FROM {sql.V} v"
            f" WHERE v.parent_id IS NOT NULL AND v.id IN ({', '.join(['%s'] * len(chunk))})"
            f" UNION SELECT u.origin_id, p.parent_id, {later(start('p'), 'u.vf')},"
            f" {earlier(end('p'), 'u.vt')} FROM up u {sql.versions_of('u.unit_id', 'p')}"
            f" WHERE p.parent_id IS NOT NULL AND {start('p')} <= u.vt AND {end('p')} >= u.vf)"
            f" SELECT DISTINCT u.origin_id FROM up u JOIN {sql.V} o ON o.id = u.origin_id"
            f" WHERE u.unit_id = o.unit_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(text, chunk)
            found.update(row[0] for row in cursor.fetchall())
    return found


def check_unit_text(code: str, name: str) -> str:
    """The code without surrounding blanks; a unit needs a code and a name."""
    code = code.strip()
    if not code:
        raise DomainError(_("A unit needs a code."), field="code")
    if not name.strip():
        raise DomainError(_("A unit needs a name."), field="name")
    return code


def unit_kind(key: str, kinds: dict[str, UnitKind] | None = None) -> UnitKind:
    kind = kinds.get(key) if kinds is not None else UnitKind.objects.filter(key=key).first()
    if kind is None:
        raise DomainError(_("Unknown unit kind: %(kind)s.") % {"kind": key}, field="kind")
    return kind


def place_kind(kind: str) -> str:
    if kind not in PlaceKind.values:
        raise DomainError(
            _("Unknown place kind: %(kind)s. Allowed: %(allowed)s.")
            % {"kind": kind, "allowed": ", ".join(PlaceKind.values)},
            field="kind",
        )
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
    code = check_unit_text(code, name)
    check_period(valid_from, valid_to)
    kind_obj = unit_kind(kind)
    flags = clean_flags(area_flags)
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
        check_no_overlap(
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
        with moving(units=[] if unit_created else [unit.pk]):
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
    with transaction.atomic(), moving(units=[unit.pk]):
        current: UnitVersion | None = unit.versions.valid_on(on).select_related("kind").first()
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
    with transaction.atomic(), moving(units=[unit.pk]):
        current: UnitVersion | None = unit.versions.valid_on(last_day).first()
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
    place_kind(kind)
    check_period(valid_from, valid_to)
    flags = clean_flags(area_flags)
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
        check_no_overlap(
            place.versions.all(), valid_from, valid_to, exclude_pk=existing.pk if existing else None
        )
        before = None
        if existing:
            before = {**snapshot(existing), "cells": sorted(c.code for c in existing.cells.all())}
        version = existing or PlaceVersion(place=place, valid_from=valid_from)
        version.name, version.kind, version.unit = name.strip(), kind, unit
        version.area_flags, version.valid_to = flags, valid_to
        relinked = [c.pk for c in cells] + (
            [c.pk for c in existing.cells.all()] if existing else []
        )
        with moving(cells=relinked, places=[place.pk]):
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


def unit_change(
    *, actor: Actor, code: str, on: dt.date, name: str, can_admit: bool, area_flags: Iterable[str]
) -> UnitVersion | None:
    """From `on`, the unit bears `name`, `can_admit` and `area_flags` (its kind and parent stay).

    The version in force on `on` closes the day before and a new one opens on `on`, ending where
    that version ended (later versions are left as they are); dated on the version's first day,
    the change corrects that version. Both through `unit_version_save`, so audited the same way.
    None when nothing would change."""
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise DomainError(_("Unknown unit code: %(code)s.") % {"code": code}, field="code")
    check_unit_text(code, name)
    flags = clean_flags(area_flags)
    with transaction.atomic():
        current: UnitVersion | None = (
            unit.versions.valid_on(on).select_related("kind", "parent").first()
        )
        if current is None:
            raise DomainError(_("The unit does not exist on %(day)s.") % {"day": on}, field="on")
        if (current.name, current.can_admit, sorted(current.area_flags or ())) == (
            name.strip(),
            can_admit,
            flags,
        ):
            return None
        kept: dict[str, Any] = {
            "kind": current.kind.key,
            "parent_code": current.parent.code if current.parent else None,
            "admin_code": current.admin_code,
            "latitude": current.latitude,
            "longitude": current.longitude,
        }
        if current.valid_from != on:
            unit_version_save(
                actor=actor,
                code=code,
                name=current.name,
                valid_from=current.valid_from,
                valid_to=on - dt.timedelta(days=1),
                can_admit=current.can_admit,
                area_flags=current.area_flags or (),
                **kept,
            )
        return unit_version_save(
            actor=actor,
            code=code,
            name=name,
            valid_from=on,
            valid_to=current.valid_to,
            can_admit=can_admit,
            area_flags=flags,
            **kept,
        )


def place_change(
    *,
    actor: Actor,
    code: str,
    on: dt.date,
    name: str,
    kind: str,
    unit_code: str,
    cell_codes: Iterable[str],
    area_flags: Iterable[str],
) -> PlaceVersion | None:
    """From `on`, the place is as given: like `unit_change`, the version in force on `on` closes
    the day before and a new one opens (or, dated on its first day, it is corrected), each through
    `place_version_save`. None when nothing would change."""
    place = Place.objects.filter(code=code).first()
    if place is None:
        raise DomainError(_("Unknown place code: %(code)s.") % {"code": code}, field="code")
    cell_codes = sorted(set(cell_codes))
    flags = clean_flags(area_flags)
    with transaction.atomic():
        current: PlaceVersion | None = (
            place.versions.valid_on(on).select_related("unit").prefetch_related("cells").first()
        )
        if current is None:
            raise DomainError(_("The place does not exist on %(day)s.") % {"day": on}, field="on")
        current_cells = sorted(c.code for c in current.cells.all())
        was = (current.name, current.kind, current.unit.code, current_cells, current.area_flags)
        if was == (name.strip(), kind, unit_code, cell_codes, flags):
            return None
        if current.valid_from != on:
            place_version_save(
                actor=actor,
                code=code,
                name=current.name,
                kind=current.kind,
                unit_code=current.unit.code,
                cell_codes=current_cells,
                area_flags=current.area_flags or (),
                valid_from=current.valid_from,
                valid_to=on - dt.timedelta(days=1),
            )
        return place_version_save(
            actor=actor,
            code=code,
            name=name,
            kind=kind,
            unit_code=unit_code,
            cell_codes=cell_codes,
            area_flags=flags,
            valid_from=on,
            valid_to=current.valid_to,
        )


def places_move(
    *,
    actor: Actor,
    on: dt.date,
    moves: Mapping[str, str],
    relink: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, tuple[PlaceVersion, dt.date | None, PlaceVersion]]:
    """From `on`, each place (code → unit code) belongs to another unit (or the same), its name,
    kind, cells and flags kept, except that the cells `relink` names for it (place code → {cell
    code: cell code}) are replaced: what `place_change` does for each, read and written in bulk
    for a restructure that moves thousands. The version in force on `on` closes the day before
    and a new one opens on `on`, ending where that one ended; each audited as
    `place_version_save` audits it."""
    if not moves:
        return {}
    relink = relink or {}
    wanted = set(moves.values()) | {c for links in relink.values() for c in links.values()}
    units = {u.code: u for u in Unit.objects.filter(code__in=wanted)}
    for unit_code in sorted(wanted - set(units)):
        raise DomainError(
            _("Unknown unit code: %(code)s.") % {"code": unit_code}, field="unit_code"
        )
    places = {p.code: p for p in Place.objects.filter(code__in=list(moves))}
    for code in sorted(set(moves) - set(places)):
        raise DomainError(_("Unknown place code: %(code)s.") % {"code": code}, field="code")
    versions: dict[int, list[PlaceVersion]] = {}
    for version in (
        PlaceVersion.objects.filter(place_id__in=[p.pk for p in places.values()])
        .select_related("unit")
        .prefetch_related("cells")
    ):
        versions.setdefault(version.place_id, []).append(version)
    changes: list[tuple[str, PlaceVersion, PlaceVersion, list[Unit]]] = []
    ends: dict[str, dt.date | None] = {}
    for code, unit_code in moves.items():
        place = places[code]
        current = next(
            (
                v
                for v in versions.get(place.pk, [])
                if (v.valid_from is None or v.valid_from <= on)
                and (v.valid_to is None or on <= v.valid_to)
            ),
            None,
        )
        if current is None:
            raise DomainError(_("The place does not exist on %(day)s.") % {"day": on}, field="on")
        if current.valid_from == on:
            raise DomainError(_("The place already starts a period on that date."), field="on")
        check_no_overlap(versions[place.pk], on, current.valid_to, exclude_pk=current.pk)
        links = relink.get(code, {})
        cells = list(
            {
                c.pk: c
                for c in (
                    units[links[c.code]] if c.code in links else c for c in current.cells.all()
                )
            }.values()
        )
        new = PlaceVersion(
            place=place,
            name=current.name,
            kind=current.kind,
            unit=units[unit_code],
            area_flags=clean_flags(current.area_flags or ()),
            valid_from=on,
            valid_to=current.valid_to,
        )
        changes.append((code, current, new, cells))
        ends[code] = current.valid_to
    befores = {
        code: {**snapshot(current), "cells": sorted(c.code for c in current.cells.all())}
        for code, current, _new, _cells in changes
    }
    relinked = [c.pk for _code, _current, _new, cells in changes for c in cells]
    relinked += [c.pk for _code, current, _new, _cells in changes for c in current.cells.all()]
    with transaction.atomic(), moving(cells=relinked, places=[p.pk for p in places.values()]):
        for _code, current, _new, _cells in changes:
            current.valid_to = on - dt.timedelta(days=1)
        PlaceVersion.objects.bulk_update([c for _k, c, _n, _c in changes], ["valid_to"])
        PlaceVersion.objects.bulk_create([n for _k, _c, n, _cells in changes])
        through = PlaceVersion.cells.through
        through.objects.bulk_create(
            through(placeversion_id=new.pk, unit_id=cell.pk)
            for _code, _current, new, cells in changes
            for cell in cells
        )
        entries: list[Change] = []
        for code, current, new, cells in changes:
            entries.append(
                Change(
                    "ranks.org.place.version_updated",
                    "place",
                    code,
                    befores[code],
                    {**snapshot(current), "cells": befores[code]["cells"]},
                )
            )
            entries.append(
                Change(
                    "ranks.org.place.version_created",
                    "place",
                    code,
                    None,
                    {**snapshot(new), "cells": sorted(c.code for c in cells)},
                )
            )
        audit_record_many(actor, entries)
    return {code: (current, ends[code], new) for code, current, new, _cells in changes}


def units_move(
    *, actor: Actor, on: dt.date, moves: Mapping[str, tuple[str | None, str]]
) -> dict[str, tuple[UnitVersion, dt.date | None, UnitVersion]]:
    """From `on`, each unit (code → new parent code, new name) hangs below its new parent and
    bears the name, its kind and the rest kept: what `unit_move` does for each, read and written
    in bulk for a restructure that moves hundreds. The version in force on `on` closes the day
    before and a new one opens on `on`, ending where that one ended; each audited as `unit_move`
    audits it, and the whole checked for cycles in one query. By unit code: the version closed,
    where it ended before, and the new version."""
    if not moves:
        return {}
    codes = set(moves) | {parent for parent, _name in moves.values() if parent}
    units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    for code in sorted(codes - set(units)):
        raise DomainError(_("Unknown unit code: %(code)s.") % {"code": code}, field="code")
    versions: dict[int, list[UnitVersion]] = {}
    for version in UnitVersion.objects.filter(
        unit_id__in=[units[c].pk for c in moves]
    ).select_related("kind"):
        versions.setdefault(version.unit_id, []).append(version)
    changes: list[tuple[str, UnitVersion, dt.date | None, UnitVersion]] = []
    for code, (parent_code, name) in moves.items():
        unit = units[code]
        mine = versions.get(unit.pk, [])
        current = next(
            (
                v
                for v in mine
                if (v.valid_from is None or v.valid_from <= on)
                and (v.valid_to is None or on <= v.valid_to)
            ),
            None,
        )
        if current is None:
            raise DomainError(_("The unit does not exist on %(day)s.") % {"day": on}, field="on")
        if current.valid_from == on:
            raise DomainError(_("The unit already starts a period on that date."), field="on")
        parent = units[parent_code] if parent_code else None
        if parent is not None and parent.pk == unit.pk:
            raise self_parent_error()
        name = name or current.name
        check_unit_text(code, name)
        check_no_overlap(mine, on, current.valid_to, exclude_pk=current.pk)
        new = UnitVersion(
            unit=unit,
            name=name.strip(),
            kind=current.kind,
            parent=parent,
            valid_from=on,
            valid_to=current.valid_to,
            can_admit=current.can_admit,
            area_flags=clean_flags(current.area_flags or ()),
            admin_code=current.admin_code,
            latitude=current.latitude,
            longitude=current.longitude,
        )
        changes.append((code, current, current.valid_to, new))
    befores = {code: snapshot(current) for code, current, _end, _new in changes}
    with transaction.atomic(), moving(units=[units[c].pk for c in moves]):
        for _code, current, _end, _new in changes:
            current.valid_to = on - dt.timedelta(days=1)
        UnitVersion.objects.bulk_update([c for _k, c, _e, _n in changes], ["valid_to"])
        UnitVersion.objects.bulk_create([n for _k, _c, _e, n in changes])
        if versions_below_themselves([n.pk for _k, _c, _e, n in changes]):
            raise cycle_error(on)
        entries: list[Change] = []
        for code, current, _end, new in changes:
            entries.append(
                Change(
                    "ranks.org.unit.version_closed",
                    "unit",
                    code,
                    befores[code],
                    snapshot(current),
                )
            )
            entries.append(
                Change("ranks.org.unit.version_created", "unit", code, None, snapshot(new))
            )
        audit_record_many(actor, entries)
    return {code: (current, end, new) for code, current, end, new in changes}


def units_close(
    *, actor: Actor, last_day: dt.date, codes: Iterable[str]
) -> dict[str, tuple[UnitVersion, dt.date | None]]:
    """Each unit's version in force on `last_day` ends that day: what `unit_close` does for
    each, read and written in bulk, each audited as it audits it. By unit code: the version
    closed and where it ended before."""
    codes = list(dict.fromkeys(codes))
    if not codes:
        return {}
    units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    for code in codes:
        if code not in units:
            raise DomainError(_("Unknown unit code: %(code)s.") % {"code": code}, field="code")
    found = {
        v.unit_id: v
        for v in UnitVersion.objects.valid_on(last_day).filter(
            unit_id__in=[u.pk for u in units.values()]
        )
    }
    closing: list[tuple[str, UnitVersion, dt.date | None, dict[str, Any]]] = []
    for code in codes:
        current = found.get(units[code].pk)
        if current is None:
            raise DomainError(
                _("The unit does not exist on %(day)s.") % {"day": last_day}, field="on"
            )
        closing.append((code, current, current.valid_to, snapshot(current)))
    with transaction.atomic(), moving(units=[u.pk for u in units.values()]):
        for _code, current, _end, _before in closing:
            current.valid_to = last_day
        UnitVersion.objects.bulk_update([c for _k, c, _e, _b in closing], ["valid_to"])
        audit_record_many(
            actor,
            [
                Change("ranks.org.unit.closed", "unit", code, before, snapshot(current))
                for code, current, _end, before in closing
            ],
        )
    return {code: (current, end) for code, current, end, _before in closing}
