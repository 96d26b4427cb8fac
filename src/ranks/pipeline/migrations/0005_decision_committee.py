"""Admission decisions name their committee (R18): a unit instead of the free-text authority,
which stays as a legacy note. Existing decisions get the committee competent on their day
(`ranks.org.tree.competent`, read from the dated tree as it is at this migration)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q

from ranks.org import tree


def _version_on(UnitVersion, unit_id, day, cache):
    key = (unit_id, day)
    if key not in cache:
        cache[key] = (
            UnitVersion.objects.filter(unit_id=unit_id)
            .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
            .first()
        )
    return cache[key]


def competent_on_decision_day(apps, schema_editor):
    StageEvent = apps.get_model("pipeline", "StageEvent")
    UnitVersion = apps.get_model("org", "UnitVersion")
    cache: dict = {}
    found: dict = {}
    decisions = StageEvent.objects.filter(stage="admission_decision", committee__isnull=True)
    for event in decisions.select_related("candidate").iterator():
        key = (event.candidate.cell_id, event.date)
        if key not in found:
            above = []
            version = _version_on(UnitVersion, key[0], key[1], cache)
            while version is not None and version.parent_id and len(above) < 64:
                version = _version_on(UnitVersion, version.parent_id, key[1], cache)
                if version is not None:
                    above.append((version.unit_id, version.can_admit))
            found[key] = tree.competent(above)
        if found[key] is not None:
            StageEvent.objects.filter(pk=event.pk).update(committee_id=found[key])


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0003_no_index_a_key_begins"),
        ("pipeline", "0004_no_index_a_key_begins"),
    ]

    operations = [
        migrations.AddField(
            model_name="stageevent",
            name="committee",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="decisions",
                to="org.unit",
            ),
        ),
        migrations.AddField(
            model_name="stageevent",
            name="committee_exception",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(competent_on_decision_day, migrations.RunPython.noop),
    ]
