"""`ranks restore FILE`: a backup into an empty database, checked against the head kept with it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from ranks.core.actor import Actor
from ranks.core.backup import backup_restore, taken_at_text
from ranks.core.commands import RanksCommand, translated_help
from ranks.core.management.commands.audit import _reason as reason_text

FAILED = 1  # the restore ran but its audit log does not match the kept head (2 is for bad input)


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return _(
            "Restore a backup made by `ranks backup` into the empty database of DATABASE_URL, "
            "then check that the restored audit log is intact and ends at the head kept in "
            "FILE.head.json (exit status 1 if not). Refuses a database that is not empty. "
            "Needs full access."
        )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help=_("The backup to restore."))

    def run(self, actor: Actor, *args, **options):
        path = Path(options["file"])
        restored = backup_restore(actor=actor, path=path)
        kept = restored.kept["audit_head"]
        self.out(
            _("Restored %(path)s, taken %(at)s by Ranks %(version)s.")
            % {
                "path": path,
                "at": taken_at_text(restored.kept),
                "version": restored.kept.get("ranks_version", "?"),
            }
        )
        self.out(
            _("Head kept with the backup: entry %(seq)d, hash %(hash)s.")
            % {"seq": kept["seq"], "hash": kept["hash"]}
        )
        if restored.unreadable is not None:
            raise CommandError(
                _(
                    "The backup is restored, but its national IDs cannot be read with the data "
                    "key here: %(problem)s The key is not in the backup: set RANKS_DATA_KEY (or "
                    "var/data_key) to the key kept with it."
                )
                % {"problem": restored.unreadable},
                returncode=FAILED,
            )
        if restored.broken is not None:
            raise CommandError(
                _("The restored audit log is broken at entry %(seq)d (%(reason)s).")
                % {"seq": restored.broken.seq, "reason": reason_text(restored.broken.reason)},
                returncode=FAILED,
            )
        if not restored.same_head:
            raise CommandError(
                _(
                    "The restored audit log ends at entry %(seq)d, hash %(hash)s: NOT the head "
                    "kept with the backup. The chain was rebuilt or the wrong file was restored."
                )
                % {"seq": restored.head.seq, "hash": restored.head.hash},
                returncode=FAILED,
            )
        self.out(
            _(
                "The restored audit log is intact and ends at the same head: entry %(seq)d, "
                "hash %(hash)s."
            )
            % {"seq": restored.head.seq, "hash": restored.head.hash}
        )
        if restored.missing_migrations:
            self.out(
                _(
                    "The backup predates migrations of this version: run `ranks migrate` "
                    "(%(names)s)."
                )
                % {"names": ", ".join(restored.missing_migrations)}
            )
