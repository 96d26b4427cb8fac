"""Pure: the organisation tree and places of a demo province, before and after the 2025 reform.

Codes are stable and built from the official ones: the old province `HD`, its districts
`HD-H300`, its communes `HD-X10507` (X: a commune before the reform), the new province `HP` and
its communes `HP-N10507` (N: a commune of the new map), cells `HD-X10507-C01` and places
`HD-X10507-P01`. A cell keeps its code when it moves to its new commune on 2025-07-01.
"""

from __future__ import annotations

import random

from ranks.demo.generator import regions
from ranks.demo.generator.agencies import plan_bloc, plan_police
from ranks.demo.generator.building import CellSeat, Structure, moved, place, unit
from ranks.demo.generator.logins import plan_logins
from ranks.demo.generator.names import cell_name, village_names
from ranks.demo.generator.plan import LAST_OLD_DAY, REFORM, TREE_START, Sizes, UnitVersionPlan
from ranks.org.adminunits import Commune, NewProvince, OldProvince, province_shorts

# Suffix of admission decision numbers by the admitting committee ("125-QĐ/HU": huyện ủy).
DECISION_SUFFIX = {"Huyện": "HU", "Quận": "QU", "Thị xã": "TxU", "Thành phố": "ThU"}

DISTRICT_AGENCIES = ("Trung tâm Y tế", "Chi cục Thuế", "Ngân hàng Chính sách xã hội chi nhánh")


def plan_structure(
    old: OldProvince, new: NewProvince, sizes: Sizes, rng: random.Random
) -> Structure:
    """Units and places of `old` before the reform and of their successors in `new` after it."""
    s = Structure()
    P, NP = old.unit_code, new.unit_code
    same = old.key == new.key
    flags_old = regions.area_flags(old.short)
    shorts = province_shorts()
    flags_new = (
        set(flags_old)
        if same
        else set.intersection(*(set(regions.area_flags(shorts[k])) for k in new.old_keys))
    )
    commune_flags = tuple(f for f in flags_old if f not in flags_new)
    highland = "mountainous" in flags_old

    s.units.append(
        unit(
            P,
            UnitVersionPlan(
                f"Đảng bộ {old.title}",
                "provincial_committee",
                None,
                TREE_START,
                None if same else LAST_OLD_DAY,
                area_flags=flags_old,
                admin_code=old.code,
                latitude=old.lat,
                longitude=old.lon,
            ),
        )
    )
    if not same:
        s.units.append(
            unit(
                NP,
                UnitVersionPlan(
                    f"Đảng bộ {new.title}",
                    "provincial_committee",
                    None,
                    REFORM,
                    area_flags=tuple(sorted(flags_new)),
                    admin_code=new.code,
                    latitude=new.lat,
                    longitude=new.lon,
                ),
            )
        )
    new_code = {nc.key: f"{NP}-N{nc.code}" for nc in new.communes}
    for nc in new.communes:
        s.units.append(
            unit(
                new_code[nc.key],
                UnitVersionPlan(
                    f"Đảng bộ {nc.title}",
                    "commune_committee",
                    NP,
                    REFORM,
                    can_admit=True,
                    area_flags=commune_flags,
                    admin_code=nc.code,
                    latitude=nc.lat,
                    longitude=nc.lon,
                ),
            )
        )

    homes_of_commune: dict[str, list[str]] = {}
    district_homes: dict[str, list[str]] = {}
    for d in old.districts:
        dcode = f"{P}-H{d.code}"
        suffix = DECISION_SUFFIX.get(d.type, "HU")
        s.units.append(
            unit(
                dcode,
                UnitVersionPlan(
                    f"Đảng bộ {d.title}",
                    "district_committee",
                    P,
                    TREE_START,
                    LAST_OLD_DAY,
                    can_admit=True,
                    admin_code=d.code,
                    latitude=d.lat,
                    longitude=d.lon,
                ),
            )
        )
        for c in d.communes:
            ccode = f"{P}-X{c.code}"
            s.units.append(
                unit(
                    ccode,
                    UnitVersionPlan(
                        f"Đảng bộ cơ sở {d.title}" if c.whole_district else f"Đảng bộ {c.title}",
                        "grassroots_committee",
                        dcode,
                        TREE_START,
                        LAST_OLD_DAY,
                        admin_code="" if c.whole_district else c.code,
                        latitude=c.lat,
                        longitude=c.lon,
                    ),
                )
            )
            homes_of_commune[ccode] = _plan_commune(
                s,
                c,
                ccode,
                new_code,
                sizes,
                rng,
                highland=highland,
                issuer_before=(dcode, suffix),
                flags=frozenset(flags_old),
            )
        district_homes[dcode] = [h for c in d.communes for h in homes_of_commune[f"{P}-X{c.code}"]]
        _plan_district_cells(
            s, d, dcode, P, new_code, district_homes[dcode], rng, suffix, flags_old
        )

    capital_homes = district_homes[f"{P}-H{old.capital().code}"] or s.homes
    plan_bloc(s, old, new, same, capital_homes, rng, flags_old)
    plan_police(s, old, new, same, capital_homes, rng, flags_old)
    s.logins = plan_logins(old, new, same, new_code)
    return s


def _plan_commune(
    s: Structure,
    c: Commune,
    ccode: str,
    new_code: dict[str, str],
    sizes: Sizes,
    rng: random.Random,
    *,
    highland: bool,
    issuer_before: tuple[str, str],
    flags: frozenset[str],
) -> list[str]:
    """Villages or residential groups, a school, a medical station, their cells; returns the
    places where the commune's members live."""
    v = max(1, sizes.villages_per_commune)
    count = rng.randint(max(1, v - 1), v + 1) + (1 if highland and rng.random() < 0.5 else 0)
    kind = "residential_group" if c.urban else "village"
    names = village_names(rng, count, urban=c.urban, highland=highland)
    blank_p = 0.12 if highland else 0.05
    blank = [rng.random() < blank_p for _ in names]
    if all(blank):
        blank[0] = False
    default = new_code[c.new_default]
    targets = [
        new_code[rng.choice(c.new_others)] if c.new_others and rng.random() < 0.25 else default
        for _ in names
    ]
    place_codes = [f"{ccode}-P{i + 1:02d}" for i in range(len(names))]
    groups: list[list[int]] = []
    i = 0
    while i < len(names):
        if blank[i]:
            i += 1
            continue
        if i + 1 < len(names) and not blank[i + 1] and rng.random() < 0.1:
            groups.append([i, i + 1])
            targets[i + 1] = targets[i]
            i += 2
        else:
            groups.append([i])
            i += 1
    cells_of_place: dict[int, tuple[str, ...]] = {}
    seats: list[CellSeat] = []
    n = 0
    for group in groups:
        n += 1
        code = f"{ccode}-C{n:02d}"
        target = targets[group[0]]
        s.units.append(moved(code, cell_name([names[j] for j in group]), "cell", ccode, target))
        for j in group:
            cells_of_place[j] = (code,)
        seats.append(
            CellSeat(
                code,
                kind,
                [place_codes[j] for j in group],
                None,
                4.0 + 2.0 * (len(group) - 1),
                ccode,
                (issuer_before, (target, "ĐU")),
                flags,
            )
        )
    lived_in = [not b or rng.random() < 0.3 for b in blank]
    homes = [place_codes[j] for j in range(len(names)) if lived_in[j]]
    for j, name in enumerate(names):
        s.places.append(
            place(place_codes[j], name, kind, cells_of_place.get(j, ()), ccode, targets[j])
        )
        s.homes.append(place_codes[j])

    extra = [
        ("school", f"Trường Tiểu học {c.short}", 0.65, 1.0),
        ("medical_station", f"Trạm Y tế {c.title}", 0.55, 0.7),
    ]
    if rng.random() < 0.3:
        if c.urban:
            trade = rng.choice(("May mặc", "Cơ khí", "Xây dựng", "Thương mại"))
            extra.append(("enterprise", f"Công ty TNHH {trade} {c.short}", 0.0, 0.0))
        else:
            extra.append(("cooperative", f"Hợp tác xã dịch vụ nông nghiệp {c.short}", 0.0, 0.0))
    for offset, (pkind, pname, cell_p, weight) in enumerate(extra, start=len(names) + 1):
        pcode = f"{ccode}-P{offset:02d}"
        cells: tuple[str, ...] = ()
        if rng.random() < cell_p:
            n += 1
            code = f"{ccode}-C{n:02d}"
            cells = (code,)
            s.units.append(moved(code, f"Chi bộ {pname}", "cell", ccode, default))
            seats.append(
                CellSeat(
                    code,
                    pkind,
                    homes,
                    pcode,
                    weight,
                    ccode,
                    (issuer_before, (default, "ĐU")),
                    flags,
                )
            )
        s.places.append(place(pcode, pname, pkind, cells, ccode, default))
    s.seats.extend(seats)
    return homes


def _plan_district_cells(s, d, dcode, P, new_code, homes, rng, suffix, flags_old) -> None:
    """High schools and an agency of the district: grassroots cells directly below it."""
    seat = d.seat()
    seat_old, seat_new = f"{P}-X{seat.code}", new_code[seat.new_default]
    places = [("school", f"Trường THPT {d.short}", 2.0)]
    if rng.random() < 0.5:
        places.append(("school", f"Trường THPT {d.short} II", 2.0))
    places.append(("agency", f"{rng.choice(DISTRICT_AGENCIES)} {d.title}", 2.5))
    for k, (pkind, pname, weight) in enumerate(places, start=1):
        code, pcode = f"{dcode}-C{k:02d}", f"{dcode}-P{k:02d}"
        s.units.append(moved(code, f"Chi bộ {pname}", "grassroots_cell", dcode, seat_new))
        s.places.append(place(pcode, pname, pkind, (code,), seat_old, seat_new))
        setting = "high_school" if pkind == "school" else "agency"
        s.seats.append(
            CellSeat(
                code,
                setting,
                homes or s.homes,
                pcode,
                weight,
                None,
                ((dcode, suffix), (seat_new, "ĐU")),
                frozenset(flags_old),
            )
        )
