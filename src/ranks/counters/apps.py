"""App configuration of counters."""

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _sqlite_functions(sender, connection, **kwargs) -> None:
    """On SQLite, the text folding the counters' SQL needs: SQLite's own `lower()` folds ASCII
    only, and a religion typed "KHÔNG" must count as no religion there as it does in Python."""
    if connection.vendor == "sqlite":
        from ranks.counters.sql import fold_value

        connection.connection.create_function("ranks_fold_value", 1, fold_value, deterministic=True)


class CountersConfig(AppConfig):
    name = "ranks.counters"
    label = "counters"

    def ready(self) -> None:
        connection_created.connect(_sqlite_functions, dispatch_uid="ranks.counters.sqlite")
