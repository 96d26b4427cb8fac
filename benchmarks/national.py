"""The national data set through the ordinary import, side by side with COPY, on PostgreSQL.

    make bench-national SCALE=0.1            # or: .venv/bin/python benchmarks/national.py --scale 0.1

It builds the national data set with `ranks national --scale S --seed N --output DIR` (or reuses
the files in --files DIR), creates a scratch PostgreSQL database, migrates it, and for every kind
in the interchange order:

- runs `ranks import KIND FILE` in a child process, as a user would: rows, seconds, rows a second
  and the child's peak resident memory (`ru_maxrss`, read for that child with `os.wait4`);
- runs `COPY … FROM STDIN (FORMAT csv, HEADER)` of the same file into a table with the same
  columns (all `text`: the cheapest table COPY can fill, so the ratio is a floor), in the same
  run, right after the import: the rows a second of the limit, and the import's share of it.

It then times name search without diacritics (unscoped, and within a commune officer's scope)
and a commune's unit page, source list and dashboard, in the national database and in a second
database holding only that commune's province: every old province merged into the new one on
1 July 2025 (`ranks national --provinces A,B`, which plans each province exactly as the national
run does). Medians of repeated runs after a warm-up.

The parent process imports no Django (Linux counts a parent's memory in a child's ru_maxrss);
each Django step runs in a child. DATABASE_URL names the server and the scratch database
(default postgres://postgres@127.0.0.1:5432/ranks_bench_national); it and its `_province`
twin are dropped and created again. Not a test: copy the figures into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.measure import machine_facts  # noqa: E402

RANKS = Path(sys.executable).with_name("ranks")
KIND_ORDER = [
    "units",
    "places",
    "people",
    "members",
    "candidates",
    "events",
    "targets",
    "secondments",
]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ranks_bench_national"
SEARCHES = ["nguyen van an", "tran thi", "phuc", "lo thi lan", "dang thi dung", "zzz"]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def recreate(url: str) -> None:
    name = database_name(url)
    if not name.startswith("ranks_bench"):
        sys.exit(f"Refusing to drop {name!r}: the scratch database's name starts with ranks_bench")
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def env_for(url: str, var: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ranks.settings",
        "DATABASE_URL": url,
        "RANKS_VAR_DIR": str(var),
        "RANKS_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "PYTHONIOENCODING": "utf-8",
    }


def measured(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(seconds, peak resident MB of the child, what it printed); exits when the child fails."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT
    )
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code:
        sys.exit(f"`{' '.join(map(str, command))}` exited with {code}:\n{out[-5000:]}")
    return seconds, usage.ru_maxrss / 1024, out


def build_files(scale: float, seed: int, directory: Path, env, provinces: str | None) -> float:
    if all((directory / f"{kind}.csv").exists() for kind in KIND_ORDER):
        return 0.0
    command = [str(RANKS), "national", "--scale", str(scale), "--seed", str(seed)]
    command += ["--output", str(directory), "--lang", "en"]
    if provinces:
        command += ["--provinces", provinces]
    seconds, _peak, _out = measured(command, env)
    return seconds


MERGED_WITH = r"""
import sys, django
django.setup()
from ranks.demo.national import province_jobs
scale, seed, name = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
jobs = province_jobs(scale=scale, seed=seed)
new = next(j.new_code for j in province_jobs(scale=scale, seed=seed, provinces=[name]))
print(",".join(j.short for j in jobs if j.new_code == new))
"""


def merged_provinces(scale: float, seed: int, province: str, env) -> str:
    """The old provinces that make up `province`'s new province (Hải Dương: with Hải Phòng)."""
    done = subprocess.run(
        [sys.executable, "-c", MERGED_WITH, str(scale), str(seed), province],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def rows_in(path: Path) -> int:
    with path.open("rb") as stream:
        return max(sum(1 for _ in stream) - 1, 0)


def copy_rate(url: str, path: Path) -> tuple[float, int]:
    """Seconds to COPY the file into an unlogged-free, index-free table of its columns (text)."""
    with path.open(encoding="utf-8-sig", newline="") as stream:
        header = next(csv.reader(stream))
    columns = ", ".join(f'"{c}" text' for c in header)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_copy")
        conn.execute(f"CREATE TABLE bench_copy ({columns})")
        started = time.perf_counter()
        with conn.cursor() as cursor:
            with cursor.copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)") as copy:
                with path.open("rb") as stream:
                    while block := stream.read(1 << 20):
                        copy.write(block)
        seconds = time.perf_counter() - started
        count = conn.execute("SELECT count(*) FROM bench_copy").fetchone()[0]
        conn.execute("DROP TABLE bench_copy")
    return seconds, count


# One hand-written SQL that writes a kind's file where the import writes it: COPY into a text
# table, then INSERT … SELECT into tables like the real ones, with their indexes (the trigram one
# included), reading the codes through the same joins, and none of the import's checks, audit or
# history (members: one membership a person, postings without their ends). What the database
# itself must do for the rows. The statements are split on semicolons: a list's `;` is chr(59).
HAND_WRITTEN = {
    "units": """
        CREATE TEMPORARY TABLE bench_units (LIKE org_unit INCLUDING ALL);
        CREATE TEMPORARY TABLE bench_unitversions (LIKE org_unitversion INCLUDING ALL);
        INSERT INTO bench_units (code) SELECT DISTINCT code FROM bench_copy;
        INSERT INTO bench_unitversions (unit_id, name, kind_id, parent_id, valid_from, valid_to,
            can_admit, area_flags, admin_code)
        SELECT u.id, c.name, k.id, p.id, c.valid_from::date, c.valid_to::date,
               coalesce(c.can_admit = 'true', false),
               to_jsonb(coalesce(string_to_array(c.area_flags, chr(59)), '{}')), ''
        FROM bench_copy c JOIN bench_units u ON u.code = c.code
        JOIN org_unitkind k ON k.key = c.kind LEFT JOIN bench_units p ON p.code = c.parent_code
    """,
    "places": """
        CREATE TEMPORARY TABLE bench_places (LIKE org_place INCLUDING ALL);
        CREATE TEMPORARY TABLE bench_placeversions (LIKE org_placeversion INCLUDING ALL);
        CREATE TEMPORARY TABLE bench_cells (LIKE org_placeversion_cells INCLUDING ALL);
        INSERT INTO bench_places (code) SELECT DISTINCT code FROM bench_copy;
        INSERT INTO bench_placeversions (place_id, name, kind, unit_id, area_flags, valid_from,
            valid_to)
        SELECT p.id, c.name, c.kind, u.id,
               to_jsonb(coalesce(string_to_array(c.area_flags, chr(59)), '{}')),
               c.valid_from::date, c.valid_to::date
        FROM bench_copy c JOIN bench_places p ON p.code = c.code
        JOIN org_unit u ON u.code = c.unit_code;
        INSERT INTO bench_cells (placeversion_id, unit_id)
        SELECT v.id, u.id FROM bench_copy c JOIN bench_places p ON p.code = c.code
        JOIN bench_placeversions v ON v.place_id = p.id
         AND v.valid_from IS NOT DISTINCT FROM c.valid_from::date
        CROSS JOIN LATERAL unnest(string_to_array(c.cell_codes, chr(59))) AS x(code)
        JOIN org_unit u ON u.code = x.code
    """,
    "people": """
        CREATE TEMPORARY TABLE bench_people (LIKE people_person INCLUDING ALL);
        INSERT INTO bench_people (person_id, full_name, search_name, birth_date, gender,
            ethnicity, religion, education_general, education_professional, occupation,
            youth_union, national_id, phone, residence_place_id, workplace_place_id)
        SELECT c.person_id, c.full_name,
               regexp_replace(btrim(lower(unaccent(c.full_name))), ' +', ' ', 'g'),
               c.birth_date::date, coalesce(c.gender, ''), coalesce(c.ethnicity, ''),
               coalesce(c.religion, ''), coalesce(c.education_general, ''),
               coalesce(c.education_professional, ''), coalesce(c.occupation, ''),
               coalesce(c.youth_union = 'true', false), coalesce(c.national_id, ''),
               coalesce(c.phone, ''), r.id, w.id
        FROM bench_copy c
        LEFT JOIN org_place r ON r.code = c.residence_place_code
        LEFT JOIN org_place w ON w.code = c.workplace_place_code
    """,
    "members": """
        CREATE TEMPORARY TABLE bench_memberships (LIKE people_membership INCLUDING ALL);
        CREATE TEMPORARY TABLE bench_postings (LIKE people_posting INCLUDING ALL);
        INSERT INTO bench_memberships (person_id, admission_decision_date,
            admission_decision_no, ceremony_date, official_date, left_date, left_reason)
        SELECT DISTINCT ON (p.id) p.id, c.admission_decision_date::date,
               coalesce(c.admission_decision_no, ''), c.ceremony_date::date,
               c.official_date::date, c.left_date::date, coalesce(c.left_reason, '')
        FROM bench_copy c JOIN people_person p ON p.person_id = c.person_id;
        INSERT INTO bench_postings (membership_id, person_id, cell_id, valid_from, valid_to)
        SELECT m.id, m.person_id, u.id,
               coalesce(c.cell_from::date, m.admission_decision_date), NULL
        FROM bench_copy c JOIN people_person p ON p.person_id = c.person_id
        JOIN bench_memberships m ON m.person_id = p.id
        JOIN org_unit u ON u.code = c.cell_code
    """,
    "candidates": """
        CREATE TEMPORARY TABLE bench_candidates (LIKE pipeline_candidate INCLUDING ALL);
        CREATE TEMPORARY TABLE bench_mentors (LIKE pipeline_candidate_mentors INCLUDING ALL);
        INSERT INTO bench_candidates (person_id, cell_id, added_on, source_group, note)
        SELECT p.id, u.id, c.added_on::date, coalesce(c.source_group, ''), ''
        FROM bench_copy c JOIN people_person p ON p.person_id = c.person_id
        JOIN org_unit u ON u.code = c.cell_code;
        INSERT INTO bench_mentors (candidate_id, person_id)
        SELECT b.id, m.id FROM bench_copy c JOIN people_person p ON p.person_id = c.person_id
        JOIN bench_candidates b ON b.person_id = p.id
        CROSS JOIN LATERAL unnest(string_to_array(c.mentor_person_ids, chr(59))) AS x(code)
        JOIN people_person m ON m.person_id = x.code
    """,
}


def hand_written_seconds(url: str, path: Path, kind: str) -> float | None:
    """Seconds for COPY plus the kind's hand-written INSERT … SELECT, in a transaction rolled
    back; None for a kind without one."""
    sql = HAND_WRITTEN.get(kind)
    if sql is None:
        return None
    with path.open(encoding="utf-8-sig", newline="") as stream:
        header = next(csv.reader(stream))
    columns = ", ".join(f'"{c}" text' for c in header)
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        conn.execute(f"CREATE TEMPORARY TABLE bench_copy ({columns})")
        with conn.cursor() as cursor:
            with cursor.copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)") as copy:
                with path.open("rb") as stream:
                    while block := stream.read(1 << 20):
                        copy.write(block)
            for statement in sql.split(";"):
                cursor.execute(statement)
        seconds = time.perf_counter() - started
        conn.rollback()
    return seconds


def load(url: str, directory: Path, var: Path, *, compare: bool) -> list[dict]:
    env = env_for(url, var)
    measured([str(RANKS), "migrate", "--no-input", "-v", "0"], env)
    figures = []
    for kind in KIND_ORDER:
        path = directory / f"{kind}.csv"
        rows = rows_in(path)
        seconds, peak, _out = measured(
            [str(RANKS), "import", kind, str(path), "--no-progress", "--lang", "en"], env
        )
        figure = {"kind": kind, "rows": rows, "seconds": seconds, "peak_mb": peak}
        if compare:
            copy_seconds, copied = copy_rate(url, path)
            assert copied == rows, (kind, copied, rows)
            figure["copy_seconds"] = copy_seconds
            figure["sql_seconds"] = hand_written_seconds(url, path, kind)
        figures.append(figure)
        if compare:
            print_kind(figure)
    return figures


def print_kind(f: dict) -> None:
    rate = f["rows"] / f["seconds"] if f["seconds"] else 0
    line = f"{f['kind']:<12} {f['rows']:>10,} {f['seconds']:>9.1f} {rate:>10,.0f}"
    if "copy_seconds" in f:
        copy = f["rows"] / f["copy_seconds"] if f["copy_seconds"] else 0
        ratio = rate / copy if copy else 0
        line += f" {copy:>11,.0f} {ratio:>7.3f} {'yes' if ratio >= 0.25 else 'no':>6}"
    line += f" {f['peak_mb']:>9.0f}"
    if f.get("sql_seconds"):
        sql = f["rows"] / f["sql_seconds"]
        line += f"   (one hand-written SQL: {sql:,.0f} rows/s, ratio {rate / sql:.2f})"
    print(line, flush=True)


# What runs in a Django child: pick a commune, time searches and pages.

CHILD = r"""
import json, sys
import django
django.setup()
from benchmarks.measure import database_facts, timed
from django.contrib.auth import get_user_model
from django.test import Client
from ranks.access.models import Grant
from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.core.clock import today
from ranks.org.models import UnitVersion
from ranks.people.models import Person
from ranks.people.selectors import person_search

args = json.loads(sys.argv[1])
day = today()

def median_ms(call, runs):
    return timed(call, runs=runs, warmups=2).median_ms

commune = args.get("commune")
if not commune:
    # The first commune of the province's tree today, by code.
    from ranks.demo.national import province_jobs
    from ranks.org.models import Unit
    province = province_jobs(scale=args["scale"], seed=args["seed"], provinces=[args["province"]])[0].new_code
    commune = (
        UnitVersion.objects.valid_on(day)
        .filter(parent__code=province, kind__key="commune_committee")
        .order_by("unit__code")
        .values_list("unit__code", flat=True)
        .first()
    )
User = get_user_model()
user, _ = User.objects.get_or_create(username="bench-commune")
Grant.objects.get_or_create(user=user, unit_id=UnitVersion.objects.filter(unit__code=commune).first().unit_id, defaults={"role": "officer", "granted_by": "bench"})
actor = Actor.for_user(user)
scope = scope_for(actor)
out = {"commune": commune, "people": Person.objects.count(), "search": {}, "pages": {}}
out["database"] = database_facts()
for query in args["searches"]:
    everyone = median_ms(lambda: person_search(Person.objects.all(), query), args["runs"])
    scoped = median_ms(lambda: person_search(scope.people(Person.objects.all()), query), args["runs"])
    out["search"][query] = [everyone, scoped]
client = Client()
client.force_login(user)
for name, url in [
    ("unit page", f"/units/{commune}/"),
    ("source list", f"/units/{commune}/candidates/"),
    ("dashboard", f"/units/{commune}/dashboard/"),
]:
    status = client.get(url).status_code
    assert status == 200, (url, status)
    out["pages"][name] = median_ms(lambda: client.get(url), args["page_runs"])
print(json.dumps(out))
"""


def probe(url: str, var: Path, **args) -> dict:
    env = env_for(url, var)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(args)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(done.stderr[-5000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--files", metavar="DIR", help="Keep (or reuse) the national files here.")
    parser.add_argument(
        "--province", default="Hải Dương", help="The province of the commune whose pages are timed."
    )
    parser.add_argument("--runs", type=int, default=15, help="Timed runs of each search.")
    parser.add_argument("--page-runs", type=int, default=5, help="Timed runs of each page.")
    parser.add_argument("--skip-load", action="store_true", help="Time an earlier load.")
    options = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit(
            "The national benchmark runs on PostgreSQL: set DATABASE_URL to a scratch database."
        )
    province_url = with_database(url, database_name(url) + "_province")

    with tempfile.TemporaryDirectory(prefix="ranks-bench-national-") as scratch:
        var = Path(scratch)
        files = Path(options.files) if options.files else var / "national"
        files.mkdir(parents=True, exist_ok=True)
        env = env_for(url, var)
        built = build_files(options.scale, options.seed, files, env, None)
        print(
            f"# ranks national --scale {options.scale} --seed {options.seed}: built in {built:.0f} s"
            f" (0 when reused); {machine_facts()}"
        )
        if not options.skip_load:
            recreate(url)
            print(
                f"{'kind':<12} {'rows':>10} {'seconds':>9} {'rows/s':>10} {'COPY rows/s':>11}"
                f" {'ratio':>7} {'≥ 1/4':>6} {'peak MB':>9}"
            )
            figures = load(url, files, var, compare=True)
            total = sum(f["seconds"] for f in figures)
            print(f"{'all kinds':<12} {sum(f['rows'] for f in figures):>10,} {total:>9.1f}")
        province_files = var / "province"
        province_files.mkdir(exist_ok=True)
        provinces = merged_provinces(options.scale, options.seed, options.province, env)
        print(f"# the province database: {provinces}")
        build_files(options.scale, options.seed, province_files, env, provinces)
        recreate(province_url)
        load(province_url, province_files, var, compare=False)
        runs = {"searches": SEARCHES, "runs": options.runs, "page_runs": options.page_runs}
        national = probe(
            url, var, province=options.province, scale=options.scale, seed=options.seed, **runs
        )
        alone = probe(province_url, var, commune=national["commune"], **runs)
        print(f"# {national['database']}")
        print(
            f"\nname search, median ms ({national['people']:,} people nationally,"
            f" {alone['people']:,} in the province database); scope: officer of {national['commune']}"
        )
        print(f"{'query':<16} {'national':>9} {'scoped':>9} {'province':>9} {'scoped':>9}")
        for query in SEARCHES:
            n, p = national["search"][query], alone["search"][query]
            print(f"{query:<16} {n[0]:>9.1f} {n[1]:>9.1f} {p[0]:>9.1f} {p[1]:>9.1f}")
        print(f"\ncommune {national['commune']}, median ms")
        print(f"{'page':<14} {'national':>9} {'province':>9} {'ratio':>7} {'≤ 1.5':>6}")
        for page, ms in national["pages"].items():
            ratio = ms / alone["pages"][page]
            print(
                f"{page:<14} {ms:>9.1f} {alone['pages'][page]:>9.1f} {ratio:>7.2f}"
                f" {'yes' if ratio <= 1.5 else 'no':>6}"
            )
        print(
            "\nsearch medians within 50 ms: "
            + ("yes" if max(max(v) for v in national["search"].values()) < 50 else "no")
        )
        ratios = [national["pages"][p] / alone["pages"][p] for p in national["pages"]]
        print(f"median of the commune pages' ratios: {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
