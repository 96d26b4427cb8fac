"""Every person's current residence and workplace become open periods with no known start."""

from django.db import migrations


def forwards(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    PersonPlace = apps.get_model("people", "PersonPlace")
    rows = []
    for person_id, residence, workplace in Person.objects.values_list(
        "id", "residence_place_id", "workplace_place_id"
    ).iterator(5000):
        if residence:
            rows.append(PersonPlace(person_id=person_id, role="residence", place_id=residence))
        if workplace:
            rows.append(PersonPlace(person_id=person_id, role="workplace", place_id=workplace))
        if len(rows) >= 5000:
            PersonPlace.objects.bulk_create(rows)
            rows = []
    PersonPlace.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("people", "0003_person_places")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
