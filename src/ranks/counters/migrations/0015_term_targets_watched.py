"""The term targets (targets migration 0004) are watched by the admissions' figure generation,
as the yearly targets are (counters migration 0014): a kept dashboard shows a term target set or
changed at the next request, with no query of its own."""

from django.db import migrations

TABLE = "targets_termtarget"


def triggers(apps, schema_editor):
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        # The function of migration 0014: once a transaction, at its commit.
        run(
            f"CREATE CONSTRAINT TRIGGER {TABLE}_admissions_changed"
            f" AFTER INSERT OR UPDATE OR DELETE ON {TABLE} DEFERRABLE INITIALLY DEFERRED"
            " FOR EACH ROW EXECUTE PROCEDURE ranks_figures_admissions()"
        )
    else:
        bump = (
            "INSERT INTO counters_figuregeneration (id, admissions, pipeline) VALUES (1, 1, 0)"
            " ON CONFLICT (id) DO UPDATE SET admissions = counters_figuregeneration.admissions + 1"
        )
        for event in ("INSERT", "UPDATE", "DELETE"):
            run(
                f"CREATE TRIGGER {TABLE}_admissions_changed_{event.lower()} AFTER {event}"
                f" ON {TABLE} FOR EACH ROW BEGIN {bump}; END"
            )


def no_triggers(apps, schema_editor):
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        run(f"DROP TRIGGER IF EXISTS {TABLE}_admissions_changed ON {TABLE}")
    else:
        for event in ("insert", "update", "delete"):
            run(f"DROP TRIGGER IF EXISTS {TABLE}_admissions_changed_{event}")


class Migration(migrations.Migration):
    dependencies = [
        ("counters", "0014_figure_generation"),
        ("targets", "0004_term_target"),
    ]

    operations = [migrations.RunPython(triggers, no_triggers)]
