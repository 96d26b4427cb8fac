"""`ranks import KIND FILE [--dry-run]`: import a CSV or XLSX file of one kind, all or nothing."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from ranks.core.actor import Actor
from ranks.core.commands import RanksCommand, translated_help
from ranks.interchange.engine import NO_LIMIT, ImportResult, run_import
from ranks.interchange.schema import KIND_ORDER

REJECTED = 1  # exit status when the file has bad rows (2 is for bad arguments)


class Progress:
    """A progress bar on stderr: redrawn in place on a terminal, a line per tenth otherwise."""

    def __init__(self, stream, width: int = 30):
        self.stream = stream
        self.width = width
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.last_draw = 0.0
        self.last_tenth = -1

    def __call__(self, rows: int, done: int, total: int) -> None:
        share = min(done / total, 1.0) if total else 0.0
        now = time.monotonic()
        if self.tty:
            if now - self.last_draw < 0.1 and share < 1.0:
                return
            self.last_draw = now
            filled = int(share * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r[{bar}] {share:4.0%}  " + _("%(rows)d rows") % {"rows": rows})
        else:
            tenth = int(share * 10)
            if tenth == self.last_tenth:
                return
            self.last_tenth = tenth
            self.stream.write(f"{share:4.0%}  " + _("%(rows)d rows") % {"rows": rows} + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and self.last_draw:
            self.stream.write("\n")
            self.stream.flush()


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return _(
            "Import a CSV (UTF-8) or XLSX file of one kind: %(kinds)s. Any bad row rejects the whole "
            "file: every bad row is listed (row, column, value, reason) and nothing is written. "
            "--dry-run checks and counts without writing."
        ) % {"kinds": ", ".join(KIND_ORDER)}

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KIND_ORDER)
        parser.add_argument("file")
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Check the file and count, write nothing.")
        )
        parser.add_argument(
            "--report", metavar="FILE", help=_("Also write the list of bad rows to this CSV file.")
        )
        parser.add_argument(
            "--row-by-row",
            action="store_true",
            help=_("Write one row at a time through the services (slow; the reference path)."),
        )
        parser.add_argument(
            "--no-progress", action="store_true", help=_("Do not show the progress bar.")
        )

    def run(self, actor: Actor, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path}, returncode=2)
        progress = None if options["no_progress"] else Progress(sys.stderr)
        with path.open("rb") as stream:
            result = run_import(
                actor=actor,
                kind=options["kind"],
                stream=stream,
                filename=path.name,
                max_bytes=NO_LIMIT,  # a file on the server's disk, not an upload
                dry_run=options["dry_run"],
                on_progress=progress,
                row_by_row=options["row_by_row"],
            )
        if progress:
            progress.finish()
        if options.get("report"):
            write_report(result, Path(options["report"]))
        if not result.ok:
            for error in result.errors:
                self.err("\t".join([str(error.row), error.column, error.value, error.reason]))
            raise CommandError(
                _("The file was rejected: %(count)d problems; nothing was written.")
                % {"count": len(result.errors)},
                returncode=REJECTED,
            )
        counts = {
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
        if result.dry_run:
            self.out(
                _(
                    "Dry run, nothing written. %(rows)d rows: %(created)d would be created, %(updated)d updated, %(unchanged)d unchanged."
                )
                % counts
            )
        else:
            self.out(
                _(
                    "Imported. %(rows)d rows: %(created)d created, %(updated)d updated, %(unchanged)d unchanged."
                )
                % counts
            )
        self.out(
            _("%(rate)d rows a second.")
            % {"rate": result.rows / result.seconds if result.seconds else result.rows}
        )


def write_report(result: ImportResult, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([_("row"), _("column"), _("value"), _("reason")])
        for error in result.errors:
            writer.writerow([error.row, error.column, error.value, error.reason])
