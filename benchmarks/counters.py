"""Figures at national scale from the period counters, side by side with their limits.

Run after `benchmarks/national.py` has loaded the country into a PostgreSQL database (and the
province of `--province` alone into a second one, `<name>_province`), with the national files it
kept (`--files`). Prints, for each row of the table of issue 11, both times, their ratio and the
query count; then admissions recorded per second by 1 and by 8 concurrent writers, each in its
own commune, and whether the counters still agree with the records. Coverage of the whole
country (its page on today's date, and its trend over ten years) has an absolute goal.
Last, the figures restated in the structure of a date (issue 15) in both directions (the year
before the reform by today's units, today by the units of 31 December 2024), each beside the same
figure as it was, and the restated admissions beside one hand-written SQL and DuckDB;
`--restated-only` runs those alone (after folding the counters).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ranks_bench_national \\
      .venv/bin/python benchmarks/counters.py --files /tmp/nat01

DuckDB (`pip install .[bench]`) reads the interchange files from disk with no index; it is the
limit of "faster than any scan", and only a benchmark extra.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.measure import machine_facts, timed  # noqa: E402
from benchmarks.national import DEFAULT_URL, database_name, env_for, with_database  # noqa: E402

DUCKDB_ADMISSIONS = """
WITH RECURSIVE
units AS (
    SELECT code, NULLIF(parent_code, '') AS parent,
           COALESCE(TRY_CAST(NULLIF(valid_from, '') AS DATE), DATE '0001-01-01') AS vf,
           COALESCE(TRY_CAST(NULLIF(valid_to, '') AS DATE), DATE '9999-12-31') AS vt
    FROM read_csv('{units}', all_varchar = true)
),
adm AS (
    SELECT cell_code AS unit, CAST(admission_decision_date AS DATE) AS day
    FROM read_csv('{members}', all_varchar = true)
    WHERE CAST(admission_decision_date AS DATE) BETWEEN DATE '{year}-01-01' AND DATE '{year}-12-31'
      AND COALESCE(NULLIF(cell_from, ''), admission_decision_date) = admission_decision_date
),
up AS (
    SELECT a.unit, a.day, u.parent FROM adm a JOIN units u
      ON u.code = a.unit AND a.day BETWEEN u.vf AND u.vt
    UNION ALL
    SELECT u.code, up.day, u.parent FROM up JOIN units u
      ON u.code = up.parent AND up.day BETWEEN u.vf AND u.vt
)
SELECT unit, count(*) FROM up GROUP BY unit
"""


def duckdb_seconds(files: Path, year: int, runs: int) -> tuple[float, int] | None:
    try:
        import duckdb
    except ImportError:
        return None
    text = DUCKDB_ADMISSIONS.format(
        units=files / "units.csv", members=files / "members.csv", year=year
    )

    def scan() -> int:
        with duckdb.connect() as con:  # a new connection each run: nothing kept from the last
            return len(con.execute(text).fetchall())

    timing = timed(scan, runs=runs)
    return timing.median_ms / 1000, timing.result


CHILD = r"""
import datetime as dt, json, sys, threading, time
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from ranks.core.actor import SYSTEM
from ranks.core.clock import today
from ranks.org.models import Unit, UnitVersion
from benchmarks.measure import database_facts, timed
from benchmarks.sql import actual_by_unit

args = json.loads(sys.argv[1])
day = today()
out = {"database": database_facts()}

def median_s(call, runs):
    return timed(call, runs=runs).median_ms / 1000

user, _ = get_user_model().objects.get_or_create(
    username="bench-counters", defaults={"is_superuser": True, "is_staff": True})
client = Client()
client.force_login(user)

def page(code, what="dashboard"):
    url = f"/units/{code}/{what}" if what.endswith("/") or "?" in what else f"/units/{code}/{what}/"
    url = url if what else f"/units/{code}/"
    assert client.get(url).status_code == 200, url
    timing = timed(lambda: client.get(url), runs=args["runs"], count_queries=True)
    return timing.median_ms / 1000, timing.queries

if args.get("fold"):
    # As a nightly job would: fold the delta rows and count the cells' starts.
    from ranks.counters.services import fold
    started = time.perf_counter()
    fold()
    out["fold"] = time.perf_counter() - started

def by_records(code):
    # What the source list's counts and the cell-health page read before the counters: every
    # candidacy's stage from its events, and every cell's health from its members' records.
    from django.db.models import Prefetch
    from django.db.models.expressions import RawSQL
    from ranks.coverage.health import cell_health
    from ranks.org import sql
    from ranks.pipeline.models import Candidate, StageEvent
    from ranks.pipeline.selectors import candidate_state
    unit = Unit.objects.get(code=code)
    def stages():
        below = RawSQL(*sql.subtree_on_ids([unit.pk], day))
        found = Candidate.objects.filter(cell_id__in=below, added_on__lte=day).prefetch_related(
            Prefetch("events", queryset=StageEvent.objects.only("candidate_id", "stage", "date")))
        return [candidate_state(c, day).stage for c in found]
    return median_s(stages, 1), median_s(lambda: cell_health(unit, day), 1)

for name in ("central", "province", "commune"):
    code = args.get(name)
    if code:
        out[name] = page(code)
        if name != "commune":  # the unit page: members and the year so far, from the counters
            out[name + "_unit_page"] = page(code, "")
            out[name + "_board"] = page(code, "candidates/?view=board")
            out[name + "_list"] = page(code, "candidates/?state=active")
            out[name + "_cells"] = page(code, "cells")
            if args.get("records"):
                out[name + "_records"] = by_records(code)
if args.get("coverage"):
    from ranks.coverage.selectors import coverage_trend
    code = args["coverage"]
    out["coverage_page"] = page(code, "coverage")
    if args.get("province"):
        out["province_coverage_page"] = page(args["province"], "coverage")
    unit = Unit.objects.get(code=code)
    trend = lambda: coverage_trend(unit, day, years=range(day.year - 9, day.year + 1))
    timing = timed(trend, runs=args["runs"], count_queries=True)
    out["trend"] = (timing.median_ms / 1000, timing.queries)
if args.get("province"):
    unit = Unit.objects.get(code=args["province"])
    out["province_sql"] = median_s(
        lambda: actual_by_unit(unit.pk, dt.date(day.year, 1, 1), day), args["runs"])
if args.get("restated"):
    # Figures restated in the structure of a date (issue 15), each beside the same figure as it
    # was for the same unit and period, and the restated admissions beside one hand-written SQL.
    from ranks.access.scope import Scope
    from ranks.coverage.selectors import cells_shown, coverage_shown
    from ranks.restructure.models import Restructure
    from ranks.restructure.models import PositionSnapshot
    from ranks.restructure.successors import keep_structure, restated_cells
    from ranks.targets.progress import admission_ratio, composition, progress
    from benchmarks.sql import actual_by_unit, restated_by_unit
    everything = Scope(full=True)
    runs = args["restated_runs"]

    def in_force(code, on):
        return UnitVersion.objects.valid_on(on).filter(unit__code=code).exists()

    def standing(code, on):
        # The unit itself when in force on `on`, else a unit merged into it in force then.
        if in_force(code, on):
            return code
        for sources, in Restructure.objects.filter(target_codes__contains=[code]).values_list("source_codes"):
            for source in sorted(sources or ()):
                if in_force(source, on):
                    return source
        # No restructure recorded (the national files close and open units): the unit that
        # held, on `on`, the first of the units below this one at any time.
        below = UnitVersion.objects.filter(parent__code=code).order_by("unit_id")
        return (
            UnitVersion.objects.valid_on(on)
            .filter(unit_id__in=below.values("unit_id"), parent__isnull=False)
            .order_by("unit_id").values_list("parent__code", flat=True).first()
        )

    def both(restated, as_was):
        r = timed(restated, runs=runs, count_queries=True)
        a = timed(as_was, runs=runs, count_queries=True)
        return [r.median_ms / 1000, r.queries, a.median_ms / 1000, a.queries, r.result, a.result]

    def rebuilt(day):
        # The structure of the date built as the first read after a change of the tree does.
        PositionSnapshot.objects.filter(day=day).delete()
        return keep_structure(day)

    found = {}
    for direction, on, structure_on in args["restated"]:
        on, structure_on = dt.date.fromisoformat(on), dt.date.fromisoformat(structure_on)
        built = timed(lambda: rebuilt(structure_on), runs=runs, count_queries=True)
        found[f"{direction} built"] = [built.median_ms / 1000, built.queries, built.result]
        for level in args["levels"]:
            print(direction, level, time.strftime("%H:%M:%S"), file=sys.stderr, flush=True)
            # Restated: the unit (or one merged into it) in force on the structure date; as it
            # was: the unit (or one merged into it) in force on the day.
            code, code_on = standing(args[level], structure_on), standing(args[level], on)
            if code is None or code_on is None:
                found[f"{direction} {level}"] = {"code": args[level], "missing": True}
                continue
            unit, unit_on = Unit.objects.get(code=code), Unit.objects.get(code=code_on)
            first = dt.date(on.year, 1, 1)
            got = {"code": code if code == code_on else f"{code} (as it was: {code_on})"}
            got["walk"] = both(lambda: len(restated_cells(unit.pk, structure_on).counts_for),
                               lambda: 0)[:2]
            p = both(lambda: progress(scope=everything, unit=unit, on=on, depth=1,
                                      structure_on=structure_on),
                     lambda: progress(scope=everything, unit=unit_on, on=on, depth=1))
            got["progress"] = p[:4]
            got["progress_total"] = (p[4].rows[0].actual, p[5].rows[0].actual)
            got["composition"] = both(
                lambda: composition(scope=everything, unit=unit, start=first, end=on,
                                    sensitive=False, structure_on=structure_on).total,
                lambda: composition(scope=everything, unit=unit_on, start=first, end=on,
                                    sensitive=False).total)[:4]
            got["ratio"] = both(
                lambda: admission_ratio(scope=everything, unit=unit, year=on.year,
                                        structure_on=structure_on),
                lambda: admission_ratio(scope=everything, unit=unit_on, year=on.year))[:4]
            sql = timed(lambda: restated_by_unit(unit.pk, first, on, structure_on), runs=runs)
            got["sql"] = [sql.median_ms / 1000, sql.result.get(unit.pk, 0)]
            asked = f"?on={on.isoformat()}"
            again = f"{asked}&structure_on={structure_on.isoformat()}"
            for what in ("dashboard/", "coverage/", "cells/"):
                r = page(code, what + again)
                a = page(code_on, what + asked)
                got[what.rstrip("/")] = [r[0], r[1], a[0], a[1]]
            found[f"{direction} {level}"] = got
    out["restated"] = found
if args.get("writers"):
    from ranks.people.services import membership_admit, person_save
    from ranks.targets.recount import verify
    cells = list(
        UnitVersion.objects.valid_on(day).filter(kind__key="cell")
        .order_by("parent_id", "unit_id").values_list("parent__code", "unit__code")
    )
    by_commune = {}
    for commune, cell in cells:
        by_commune.setdefault(commune, cell)
    communes = list(by_commune.items())[: max(args["writers"])]
    result = {}
    for writers in args["writers"]:
        errors = []
        def work(n, cell):
            try:
                for i in range(args["admissions"]):
                    person = person_save(actor=SYSTEM, person_id=f"BW-{args['stamp']}-{writers}-{n}-{i}",
                                         full_name="Vi Văn Tùng", birth_date=dt.date(2000, 1, 1))
                    membership_admit(actor=SYSTEM, person=person, cell_code=cell,
                                     admission_decision_date=day)
            except BaseException as error:
                errors.append(repr(error))
            finally:
                connection.close()
        threads = [threading.Thread(target=work, args=(n, cell)) for n, (_c, cell) in enumerate(communes[:writers])]
        started = time.perf_counter()
        for t in threads: t.start()
        for t in threads: t.join()
        seconds = time.perf_counter() - started
        result[writers] = (writers * args["admissions"] / seconds, errors)
    agree = all(not verify(Unit.objects.get(code=c)) for c, _cell in communes)
    out["writers"] = {"rates": result, "agree": agree}
print(json.dumps(out))
"""


def child(url: str, **args) -> dict:
    env = {**env_for(url, Path(tempfile.gettempdir())), "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(args)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    if done.returncode:  # the child's errors (and its progress) went to stderr
        sys.exit(done.returncode)
    return json.loads(done.stdout.strip().splitlines()[-1])


def codes(url: str, province_name: str) -> tuple[str, str, str]:
    """The central unit, the province named and its first commune today."""
    import psycopg

    with psycopg.connect(url) as con:
        rows = con.execute(
            """
            SELECT u.code, v.parent_id, k.key, v.name, v.unit_id FROM org_unitversion v
            JOIN org_unit u ON u.id = v.unit_id JOIN org_unitkind k ON k.id = v.kind_id
            WHERE COALESCE(v.valid_from, '0001-01-01') <= current_date
              AND COALESCE(v.valid_to, '9999-12-31') >= current_date
              AND k.key IN ('central', 'provincial_committee', 'commune_committee')
            ORDER BY u.code
            """
        ).fetchall()
    central = next(r for r in rows if r[2] == "central")
    province = next(r for r in rows if r[2] == "provincial_committee" and province_name in r[3])
    commune = next(r for r in rows if r[2] == "commune_committee" and r[1] == province[4])
    return central[0], province[0], commune[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", metavar="DIR", required=True, help="The national files.")
    parser.add_argument("--province", default="Hải Phòng", help="A province of today, by name.")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--admissions", type=int, default=40, help="Admissions per writer.")
    parser.add_argument(
        "--restated-only",
        action="store_true",
        help="Only the figures restated in the structure of a date (after the fold).",
    )
    parser.add_argument("--restated-runs", type=int, default=5)
    parser.add_argument("--restated-levels", default="central,province,commune")
    parser.add_argument("--no-fold", action="store_true", help="The counters are folded already.")
    parser.add_argument("--old-structure", default="2024-12-31", help="A day before the reform.")
    options = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    province_url = with_database(url, database_name(url) + "_province")
    central, province, commune = codes(url, options.province)
    year = time.localtime().tm_year
    if options.restated_only:
        restated(url, options, central, province, commune)
        return
    duck = duckdb_seconds(Path(options.files), year, options.runs)
    national = child(
        url, central=central, province=province, commune=commune, coverage=central,
        runs=options.runs, records=True, fold=True,
    )  # fmt: skip
    alone = child(province_url, commune=commune, runs=options.runs)
    print(f"# central {central}, province {province}, commune {commune}; medians of {options.runs}")
    print(f"# {national['database']}; {machine_facts()}")
    print(f"# ranks counters fold (the delta rows and the cells' starts): {national['fold']:.1f} s")
    print(f"{'figure':<58} {'seconds':>8} {'limit s':>8} {'ratio':>6} {'goal':>6} {'queries':>8}")

    def line(label, seconds, limit, goal, queries):
        ratio = seconds / limit if limit else float("nan")
        print(f"{label:<58} {seconds:>8.3f} {limit:>8.3f} {ratio:>6.2f} {goal:>6} {queries:>8}")

    if duck is not None:
        line("central dashboard ÷ DuckDB per-unit admissions", national["central"][0], duck[0],
             "≤ 0.2", national["central"][1])  # fmt: skip
    else:
        print("central dashboard: DuckDB not installed (pip install .[bench])", national["central"])
    line("province dashboard ÷ hand-written SQL (benchmarks/sql.py)", national["province"][0],
         national["province_sql"], "≤ 1.2", national["province"][1])  # fmt: skip
    line("commune dashboard, national ÷ province-only database", national["commune"][0],
         alone["commune"][0], "≤ 1.2", national["commune"][1])  # fmt: skip
    print(f"{'coverage page of the whole country on a date':<58} "
          f"{national['coverage_page'][0]:>8.3f} {'':>8} {'':>6} {'< 1 s':>6} "
          f"{national['coverage_page'][1]:>8}")  # fmt: skip
    print(
        f"{'coverage page of the province (map, blank places)':<58} "
        f"{national['province_coverage_page'][0]:>8.3f} {'':>8} {'':>6} {'':>6} "
        f"{national['province_coverage_page'][1]:>8}"
    )
    for name in ("central", "province"):
        seconds, count = national[name + "_unit_page"]
        label = f"unit page of the {name} (members, the year so far)"
        print(f"{label:<58} {seconds:>8.3f} {'':>8} {'':>6} {'':>6} {count:>8}")
    for name in ("central", "province"):
        stages, cells = national[name + "_records"]
        for what, key, limit in (
            ("source list board", "_board", stages),
            ("source list, active, page 1", "_list", stages),
            ("cell health page", "_cells", cells),
        ):
            seconds, count = national[name + key]
            line(f"{what} of the {name} ÷ records", seconds, limit, "", count)
    print(
        f"{'coverage trend over ten years, the whole country':<58} "
        f"{national['trend'][0]:>8.3f} {'':>8} {'':>6} {'< 2 s':>6} {national['trend'][1]:>8}"
    )
    stamp = int(time.time())
    writers = child(url, writers=[1, 8], admissions=options.admissions, runs=1, stamp=stamp)[
        "writers"
    ]
    for n, (rate, errors) in writers["rates"].items():
        print(f"admissions recorded per second, {n} writer(s): {rate:.1f}; errors: {len(errors)}")
    print(f"counters agree with the records in the communes written: {writers['agree']}")
    restated(url, options, central, province, commune)


def restated(url: str, options, central: str, province: str, commune: str) -> None:
    """Figures restated in the structure of a date (issue 15), in both directions: the last
    year before the reform read by the units of today, and today read by those of the old
    structure; each beside the same figure as it was, and the restated admissions beside one
    hand-written SQL (`benchmarks/sql.py`, `restated_by_unit`) and DuckDB's scan."""
    today = time.strftime("%Y-%m-%d")
    old = options.old_structure
    directions = [("old in new", old, today), ("new in old", today, old)]
    found = child(
        url, central=central, province=province, commune=commune, runs=options.restated_runs,
        restated=directions, restated_runs=options.restated_runs, fold=options.restated_only and not options.no_fold,
        levels=options.restated_levels.split(","),
    )  # fmt: skip
    if "fold" in found:
        print(f"# ranks counters fold: {found['fold']:.1f} s")
    ducks = {
        on: duckdb_seconds(Path(options.files), int(on[:4]), options.restated_runs)
        for _d, on, _s in directions
    }
    print(f"# restated figures; medians of {options.restated_runs}; {machine_facts()}")
    for direction, on, structure_on in directions:
        print(f"\n# the figures of {on} in the structure of {structure_on}")
        print(f"{'figure':<58} {'seconds':>8} {'limit s':>8} {'ratio':>6} {'queries':>8}")
        seconds, queries, units = found["restated"][f"{direction} built"]
        label = f"the structure of {structure_on} built ({units:,} units; once a change)"
        print(f"{label:<58} {seconds:>8.3f} {'':>8} {'':>6} {queries:>8}")
        for level in options.restated_levels.split(","):
            got = found["restated"][f"{direction} {level}"]
            if got.get("missing"):
                print(f"{level} {got['code']}: nothing in force on {structure_on} or {on}")
                continue
            name = f"{level} {got['code']}"

            def line(label, seconds, limit, queries, limit_queries=None):
                ratio = f"{seconds / limit:>6.2f}" if limit else f"{'':>6}"
                more = f" (as it was: {limit_queries})" if limit_queries is not None else ""
                limit_text = f"{limit:>8.3f}" if limit else f"{'':>8}"
                print(f"{label:<58} {seconds:>8.3f} {limit_text} {ratio} {queries:>8}{more}")

            line(f"{name}: the units standing below (restated_cells)", *got["walk"][:1], None,
                 got["walk"][1])  # fmt: skip
            for what in ("progress", "composition", "ratio", "dashboard", "coverage", "cells"):
                seconds, queries, limit, limit_queries = got[what]
                line(f"{name}: {what} ÷ as it was", seconds, limit, queries, limit_queries)
            sql_seconds, sql_total = got["sql"]
            line(f"{name}: progress ÷ hand-written SQL", got["progress"][0], sql_seconds,
                 got["progress"][1])  # fmt: skip
            duck = ducks[on]
            if level == "central" and duck is not None:
                line(f"{name}: dashboard ÷ DuckDB per-unit admissions", got["dashboard"][0],
                     duck[0], got["dashboard"][1])  # fmt: skip
            restated_total, as_was = got["progress_total"]
            print(
                f"{'':<4}admissions of {on[:4]} to {on}: restated {restated_total:,},"
                f" as it was {as_was:,}, the SQL's cells in force on {structure_on} {sql_total:,}"
            )


if __name__ == "__main__":
    main()
