"""`ranks export KIND --unit CODE`: the records of a unit's subtree, in the columns of the import."""

from __future__ import annotations

import sys
from pathlib import Path

from django.utils.translation import gettext as _

from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.core.commands import RanksCommand, translated_help
from ranks.core.errors import DomainError
from ranks.interchange.access import export_shows_sensitive
from ranks.interchange.exporters import export_kind, write_csv, write_xlsx
from ranks.interchange.schema import KIND_ORDER


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return _(
            "Export the records of one kind under a unit, as CSV (UTF-8) or XLSX, in the columns "
            "the import reads, so an export re-imports to the same records."
        )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KIND_ORDER)
        parser.add_argument(
            "--unit",
            metavar="CODE",
            help=_("The unit whose subtree is exported (default: all you may see)."),
        )
        parser.add_argument(
            "--format",
            choices=["csv", "xlsx"],
            default=None,
            help=_("csv or xlsx (default: from the output file name, else csv)."),
        )
        parser.add_argument(
            "--output",
            metavar="FILE",
            help=_("Write here instead of standard output (needed for xlsx)."),
        )

    def run(self, actor: Actor, *args, **options):
        output = options.get("output")
        fmt = options.get("format") or (
            "xlsx" if output and output.lower().endswith(".xlsx") else "csv"
        )
        if fmt == "xlsx" and not output:
            raise DomainError(_("An Excel export needs --output FILE."), field="output")
        scope = scope_for(actor)
        root = None
        if options.get("unit"):
            root = scope.unit(options["unit"])
            if root is None:
                raise DomainError(
                    _("Unknown unit code: %(code)s.") % {"code": options["unit"]}, field="unit"
                )
        sensitive = export_shows_sensitive(actor=actor, scope=scope, root=root)
        export = export_kind(
            actor=actor, kind=options["kind"], scope=scope, root=root, sensitive=sensitive
        )
        if fmt == "xlsx":
            assert output  # refused above without one
            with Path(output).open("wb") as stream:
                count = write_xlsx(export, stream)
        elif output:
            with Path(output).open("w", encoding="utf-8-sig", newline="") as stream:
                count = write_csv(export, stream)
        else:
            count = write_csv(export, sys.stdout)
        if output:
            self.out(_("%(count)d rows written to %(path)s.") % {"count": count, "path": output})
