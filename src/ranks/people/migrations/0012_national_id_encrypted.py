"""The national ID encrypted at rest (core.crypto, docs/privacy.md): the column becomes text and
every value already there is encrypted under the data key; backwards, decrypted again.

On PostgreSQL the old row versions stay in the table's files until it is vacuumed: run
`VACUUM FULL people_person` after this migration (docs/privacy.md). Read and written with SQL, not through the model, whose field would take a plain value for a
damaged one. A value already encrypted is left as it is, so running it again changes nothing."""

from django.db import migrations

from ranks.core import crypto

BATCH = 2000


def _rewrite(schema_editor, change) -> None:
    connection = schema_editor.connection
    table = connection.ops.quote_name("people_person")
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, national_id FROM {table} WHERE id > %s AND national_id <> '' "
                "ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            last = rows[-1][0]
            changed = [(new, pk) for pk, old in rows if (new := change(old)) != old]
            if changed:
                cursor.executemany(f"UPDATE {table} SET national_id = %s WHERE id = %s", changed)


def wipe_freed_space(apps, schema_editor) -> None:
    """On SQLite, the space freed by the rows rewritten here (and by the table rebuilt for the new
    column) is overwritten with zeros, not left in the file with the plain IDs in it."""
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")


def encrypt(apps, schema_editor) -> None:
    _rewrite(schema_editor, lambda v: v if crypto.is_sealed(v) else crypto.seal(v))


def decrypt(apps, schema_editor) -> None:
    _rewrite(schema_editor, lambda v: crypto.unseal(v) if crypto.is_sealed(v) else v)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0011_absence"),
    ]

    operations = [
        migrations.RunPython(wipe_freed_space, wipe_freed_space, elidable=False),
        migrations.AlterField(
            model_name="person",
            name="national_id",
            field=crypto.EncryptedCharField(blank=True, max_length=20),
        ),
        migrations.RunPython(encrypt, decrypt, elidable=False),
        migrations.RunPython(migrations.RunPython.noop, wipe_freed_space, elidable=False),
    ]
