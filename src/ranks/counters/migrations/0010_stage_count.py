"""The counters of candidates by stage. They are counted from the records by 0011, which
rebuilds every counter once the last table of them exists."""

import django.db.models.deletion
from django.db import migrations, models


def forwards(apps, schema_editor):
    """Nothing: 0011 counts every counter (the rebuild reads tables made after this one)."""


class Migration(migrations.Migration):
    dependencies = [
        ("counters", "0009_movement_official"),
        ("pipeline", "0003_candidate_standing"),
        ("org", "0002_unit_kinds"),
    ]

    operations = [
        migrations.CreateModel(
            name="StageCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(help_text="The first day of the new state.")),
                ("stage_identified_active", models.IntegerField(default=0)),
                ("stage_identified_working_away", models.IntegerField(default=0)),
                ("stage_identified_paused", models.IntegerField(default=0)),
                ("stage_identified_handed_over", models.IntegerField(default=0)),
                ("stage_identified_withdrawn", models.IntegerField(default=0)),
                ("stage_identified_ineligible", models.IntegerField(default=0)),
                ("stage_source_list_active", models.IntegerField(default=0)),
                ("stage_source_list_working_away", models.IntegerField(default=0)),
                ("stage_source_list_paused", models.IntegerField(default=0)),
                ("stage_source_list_handed_over", models.IntegerField(default=0)),
                ("stage_source_list_withdrawn", models.IntegerField(default=0)),
                ("stage_source_list_ineligible", models.IntegerField(default=0)),
                ("stage_class_passed_active", models.IntegerField(default=0)),
                ("stage_class_passed_working_away", models.IntegerField(default=0)),
                ("stage_class_passed_paused", models.IntegerField(default=0)),
                ("stage_class_passed_handed_over", models.IntegerField(default=0)),
                ("stage_class_passed_withdrawn", models.IntegerField(default=0)),
                ("stage_class_passed_ineligible", models.IntegerField(default=0)),
                ("stage_introducers_assigned_active", models.IntegerField(default=0)),
                ("stage_introducers_assigned_working_away", models.IntegerField(default=0)),
                ("stage_introducers_assigned_paused", models.IntegerField(default=0)),
                ("stage_introducers_assigned_handed_over", models.IntegerField(default=0)),
                ("stage_introducers_assigned_withdrawn", models.IntegerField(default=0)),
                ("stage_introducers_assigned_ineligible", models.IntegerField(default=0)),
                ("stage_dossier_prepared_active", models.IntegerField(default=0)),
                ("stage_dossier_prepared_working_away", models.IntegerField(default=0)),
                ("stage_dossier_prepared_paused", models.IntegerField(default=0)),
                ("stage_dossier_prepared_handed_over", models.IntegerField(default=0)),
                ("stage_dossier_prepared_withdrawn", models.IntegerField(default=0)),
                ("stage_dossier_prepared_ineligible", models.IntegerField(default=0)),
                ("stage_background_verified_active", models.IntegerField(default=0)),
                ("stage_background_verified_working_away", models.IntegerField(default=0)),
                ("stage_background_verified_paused", models.IntegerField(default=0)),
                ("stage_background_verified_handed_over", models.IntegerField(default=0)),
                ("stage_background_verified_withdrawn", models.IntegerField(default=0)),
                ("stage_background_verified_ineligible", models.IntegerField(default=0)),
                ("stage_comments_collected_active", models.IntegerField(default=0)),
                ("stage_comments_collected_working_away", models.IntegerField(default=0)),
                ("stage_comments_collected_paused", models.IntegerField(default=0)),
                ("stage_comments_collected_handed_over", models.IntegerField(default=0)),
                ("stage_comments_collected_withdrawn", models.IntegerField(default=0)),
                ("stage_comments_collected_ineligible", models.IntegerField(default=0)),
                ("stage_cell_resolution_active", models.IntegerField(default=0)),
                ("stage_cell_resolution_working_away", models.IntegerField(default=0)),
                ("stage_cell_resolution_paused", models.IntegerField(default=0)),
                ("stage_cell_resolution_handed_over", models.IntegerField(default=0)),
                ("stage_cell_resolution_withdrawn", models.IntegerField(default=0)),
                ("stage_cell_resolution_ineligible", models.IntegerField(default=0)),
                ("stage_committee_resolution_active", models.IntegerField(default=0)),
                ("stage_committee_resolution_working_away", models.IntegerField(default=0)),
                ("stage_committee_resolution_paused", models.IntegerField(default=0)),
                ("stage_committee_resolution_handed_over", models.IntegerField(default=0)),
                ("stage_committee_resolution_withdrawn", models.IntegerField(default=0)),
                ("stage_committee_resolution_ineligible", models.IntegerField(default=0)),
                ("stage_admission_decision_active", models.IntegerField(default=0)),
                ("stage_admission_decision_working_away", models.IntegerField(default=0)),
                ("stage_admission_decision_paused", models.IntegerField(default=0)),
                ("stage_admission_decision_handed_over", models.IntegerField(default=0)),
                ("stage_admission_decision_withdrawn", models.IntegerField(default=0)),
                ("stage_admission_decision_ineligible", models.IntegerField(default=0)),
                ("stage_ceremony", models.IntegerField(default=0)),
                ("stage_official", models.IntegerField(default=0)),
                ("stage_removed", models.IntegerField(default=0)),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="org.unit"
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["unit", "day"], name="counters_stage_unit_day")],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
