"""`ranks due --unit CODE [--decisions] [--on DATE] [--format text|json]`: what is due in a unit's
subtree; with `--decisions`, the files awaiting the unit's decision as the competent committee
(R18) with their R8 deadlines, nearest first.

Admission decisions, ceremonies and recognitions due, certificates and dossier documents running
out, candidates turning 18 soon and probations ending, overdue first, for the candidates in the
actor's scope; and the yearly comments on the party members working away there (R15).
"""

from __future__ import annotations

import json

from django.utils.translation import gettext as _

from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.core.clock import today
from ranks.core.commands import RanksCommand, translated_help
from ranks.core.dates import parse_day
from ranks.core.errors import DomainError
from ranks.pipeline.due import due_list
from ranks.pipeline.findings_text import format_day
from ranks.pipeline.selectors.decisions import decisions_awaiting


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return (
            _(
                "What is due on a date for the candidates of a unit and every unit below it: "
                "deadlines of the admission steps, overdue first. "
                "With --as, only units and candidates in that user's scope."
            )
            + " "
            + _("Also the yearly comments on the party members working away there (R15).")
        )

    def add_arguments(self, parser):
        parser.add_argument("--unit", metavar="CODE", required=True, help=_("The unit's code."))
        parser.add_argument(
            "--decisions",
            action="store_true",
            help=_(
                "Only the files awaiting this unit's admission decision, as the competent "
                "committee, with their deadlines (R8)."
            ),
        )
        parser.add_argument(
            "--on",
            metavar="DATE",
            help=_("The date to judge on, YYYY-MM-DD or DD/MM/YYYY (default: today)."),
        )
        parser.add_argument(
            "--format",
            choices=["text", "json"],
            default="text",
            help=_("text: one line per item; json: a list of items (default: text)."),
        )

    def run(self, actor: Actor, *args, **options):
        on = parse_day(options["on"]) if options.get("on") else today()
        code = options["unit"].strip()
        scope = scope_for(actor)
        unit = scope.unit(code)
        if unit is None:
            # Not allowed looks the same as not found.
            raise DomainError(_("Unknown unit code: %(code)s.") % {"code": code}, field="unit")
        if options["decisions"]:
            files = decisions_awaiting(scope=scope, unit=unit, on=on)
            if options["format"] == "json":
                self.out(json.dumps([f.as_dict() for f in files], ensure_ascii=False, indent=2))
                return
            for file in files:
                item, change = file.item, file.change
                line = [
                    _("overdue") if item.overdue else _("due"),
                    format_day(item.date) if item.date else "-",
                    item.rule,
                    item.person_id,
                    item.full_name,
                    item.cell_code,
                    item.message,
                ]
                if change is not None:
                    line.append(
                        _("committee since %(since)s (was %(was)s)")
                        % {
                            "since": format_day(change.since),
                            "was": change.was.code if change.was else "-",
                        }
                    )
                self.out("  ".join(line))
            return
        items = due_list(scope=scope, unit=unit, on=on)
        if options["format"] == "json":
            self.out(json.dumps([i.as_dict() for i in items], ensure_ascii=False, indent=2))
            return
        for item in items:
            self.out(
                "  ".join(
                    [
                        _("overdue") if item.overdue else _("due"),
                        format_day(item.date) if item.date else "-",
                        item.rule,
                        item.person_id,
                        item.full_name,
                        item.cell_code,
                        item.message,
                    ]
                )
            )
