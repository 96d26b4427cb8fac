# An index on a key that another index of the table begins with is kept up to date by every
# write and read by nothing: dropped.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0003_no_index_a_key_begins"),
        ("targets", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="target",
            name="unit",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="targets",
                to="org.unit",
            ),
        ),
    ]
