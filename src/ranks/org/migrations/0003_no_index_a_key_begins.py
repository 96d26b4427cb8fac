# An index on a key that another index of the table begins with is kept up to date by every
# write and read by nothing: dropped.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0002_unit_kinds"),
    ]

    operations = [
        migrations.AlterField(
            model_name="placeversion",
            name="place",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="versions",
                to="org.place",
            ),
        ),
        migrations.AlterField(
            model_name="placeversion",
            name="unit",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="place_versions",
                to="org.unit",
            ),
        ),
        migrations.AlterField(
            model_name="unitversion",
            name="parent",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="child_versions",
                to="org.unit",
            ),
        ),
        migrations.AlterField(
            model_name="unitversion",
            name="unit",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="versions",
                to="org.unit",
            ),
        ),
    ]
