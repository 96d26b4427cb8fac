"""Timing the computations behind the dashboard and the reports on the bench province.

Each operation runs once under `CaptureQueriesContext` (a warm-up that counts its SQL queries),
then `repeat` times under `time.perf_counter` without it (capturing formats every statement,
which would add to the time); the figure is the median of those runs, ORM included, as a page or
a command waits for it.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from ranks.access.scope import Scope
from ranks.bench import sql
from ranks.bench.province import SUPERUSER
from ranks.org.models import Unit
from ranks.targets import pace
from ranks.targets.progress import Tree, admission_ratio, admissions_between, composition, progress

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


def measure(operation: str, run: Callable[[], object], repeat: int, *, count=True) -> Figure:
    queries = None
    if count:
        with CaptureQueriesContext(connection) as captured:
            run()
        queries = len(captured.captured_queries)
    else:
        run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return Figure(operation, statistics.median(times), min(times), queries)


def database_facts() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def machine_facts() -> str:
    return (
        f"Python {platform.python_version()}; {os.cpu_count()} CPUs; {platform.machine()}; "
        f"{platform.system()} {platform.release()}"
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
    found = []
    for kind, build in kinds.items():
        for fmt in REPORT_FORMATS:
            found.append((f"report {kind} {fmt}", lambda b=build, f=fmt: render(b(), f)))
    return found, ""


def figures(
    unit: Unit, on: dt.date, repeat: int, say: Callable[[str], None], *, skip=()
) -> list[Figure]:
    """Time every operation on `unit` and the date, but those whose name holds a word of
    `skip`; `say` prints notes as they come."""
    start, history = dt.date(on.year, 1, 1), dt.date(on.year - pace.HISTORY_YEARS, 1, 1)
    operations: list[tuple[str, Callable[[], object], bool]] = [
        ("progress()", lambda: progress(scope=FULL, unit=unit, on=on), True),
        ("  of which: unit versions (Tree.below)", lambda: Tree.below([unit.pk]), False),
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
    return [
        measure(operation, run, repeat, count=count)
        for operation, run, count in operations
        if not any(word in operation for word in skip)
    ]


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
