"""`ranks national`: the national data set, written as interchange files or loaded through the
ordinary import."""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ranks.core.actor import Actor
from ranks.core.clock import today
from ranks.core.commands import RanksCommand
from ranks.core.errors import DomainError
from ranks.demo.generator import UnknownProvince
from ranks.demo.national import build_national
from ranks.interchange.engine import NO_LIMIT, run_import
from ranks.interchange.schema import KIND_ORDER
from ranks.org.models import Unit

ERRORS_SHOWN = 20


class Command(RanksCommand):
    help = gettext_lazy(  # type: ignore[assignment]  # lazy: RanksCommand.create_parser makes it a str
        "Build the national data set on Vietnam's real administrative units: 63 provinces, "
        "their districts and communes until 30 June 2025, 34 provinces and their communes "
        "from 1 July 2025, with cells, places, people, party members, candidates, targets and "
        "secondments (about 5.6 million members at --scale 1). Writes the interchange files to "
        "--output, or without it loads them into an empty database through the ordinary import."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help=gettext_lazy("Share of the country's 5.6 million members (default: 1)."),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=2025,
            help=gettext_lazy("The same seed builds the same data set (default: 2025)."),
        )
        parser.add_argument(
            "--output",
            metavar="DIR",
            help=gettext_lazy(
                "Write units.csv … secondments.csv to this directory instead of loading them."
            ),
        )
        # For tests and trials: a part of the country, and a fixed day.
        parser.add_argument("--provinces", help=argparse.SUPPRESS)
        parser.add_argument("--today", type=dt.date.fromisoformat, help=argparse.SUPPRESS)

    def run(self, actor: Actor, *args, **options):
        if not actor.has_full_access:
            raise DomainError(_("Building the national data set needs full access: run it without --as."))  # fmt: skip
        scale = options["scale"]
        if not 0 < scale <= 10:
            raise DomainError(_("The scale must be more than 0 and at most 10."), field="scale")
        provinces = None
        if options.get("provinces"):
            provinces = [p.strip() for p in options["provinces"].split(",") if p.strip()]
        day = options.get("today") or today()
        output = options.get("output")
        if output:
            self._build(Path(output), scale, options["seed"], day, provinces)
            self.out(_("Wrote the files to %(dir)s.") % {"dir": output})
            return
        existing = Unit.objects.count()
        if existing:
            raise DomainError(
                _(
                    "The database already holds %(count)d units: the national data set loads "
                    "only into an empty database. Use --output DIR to write the files instead."
                )
                % {"count": existing}
            )
        with tempfile.TemporaryDirectory(prefix="ranks-national-") as directory:
            self._build(Path(directory), scale, options["seed"], day, provinces)
            self._load(actor, Path(directory))

    def _build(self, directory: Path, scale, seed, day, provinces) -> None:
        started = time.monotonic()

        def told(job, plan, seconds):
            self.out(
                _("%(province)s: %(members)d members, %(people)d people (%(seconds).1f s)")
                % {
                    "province": job.short,
                    "members": len(plan.memberships),
                    "people": len(plan.people),
                    "seconds": seconds,
                }
            )

        try:
            totals = build_national(
                directory, scale=scale, seed=seed, today=day, provinces=provinces, on_province=told
            )
        except UnknownProvince as error:
            raise DomainError(
                _("Unknown province: %(name)s. Known provinces: %(known)s.")
                % {"name": error.name, "known": ", ".join(error.known)},
                field="province",
            ) from error
        self.out(
            _(
                "Built %(old)d provinces (%(new)d from 1 July 2025) in %(seconds).1f s: "
                "%(units)d units (%(unit_rows)d periods), %(cells)d cells, %(places)d places, "
                "%(people)d people, %(members)d members, %(candidates)d candidates, "
                "%(events)d stage events, %(targets)d targets, %(secondments)d secondments."
            )
            % {
                "old": totals.old_provinces,
                "new": totals.new_provinces,
                "seconds": time.monotonic() - started,
                "units": totals.units,
                "unit_rows": totals.unit_rows,
                "cells": totals.cells,
                "places": totals.places,
                "people": totals.people,
                "members": totals.members,
                "candidates": totals.candidates,
                "events": totals.events,
                "targets": totals.targets,
                "secondments": totals.secondments,
            }
        )

    def _load(self, actor: Actor, directory: Path) -> None:
        for kind in KIND_ORDER:
            path = directory / f"{kind}.csv"
            with path.open("rb") as stream:
                result = run_import(
                    actor=actor,
                    kind=kind,
                    stream=stream,
                    filename=path.name,
                    max_bytes=NO_LIMIT,
                )
            if not result.ok:
                for error in result.errors[:ERRORS_SHOWN]:
                    self.err(
                        _("Row %(row)d, %(column)s = %(value)s: %(reason)s")
                        % {
                            "row": error.row,
                            "column": error.column,
                            "value": error.value,
                            "reason": error.reason,
                        }
                    )
                raise DomainError(
                    _(
                        "The import of %(kind)s was refused (%(errors)d bad rows); the kinds "
                        "before it are loaded."
                    )
                    % {"kind": kind, "errors": len(result.errors)}
                )
            self.out(
                _("Imported %(kind)s: %(rows)d rows in %(seconds).1f s.")
                % {"kind": kind, "rows": result.rows, "seconds": result.seconds}
            )
