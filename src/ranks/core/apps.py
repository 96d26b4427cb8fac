"""App configuration of the shared kernel."""

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _sqlite_collation(sender, connection, **kwargs) -> None:
    """On SQLite, the Vietnamese collation (`core.collation`) on every connection."""
    if connection.vendor == "sqlite":
        from ranks.core.collation import register_sqlite

        register_sqlite(connection.connection)


class CoreConfig(AppConfig):
    name = "ranks.core"
    label = "core"

    def ready(self) -> None:
        connection_created.connect(_sqlite_collation, dispatch_uid="ranks.core.sqlite")
