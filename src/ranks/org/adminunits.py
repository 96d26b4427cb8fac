"""Pure: Vietnam's real administrative units before and after 1 July 2025, from `vietnamadminunits`.

One old province (63 before the reform) is read with its districts and communes, and each old
commune is paired with the new commune (3,321 after the reform) it converts into, using the
package's own conversion tables. Nothing here imports Django.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from vietnamadminunits.converter.converter_2025 import (
    DICT_PROVINCE,
    DICT_PROVINCE_WARD_DIVIDED,
    DICT_PROVINCE_WARD_NO_DIVIDED,
)
from vietnamadminunits.database import query

from ranks.people.names import fold

# Provinces whose initials collide with another's get a longer code; the better-known one keeps
# the two letters. `province_codes()` checks that all 63 stay distinct.
CODE_OVERRIDES = {
    "Hà Nam": "HNA",
    "Hậu Giang": "HAG",
    "Lai Châu": "LCH",
    "Tây Ninh": "TNI",
    "Quảng Nam": "QNA",
    "Quảng Ngãi": "QNG",
    "Đắk Nông": "DNO",
    "Đồng Nai": "DNA",
    "Bình Dương": "BDU",
    "Bến Tre": "BTR",
    "Huế": "HUE",
}

# Districts without communes that nobody lives in: no party organisation to simulate.
UNINHABITED_DISTRICTS = {"Hoàng Sa"}


class UnknownProvince(LookupError):
    def __init__(self, name: str, known: list[str]):
        super().__init__(name)
        self.name = name
        self.known = known


@dataclass(frozen=True)
class NewCommune:
    """A commune-level unit after the reform (xã, phường, đặc khu)."""

    key: str
    short: str
    type: str
    code: str
    lat: float | None
    lon: float | None

    @property
    def title(self) -> str:
        return f"{self.type.lower()} {self.short}"


@dataclass(frozen=True)
class Commune:
    """A commune before the reform, and the new communes it went into."""

    key: str  # oldProvinceKey_oldDistrictKey_oldWardKey, as in the conversion tables
    short: str
    type: str  # Xã, Phường, Thị trấn
    code: str
    lat: float | None
    lon: float | None
    new_default: str  # key of the new commune the commune as a whole converts into
    new_others: tuple[str, ...] = ()  # other new communes that took part of it

    @property
    def title(self) -> str:
        return f"{self.type.lower()} {self.short}"

    @property
    def urban(self) -> bool:
        return self.type in {"Phường", "Thị trấn"}

    @property
    def whole_district(self) -> bool:
        """An island district with no communes, standing in for its own commune."""
        return self.key.endswith("_")


@dataclass(frozen=True)
class District:
    key: str
    short: str
    type: str  # Huyện, Quận, Thị xã, Thành phố
    code: str
    lat: float | None
    lon: float | None
    communes: tuple[Commune, ...]

    @property
    def title(self) -> str:
        return f"{self.type.lower()} {self.short}"

    def seat(self) -> Commune:
        """The commune nearest the district's coordinates: where its offices and high school sit."""
        if self.lat is None or self.lon is None:
            return self.communes[0]
        return min(self.communes, key=lambda c: _distance(self.lat, self.lon, c.lat, c.lon))


@dataclass(frozen=True)
class Province:
    key: str
    short: str
    type: str  # Tỉnh, Thành phố
    code: str  # official two-digit code
    unit_code: str  # Ranks' short code, e.g. HD
    lat: float | None
    lon: float | None

    @property
    def title(self) -> str:
        return f"{self.type.lower()} {self.short}"


@dataclass(frozen=True)
class OldProvince(Province):
    districts: tuple[District, ...] = ()

    def capital(self) -> District:
        """The district nearest the province's coordinates (its capital, in practice)."""
        if self.lat is None or self.lon is None:
            return self.districts[0]
        return min(self.districts, key=lambda d: _distance(self.lat, self.lon, d.lat, d.lon))


@dataclass(frozen=True)
class NewProvince(Province):
    communes: tuple[NewCommune, ...] = ()  # only those that receive the old province's communes
    old_keys: tuple[str, ...] = ()  # the old provinces merged into it

    def commune(self, key: str) -> NewCommune:
        for commune in self.communes:
            if commune.key == key:
                return commune
        raise KeyError(key)


def _distance(lat1, lon1, lat2, lon2) -> float:
    if None in (lat1, lon1, lat2, lon2):
        return math.inf
    return (lat1 - lat2) ** 2 + ((lon1 - lon2) * math.cos(math.radians(lat1))) ** 2


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _split_type(full: str, short: str) -> str:
    return full[: -len(short)].strip() if full.endswith(short) else full.split(" ")[0]


def _initials(short: str) -> str:
    return "".join(word[0] for word in fold(short).replace("-", " ").split()).upper()


@cache
def province_codes() -> dict[str, str]:
    """Ranks' short code of each of the 63 old provinces, by provinceShort: HD, HP, HN, HCM…"""
    rows = query("SELECT DISTINCT provinceShort FROM admin_units_legacy ORDER BY provinceShort")
    codes = {
        r["provinceShort"]: CODE_OVERRIDES.get(r["provinceShort"]) or _initials(r["provinceShort"])
        for r in rows
    }
    if len(set(codes.values())) != len(codes):  # pragma: no cover - guarded by a test
        raise ValueError("province codes collide")
    return codes


@cache
def old_province_names() -> list[str]:
    rows = query("SELECT DISTINCT provinceShort FROM admin_units_legacy")
    return sorted(r["provinceShort"] for r in rows)


def find_province(name: str) -> str:
    """The provinceShort of an old province named loosely: "Hải Dương", "hai duong", "tinhhaiduong"."""
    wanted = fold(name).replace(" ", "").replace("-", "")
    for short in old_province_names():
        folded = fold(short).replace(" ", "").replace("-", "")
        if wanted in {folded, f"tinh{folded}", f"thanhpho{folded}"}:
            return short
    raise UnknownProvince(name, old_province_names())


def _conversion(new_key: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Old commune key -> (default new commune key, other new commune keys) in one new province."""
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for new_ward, olds in DICT_PROVINCE_WARD_NO_DIVIDED.get(new_key, {}).items():
        for old in olds:
            out[old] = (new_ward, ())
    for old, targets in DICT_PROVINCE_WARD_DIVIDED.get(new_key, {}).items():
        defaults = [t["newWardKey"] for t in targets if t.get("isDefaultNewWard")]
        default = defaults[0] if defaults else targets[0]["newWardKey"]
        others = tuple(t["newWardKey"] for t in targets if t["newWardKey"] != default)
        out[old] = (default, others)
    return out


@cache
def load_province(name: str) -> tuple[OldProvince, NewProvince]:
    """The old province (districts, communes) and the new province its communes went into."""
    short = find_province(name)
    # `query` takes no parameters; both values come from the package's own lists.
    rows = query(
        f"SELECT * FROM admin_units_legacy WHERE provinceShort = {_literal(short)} "
        "ORDER BY districtCode, wardCode"
    )
    first = rows[0]
    old_key = first["provinceKey"]
    new_key = next(n for n, olds in DICT_PROVINCE.items() if old_key in olds)
    conversion = _conversion(new_key)

    districts: list[District] = []
    by_district: dict[str, list[dict]] = {}
    for row in rows:
        by_district.setdefault(row["districtKey"], []).append(row)
    for district_key, drows in by_district.items():
        d = drows[0]
        if d["districtShort"] in UNINHABITED_DISTRICTS:
            continue
        communes = []
        for row in drows:
            key = f"{old_key}_{district_key}_{row['wardKey'] or ''}"
            default, others = conversion[key]
            if row["wardKey"]:
                communes.append(
                    Commune(
                        key,
                        row["wardShort"],
                        row["wardType"],
                        row["wardCode"],
                        row["wardLat"],
                        row["wardLon"],
                        default,
                        others,
                    )
                )
            else:
                # An island district with no communes: its committee is the grassroots one.
                communes.append(
                    Commune(
                        key,
                        d["districtShort"],
                        "Xã",
                        f"H{d['districtCode']}",
                        d["districtLat"],
                        d["districtLon"],
                        default,
                        others,
                    )
                )
        districts.append(
            District(
                district_key,
                d["districtShort"],
                d["districtType"],
                d["districtCode"],
                d["districtLat"],
                d["districtLon"],
                tuple(communes),
            )
        )
    codes = province_codes()
    old = OldProvince(
        key=old_key,
        short=short,
        type=_split_type(first["province"], short),
        code=first["provinceCode"],
        unit_code=codes[short],
        lat=first["provinceLat"],
        lon=first["provinceLon"],
        districts=tuple(districts),
    )

    wanted = {c.new_default for d in districts for c in d.communes}
    wanted |= {k for d in districts for c in d.communes for k in c.new_others}
    new_rows = query(
        f"SELECT * FROM admin_units WHERE provinceKey = {_literal(new_key)} ORDER BY wardCode"
    )
    nfirst = new_rows[0]
    new = NewProvince(
        key=new_key,
        short=nfirst["provinceShort"],
        type=_split_type(nfirst["province"], nfirst["provinceShort"]),
        code=nfirst["provinceCode"],
        unit_code=codes[nfirst["provinceShort"]],
        lat=nfirst["provinceLat"],
        lon=nfirst["provinceLon"],
        communes=tuple(
            NewCommune(
                r["wardKey"],
                r["wardShort"],
                r["wardType"],
                r["wardCode"],
                r["wardLat"],
                r["wardLon"],
            )
            for r in new_rows
            if r["wardKey"] in wanted
        ),
        old_keys=tuple(DICT_PROVINCE[new_key]),
    )
    return old, new


@cache
def province_shorts() -> dict[str, str]:
    """provinceKey -> provinceShort of the 63 old provinces."""
    rows = query("SELECT DISTINCT provinceKey, provinceShort FROM admin_units_legacy")
    return {r["provinceKey"]: r["provinceShort"] for r in rows}


@cache
def official_province_codes() -> list[str]:
    """The official two-digit codes of the 63 old provinces ("30" for Hải Dương)."""
    rows = query("SELECT DISTINCT provinceCode FROM admin_units_legacy ORDER BY provinceCode")
    return [r["provinceCode"] for r in rows]
