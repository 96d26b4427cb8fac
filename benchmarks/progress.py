"""`ranks bench progress`: the bench province built, then progress, composition, the admission
ratio, the dashboard and the reports timed on it (docs/benchmarks.md).

Each operation is timed by `measure.timed`: one warm-up that counts its SQL queries, then `repeat`
timed runs; the figures are their median and fastest, ORM included, as a page or a command waits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse

from benchmarks import sql
from benchmarks.measure import database_facts, machine_facts, timed
from benchmarks.province import CODE, SUPERUSER, Shape, province_build, rows_held
from ranks.access.scope import Scope
from ranks.core.actor import Actor
from ranks.core.clock import today
from ranks.demo.writer import flush
from ranks.org.models import Unit
from ranks.org.rollup import VersionTree
from ranks.targets import pace
from ranks.targets.progress import admission_ratio, admissions_between, composition, progress

if TYPE_CHECKING:
    from ranks.reports.model import Report

FULL = Scope(full=True)
REPORT_FORMATS = ("json", "csv", "xlsx", "pdf")


@dataclass(frozen=True)
class Figure:
    operation: str
    median_ms: float
    min_ms: float
    queries: int | None  # None: not counted (a part of an operation)


@dataclass(frozen=True)
class Agreement:
    units: int  # units of the subtree on the day, compared
    province_actual: int
    differences: tuple[tuple[str, int, int], ...]  # (code, progress(), SQL)

    @property
    def line(self) -> str:
        if not self.differences:
            return (
                f"Agreement: the hand-written SQL gives the same actual as progress() for all "
                f"{self.units:,} units ({self.province_actual:,} admissions at the root)."
            )
        shown = "; ".join(f"{c}: progress() {a}, SQL {b}" for c, a, b in self.differences[:10])
        return (
            f"Differences: the hand-written SQL disagrees with progress() for "
            f"{len(self.differences):,} of {self.units:,} units: {shown}"
        )


def agreement(unit: Unit, on: dt.date) -> Agreement:
    rows = progress(scope=FULL, unit=unit, on=on).rows
    by_sql = sql.actual_by_unit(unit.pk, dt.date(on.year, 1, 1), on)
    codes = dict(Unit.objects.filter(pk__in=list(by_sql)).values_list("pk", "code"))
    from_sql = {codes[pk]: n for pk, n in by_sql.items()}
    from_python = {r.code: r.actual for r in rows}
    differences = tuple(
        (code, from_python.get(code, 0), from_sql.get(code, 0))
        for code in sorted(set(from_python) | set(from_sql))
        if from_python.get(code, 0) != from_sql.get(code, 0)
    )
    return Agreement(len(rows), rows[0].actual, differences)


def _dashboard(code: str) -> tuple[Callable[[], object] | None, str]:
    try:
        url = reverse("unit_dashboard", kwargs={"code": code})
    except NoReverseMatch:
        return None, "no view named unit_dashboard: the dashboard page is not timed"
    user = get_user_model().objects.get(username=SUPERUSER)
    hosts = [h for h in settings.ALLOWED_HOSTS if h != "*" and not h.startswith(".")]
    client = Client(HTTP_HOST=hosts[0] if hosts else "localhost")
    client.force_login(user)

    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return response

    return get, ""


def _reports(unit: Unit, on: dt.date) -> tuple[list[tuple[str, Callable[[], object]]], str]:
    """Each report, computed, laid out and written in each format, as `ranks report` does it."""
    try:
        from ranks.reports.builders import composition_report, progress_report, ratio_report
        from ranks.reports.render import render
    except ImportError as error:
        return [], f"the reports app is not there ({error}): reports are not timed"
    start = dt.date(on.year, 1, 1)
    kinds = {
        "progress": lambda: progress_report(progress(scope=FULL, unit=unit, on=on)),
        "composition": lambda: composition_report(
            composition(scope=FULL, unit=unit, start=start, end=on, sensitive=True)
        ),
        "ratio": lambda: ratio_report(admission_ratio(scope=FULL, unit=unit, year=on.year)),
    }

    def written(build: Callable[[], Report], fmt: str) -> Callable[[], bytes]:
        return lambda: render(build(), fmt)

    found: list[tuple[str, Callable[[], object]]] = []
    for kind, build in kinds.items():
        for fmt in REPORT_FORMATS:
            found.append((f"report {kind} {fmt}", written(build, fmt)))
    return found, ""


def figures(
    unit: Unit, on: dt.date, repeat: int, say: Callable[[str], None], *, skip=()
) -> list[Figure]:
    """Time every operation on `unit` and the date, but those whose name holds a word of
    `skip`; `say` prints notes as they come."""
    start, history = dt.date(on.year, 1, 1), dt.date(on.year - pace.HISTORY_YEARS, 1, 1)
    operations: list[tuple[str, Callable[[], object], bool]] = [
        ("progress()", lambda: progress(scope=FULL, unit=unit, on=on), True),
        (
            "  of which: unit versions (VersionTree.below)",
            lambda: VersionTree.below([unit.pk]),
            False,
        ),
        (
            f"  of which: admissions {history.year}–{on.year} (admissions_between)",
            lambda: admissions_between([unit.pk], history, dt.date(on.year, 12, 31)),
            False,
        ),
        (
            "composition() of the year",
            lambda: composition(scope=FULL, unit=unit, start=start, end=on, sensitive=True),
            True,
        ),
        (
            "admission_ratio() of the year",
            lambda: admission_ratio(scope=FULL, unit=unit, year=on.year),
            True,
        ),
        ("hand-written SQL: actual by unit", lambda: sql.actual_by_unit(unit.pk, start, on), True),
    ]
    page, note = _dashboard(unit.code)
    if page is None:
        say(f"Note: {note}.")
    else:
        operations.append(("dashboard page (test Client)", page, True))
    reports, note = _reports(unit, on)
    if note:
        say(f"Note: {note}.")
    operations += [(operation, run, True) for operation, run in reports]
    found = []
    for operation, run, count in operations:
        if not any(word in operation for word in skip):
            timing = timed(run, runs=repeat, count_queries=count)
            found.append(Figure(operation, timing.median_ms, timing.min_ms, timing.queries))
    return found


def table(found: list[Figure]) -> list[str]:
    if not found:
        return ["No operation was timed (--skip left none)."]
    width = max(len(f.operation) for f in found)
    lines = [f"{'operation':<{width}}  {'median ms':>10}  {'min ms':>10}  {'queries':>7}"]
    for f in found:
        queries = "" if f.queries is None else str(f.queries)
        lines.append(
            f"{f.operation:<{width}}  {f.median_ms:>10.1f}  {f.min_ms:>10.1f}  {queries:>7}"
        )
    return lines


def run(
    *,
    actor: Actor,
    shape: Shape,
    on: dt.date | None,
    unit_code: str,
    repeat: int,
    skip: list[str],
    reset: bool,
    reuse: bool,
    out: Callable[[str], None],
) -> None:
    """Build the bench province (or, with `reuse`, find the one an earlier run built), time
    every operation on the unit of `unit_code` and print the table and the agreement."""
    if not actor.has_full_access:
        raise CommandError("The bench needs full access: run it without --as.", returncode=2)
    if min(shape.members, shape.districts, shape.communes, shape.cells, repeat) < 1:
        raise CommandError(
            "--members, --districts, --communes, --cells and --repeat must be 1 or more.",
            returncode=2,
        )
    day = today()
    on = on or day
    database = f"{connection.vendor} database {connection.settings_dict['NAME']}"
    if reuse:
        if not Unit.objects.filter(code=CODE).exists():
            raise CommandError(
                f"--reuse: the {database} holds no bench province ({CODE}).", returncode=2
            )
        out(f"Timing the bench province already in the {database}.")
    else:
        _build(actor, shape, reset, database, day, on, out)
    unit = Unit.objects.filter(code=unit_code).first()
    if unit is None:
        raise CommandError(f"Unknown unit code: {unit_code}.", returncode=2)
    out(f"Database: {database_facts()}. Machine: {machine_facts()}.")
    out(
        f"Timing on {on.isoformat()} for {unit.code}: the median of {repeat} "
        f"run{'s' if repeat > 1 else ''} of each operation, after one run that "
        "counts its SQL queries."
    )
    found = figures(unit, on, repeat, out, skip=skip)
    out("")
    for line in table(found):
        out(line)
    out("")
    out(agreement(unit, on).line)


def _build(
    actor: Actor,
    shape: Shape,
    reset: bool,
    database: str,
    day: dt.date,
    on: dt.date,
    out: Callable[[str], None],
) -> None:
    held = rows_held()
    if any(held.values()) and not reset:
        raise CommandError(
            f"The {database} already holds data ("
            + ", ".join(f"{n:,} {what}" for what, n in held.items())
            + "): the bench builds into an empty database. Run with --reset to empty its "
            "Ranks data first, or --reuse to time the bench province of an earlier run.",
            returncode=2,
        )
    if any(held.values()):
        out(f"Emptying the Ranks data of the {database} (--reset)...")
        out(f"Emptied: {flush(actor):,} rows removed.")
    out(
        f"Building a province of {shape.members:,} members into the {database}: "
        f"{shape.districts} districts × {shape.communes} communes × {shape.cells} cells until "
        f"30/06/2025, merged {shape.merge} communes to 1 from 01/07/2025; admissions from "
        f"2021 at {shape.rate:.1%} of the members a year; admission targets for {on.year}."
    )
    built = province_build(shape=shape, actor=actor, today=day, on=on)
    years = ", ".join(f"{y}: {n:,}" for y, n in sorted(built.admissions.items()))
    out(
        f"Built in {built.seconds:.1f} s: {built.units:,} units ({built.unit_versions:,} "
        f"versions), {built.places:,} places, {built.people:,} people and memberships "
        f"({built.left:,} have left), {built.candidates:,} candidates, {built.targets} "
        f"targets. Admissions by year: {years}."
    )
