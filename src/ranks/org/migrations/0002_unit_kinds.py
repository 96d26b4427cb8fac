"""The unit kinds of DESIGN.md §8, as data: more can be added without code."""

from django.db import migrations

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


def add_kinds(apps, schema_editor):
    UnitKind = apps.get_model("org", "UnitKind")
    for key, vi, en, order, holds in KINDS:
        UnitKind.objects.update_or_create(
            key=key, defaults={"name_vi": vi, "name_en": en, "order": order, "holds_members": holds}
        )


def remove_kinds(apps, schema_editor):
    apps.get_model("org", "UnitKind").objects.filter(key__in=[k[0] for k in KINDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(add_kinds, remove_kinds)]
