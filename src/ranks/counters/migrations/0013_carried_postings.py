"""Every counter counted from the records they already hold (the counters' own `rebuild`), once
the postings say which of them a restructure carried: a carry is no transfer. Only the last
migration of the counters may rebuild: the rebuild reads every table of them."""

from django.db import migrations


def forwards(apps, schema_editor):
    from ranks.counters.services import rebuild

    rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("counters", "0012_unit_by_its_key"),
        ("people", "0010_posting_restructure"),
        ("org", "0002_unit_kinds"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
