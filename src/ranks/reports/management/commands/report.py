"""`ranks report progress|composition|ratio|coverage|cells|funnel|away --unit CODE ...`: a report as JSON, CSV,
Excel or PDF.

JSON and CSV go to standard output unless --output names a file; Excel and PDF need --output.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TypedDict

from django.utils.translation import gettext as _

from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.core.clock import today
from ranks.core.commands import RanksCommand, translated_help
from ranks.core.dates import parse_day
from ranks.core.errors import DomainError
from ranks.core.replica import reads_replica
from ranks.coverage.away import away_on
from ranks.coverage.health import cell_health
from ranks.coverage.selectors import (
    coverage_on,
    coverage_trend,
    restated_cell_health,
    restated_coverage,
)
from ranks.pipeline.selectors.funnel import STUCK_REPORT_LIMIT, funnel_of, funnel_stuck
from ranks.pipeline.stages import SourceGroup
from ranks.reports.builders import (
    away_report,
    cells_report,
    composition_report,
    coverage_report,
    funnel_report,
    progress_report,
    ratio_report,
    restated,
)
from ranks.reports.render import BINARY_FORMATS, FORMATS, render
from ranks.reports.services import report_composition
from ranks.reports.writers import BOM
from ranks.targets.models import Metric
from ranks.targets.progress import admission_ratio, progress
from ranks.targets.terms import with_terms

KINDS = ("progress", "composition", "ratio", "coverage", "cells", "funnel", "away")
# The options that belong to some kinds of report: given with another, they are refused.
OWN_OPTIONS = {
    "on": ("progress", "coverage", "cells", "away"),
    "metric": ("progress",),
    "depth": ("progress",),
    "start": ("composition", "funnel"),
    "end": ("composition", "funnel"),
    "year": ("ratio",),
    "source_group": ("funnel",),
    "structure_on": ("progress", "composition", "ratio", "coverage", "cells"),
}
OPTION_NAMES = {
    "on": "--on",
    "metric": "--metric",
    "depth": "--depth",
    "start": "--from",
    "end": "--to",
    "year": "--year",
    "source_group": "--source-group",
    "structure_on": "--structure-on",
}


class _Frame(TypedDict):
    """What frames every report: where it is issued and who issues it."""

    place: str | None
    issuer: str
    number: str
    recipients: list[str] | None


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return (
            _(
                "A report for a unit and the units below it: progress against the year's target on a "
                "date, the composition of the members admitted in a period, or the admission ratio of "
                "a year ranked among units at the same level; as JSON, CSV, Excel or PDF. "
                "With --as, only a unit in that user's scope."
            )
            + " "
            + _(
                "Also the coverage of villages and residential groups by party members and cells on "
                "a date, with its trend year by year since its places were first recorded "
                "(coverage), and the health of every cell (cells)."
            )
            + " "
            + _(
                "And the pipeline funnel of a period (funnel): the candidates entering each "
                "stage, the share going further, the days spent in each stage and the candidates "
                "stuck longer than usual."
            )
            + " "
            + _(
                "And who works away on a date (away): the party members and candidates, where, "
                "since when, the last comment and when the next is due, counted by unit below."
            )
        )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("--unit", metavar="CODE", required=True, help=_("The unit's code."))
        parser.add_argument(
            "--on",
            metavar="DATE",
            help=_(
                "progress, coverage, cells, away: the date the figures stand on, YYYY-MM-DD "
                "or DD/MM/YYYY (default: today)."
            ),
        )
        parser.add_argument(
            "--metric",
            choices=Metric.values,
            help=_("progress: what is counted (default: admissions)."),
        )
        parser.add_argument(
            "--depth",
            metavar="N",
            type=int,
            help=_(
                "progress: how many levels below the unit to list (default: all of them; "
                "in a PDF, 1: the units directly below)."
            ),
        )
        parser.add_argument(
            "--from",
            dest="start",
            metavar="DATE",
            help=_(
                "composition, funnel: the first day of the period (default: 1 January of --to's "
                "year)."
            ),
        )
        parser.add_argument(
            "--to",
            dest="end",
            metavar="DATE",
            help=_("composition, funnel: the last day of the period (default: today)."),
        )
        parser.add_argument(
            "--year", metavar="YEAR", help=_("ratio: the year (default: this year).")
        )
        parser.add_argument(
            "--source-group",
            dest="source_group",
            choices=SourceGroup.values,
            help=_("funnel: only the candidates of this source group (default: all)."),
        )
        parser.add_argument(
            "--structure-on",
            dest="structure_on",
            metavar="DATE",
            help=_(
                "Restate the figures in the organisational structure of this date: each event "
                "is counted for the unit its cell belongs to on it (default: as it was)."
            ),
        )
        parser.add_argument(
            "--format",
            choices=FORMATS,
            default=None,
            help=_("json, csv, xlsx or pdf (default: from the output file name, else json)."),
        )
        parser.add_argument(
            "--output",
            metavar="FILE",
            help=_("Write here instead of standard output (needed for xlsx and pdf)."),
        )
        parser.add_argument(
            "--place",
            metavar="TEXT",
            help=_("The place in the date line (default: from the unit's name)."),
        )
        parser.add_argument(
            "--issuer",
            metavar="TEXT",
            default="",
            help=_("The issuing body under the unit's name, such as BAN TỔ CHỨC (default: none)."),
        )
        parser.add_argument(
            "--number",
            metavar="TEXT",
            default="",
            help=_("The report's number in its number line, Số …-BC/… (default: left blank)."),
        )
        parser.add_argument(
            "--recipient",
            dest="recipients",
            metavar="TEXT",
            action="append",
            help=_(
                "A recipient under Nơi nhận; repeat for each (default: the committee above and "
                "the office's copy)."
            ),
        )

    @reads_replica
    def run(self, actor: Actor, *args, **options):
        kind = options["kind"]
        for key, owners in OWN_OPTIONS.items():
            if options.get(key) is not None and kind not in owners:
                raise DomainError(
                    _("%(option)s does not apply to a %(kind)s report.")
                    % {"option": OPTION_NAMES[key], "kind": kind},
                    field=key,
                )
        output = options.get("output")
        fmt = options.get("format") or _format_of(output) or "json"
        if fmt in BINARY_FORMATS and not output:
            raise DomainError(_("An Excel or PDF report needs --output FILE."), field="output")
        code = options["unit"].strip()
        scope = scope_for(actor)
        unit = scope.unit(code)
        if unit is None:
            # Not allowed looks the same as not found.
            raise DomainError(_("Unknown unit code: %(code)s.") % {"code": code}, field="unit")
        frame: _Frame = {
            "place": options.get("place"),
            "issuer": options.get("issuer") or "",
            "number": options.get("number") or "",
            "recipients": options.get("recipients"),
        }
        structure_on = (
            parse_day(options["structure_on"], field="structure_on")
            if options.get("structure_on")
            else None
        )
        if kind == "funnel":
            end = parse_day(options["end"], field="to") if options.get("end") else today()
            start = (
                parse_day(options["start"], field="from")
                if options.get("start")
                else dt.date(end.year, 1, 1)
            )
            if start > end:
                raise DomainError(_("The end of the period is before its start."), field="from")
            funnel = funnel_of(
                scope=scope,
                unit=unit,
                start=start,
                end=end,
                group=options.get("source_group") or "",
            )
            stuck = funnel_stuck(scope=scope, unit=unit, funnel=funnel, limit=STUCK_REPORT_LIMIT)
            report = funnel_report(funnel, stuck, **frame)
        elif kind == "away":
            # The unit is in the actor's scope, and a grant covers the unit's whole subtree.
            on = parse_day(options["on"]) if options.get("on") else today()
            report = away_report(away_on(unit, on), **frame)
        elif kind == "progress":
            on = parse_day(options["on"]) if options.get("on") else today()
            depth = options.get("depth")
            if depth is not None and depth < 0:
                raise DomainError(_("--depth must be 0 or more."), field="depth")
            if depth is None and fmt == "pdf":
                depth = 1  # a province's cells would fill fifty pages
            result = progress(
                scope=scope,
                unit=unit,
                on=on,
                metric=options.get("metric") or Metric.ADMISSIONS,
                depth=depth,
                structure_on=structure_on,
                pipeline=True,
            )
            report = progress_report(with_terms(result, unit=unit), depth=depth, **frame)
        elif kind == "composition":
            end = parse_day(options["end"], field="to") if options.get("end") else today()
            start = (
                parse_day(options["start"], field="from")
                if options.get("start")
                else dt.date(end.year, 1, 1)
            )
            composition = report_composition(
                actor=actor, unit=unit, start=start, end=end, structure_on=structure_on
            )
            report = composition_report(composition, **frame)
        elif kind == "ratio":
            year = _year(options.get("year"))
            ratio = admission_ratio(scope=scope, unit=unit, year=year, structure_on=structure_on)
            report = ratio_report(ratio, **frame)
        elif kind == "coverage":
            # The unit is in the actor's scope, and a grant covers the unit's whole subtree.
            on = parse_day(options["on"]) if options.get("on") else today()
            # Every year since the unit's places were first recorded, as the page draws it.
            trend = coverage_trend(unit, until=on, structure_on=structure_on)
            if structure_on is not None:
                # Restated: the figures, without the list of places (those of the day's tree).
                figures = restated_coverage(unit, [on], structure_on)[0]
            else:
                figures = coverage_on(unit, on)
            report = coverage_report(figures, trend, listed=structure_on is None, **frame)
        else:
            on = parse_day(options["on"]) if options.get("on") else today()
            versions = unit.versions.order_by("-valid_from")
            version = versions.valid_on(on).first() or versions.first()
            name = version.name if version else unit.code
            if structure_on is not None:
                restated_version = versions.valid_on(structure_on).first()
                name = restated_version.name if restated_version else name
                cells = restated_cell_health(unit, on, structure_on, scope)
            else:
                cells = cell_health(unit, on)
            report = cells_report(cells, unit.code, name, on, **frame)
        report = restated(report, structure_on)
        payload = render(report, fmt)
        if output:
            try:
                Path(output).write_bytes(payload)
            except OSError as error:
                raise DomainError(
                    _("Cannot write %(path)s: %(reason)s.")
                    % {"path": output, "reason": error.strerror or error},
                    field="output",
                ) from error
            self.out(_("Report written to %(path)s.") % {"path": output})
        else:
            # A terminal or a pipe gets the text without the BOM that a file keeps for Excel.
            self.stdout.write(payload.decode("utf-8").removeprefix(BOM), ending="")


def _format_of(output: str | None) -> str | None:
    if not output or "." not in output:
        return None
    suffix = output.rsplit(".", 1)[1].lower()
    return suffix if suffix in FORMATS else None


def _year(text: str | None) -> int:
    if not text:
        return today().year
    text = text.strip()
    if not text.isdigit() or not 1930 <= int(text) <= 9999:
        raise DomainError(_("Not a year: %(value)s.") % {"value": text}, field="year")
    return int(text)
