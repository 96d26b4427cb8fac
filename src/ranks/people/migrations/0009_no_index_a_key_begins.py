# An index on a key that another index of the table begins with is kept up to date by every
# write and read by nothing: dropped. (Counters: no foreign-key check either; see the model.)

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0002_unit_kinds"),
        ("people", "0008_person_search_code_point_order"),
    ]

    operations = [
        migrations.AlterField(
            model_name="personplace",
            name="person",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="place_periods",
                to="people.person",
            ),
        ),
        migrations.AlterField(
            model_name="personplace",
            name="place",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="person_periods",
                to="org.place",
            ),
        ),
        migrations.AlterField(
            model_name="posting",
            name="cell",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="postings",
                to="org.unit",
            ),
        ),
        migrations.AlterField(
            model_name="posting",
            name="person",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="postings",
                to="people.person",
            ),
        ),
    ]
