"""Name search at national scale on PostgreSQL: millions of people, unscoped and for a commune.

    psql -h 127.0.0.1 -U postgres -c 'create database ranks_bench_national'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ranks_bench_national \
        .venv/bin/python benchmarks/search_national.py --people 6000000

Builds, with `INSERT … SELECT` in the database (not the ORM), a country of the given size: a
central unit, 34 provinces, a commune per 1,800 people, 63 cells a commune, 20 villages a
commune; every person lives in a village of their cell's commune, 93 % of them are members posted
to their cell, the others candidates on its source list. Names are the demo's (Faker `vi_VN`:
family + middle + given), each person's family name and middle + given name drawn separately
from pools of 50,000 generated names.

Then times `person_search` (ORM included, as a page waits for it) for the queries of
`benchmarks/search.py`, over everyone and within the scope of an officer of one commune, and a
hand-written SQL statement of the same meaning in the same run. Each query runs twice to warm
up, then `--repeats` times; the figures are medians in milliseconds.

DATABASE_URL must name a scratch PostgreSQL database that holds no other units or people: it is
migrated and filled. `--keep` reuses the country of an earlier run when its size matches.
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
from benchmarks.search import QUERIES  # noqa: E402

PREFIX = "BN"
PROVINCES = 34
PEOPLE_PER_COMMUNE = 1_800
CELLS_PER_COMMUNE = 63
VILLAGES_PER_COMMUNE = 20
POOL = 50_000
# Tables filled here whose secondary indexes are dropped while loading and rebuilt after.
LOADED = ("people_person", "people_membership", "people_posting", "pipeline_candidate")
OFFICER = "bench-commune-officer"


def sizes(people: int) -> dict[str, int]:
    communes = max(1, round(people / PEOPLE_PER_COMMUNE))
    return {
        "people": people,
        "communes": communes,
        "cells": communes * CELLS_PER_COMMUNE,
        "villages": communes * VILLAGES_PER_COMMUNE,
    }


def present_people() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM people_person WHERE person_id LIKE %s", [f"{PREFIX}-%"]
        )
        return cursor.fetchone()[0]


def check_scratch() -> None:
    """Refuse a database with units or people that this script did not make."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM org_unit WHERE code NOT LIKE %s),"
            " (SELECT count(*) FROM people_person WHERE person_id NOT LIKE %s)",
            [f"{PREFIX}%", f"{PREFIX}-%"],
        )
        units, people = cursor.fetchone()
    if units or people:
        sys.exit(
            f"The database holds {units} units and {people} people not made by this benchmark:"
            " give it a scratch database."
        )


def name_pools(seed: int) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """(family, folded) and (middle + given, folded, gender) drawn from the demo's names."""
    from ranks.demo.generator.names import PersonNames
    from ranks.people.names import fold

    rng = random.Random(seed)
    names = PersonNames(seed)
    families, rests = [], []
    for _ in range(POOL):
        gender = rng.choice(("male", "female"))
        family, rest = names.full_name(gender).split(" ", 1)
        families.append((family, fold(family)))
        rests.append((rest, fold(rest), gender))
    return families, rests


def build(people: int, seed: int = 20250701) -> float:
    """Replace the benchmark country with one of `people` people; return the seconds taken."""
    from django.db import connection, transaction

    started = time.perf_counter()
    n = sizes(people)
    families, rests = name_pools(seed)
    print(
        f"building {n['people']:,} people, {n['communes']:,} communes, {n['cells']:,} cells,"
        f" {n['villages']:,} villages",
        flush=True,
    )

    def step(what: str, text: str, params=()) -> None:
        t = time.perf_counter()
        cursor.execute(text, params)
        print(f"  {what}: {time.perf_counter() - t:.1f} s", flush=True)

    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        # Foreign keys are not checked while loading (pg_restore --disable-triggers does the same):
        # the rows below refer to one another by construction.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        step(
            "emptying",
            "TRUNCATE org_unit, org_place, people_person, people_membership, people_posting,"
            " people_personplace, pipeline_candidate, access_grant CASCADE",
        )
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [list(LOADED)],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')

        cursor.execute(
            "CREATE TEMP TABLE bn_family (i int PRIMARY KEY, name text, folded text) ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMP TABLE bn_rest (i int PRIMARY KEY, name text, folded text, gender text)"
            " ON COMMIT DROP"
        )
        with raw.copy("COPY bn_family (i, name, folded) FROM STDIN") as copy:
            for i, row in enumerate(families):
                copy.write_row((i, *row))
        with raw.copy("COPY bn_rest (i, name, folded, gender) FROM STDIN") as copy:
            for i, row in enumerate(rests):
                copy.write_row((i, *row))
        cursor.execute("SELECT id, key FROM org_unitkind")
        kinds = {key: pk for pk, key in cursor.fetchall()}

        # Units: ids 1 (the centre), 2…35 (provinces), then the communes, then the cells.
        c0, k0 = 1 + 1 + PROVINCES, 1 + 1 + PROVINCES + n["communes"]
        step(
            "units",
            "INSERT INTO org_unit (id, code) SELECT 1, %s UNION ALL"
            " SELECT 1 + p, %s || '-P' || lpad(p::text, 2, '0') FROM generate_series(1, %s) p"
            " UNION ALL SELECT %s + c, %s || '-C' || lpad(c::text, 5, '0')"
            " FROM generate_series(0, %s - 1) c"
            " UNION ALL SELECT %s + k, %s || '-K' || lpad(k::text, 6, '0')"
            " FROM generate_series(0, %s - 1) k",
            [PREFIX, PREFIX, PROVINCES, c0, PREFIX, n["communes"], k0, PREFIX, n["cells"]],
        )
        step(
            "unit versions",
            "INSERT INTO org_unitversion (unit_id, name, kind_id, parent_id, valid_from, valid_to,"
            " can_admit, area_flags, admin_code)"
            " SELECT 1, 'Trung ương', %s, NULL::bigint, NULL::date, NULL::date, false, '[]'::jsonb, ''"
            " UNION ALL"
            " SELECT 1 + p, 'Tỉnh ' || p, %s, 1, NULL, NULL, false, '[]', ''"
            " FROM generate_series(1, %s) p UNION ALL"
            " SELECT %s + c, 'Xã ' || c, %s, 2 + c %% %s, NULL, NULL, true, '[]', ''"
            " FROM generate_series(0, %s - 1) c UNION ALL"
            " SELECT %s + k, 'Chi bộ ' || k, %s, %s + k / %s, NULL, NULL, false, '[]', ''"
            " FROM generate_series(0, %s - 1) k",
            [
                kinds["central"],
                kinds["provincial_committee"],
                PROVINCES,
                c0,
                kinds["commune_committee"],
                PROVINCES,
                n["communes"],
                k0,
                kinds["cell"],
                c0,
                CELLS_PER_COMMUNE,
                n["cells"],
            ],
        )
        step(
            "places",
            "INSERT INTO org_place (id, code) SELECT 1 + v, %s || '-V' || lpad(v::text, 6, '0')"
            " FROM generate_series(0, %s - 1) v",
            [PREFIX, n["villages"]],
        )
        step(
            "place versions",
            "INSERT INTO org_placeversion (place_id, name, kind, unit_id, area_flags, valid_from,"
            " valid_to) SELECT 1 + v, 'Thôn ' || v, 'village', %s + v / %s, '[]', NULL::date, NULL::date"
            " FROM generate_series(0, %s - 1) v",
            [c0, VILLAGES_PER_COMMUNE, n["villages"]],
        )
        # Person g (1…N) is posted to cell (g - 1) mod cells and lives in one of its commune's
        # villages; one in fourteen (g mod 100 < 7) is a candidate, not a member.
        cursor.execute("SELECT setseed(0.25)")
        step(
            "people",
            "INSERT INTO people_person (id, person_id, full_name, search_name, birth_date, gender,"
            " ethnicity, religion, education_general, education_professional, occupation,"
            " youth_union, national_id, phone, residence_place_id, workplace_place_id)"
            " SELECT g.g, %s || '-' || lpad(g.g::text, 8, '0'), f.name || ' ' || r.name,"
            " f.folded || ' ' || r.folded, date '1950-01-01' + g.born, r.gender, 'Kinh', '', '',"
            " '', '', false, '', '',"
            " 1 + ((g.g - 1) %% %s) / %s * %s + g.g %% %s, NULL"
            " FROM (SELECT g, floor(random() * %s)::int AS fi, floor(random() * %s)::int AS ri,"
            " floor(random() * 20000)::int AS born FROM generate_series(1, %s) g) g"
            " JOIN bn_family f ON f.i = g.fi JOIN bn_rest r ON r.i = g.ri",
            [
                PREFIX,
                n["cells"],
                CELLS_PER_COMMUNE,
                VILLAGES_PER_COMMUNE,
                VILLAGES_PER_COMMUNE,
                POOL,
                POOL,
                people,
            ],
        )
        step(
            "memberships",
            "INSERT INTO people_membership (id, person_id, admission_decision_date,"
            " admission_decision_no, ceremony_date, official_date, left_date, left_reason)"
            " SELECT id, id, d, '', d, d + 365, NULL, ''"
            " FROM (SELECT id, greatest(birth_date + 6935, date '1975-01-01')"
            " + floor(random() * 3000)::int AS d FROM people_person WHERE id %% 100 >= 7) m",
        )
        step(
            "postings",
            "INSERT INTO people_posting (id, membership_id, person_id, cell_id, valid_from,"
            " valid_to) SELECT m.id, m.id, m.id, %s + (m.id - 1) %% %s, m.admission_decision_date,"
            " NULL FROM people_membership m",
            [k0, n["cells"]],
        )
        step(
            "candidates",
            "INSERT INTO pipeline_candidate (person_id, cell_id, added_on, source_group, note)"
            " SELECT id, %s + (id - 1) %% %s, date '2024-01-01' + floor(random() * 600)::int,"
            " 'youth_union', '' FROM people_person WHERE id %% 100 < 7",
            [k0, n["cells"]],
        )
        for table in (
            "org_unit",
            "org_place",
            "people_person",
            "people_membership",
            "people_posting",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        for name, definition in indexes:
            step(f"index {name}", definition)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def officer_scope(commune_index: int):
    """The scope of an officer of one commune (made on the first call)."""
    from django.contrib.auth import get_user_model

    from ranks.access.models import Grant
    from ranks.access.scope import scope_for
    from ranks.core.actor import Actor
    from ranks.org.models import Unit

    unit = Unit.objects.get(code=f"{PREFIX}-C{commune_index:05}")
    user, _ = get_user_model().objects.get_or_create(username=OFFICER)
    Grant.objects.filter(user=user).delete()
    Grant.objects.create(user=user, unit=unit, role="officer")
    return scope_for(Actor.for_user(user)), unit


def hand_written(query: str, unit_id: int | None) -> tuple[str, list]:
    """One SQL statement with the meaning of `person_search` (and of the scope, for a unit)."""
    from ranks.people.names import fold

    folded = fold(query)
    words, params = [], []
    for token in folded.split():
        words.append("(per.search_name LIKE %s OR per.search_name LIKE %s)")
        params += [f"{token}%", f"% {token}%"]
    where = " AND ".join(words)
    order = "ORDER BY per.search_name <> %s, per.search_name, per.person_id LIMIT 50"
    columns = "per.id, per.full_name"
    if unit_id is None:
        return f"SELECT {columns} FROM people_person per WHERE {where} {order}", [*params, folded]
    # The scope of a grant at the unit: postings to the cells ever below it in the periods they
    # were, and homes and workplaces at its places in the periods they were its.
    text = (
        "WITH RECURSIVE ever_sub(unit_id, vf, vt) AS ("
        " SELECT v.unit_id, COALESCE(v.valid_from, '0001-01-01'), COALESCE(v.valid_to, '9999-12-31')"
        " FROM org_unitversion v WHERE v.unit_id = %s"
        " UNION SELECT c.unit_id, GREATEST(COALESCE(c.valid_from, '0001-01-01'), s.vf),"
        " LEAST(COALESCE(c.valid_to, '9999-12-31'), s.vt)"
        " FROM org_unitversion c JOIN ever_sub s ON c.parent_id = s.unit_id"
        " WHERE COALESCE(c.valid_from, '0001-01-01') <= s.vt"
        " AND COALESCE(c.valid_to, '9999-12-31') >= s.vf),"
        " places AS (SELECT pv.place_id FROM org_placeversion pv JOIN ever_sub s ON pv.unit_id = s.unit_id"
        " WHERE COALESCE(pv.valid_from, '0001-01-01') <= s.vt"
        " AND COALESCE(pv.valid_to, '9999-12-31') >= s.vf),"
        " scope AS (SELECT p.person_id FROM people_posting p JOIN ever_sub s ON p.cell_id = s.unit_id"
        " WHERE p.valid_from <= s.vt AND COALESCE(p.valid_to, '9999-12-31') >= s.vf"
        " UNION SELECT per.id FROM people_person per JOIN places pl ON per.residence_place_id = pl.place_id"
        " UNION SELECT per.id FROM people_person per JOIN places pl ON per.workplace_place_id = pl.place_id)"
        f" SELECT {columns} FROM people_person per JOIN scope ON scope.person_id = per.id"
        f" WHERE {where} {order}"
    )
    return text, [unit_id, *params, folded]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=6_000_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--commune", type=int, default=1234, help="Index of the officer's commune.")
    parser.add_argument(
        "--keep", action="store_true", help="Reuse the country if its size matches."
    )
    parser.add_argument("--build-only", action="store_true", help="Build, then stop.")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a scratch PostgreSQL database.")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ranks.people.models import Person
    from ranks.people.selectors import person_search

    call_command("migrate", verbosity=0, interactive=False)
    check_scratch()
    if options.keep and present_people() == options.people:
        print(f"reusing {options.people:,} people")
    else:
        print(f"built in {build(options.people):.0f} s")
    if options.build_only:
        return
    scope, unit = officer_scope(options.commune % sizes(options.people)["communes"])
    in_scope = scope.people(Person.objects.all()).count()
    print(
        f"{database_facts(tables=('people_person',))}; {machine_facts()};"
        f" {in_scope:,} people in the scope of {unit.code}"
    )

    def raw(text: str, params: list):
        def run() -> int:
            with connection.cursor() as cursor:
                cursor.execute(text, params)
                return len(cursor.fetchall())

        return run

    header = ("query", "all: found", "ORM", "SQL", "commune: found", "ORM", "SQL")
    print("{:<16} {:>10} {:>8} {:>8} {:>14} {:>8} {:>8}".format(*header))
    for query, _ in QUERIES:
        everyone = timed(
            lambda q=query: len(person_search(Person.objects.all(), q)),
            runs=options.repeats,
            warmups=2,
        )
        everyone_sql = timed(raw(*hand_written(query, None)), runs=options.repeats, warmups=2)
        scoped = timed(
            lambda q=query: len(person_search(scope.people(Person.objects.all()), q)),
            runs=options.repeats,
            warmups=2,
        )
        scoped_sql = timed(raw(*hand_written(query, unit.pk)), runs=options.repeats, warmups=2)
        print(
            f"{query:<16} {everyone.result:>10} {everyone.median_ms:>8.1f}"
            f" {everyone_sql.median_ms:>8.1f} {scoped.result:>14} {scoped.median_ms:>8.1f}"
            f" {scoped_sql.median_ms:>8.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
