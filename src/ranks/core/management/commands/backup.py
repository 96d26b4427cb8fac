"""`ranks backup FILE`: a consistent copy of the whole database, with its audit head beside it."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from ranks.core.actor import Actor
from ranks.core.backup import backup_take, head_path
from ranks.core.commands import RanksCommand, translated_help


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return _(
            "Back up the whole database to FILE (SQLite: a copy made by SQLite's backup API; "
            "PostgreSQL: pg_dump's custom format) and write FILE.head.json beside it with the "
            "audit log's head, the engine, the time and the migrations. Needs full access."
        )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help=_("Where to write the backup."))

    def run(self, actor: Actor, *args, **options):
        path = Path(options["file"])
        record = backup_take(actor=actor, path=path)
        head = record["audit_head"]
        self.out(
            _("Backup of the %(engine)s database written to %(path)s (%(size)d bytes).")
            % {"engine": record["engine"], "path": path, "size": record["size"]}
        )
        self.out(
            _("Audit head in the backup: entry %(seq)d, hash %(hash)s; kept in %(head_file)s.")
            % {"seq": head["seq"], "hash": head["hash"], "head_file": head_path(path)}
        )
