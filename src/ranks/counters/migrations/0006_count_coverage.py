"""Count the coverage the records already hold (the counters' own `rebuild`, in the database)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from ranks.counters.services import rebuild

    rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("counters", "0005_coverage"),
        ("people", "0006_unaccent"),
        ("org", "0002_unit_kinds"),
        ("pipeline", "0002_event_details"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
