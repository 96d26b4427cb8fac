"""The plan of the 2025 reform for a province, from `vietnamadminunits`' conversion table,
matched to the tree's units by their administrative codes (docs/restructure.md, "Plans").

Read only: it writes the rows of a plan file, which `ranks restructure apply PLAN.csv` applies.
An old commune is the unit in force the day before the date whose `admin_code` is the commune's
official code; a new commune is the unit in force on the date, and not the day before, with the
new commune's code, or, when the tree has none, a `create` row makes it below the new province's
unit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.utils.translation import gettext as _

from ranks.core.errors import DomainError
from ranks.org.adminunits import (
    Commune,
    District,
    NewCommune,
    UnknownProvince,
    find_province,
    load_province,
)
from ranks.org.models import PlaceVersion, UnitVersion
from ranks.people.names import fold
from ranks.restructure.plan import written

REFORM_DAY = dt.date(2025, 7, 1)
NEW_COMMUNE_KIND = "commune_committee"
PROVINCE_KIND = "provincial_committee"


def _folded(text: str) -> str:
    return fold(text).replace(" ", "").replace("-", "")


def _by_admin_code(codes: Iterable[str], day: dt.date) -> dict[str, list[UnitVersion]]:
    found: dict[str, list[UnitVersion]] = defaultdict(list)
    rows = (
        UnitVersion.objects.valid_on(day)
        .filter(admin_code__in=list(codes))
        .select_related("unit", "kind")
        .order_by("unit__code")
    )
    for version in rows:
        found[version.admin_code].append(version)
    return found


def _one(found: dict[str, list[UnitVersion]], admin_code: str, day: dt.date) -> UnitVersion | None:
    versions = found.get(admin_code, [])
    if len(versions) > 1:
        raise DomainError(
            _("Several units carry the administrative code %(admin)s on %(day)s: %(codes)s.")
            % {
                "admin": admin_code,
                "day": day,
                "codes": ", ".join(v.unit.code for v in versions),
            }
        )
    return versions[0] if versions else None


def _districts(districts: tuple[District, ...], name: str, province: str) -> list[District]:
    if not name:
        return list(districts)
    wanted = _folded(name)
    chosen = [d for d in districts if wanted in {_folded(d.short), _folded(d.title)}]
    if not chosen:
        raise DomainError(
            _("Unknown district of %(province)s: %(name)s. Its districts: %(known)s.")
            % {
                "province": province,
                "name": name,
                "known": ", ".join(d.short for d in districts),
            }
        )
    return chosen


def _row(kind: str, on: dt.date, **values: str) -> dict[str, str]:
    return {"kind": kind, "effective_on": on.isoformat(), **values}


def reform_rows(
    *,
    province: str,
    district: str = "",
    on: dt.date = REFORM_DAY,
    parent: str = "",
    reason: str = "",
    document: str = "",
) -> tuple[list[dict[str, str]], list[str]]:
    """The rows of the plan (column key → text), and notes on what was left out: communes of
    the conversion that the tree does not have on the day before `on`.

    A commune that went wholly into one new commune is merged into it; a commune divided
    between several is split among them, with every cell and place sent to the new commune
    the table names as its default (the table does not say which villages went elsewhere: edit
    those rows of the map). The district committees are dissolved into the new commune of
    their seat, which takes the cells and places left directly below them; with the whole of
    a province that joined another, its committee is dissolved into the new province's."""
    try:
        short = find_province(province)
    except UnknownProvince as error:
        raise DomainError(
            _("Unknown province: %(name)s. The provinces before the 2025 reform: %(known)s.")
            % {"name": province, "known": ", ".join(error.known)}
        ) from None
    old, new = load_province(short)
    districts = _districts(old.districts, district, old.short)
    last = on - dt.timedelta(days=1)
    communes: list[tuple[District, Commune]] = [
        (d, c) for d in districts for c in d.communes if not c.whole_district
    ]
    old_found = _by_admin_code([c.code for _d, c in communes] + [d.code for d in districts], last)
    notes: list[str] = []
    matched: dict[str, UnitVersion] = {}
    missing: dict[str, list[str]] = defaultdict(list)
    for d, c in communes:
        version = _one(old_found, c.code, last)
        if version is None:
            missing[d.title].append(f"{c.title} ({c.code})")
        else:
            matched[c.key] = version
    for title, names in missing.items():
        notes.append(
            _("%(district)s: %(count)d communes have no unit on %(day)s; left out: %(names)s.")
            % {
                "district": title,
                "count": len(names),
                "day": written(last),
                "names": ", ".join(names),
            }
        )
    for d in districts:
        if any(c.whole_district for c in d.communes):
            notes.append(_("%(district)s has no communes; left out.") % {"district": d.title})

    new_of = {nc.key: nc for nc in new.communes}
    wanted: list[NewCommune] = []
    for _d, c in communes:
        if c.key in matched:
            for key in (c.new_default, *c.new_others):
                if new_of[key] not in wanted:
                    wanted.append(new_of[key])
    new_found = _by_admin_code([nc.code for nc in wanted] + [new.code], on)
    target_of: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    to_create: list[NewCommune] = []
    # A new commune is not in force the day before: a unit that is (an old commune of another
    # district or province may bear the code the new commune took over) is not a target.
    existed = set(
        UnitVersion.objects.valid_on(last)
        .filter(unit_id__in=[v.unit_id for vs in new_found.values() for v in vs])
        .values_list("unit_id", flat=True)
    )
    for nc in wanted:
        fresh = {nc.code: [v for v in new_found.get(nc.code, []) if v.unit_id not in existed]}
        found = _one(fresh, nc.code, on)
        if found:
            target_of[nc.key] = found.unit.code
        else:
            target_of[nc.key] = f"{new.unit_code}-N{nc.code}"
            to_create.append(nc)
    common = {"reason": reason, "document": document}
    whole_province = not district and old.key != new.key
    if not parent:
        # The new province may bear the old one's code (Gia Lai took Bình Định's 52): the old
        # province's own committee is not the new province's.
        old_own: set[int] = set()
        if old.key != new.key:
            old_own = {
                v.unit_id
                for v in _by_admin_code([old.code], last).get(old.code, [])
                if v.kind.key == PROVINCE_KIND
            }
        provinces = [
            v
            for v in new_found.get(new.code, [])
            if v.kind.key == PROVINCE_KIND and v.unit_id not in old_own
        ]
        if not provinces and old.key == new.key:
            # The province that received others keeps its committee, though its code may have
            # changed (Gia Lai: 64 before, 52 after).
            provinces = [
                v
                for v in _by_admin_code([old.code], on).get(old.code, [])
                if v.kind.key == PROVINCE_KIND
            ]
        parent = provinces[0].unit.code if provinces else ""
        if not parent and (to_create or whole_province):
            parent = new.unit_code
            rows.append(
                _row(
                    "create",
                    on,
                    target=parent,
                    name=f"Đảng bộ {new.title}",
                    kind_key=PROVINCE_KIND,
                    admin_code=new.code,
                    **common,
                )
            )
    for nc in to_create:
        rows.append(
            _row(
                "create",
                on,
                target=target_of[nc.key],
                name=f"Đảng bộ {nc.title}",
                kind_key=NEW_COMMUNE_KIND,
                parent=parent,
                admin_code=nc.code,
                can_admit="true",
                **common,
            )
        )
    for _d, c in communes:
        version = matched.get(c.key)
        if version is None:
            continue
        source = version.unit.code
        default = target_of[c.new_default]
        if not c.new_others:
            rows.append(_row("merge", on, source=source, target=default, **common))
            continue
        below = list(
            UnitVersion.objects.valid_on(on)
            .filter(parent_id=version.unit_id)
            .order_by("unit__code")
            .values_list("unit__code", flat=True)
        ) + list(
            PlaceVersion.objects.valid_on(on)
            .filter(unit_id=version.unit_id)
            .order_by("place__code")
            .values_list("place__code", flat=True)
        )
        rows.append(_row("split", on, source=source, target=default, map=";".join(below), **common))
        for key in c.new_others:
            rows.append(_row("split", on, source=source, target=target_of[key], **common))
    for d in districts:
        version = _one(old_found, d.code, last)
        if version is None or not UnitVersion.objects.valid_on(on).filter(pk=version.pk).exists():
            continue  # not in the tree, or already closing by then
        seat = d.seat()
        keys = [c.new_default for c in d.communes if c.key in matched]
        if not keys:
            continue
        successor = seat.new_default if seat.key in matched else keys[0]
        rows.append(
            _row("dissolve", on, source=version.unit.code, target=target_of[successor], **common)
        )
    if whole_province:
        province_found = _by_admin_code([old.code], on)
        old_province = [v for v in province_found.get(old.code, []) if v.kind.key == PROVINCE_KIND]
        if old_province:
            rows.append(
                _row("dissolve", on, source=old_province[0].unit.code, target=parent, **common)
            )
    return rows, notes
