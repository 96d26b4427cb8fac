"""`ranks forecast backtest --unit CODE --years 2022-2025 [--format text|json]`: the forecast made
on 30 June of past years against what each unit admitted by 31 December."""

from __future__ import annotations

import json
import time

from django.utils.translation import gettext as _

from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.core.commands import RanksCommand, translated_help
from ranks.core.errors import DomainError
from ranks.core.replica import reads_replica
from ranks.targets.backtest import forecast_backtest


def years_of(text: str) -> list[int]:
    """`2022-2025` or `2023`: the years, refused with a message when not that."""
    first, _sep, last = text.strip().partition("-")
    try:
        start, end = int(first), int(last or first)
    except ValueError:
        start, end = 0, -1
    if not (1900 <= start <= end <= 2200) or end - start > 30:
        raise DomainError(
            _("--years must be a year or two years joined by a dash, such as 2022-2025."),
            field="years",
        )
    return list(range(start, end + 1))


class Command(RanksCommand):
    @translated_help
    def help(self) -> str:
        return _(
            "backtest: for each past year, the forecast of the unit and every unit below it made "
            "on a day (30 June) from the records up to it, against what each had admitted by "
            "31 December: how often the actual fell inside the range, and the mean absolute "
            "error, per level. With --as, only a unit in that user's scope."
        )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["backtest"])
        parser.add_argument("--unit", metavar="CODE", required=True, help=_("The unit's code."))
        parser.add_argument(
            "--years", metavar="YEARS", required=True, help=_("The years, such as 2022-2025.")
        )
        parser.add_argument(
            "--day",
            metavar="MM-DD",
            default="06-30",
            help=_("The day of each year the forecast is made on (default: 06-30)."),
        )
        parser.add_argument(
            "--format",
            choices=["text", "json"],
            default="text",
            help=_("text: a table per level; json: every unit and the scores (default: text)."),
        )

    @reads_replica
    def run(self, actor: Actor, *args, **options):
        years = years_of(options["years"])
        try:
            month, day = (int(part) for part in options["day"].split("-"))
        except ValueError as error:
            raise DomainError(_("--day must be MM-DD, such as 06-30."), field="day") from error
        code = options["unit"].strip()
        scope = scope_for(actor)
        unit = scope.unit(code)
        if unit is None:
            # Not allowed looks the same as not found.
            raise DomainError(_("Unknown unit code: %(code)s.") % {"code": code}, field="unit")
        started = time.perf_counter()
        result = forecast_backtest(scope=scope, unit=unit, years=years, month=month, day=day)
        seconds = time.perf_counter() - started
        if options["format"] == "json":
            self.out(
                json.dumps(
                    {
                        "unit": result.code,
                        "years": [
                            {
                                "year": y.year,
                                "on": y.on.isoformat(),
                                "skipped": y.skipped,
                                "units": [
                                    {"code": code, **vars(c), "inside": c.inside}
                                    for code, c in y.units
                                ],
                            }
                            for y in result.years
                        ],
                        "scores": [vars(s) for s in result.scores],
                        "seconds": round(seconds, 2),
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        self.out(
            _("Forecast made on %(day)s of %(years)s, against 31 December (%(seconds).1f s).")
            % {"day": options["day"], "years": options["years"], "seconds": seconds}
        )
        header = (
            _("level"), _("units"), _("inside"), _("coverage %"), _("mean abs. error"),
            _("mean width"), _("pipeline error"),
        )  # fmt: skip
        self.out("\t".join(header))
        for s in result.scores:
            self.out(
                "\t".join(
                    str(v)
                    for v in (
                        s.level,
                        s.units,
                        s.inside,
                        s.coverage,
                        s.mean_absolute_error,
                        s.mean_width,
                        "—" if s.pipeline_error is None else s.pipeline_error,
                    )  # fmt: skip
                )
            )
