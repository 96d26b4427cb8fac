"""Count the admissions already recorded into every table of counters, so a database made before
them reads the same figures as before (the counters' own `rebuild`, in the database)."""

from django.db import migrations


def forwards(apps, schema_editor):
    pass  # counted once every table of counters exists (0006_count_coverage)


class Migration(migrations.Migration):
    dependencies = [
        ("counters", "0003_composition"),
        ("people", "0006_unaccent"),
        ("org", "0002_unit_kinds"),
        ("pipeline", "0002_event_details"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
