"""Pure: Vietnamese names of people (family, middle, given, from Faker's vi_VN lists) and of places.

Faker's `name()` and `first_name()` are not used: they add titles, Western order and English
names. Middle names are kept to those that fit the person's gender (no man is called "Thị").
"""

from __future__ import annotations

import random

from faker import Faker

# Middle names Faker gives that only fit one gender.
MALE_ONLY_MIDDLE = {"Văn", "Đức", "Hữu", "Quang", "Thế", "Tấn", "Trí", "Phú", "Hoàng"}
FEMALE_ONLY_MIDDLE = {"Thị", "Mai", "Mai Bảo"}

# Family names of some ethnic minorities (Faker's lists are Kinh names).
FAMILY_BY_ETHNICITY: dict[str, tuple[str, ...]] = {
    "Thái": ("Lò", "Lường", "Cầm", "Quàng", "Vì", "Tòng", "Điêu", "Hà"),
    "Mông": ("Giàng", "Sùng", "Thào", "Vàng", "Mùa", "Lý", "Hạng", "Sình"),
    "Tày": ("Hoàng", "Nông", "Lục", "Hà", "Ma", "Lưu", "Bế"),
    "Nùng": ("Nông", "Hoàng", "Lương", "Lăng", "Vi", "Chu"),
    "Dao": ("Triệu", "Bàn", "Đặng", "Lý", "Chảo", "Phùn"),
    "Mường": ("Bùi", "Đinh", "Quách", "Hà", "Xa"),
    "Giáy": ("Hoàng", "Lù", "Sần", "Vương"),
    "Khmer": ("Thạch", "Danh", "Sơn", "Kim", "Lâm"),
}
# Mông men carry "A" where others carry "Văn"; their given names are their own.
MONG_GIVEN_MALE = (
    "Páo",
    "Lử",
    "Chứ",
    "Sính",
    "Dế",
    "Cở",
    "Pó",
    "Tủa",
    "Vừ",
    "Súa",
    "Chinh",
    "Dình",
)
MONG_GIVEN_FEMALE = ("Mỷ", "Dợ", "Sua", "Pà", "Chá", "Dua", "Xúa", "Mai", "Ly", "Say")


class PersonNames:
    """Full names drawn from one seeded Faker; the same seed gives the same names in order."""

    def __init__(self, seed: int | str):
        self.fake = Faker("vi_VN")
        self.fake.seed_instance(seed)
        self.middles = (
            tuple(self.fake.middle_names) if not hasattr(self.fake, "middle_name") else ()
        )

    def _middle(self) -> str:
        if self.middles:
            return self.fake.random_element(self.middles)
        return self.fake.middle_name()

    def middle(self, gender: str) -> str:
        if gender == "female" and self.fake.random.random() < 0.55:
            return "Thị"
        banned = FEMALE_ONLY_MIDDLE if gender == "male" else MALE_ONLY_MIDDLE
        for _ in range(20):
            middle = self._middle()
            if middle not in banned:
                return middle
        return "Văn" if gender == "male" else "Thị"

    def given(self, gender: str) -> str:
        return self.fake.first_name_male() if gender == "male" else self.fake.first_name_female()

    def full_name(self, gender: str, ethnicity: str = "Kinh") -> str:
        families = FAMILY_BY_ETHNICITY.get(ethnicity)
        if families and (ethnicity == "Mông" or self.fake.random.random() < 0.85):
            family = self.fake.random_element(families)
        else:
            family = self.fake.last_name()
        if ethnicity == "Mông":
            given_pool = MONG_GIVEN_MALE if gender == "male" else MONG_GIVEN_FEMALE
            middle = "A" if gender == "male" else "Thị"
            return f"{family} {middle} {self.fake.random_element(given_pool)}"
        return f"{family} {self.middle(gender)} {self.given(gender)}"


# Words of village names in the Red River delta and the midlands (Sino-Vietnamese, mostly).
VILLAGE_STEMS = (
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Trung",
    "Thượng",
    "Hạ",
    "An Lạc",
    "Phú Lộc",
    "Bình An",
    "Hòa Bình",
    "Tiền Phong",
    "Quyết Thắng",
    "Đoàn Kết",
    "Thắng Lợi",
    "Tân Lập",
    "Tân Phú",
    "Phú Xuân",
    "Hưng Long",
    "Lạc Dục",
    "Đào Xá",
    "Cao Xá",
    "Phương Quan",
    "Thọ Xuân",
    "Yên Lạc",
    "Vĩnh Phúc",
    "Mỹ Lộc",
    "Cát Khê",
    "Hội Yên",
    "Đan Giáp",
    "An Dương",
    "Phúc Lâm",
    "Kim Đôi",
    "Ngọc Lâm",
    "Thanh Xá",
    "Văn Xá",
    "Đồng Bình",
    "Nhân Nghĩa",
    "Lê Xá",
    "Phạm Xá",
    "Trúc Lâm",
    "Hoàng Xá",
    "Mậu Tài",
    "Bình Dương",
    "Phú Khê",
    "Tràng Kênh",
    "Ngô Đồng",
    "Lương Xá",
    "Bá Đông",
    "Đỗ Xá",
    "Vạn Tải",
    "Quảng Cư",
    "Hữu Chung",
    "Nghĩa Xá",
    "Phù Tải",
    "An Tân",
    "Lôi Động",
    "Từ Ô",
    "Văn Thai",
    "Xuân Đào",
    "Tiên Kiều",
    "Hào Xá",
    "Triều Dương",
    "Kim Lai",
)
# Parts of "bản" names in the north-west mountains (Thái and Mông place words).
BAN_PREFIXES = ("Nà", "Pá", "Huổi", "Nậm", "Co", "Phiêng", "Tà", "Lả", "Hua", "Mường", "Sì", "Pắc")
BAN_SUFFIXES = (
    "Hẩu",
    "Lếch",
    "Khoang",
    "Xá",
    "Sẳng",
    "Cang",
    "Luông",
    "Củng",
    "Ten",
    "Lay",
    "Mo",
    "Cượm",
    "Pen",
    "Chản",
    "Ló",
    "Phìn",
    "Sáng",
    "Pồng",
    "Tấu",
    "Nọi",
)


def village_names(rng: random.Random, count: int, *, urban: bool, highland: bool) -> list[str]:
    """`count` distinct names: "Thôn Phú Lộc", "Thôn 3", "Bản Nà Hẩu", "Tổ dân phố số 4"."""
    if urban:
        start = rng.randint(1, 3)
        return [f"Tổ dân phố số {n}" for n in range(start, start + count)]
    names: list[str] = []
    numbered = rng.random() < 0.25
    for n in range(1, count + 1):
        if numbered:
            names.append(f"Thôn {n}")
            continue
        for _ in range(50):
            if highland and rng.random() < 0.7:
                name = f"Bản {rng.choice(BAN_PREFIXES)} {rng.choice(BAN_SUFFIXES)}"
            else:
                name = f"Thôn {rng.choice(VILLAGE_STEMS)}"
            if name not in names:
                break
        else:  # pragma: no cover - more villages than names
            name = f"Thôn {n}"
        names.append(name)
    return names


def place_stem(name: str) -> tuple[str, str]:
    """("thôn", "Phú Lộc") from "Thôn Phú Lộc"; ("tổ dân phố", "số 4") from "Tổ dân phố số 4"."""
    if name.startswith("Tổ dân phố "):
        return "tổ dân phố", name[len("Tổ dân phố ") :]
    head, _, rest = name.partition(" ")
    return head.lower(), rest


def cell_name(place_names: list[str]) -> str:
    """ "Chi bộ thôn Phú Lộc", or for a combined cell "Chi bộ thôn Phú Lộc – Cao Xá"."""
    kind, first = place_stem(place_names[0])
    others = []
    for name in place_names[1:]:
        other_kind, stem = place_stem(name)
        others.append(stem if other_kind == kind else f"{other_kind} {stem}")
    return " – ".join([f"Chi bộ {kind} {first}", *others])
