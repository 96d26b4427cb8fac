"""The cells' starts (what their counters add up to before recent days, written by `fold`).
They are counted from the records by 0013, which rebuilds every counter once the postings say
which of them a restructure carried (the rebuild reads that column)."""

import django.db.models.deletion
from django.db import migrations, models


def forwards(apps, schema_editor):
    """Nothing: 0013 counts every counter (the rebuild reads a column made after this one)."""


class Migration(migrations.Migration):
    dependencies = [
        ("counters", "0010_stage_count"),
        ("org", "0002_unit_kinds"),
    ]

    operations = [
        migrations.CreateModel(
            name="FoldMark",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "starts",
                    models.CharField(help_text="ISO days, comma-separated.", max_length=200),
                ),
                ("admissions_upto", models.BigIntegerField()),
                ("stages_upto", models.BigIntegerField()),
                ("folded_at", models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.CreateModel(
            name="CellStartCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("start", models.DateField()),
                ("members", models.IntegerField(default=0)),
                ("official", models.IntegerField(default=0)),
                ("candidates", models.IntegerField(default=0)),
                (
                    "last_admission",
                    models.DateField(help_text="The first day of its month.", null=True),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="org.unit"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("unit", "start"), name="counters_cell_start_unit"
                    )
                ],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
