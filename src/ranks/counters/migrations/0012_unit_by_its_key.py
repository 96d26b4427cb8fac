# An index on a key that another index of the table begins with is kept up to date by every
# write and read by nothing: dropped. (Counters: no foreign-key check either; see the model.)

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("counters", "0011_cell_starts"),
        ("org", "0002_unit_kinds"),
    ]

    operations = [
        migrations.AlterField(
            model_name="admissioncount",
            name="unit",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="org.unit",
            ),
        ),
        migrations.AlterField(
            model_name="cellstartcount",
            name="unit",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="org.unit",
            ),
        ),
        migrations.AlterField(
            model_name="compositioncount",
            name="unit",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="org.unit",
            ),
        ),
        migrations.AlterField(
            model_name="coveragecount",
            name="unit",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="org.unit",
            ),
        ),
        migrations.AlterField(
            model_name="movementcount",
            name="unit",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="org.unit",
            ),
        ),
        migrations.AlterField(
            model_name="pipelinecount",
            name="unit",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="org.unit",
            ),
        ),
        migrations.AlterField(
            model_name="stagecount",
            name="unit",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="org.unit",
            ),
        ),
    ]
