# An index on a key that another index of the table begins with is kept up to date by every
# write and read by nothing: dropped.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0001_initial"),
        ("org", "0003_no_index_a_key_begins"),
        ("people", "0009_no_index_a_key_begins"),
    ]

    operations = [
        migrations.AlterField(
            model_name="secondment",
            name="cell",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="secondments",
                to="org.unit",
            ),
        ),
        migrations.AlterField(
            model_name="secondment",
            name="person",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="secondments",
                to="people.person",
            ),
        ),
    ]
