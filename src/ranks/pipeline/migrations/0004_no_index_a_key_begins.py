# An index on a key that another index of the table begins with is kept up to date by every
# write and read by nothing: dropped. (Counters: no foreign-key check either; see the model.)

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0002_unit_kinds"),
        ("people", "0009_no_index_a_key_begins"),
        ("pipeline", "0003_candidate_standing"),
    ]

    operations = [
        migrations.AlterField(
            model_name="candidate",
            name="cell",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="candidates",
                to="org.unit",
            ),
        ),
        migrations.AlterField(
            model_name="candidate",
            name="person",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="candidacies",
                to="people.person",
            ),
        ),
        migrations.AlterField(
            model_name="stageevent",
            name="candidate",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="pipeline.candidate",
            ),
        ),
    ]
