"""How fast is name search over 100,000 people? Prints median milliseconds per search.

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python benchmarks/search.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ranks_bench .venv/bin/python benchmarks/search.py

DATABASE_URL must name a scratch database: it is migrated and its benchmark people are replaced.
Not a test: run it by hand and copy the figures into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ranks.settings")

from benchmarks.measure import database_facts, machine_facts, timed  # noqa: E402

QUERIES = [
    ("nguyen van an", "a common full name"),
    ("dang thi dung", "a rarer full name"),
    ("nguyen", "a family name shared by a third"),
    ("tran thi", "family and middle name"),
    ("phuc", "a given name alone (matched inside the name)"),
    ("lo thi lan", "a rare family name"),
    ("zzz", "no one"),
]


def fill(count: int) -> float:
    """Replace the benchmark people (person_id B-…) with `count` new ones; return seconds taken."""
    import datetime as dt

    from django.db import connection, transaction

    from ranks.demo.generator.names import PersonNames
    from ranks.people.models import Person
    from ranks.people.names import fold

    started = time.perf_counter()
    rng = random.Random(20250701)
    names = PersonNames(20250701)  # the demo's names: Faker vi_VN, family + middle + given
    with transaction.atomic():
        Person.objects.filter(person_id__startswith="B-").delete()
        batch = []
        for i in range(count):
            name = names.full_name(rng.choice(("male", "female")))
            born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 45 * 365))
            # bulk_create skips Person.save(), which is where search_name is folded.
            batch.append(
                Person(
                    person_id=f"B-{i:07}", full_name=name, search_name=fold(name), birth_date=born
                )
            )
            if len(batch) == 5000:
                Person.objects.bulk_create(batch)
                batch = []
        Person.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE people_person" if connection.vendor == "postgresql" else "ANALYZE")
    return time.perf_counter() - started


def measure(query: str, repeats: int) -> tuple[float, float, int]:
    """(median ms, 90th percentile ms, people found) of `repeats` searches after two warm-ups."""
    from ranks.people.models import Person
    from ranks.people.selectors import person_search

    timing = timed(lambda: len(person_search(Person.objects.all(), query)), runs=repeats, warmups=2)
    return timing.median_ms, timing.p90_ms, timing.result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument(
        "--keep", action="store_true", help="Reuse the people already there if the count matches."
    )
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a scratch database: this fills it with made-up people.")

    import django

    django.setup()
    from django.core.management import call_command

    from ranks.people.models import Person

    call_command("migrate", verbosity=0, interactive=False)
    present = Person.objects.filter(person_id__startswith="B-").count()
    if options.keep and present == options.people:
        print(f"reusing {present:,} people")
    else:
        seconds = fill(options.people)
        print(f"created {options.people:,} people in {seconds:.1f} s")
    print(f"{database_facts()}; {machine_facts()}")
    print(f"{'query':<16} {'found':>5} {'median ms':>10} {'p90 ms':>8}  what")
    for query, what in QUERIES:
        median, p90, found = measure(query, options.repeats)
        print(f"{query:<16} {found:>5} {median:>10.1f} {p90:>8.1f}  {what}")


if __name__ == "__main__":
    main()
