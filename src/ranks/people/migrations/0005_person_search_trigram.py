"""On PostgreSQL, a trigram index on `search_name`, so name search reads the index instead of the
whole table (docs/benchmarks.md, "Name search"). SQLite has no such index and scans; nothing here
changes the model state, so it is a no-op there and `makemigrations` sees no difference."""

from django.db import migrations

INDEX = "people_person_search_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON people_person USING gin (search_name gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other objects of the database may use it.
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("people", "0004_person_places_from_current")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
