"""The unit kinds of DESIGN.md §8, as data: more can be added without code."""

from django.db import migrations

from ranks.org.kinds import KINDS, ensure_unit_kinds


def add_kinds(apps, schema_editor):
    ensure_unit_kinds(apps.get_model("org", "UnitKind"))


def remove_kinds(apps, schema_editor):
    apps.get_model("org", "UnitKind").objects.filter(key__in=[k[0] for k in KINDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(add_kinds, remove_kinds)]
