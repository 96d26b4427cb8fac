"""`ranks bench progress`: the arguments of the benchmark of `benchmarks/progress.py`, which does
the work (build a province of 100,000 members in bulk, time progress, composition, the admission
ratio, the dashboard and the reports on it; docs/benchmarks.md).

A developer's tool, not part of the officers' interface: its messages are in English only.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ranks.core.actor import Actor
from ranks.core.commands import RanksCommand
from ranks.core.dates import parse_day

# benchmarks/ is a package of the checkout, beside src/, not of the installed ranks.
ROOT = Path(__file__).resolve().parents[5]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import progress  # noqa: E402
from benchmarks.province import CODE, Shape  # noqa: E402


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
        progress.run(
            actor=actor,
            shape=Shape(
                members=options["members"],
                districts=options["districts"],
                communes=options["communes"],
                cells=options["cells"],
                rate=options["rate"],
                seed=options["seed"],
            ),
            on=parse_day(options["on"]) if options.get("on") else None,
            unit_code=options["unit"],
            repeat=options["repeat"],
            skip=options["skip"],
            reset=options["reset"],
            reuse=options["reuse"],
            out=self.out,
        )
