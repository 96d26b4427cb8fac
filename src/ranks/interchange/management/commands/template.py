"""`ranks template KIND [--output FILE]`: an Excel template to fill in for one kind of import."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from ranks.core.actor import Actor
from ranks.core.commands import RanksCommand, translated_help
from ranks.interchange.schema import KIND_ORDER
from ranks.interchange.xlsx_templates import write_template


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return _(
            "Write an Excel template for one kind of import: the headers, a help sheet explaining "
            "each column, and drop-down lists of the allowed values."
        )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KIND_ORDER)
        parser.add_argument(
            "--output", metavar="FILE", help=_("Where to write it (default: KIND-template.xlsx).")
        )

    def run(self, actor: Actor, *args, **options):
        path = Path(options.get("output") or f"{options['kind']}-template.xlsx")
        with path.open("wb") as stream:
            write_template(options["kind"], stream)
        self.out(_("Template written to %(path)s.") % {"path": path})
