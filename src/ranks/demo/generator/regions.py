"""Pure: what differs between provinces in the demo: area flags and who lives there.

The lists are short and documented rather than complete. A province is flagged `mountainous`
only when (nearly) all its communes are classed mountainous or highland, and
`ethnic_minority` when ethnic minorities are the majority of its people; border and
especially-disadvantaged status belong to single communes, which the package does not list, so
the demo does not set them. Ethnic shares are rounded from the 2019 census.
"""

from __future__ import annotations

MOUNTAINOUS = {
    "Hà Giang",
    "Cao Bằng",
    "Bắc Kạn",
    "Tuyên Quang",
    "Lào Cai",
    "Yên Bái",
    "Lạng Sơn",
    "Lai Châu",
    "Điện Biên",
    "Sơn La",
    "Hòa Bình",
    "Kon Tum",
}

ETHNIC_MINORITY_MAJORITY = {
    "Hà Giang",
    "Cao Bằng",
    "Bắc Kạn",
    "Lạng Sơn",
    "Lai Châu",
    "Điện Biên",
    "Sơn La",
    "Hòa Bình",
    "Lào Cai",
    "Kon Tum",
}

# Ethnic groups with weights (percent, rounded); provinces not listed are mostly Kinh.
ETHNIC_MIX: dict[str, tuple[tuple[str, int], ...]] = {
    "Hà Giang": (("Mông", 33), ("Tày", 23), ("Dao", 15), ("Kinh", 13), ("Nùng", 10), ("Giáy", 6)),
    "Cao Bằng": (("Tày", 41), ("Nùng", 31), ("Mông", 11), ("Dao", 10), ("Kinh", 7)),
    "Bắc Kạn": (("Tày", 52), ("Kinh", 20), ("Dao", 17), ("Nùng", 7), ("Mông", 4)),
    "Tuyên Quang": (("Kinh", 47), ("Tày", 25), ("Dao", 12), ("Sán Chay", 8), ("Mông", 8)),
    "Lào Cai": (("Kinh", 35), ("Mông", 25), ("Tày", 15), ("Dao", 14), ("Giáy", 5), ("Nùng", 6)),
    "Yên Bái": (("Kinh", 52), ("Tày", 19), ("Dao", 11), ("Mông", 11), ("Thái", 7)),
    "Lạng Sơn": (("Nùng", 42), ("Tày", 35), ("Kinh", 16), ("Dao", 5), ("Sán Chay", 2)),
    "Lai Châu": (("Mông", 40), ("Thái", 32), ("Kinh", 15), ("Dao", 13)),
    "Điện Biên": (("Thái", 38), ("Mông", 35), ("Kinh", 18), ("Khơ Mú", 5), ("Dao", 4)),
    "Sơn La": (("Thái", 53), ("Kinh", 17), ("Mông", 17), ("Mường", 8), ("Dao", 3), ("Xinh Mun", 2)),
    "Hòa Bình": (("Mường", 64), ("Kinh", 28), ("Thái", 4), ("Dao", 2), ("Tày", 2)),
    "Kon Tum": (("Kinh", 47), ("Xơ Đăng", 25), ("Ba Na", 13), ("Gia Rai", 7), ("Giẻ Triêng", 8)),
    "Thái Nguyên": (
        ("Kinh", 72),
        ("Tày", 11),
        ("Nùng", 6),
        ("Sán Dìu", 4),
        ("Dao", 3),
        ("Sán Chay", 4),
    ),
    "Gia Lai": (("Kinh", 52), ("Gia Rai", 33), ("Ba Na", 12), ("Tày", 3)),
    "Đắk Lắk": (("Kinh", 65), ("Ê Đê", 18), ("Nùng", 4), ("Tày", 3), ("Mnông", 4), ("Gia Rai", 6)),
    "Sóc Trăng": (("Kinh", 64), ("Khmer", 30), ("Hoa", 6)),
    "Trà Vinh": (("Kinh", 68), ("Khmer", 31), ("Hoa", 1)),
}
DEFAULT_ETHNIC_MIX: tuple[tuple[str, int], ...] = (
    ("Kinh", 985),
    ("Tày", 4),
    ("Mường", 4),
    ("Hoa", 3),
    ("Nùng", 2),
    ("Thái", 2),
)

# Religions of party members as people write them; "Không" (none) for most.
DEFAULT_RELIGION_MIX: tuple[tuple[str, int], ...] = (
    ("Không", 88),
    ("Phật giáo", 7),
    ("Công giáo", 5),
)
RELIGION_MIX_BY_ETHNICITY: dict[str, tuple[tuple[str, int], ...]] = {
    "Mông": (("Không", 82), ("Tin lành", 15), ("Công giáo", 3)),
    "Khmer": (("Phật giáo", 70), ("Không", 30)),
    "Ê Đê": (("Không", 70), ("Tin lành", 22), ("Công giáo", 8)),
    "Gia Rai": (("Không", 72), ("Tin lành", 18), ("Công giáo", 10)),
    "Ba Na": (("Không", 70), ("Công giáo", 22), ("Tin lành", 8)),
}


def area_flags(province_short: str) -> tuple[str, ...]:
    flags = []
    if province_short in MOUNTAINOUS:
        flags.append("mountainous")
    if province_short in ETHNIC_MINORITY_MAJORITY:
        flags.append("ethnic_minority")
    return tuple(flags)


def ethnic_mix(province_short: str) -> tuple[tuple[str, int], ...]:
    return ETHNIC_MIX.get(province_short, DEFAULT_ETHNIC_MIX)


def religion_mix(ethnicity: str) -> tuple[tuple[str, int], ...]:
    return RELIGION_MIX_BY_ETHNICITY.get(ethnicity, DEFAULT_RELIGION_MIX)
