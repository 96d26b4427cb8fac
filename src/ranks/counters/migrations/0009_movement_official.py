"""The counters of members moving and of the official members present. They are counted from
the records by 0011, which rebuilds every counter once the last table of them exists."""

import django.db.models.deletion
from django.db import migrations, models


def forwards(apps, schema_editor):
    """Nothing: 0011 counts every counter (the rebuild reads tables made after this one)."""


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0007_change_indexes"),
        ("pipeline", "0002_event_details"),
        ("counters", "0008_pipeline_count"),
        ("org", "0002_unit_kinds"),
    ]

    operations = [
        migrations.CreateModel(
            name="MovementCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("transfers_in", models.IntegerField(default=0)),
                ("transfers_out", models.IntegerField(default=0)),
                ("leavings", models.IntegerField(default=0)),
            ],
        ),
        migrations.RemoveIndex(
            model_name="admissioncount",
            name="counters_admission_unit_month",
        ),
        migrations.AddField(
            model_name="admissioncount",
            name="official",
            field=models.IntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name="admissioncount",
            index=models.Index(
                fields=["unit", "month"],
                include=("members", "official"),
                name="counters_admission_unit_month",
            ),
        ),
        migrations.AddField(
            model_name="movementcount",
            name="unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="org.unit"
            ),
        ),
        migrations.AddIndex(
            model_name="movementcount",
            index=models.Index(fields=["unit", "day"], name="counters_movement_unit_day"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
