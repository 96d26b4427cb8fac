"""Readiness of this server's database: it answers, and every migration of the code is applied."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor


def database_unready_reason() -> str | None:
    """None when the database answers and no migration is left to apply; otherwise a short
    reason, for a load balancer's log and the operator who reads it."""
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        return f"database unavailable: {type(error).__name__}"
    if plan:
        first = plan[0][0]
        return f"{len(plan)} migration(s) not applied, the first {first.app_label}.{first.name}"
    return None
