"""The unit kinds of DESIGN.md §8, as the rows a new database starts with."""

KINDS = [
    # key, Vietnamese, English, order, holds members
    ("central", "Trung ương", "Central", 10, False),
    ("provincial_committee", "Đảng bộ tỉnh, thành phố", "Provincial committee", 20, False),
    (
        "district_committee",
        "Đảng bộ huyện, thị xã, thành phố thuộc tỉnh",
        "District-level committee",
        30,
        False,
    ),
    ("bloc_committee", "Đảng bộ khối", "Bloc committee", 31, False),
    ("police_committee", "Đảng bộ công an", "Police committee", 32, False),
    ("military_committee", "Đảng bộ quân sự", "Military committee", 33, False),
    ("commune_committee", "Đảng bộ xã, phường, đặc khu", "Commune-level committee", 40, False),
    ("grassroots_committee", "Đảng bộ cơ sở", "Grassroots committee", 50, False),
    ("grassroots_cell", "Chi bộ cơ sở", "Grassroots cell", 51, True),
    ("cell", "Chi bộ trực thuộc", "Cell", 60, True),
]


def ensure_unit_kinds(UnitKind) -> None:
    """Add the standard kinds that are missing (a migration passes its historical model)."""
    for key, vi, en, order, holds in KINDS:
        UnitKind.objects.get_or_create(
            key=key, defaults={"name_vi": vi, "name_en": en, "order": order, "holds_members": holds}
        )
