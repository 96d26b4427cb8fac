"""`ranks targets suggest --unit CODE --year YEAR [--metric M] [--weight W] [--format text|json]`:
a suggested split of a unit's target among the units directly below it (docs/progress.md)."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _

from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.core.commands import RanksCommand, translated_help
from ranks.core.errors import DomainError
from ranks.targets.metrics import Metric, Weight
from ranks.targets.suggest import allocation_suggested

ACTIONS = ("suggest",)


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return _(
            "A suggested split of a unit's target of a year among the units directly below it: "
            "whole numbers that sum to the unit's figure, in proportion to a weight read for each "
            "unit (members on 1 January, candidates in the pipeline, last year's admissions, the "
            "3–4 % norm, blank places), each with its reason. It writes nothing. "
            "With --as, only a unit in that user's scope."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "action",
            choices=ACTIONS,
            help=_("suggest: a suggested split of a unit's target among the units below it."),
        )
        parser.add_argument("--unit", metavar="CODE", required=True, help=_("The unit's code."))
        parser.add_argument("--year", type=int, required=True, help=_("The target's year."))
        parser.add_argument(
            "--metric",
            choices=Metric.values,
            default=Metric.ADMISSIONS,
            help=_("What the target counts (default: admissions)."),
        )
        parser.add_argument(
            "--weight",
            choices=Weight.values,
            help=_(
                "What the split goes by (default: the norm for admissions, the pipeline for "
                "awareness-class graduates, blank places for places)."
            ),
        )
        parser.add_argument(
            "--format",
            choices=["text", "json"],
            default="text",
            help=_("text: one line per unit; json: a list of units (default: text)."),
        )

    def run(self, actor: Actor, *args, **options):
        code = options["unit"].strip()
        unit = scope_for(actor).unit(code)
        if unit is None:
            # Not allowed looks the same as not found.
            raise DomainError(_("Unknown unit code: %(code)s.") % {"code": code}, field="unit")
        suggestion = allocation_suggested(
            unit=unit, year=options["year"], metric=options["metric"], weight=options["weight"]
        )
        if options["format"] == "json":
            self.out(
                json.dumps([p.as_dict() for p in suggestion.parts], ensure_ascii=False, indent=2)
            )
            return
        self.out(
            _("%(code)s %(year)s %(metric)s = %(value)s, split by %(weight)s:")
            % {
                "code": suggestion.unit,
                "year": suggestion.year,
                "metric": Metric(suggestion.metric).label,
                "value": suggestion.value,
                "weight": suggestion.weight_label,
            }
        )
        for part in suggestion.parts:
            self.out(f"{part.code}  {part.name}  {part.value}  {part.reason}")
