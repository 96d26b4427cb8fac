"""`ranks serve`: the production server, gunicorn, with its workers and threads from the settings
(RANKS_BIND, RANKS_WEB_WORKERS, RANKS_WEB_THREADS, RANKS_WEB_TIMEOUT; docs/deploy.md)."""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from ranks.core.commands import translated_help


def gunicorn_argv(*, bind: str, workers: int, threads: int, timeout: int) -> list[str]:
    """The command line that runs gunicorn on Ranks' WSGI application. `bind` may name several
    addresses, separated by commas (`127.0.0.1:8000,unix:/run/ranks/web.sock`)."""
    argv = [sys.executable, "-m", "gunicorn", "ranks.wsgi:application"]
    for address in (a.strip() for a in bind.split(",")):
        if address:
            argv += ["--bind", address]
    return [
        *argv,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        str(timeout),
        # One line a request on stdout and errors on stderr, for the journal (systemd) to keep.
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
        # gunicorn's control socket sits at one path per OS user: a second server on the machine
        # (a test, a demo) would take it over. Processes are managed by signals (docs/deploy.md).
        "--no-control-socket",
    ]


class Command(BaseCommand):
    requires_system_checks: list[str] = []

    @translated_help
    def help(self) -> str:
        return _(
            "Run the production web server (gunicorn) with the workers and threads of the "
            "settings; static files are served by the application itself. Run `ranks migrate` "
            "first."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind", default=None, help=_("Address to listen on (default: RANKS_BIND).")
        )
        parser.add_argument(
            "--workers", type=int, default=None, help=_("Processes (default: RANKS_WEB_WORKERS).")
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=None,
            help=_("Threads in each process (default: RANKS_WEB_THREADS)."),
        )

    def handle(self, *args, **options):
        argv = gunicorn_argv(
            bind=options["bind"] or settings.RANKS_BIND,
            workers=options["workers"] or settings.RANKS_WEB_WORKERS,
            threads=options["threads"] or settings.RANKS_WEB_THREADS,
            timeout=settings.RANKS_WEB_TIMEOUT,
        )
        sys.stdout.flush()
        sys.stderr.flush()
        # gunicorn takes this process's place: signals (TERM to stop, HUP to reload) reach its
        # master directly, as a process manager expects.
        os.execv(argv[0], argv)
