"""Count the admissions already recorded, so a database made before the counters reads the same
figures as before (the counters' own `rebuild`, in the database)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from ranks.counters.services import rebuild

    rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("counters", "0001_initial"),
        ("people", "0006_unaccent"),
        ("org", "0002_unit_kinds"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
