"""The real administrative units before and after the 2025 reform: read in `ranks.org.adminunits`
(restructure plans need them too); the demo's modules import them from here."""

from ranks.org.adminunits import (
    CODE_OVERRIDES,
    UNINHABITED_DISTRICTS,
    Commune,
    District,
    NewCommune,
    NewProvince,
    OldProvince,
    Province,
    UnknownProvince,
    _literal,
    find_province,
    load_province,
    official_province_codes,
    old_province_names,
    province_codes,
    province_shorts,
)

__all__ = [
    "CODE_OVERRIDES",
    "UNINHABITED_DISTRICTS",
    "Commune",
    "District",
    "NewCommune",
    "NewProvince",
    "OldProvince",
    "Province",
    "UnknownProvince",
    "_literal",
    "find_province",
    "load_province",
    "official_province_codes",
    "old_province_names",
    "province_codes",
    "province_shorts",
]
