"""The pipeline's counters (counted with every other one by 0009_movement_official)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("counters", "0007_members_in_index"),
        ("org", "0002_unit_kinds"),
    ]

    operations = [
        migrations.CreateModel(
            name="PipelineCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("source_entries", models.IntegerField(default=0)),
                ("class_graduates", models.IntegerField(default=0)),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="org.unit"
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["unit", "day"], name="counters_pipeline_unit_day")
                ],
            },
        ),
    ]
