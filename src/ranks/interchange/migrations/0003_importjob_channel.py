# Where an import came from (web, api): its audit channel, kept with the job because the import
# runs in a background thread after the request that asked for it.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("interchange", "0002_no_index_a_key_begins"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="channel",
            field=models.CharField(default="web", max_length=10),
        ),
    ]
