"""`ranks bench progress`: build a province of 100,000 members in bulk and time progress,
composition, the admission ratio, the dashboard and the reports on it (docs/benchmarks.md).

A developer's tool, not part of the officers' interface: its messages are in English only.
"""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import connection

from ranks.bench import timing
from ranks.bench.province import CODE, Shape, build
from ranks.core.actor import Actor
from ranks.core.clock import today
from ranks.core.commands import RanksCommand
from ranks.core.dates import parse_day
from ranks.demo.writer import flush
from ranks.org.models import Place, Unit
from ranks.people.models import Person


class Command(RanksCommand):
    help = (
        "progress: build a province of --members party members (the 2025 reform, admissions "
        "since 2021 with a year-end rush, targets for this year) in the database of DATABASE_URL, "
        "then time progress(), composition(), admission_ratio(), a hand-written SQL query, the "
        "dashboard page and the reports on it, with their SQL query counts. Refuses a database "
        "that holds data, unless --reset (empty it first) or --reuse (time the bench province "
        "an earlier run built)."
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["progress"])
        parser.add_argument("--members", type=int, default=100_000, help="Default: 100,000.")
        parser.add_argument("--districts", type=int, default=12, help="Default: 12.")
        parser.add_argument(
            "--communes", type=int, default=15, help="Per district before 2025 (default: 15)."
        )
        parser.add_argument("--cells", type=int, default=8, help="Per commune (default: 8).")
        parser.add_argument(
            "--rate",
            type=float,
            default=0.036,
            help="Admissions a year from 2021, as a share of the members (default: 0.036).",
        )
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument(
            "--on", metavar="DATE", help="The date the figures stand on (default: today)."
        )
        parser.add_argument(
            "--repeat", type=int, default=5, help="Timed runs of each operation (default: 5)."
        )
        parser.add_argument(
            "--unit",
            metavar="CODE",
            default=CODE,
            help=f"The unit timed, in the bench province (default: {CODE}, the province).",
        )
        parser.add_argument(
            "--skip",
            action="append",
            default=[],
            metavar="WORD",
            help="Skip the operations whose name holds WORD (repeatable), such as --skip pdf.",
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--reset", action="store_true", help="Empty the Ranks data of the database first."
        )
        group.add_argument(
            "--reuse",
            action="store_true",
            help="Time the bench province already in the database instead of building one.",
        )

    def run(self, actor: Actor, *args, **options):
        if not actor.has_full_access:
            raise CommandError("The bench needs full access: run it without --as.", returncode=2)
        shape = Shape(
            members=options["members"],
            districts=options["districts"],
            communes=options["communes"],
            cells=options["cells"],
            rate=options["rate"],
            seed=options["seed"],
        )
        if min(shape.members, shape.districts, shape.communes, shape.cells, options["repeat"]) < 1:
            raise CommandError(
                "--members, --districts, --communes, --cells and --repeat must be 1 or more.",
                returncode=2,
            )
        day = today()
        on = parse_day(options["on"]) if options.get("on") else day
        database = f"{connection.vendor} database {connection.settings_dict['NAME']}"
        if options["reuse"]:
            if not Unit.objects.filter(code=CODE).exists():
                raise CommandError(
                    f"--reuse: the {database} holds no bench province ({CODE}).", returncode=2
                )
            self.out(f"Timing the bench province already in the {database}.")
        else:
            self._build(actor, shape, options["reset"], database, day, on)
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"Unknown unit code: {options['unit']}.", returncode=2)
        self.out(f"Database: {timing.database_facts()}. Machine: {timing.machine_facts()}.")
        self.out(
            f"Timing on {on.isoformat()} for {unit.code}: the median of {options['repeat']} "
            f"run{'s' if options['repeat'] > 1 else ''} of each operation, after one run that "
            "counts its SQL queries."
        )
        found = timing.figures(unit, on, options["repeat"], self.out, skip=options["skip"])
        self.out("")
        for line in timing.table(found):
            self.out(line)
        self.out("")
        self.out(timing.agreement(unit, on).line)

    def _build(self, actor, shape: Shape, reset: bool, database: str, day, on) -> None:
        held = {
            "units": Unit.objects.count(),
            "places": Place.objects.count(),
            "people": Person.objects.count(),
        }
        if any(held.values()) and not reset:
            raise CommandError(
                f"The {database} already holds data ("
                + ", ".join(f"{n:,} {what}" for what, n in held.items())
                + "): the bench builds into an empty database. Run with --reset to empty its "
                "Ranks data first, or --reuse to time the bench province of an earlier run.",
                returncode=2,
            )
        if any(held.values()):
            self.out(f"Emptying the Ranks data of the {database} (--reset)...")
            self.out(f"Emptied: {flush(actor):,} rows removed.")
        self.out(
            f"Building a province of {shape.members:,} members into the {database}: "
            f"{shape.districts} districts × {shape.communes} communes × {shape.cells} cells until "
            f"30/06/2025, merged {shape.merge} communes to 1 from 01/07/2025; admissions from "
            f"2021 at {shape.rate:.1%} of the members a year; admission targets for {on.year}."
        )
        built = build(shape=shape, actor=actor, today=day, on=on)
        years = ", ".join(f"{y}: {n:,}" for y, n in sorted(built.admissions.items()))
        self.out(
            f"Built in {built.seconds:.1f} s: {built.units:,} units ({built.unit_versions:,} "
            f"versions), {built.places:,} places, {built.people:,} people and memberships "
            f"({built.left:,} have left), {built.candidates:,} candidates, {built.targets} "
            f"targets. Admissions by year: {years}."
        )
