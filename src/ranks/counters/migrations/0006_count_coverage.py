"""Count the coverage the records already hold: done by 0009_movement_official, once every table
of counters exists (the counters' own `rebuild` writes them all)."""

from django.db import migrations


def forwards(apps, schema_editor):
    pass  # counted once every table of counters exists (0009_movement_official)


class Migration(migrations.Migration):
    dependencies = [
        ("counters", "0005_coverage"),
        ("people", "0006_unaccent"),
        ("org", "0002_unit_kinds"),
        ("pipeline", "0002_event_details"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
