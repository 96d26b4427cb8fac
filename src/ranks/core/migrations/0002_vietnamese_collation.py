"""The Vietnamese collation on PostgreSQL (ICU, locale `vi`), named as `core.collation` says.

SQLite has no collation in the database: `core.apps` registers it on every connection."""

from django.db import migrations


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE COLLATION IF NOT EXISTS ranks_vi (provider = icu, locale = 'vi', deterministic = true)"
    )


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP COLLATION IF EXISTS ranks_vi")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
