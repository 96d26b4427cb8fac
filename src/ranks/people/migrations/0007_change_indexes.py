"""Indexes on the days a membership or a posting ends or changes (the members present on any day)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0002_unit_kinds"),
        ("people", "0006_unaccent"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(
                condition=models.Q(("left_date__isnull", False)),
                fields=["left_date"],
                name="membership_left",
            ),
        ),
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(fields=["official_date"], name="membership_official"),
        ),
        migrations.AddIndex(
            model_name="posting",
            index=models.Index(fields=["valid_from"], name="posting_starts"),
        ),
        migrations.AddIndex(
            model_name="posting",
            index=models.Index(
                condition=models.Q(("valid_to__isnull", False)),
                fields=["valid_to"],
                name="posting_ends",
            ),
        ),
    ]
