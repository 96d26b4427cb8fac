"""On PostgreSQL, an index of `search_name` in code point order ("C"), so that the names that
begin with a search are one range of it, read in order (`people.selectors.person_search`): a
typical full name over the whole country in a few milliseconds instead of a scan of the trigram
index for every match of its words. SQLite's own order is code point order, and the index of
`search_name` serves it there; nothing here changes the model state."""

from django.db import migrations

INDEX = "people_person_search_c"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS {INDEX} ON people_person ((search_name COLLATE "C"), person_id)'
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("people", "0007_change_indexes")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
