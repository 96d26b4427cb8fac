"""One timing helper and one source of database and machine facts, for every benchmark.

Django is imported inside the functions that need it, so that a parent process that only starts
children (`national.py`, `import_people.py`) can print the machine facts without loading it.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    times_ms: tuple[float, ...]  # the timed runs, fastest first
    result: object  # what the last warm-up returned
    queries: int | None  # SQL queries of the first warm-up; None when not counted

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def min_ms(self) -> float:
        return self.times_ms[0]

    @property
    def p90_ms(self) -> float:
        return self.times_ms[int(len(self.times_ms) * 0.9) - 1]


def timed(
    run: Callable[[], object], *, runs: int, warmups: int = 1, count_queries: bool = False
) -> Timing:
    """Call `run` `warmups` times, then `runs` times under `time.perf_counter`.

    With `count_queries`, the first warm-up runs under `CaptureQueriesContext` to count its SQL
    queries; the timed runs never do (capturing formats every statement, which would add to the
    time). The figures are wall-clock milliseconds, ORM and Python included, as a page or a
    command waits for them.
    """
    if runs < 1 or warmups < 1:
        raise ValueError("timed() needs at least one warm-up and one timed run")
    queries = None
    if count_queries:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            result = run()
        queries = len(captured.captured_queries)
        warmups -= 1
    for _ in range(warmups):
        result = run()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return Timing(tuple(sorted(times)), result, queries)


def database_facts(*, tables: tuple[str, ...] = ()) -> str:
    """The database server and its version, and on PostgreSQL the size of each of `tables`."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("SHOW server_version")
        facts = [f"PostgreSQL {cursor.fetchone()[0]}"]
        for table in tables:
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", [table])
            facts.append(f"{table} {cursor.fetchone()[0]}")
    return "; ".join(facts)


def machine_facts() -> str:
    """Python, processors and system of the machine the benchmark runs on."""
    return (
        f"Python {platform.python_version()}; {os.cpu_count()} CPUs; {platform.machine()}; "
        f"{platform.system()} {platform.release()}"
    )
