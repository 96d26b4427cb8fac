"""Pure: the province's bloc of agencies and its police committee, beside the districts.

From the reform they hang below the new province; when the province merged into another,
they are named after the province they served ("… tỉnh Hải Dương (cũ)").
"""

from __future__ import annotations

from ranks.demo.generator.building import CellSeat, moved, place, unit
from ranks.demo.generator.plan import REFORM, TREE_START, UnitVersionPlan

BLOC_AGENCIES = (
    "Văn phòng Ủy ban nhân dân",
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Sở Tài chính",
    "Sở Kế hoạch và Đầu tư",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Sở Nông nghiệp và Phát triển nông thôn",
    "Sở Công Thương",
    "Sở Xây dựng",
    "Sở Giao thông vận tải",
    "Sở Tài nguyên và Môi trường",
    "Sở Lao động - Thương binh và Xã hội",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Khoa học và Công nghệ",
    "Sở Thông tin và Truyền thông",
    "Thanh tra",
    "Bảo hiểm xã hội",
    "Kho bạc Nhà nước",
    "Cục Thuế",
)
# Large departments are grassroots committees with cells of their own.
BLOC_COMMITTEES = {"Sở Y tế", "Sở Giáo dục và Đào tạo", "Sở Nông nghiệp và Phát triển nông thôn"}
BLOC_COMMITTEE_CELLS = (
    "Văn phòng Sở",
    "Thanh tra Sở",
    "Phòng Kế hoạch - Tài chính",
    "Phòng Nghiệp vụ",
)
POLICE_UNITS = (
    "Phòng Tham mưu",
    "Phòng Cảnh sát giao thông",
    "Phòng An ninh chính trị nội bộ",
    "Phòng Cảnh sát hình sự",
    "Phòng Cảnh sát quản lý hành chính về trật tự xã hội",
    "Phòng Hậu cần",
)


def plan_bloc(s, old, new, same, homes, rng, flags_old) -> None:
    """The bloc committee with 12–18 agencies: most a grassroots cell, big ones a committee."""
    P, NP = old.unit_code, new.unit_code
    code = f"{P}-KCQ"
    level = old.type.lower()
    s.units.append(
        moved(
            code,
            f"Đảng bộ Khối các cơ quan {level}",
            "bloc_committee",
            P,
            NP,
            same=same,
            can_admit=True,
        )
    )
    if not same:
        # From the reform it hangs below the new province, named after the province it served.
        versions = s.units[-1].versions
        versions[1] = UnitVersionPlan(
            f"Đảng bộ Khối các cơ quan {old.title} (cũ)",
            "bloc_committee",
            NP,
            REFORM,
            can_admit=True,
        )
    count = rng.randint(12, 18)
    chosen = sorted(rng.sample(range(len(BLOC_AGENCIES)), min(count, len(BLOC_AGENCIES))))
    issuer = (code, "ĐUK")
    for k, index in enumerate(chosen, start=1):
        agency = BLOC_AGENCIES[index]
        label = agency if agency.startswith("Sở ") else f"{agency} {level}"
        acode, pcode = f"{code}-{k:02d}", f"{code}-{k:02d}-P01"
        if agency in BLOC_COMMITTEES:
            s.units.append(
                unit(
                    acode,
                    UnitVersionPlan(f"Đảng bộ {label}", "grassroots_committee", code, TREE_START),
                )
            )
            cells = []
            for m, cell in enumerate(BLOC_COMMITTEE_CELLS[: rng.randint(2, 4)], start=1):
                ccode = f"{acode}-C{m:02d}"
                s.units.append(
                    unit(ccode, UnitVersionPlan(f"Chi bộ {cell}", "cell", acode, TREE_START))
                )
                cells.append(ccode)
                s.seats.append(
                    CellSeat(
                        ccode,
                        "agency",
                        homes,
                        pcode,
                        1.2,
                        None,
                        (issuer, issuer),
                        frozenset(flags_old),
                    )
                )
        else:
            s.units.append(
                unit(acode, UnitVersionPlan(f"Chi bộ {label}", "grassroots_cell", code, TREE_START))
            )
            cells = [acode]
            s.seats.append(
                CellSeat(
                    acode, "agency", homes, pcode, 1.5, None, (issuer, issuer), frozenset(flags_old)
                )
            )
        s.places.append(place(pcode, f"{agency} {old.title}", "agency", tuple(cells), acode, None))


def plan_police(s, old, new, same, homes, rng, flags_old) -> None:
    """The police committee with a few grassroots cells of its departments."""
    P, NP = old.unit_code, new.unit_code
    code = f"{P}-CA"
    s.units.append(
        moved(
            code,
            f"Đảng bộ Công an {old.type.lower()}",
            "police_committee",
            P,
            NP,
            same=same,
            can_admit=True,
        )
    )
    if not same:
        s.units[-1].versions[1] = UnitVersionPlan(
            f"Đảng bộ Công an {old.title} (cũ)", "police_committee", NP, REFORM, can_admit=True
        )
    issuer = (code, "ĐUCA")
    for k, name in enumerate(POLICE_UNITS[: rng.randint(3, 5)], start=1):
        ccode = f"{code}-{k:02d}"
        s.units.append(
            unit(ccode, UnitVersionPlan(f"Chi bộ {name}", "grassroots_cell", code, TREE_START))
        )
        s.seats.append(
            CellSeat(
                ccode, "police", homes, None, 2.5, None, (issuer, issuer), frozenset(flags_old)
            )
        )
