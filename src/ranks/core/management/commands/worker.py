"""`ranks worker`: runs the queued jobs (imports checked and confirmed on the web), beside the web
server, as many as you like against one database (docs/deploy.md, "Jobs").

It is django-tasks-db's `db_worker` (same options: --queue-name, --interval, --batch,
--max-tasks, --worker-id), with two differences: no reload on code changes unless --reload is
given, and a sweep at start and then every RANKS_JOB_LOST_AFTER / 2 seconds that finds the steps
whose worker died and queues them again (settings.RANKS_JOB_SWEEPS).
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Command as DbWorker

logger = logging.getLogger("ranks.worker")


def sweep_once() -> None:
    for path in getattr(settings, "RANKS_JOB_SWEEPS", []):
        try:
            import_string(path)()
        except DatabaseError as error:  # SQLite busy with an import: the next sweep will do
            logger.info("sweep %s put off: %s", path, error)
        except Exception:
            logger.exception("sweep %s failed", path)


def sweep_forever(stop: threading.Event, every: float) -> None:
    try:
        while not stop.wait(every):
            close_old_connections()
            sweep_once()
    finally:
        connection.close()


class Command(DbWorker):
    help = (
        "Run the queued jobs (imports from the web page and the API). Start as many as you like "
        "against one database; each job runs once."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(reload=False)

    def handle(self, *args, **options) -> None:
        sweep_once()
        stop = threading.Event()
        every = max(getattr(settings, "RANKS_JOB_LOST_AFTER", 60) / 2, 0.5)
        sweeper = threading.Thread(
            target=sweep_forever, args=(stop, every), name="job-sweep", daemon=True
        )
        sweeper.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
