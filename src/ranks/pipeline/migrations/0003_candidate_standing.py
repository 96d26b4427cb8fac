"""Where each candidacy stands after its events, kept on the candidacy for today's source list."""

import datetime as dt
from collections import defaultdict

from django.db import migrations, models


def forwards(apps, schema_editor):
    """Where each candidacy already recorded stands after its events."""
    from ranks.pipeline.rules import state_on

    Candidate = apps.get_model("pipeline", "Candidate")
    StageEvent = apps.get_model("pipeline", "StageEvent")
    ids = list(Candidate.objects.order_by("pk").values_list("pk", flat=True))
    for i in range(0, len(ids), 5_000):
        chunk = ids[i : i + 5_000]
        events = defaultdict(list)
        for candidate_id, stage, day in StageEvent.objects.filter(
            candidate_id__in=chunk
        ).values_list("candidate_id", "stage", "date"):
            events[candidate_id].append((stage, day))
        moved = []
        for pk in chunk:
            if pk in events:
                state = state_on(events[pk], dt.date.max)
                moved.append(Candidate(pk=pk, stage_now=state.stage, side_now=state.side or ""))
        Candidate.objects.bulk_update(moved, ["stage_now", "side_now"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0002_unit_kinds"),
        ("people", "0007_change_indexes"),
        ("pipeline", "0002_event_details"),
    ]

    operations = [
        migrations.AddField(
            model_name="candidate",
            name="side_now",
            field=models.CharField(blank=True, db_default="", default="", max_length=30),
        ),
        migrations.AddField(
            model_name="candidate",
            name="stage_now",
            field=models.CharField(db_default="identified", default="identified", max_length=30),
        ),
        migrations.AddIndex(
            model_name="candidate",
            index=models.Index(fields=["cell", "stage_now"], name="candidate_cell_stage_now"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
