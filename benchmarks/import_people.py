"""How fast does `ranks import people` take a large file, and does its memory grow with the file?

    DATABASE_URL=sqlite:////tmp/imp-bench.sqlite3 .venv/bin/python benchmarks/import_people.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ranks_imp_bench .venv/bin/python benchmarks/import_people.py

For each size (default 10,000, 50,000 and 100,000 rows) it writes a CSV of made-up people (the
demo's names, Vietnamese headers, DD/MM/YYYY dates, a residence at one of a few places it creates
first), removes the benchmark people of an earlier run, and runs `ranks import people FILE` in a
child process, as a user would. It prints rows, seconds, rows a second and the child's peak
resident memory: ru_maxrss, as resource.getrusage(RUSAGE_CHILDREN) reports it, read for each
child with os.wait4 so that one size's peak does not hide the next. Linux counts in a child's
ru_maxrss the memory its parent had at the fork, so this script does its own Django work
(migrating, writing the files, clearing) in children too, and stays a small process itself.
With --again it imports the largest file a second time, when every row is unchanged.

DATABASE_URL must name a scratch database: it is migrated and its benchmark people (person_id
IB-…) are replaced. Not a test: run it by hand and copy the figures into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ranks.settings")

from benchmarks.measure import database_facts, machine_facts  # noqa: E402

UNIT = "IB-XA"
PLACES = [
    (f"IB-V{i}", f"Thôn {name}")
    for i, name in enumerate(["Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "An Lạc"])
]
HEADER = [
    "Mã người",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Dân tộc",
    "Tôn giáo",
    "Nghề nghiệp",
    "Đoàn viên",
    "Mã nơi cư trú",
    "Điện thoại",
]
ETHNICITIES = ["Kinh"] * 8 + ["Thái", "Mường", "Tày", "Mông"]
RELIGIONS = ["Không"] * 8 + ["Công giáo", "Phật giáo"]
OCCUPATIONS = ["farmer", "worker", "student", "civil_servant", "self_employed", "other", ""]


def prepare_places() -> None:
    """One commune and a few villages, written once through the services (idempotent)."""
    from ranks.core.actor import Actor
    from ranks.org.services import place_version_save, unit_version_save

    actor = Actor.for_command()
    unit_version_save(
        actor=actor,
        code=UNIT,
        name="Đảng bộ xã Thử",
        kind="commune_committee",
        valid_from=dt.date(2000, 1, 1),
    )
    for code, name in PLACES:
        place_version_save(
            actor=actor,
            code=code,
            name=name,
            kind="village",
            unit_code=UNIT,
            valid_from=dt.date(2000, 1, 1),
        )


def write_file(path: Path, rows: int, seed: int = 20250701) -> None:
    """`rows` people, streamed to disk as a "CSV UTF-8" from Excel would be (with a BOM)."""
    from ranks.demo.generator.names import PersonNames

    rng = random.Random(seed)
    names = PersonNames(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for i in range(rows):
            gender = rng.choice(("male", "female"))
            ethnicity = rng.choice(ETHNICITIES)
            born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 45 * 365))
            writer.writerow(
                [
                    f"IB-{i:07}",
                    names.full_name(gender, ethnicity),
                    born.strftime("%d/%m/%Y"),
                    gender,
                    ethnicity,
                    rng.choice(RELIGIONS),
                    rng.choice(OCCUPATIONS),
                    rng.choice(("true", "false")),
                    rng.choice(PLACES)[0],
                    f"09{rng.randrange(10**8):08}",
                ]
            )


def clear_people() -> int:
    """Delete the benchmark people of an earlier run, in SQL (the ORM would load them all)."""
    from django.db import connection

    with connection.cursor() as cursor:
        # The import records where each person lives: those rows go first.
        cursor.execute(
            "DELETE FROM people_personplace WHERE person_id IN"
            " (SELECT id FROM people_person WHERE person_id LIKE %s)",
            ["IB-%"],
        )
        cursor.execute("DELETE FROM people_person WHERE person_id LIKE %s", ["IB-%"])
        return cursor.rowcount


def step(argv: list[str]) -> None:
    """The work that needs Django, done in a child so that this process stays small."""
    import django

    django.setup()
    from django.core.management import call_command

    if argv[0] == "prepare":
        call_command("migrate", verbosity=0, interactive=False)
        prepare_places()
        print(database_facts())
    elif argv[0] == "write":
        write_file(Path(argv[2]), int(argv[1]))
    elif argv[0] == "clear":
        clear_people()


def child(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, __file__, "--step", *args], check=True, stdout=subprocess.PIPE, text=True
    )
    return out.stdout.strip()


def run_import(path: Path) -> tuple[float, int, str]:
    """(seconds, peak resident kB of the child, the first line it printed)."""
    ranks = Path(sys.executable).with_name("ranks")
    command = [str(ranks), "import", "people", str(path), "--lang", "en"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    out = process.stdout.read()
    # The child's own rusage. Linux counts in a child's ru_maxrss the parent's resident memory
    # at the fork, so this process keeps Django out of itself and stays small.
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code:
        sys.exit(f"`{' '.join(command)}` exited with {code}:\n{out}")
    lines = out.strip().splitlines()
    return seconds, usage.ru_maxrss, lines[0] if lines else ""


def main() -> None:
    if sys.argv[1:2] == ["--step"]:
        step(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, nargs="+", default=[10_000, 50_000, 100_000], help="file sizes"
    )
    parser.add_argument(
        "--again", action="store_true", help="Import the largest file a second time (unchanged)."
    )
    parser.add_argument("--keep", metavar="DIR", help="Write the files here and keep them.")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a scratch database: this fills it with made-up people.")

    facts = child("prepare")
    print(f"{facts}; {machine_facts()}")
    print(f"{'rows':>8} {'MB':>6} {'seconds':>8} {'rows/s':>8} {'peak RSS MB':>12}  result")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(options.keep or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for rows in sorted(options.rows):
            path = folder / f"people-{rows}.csv"
            if not path.exists():
                child("write", str(rows), str(path))
            child("clear")
            seconds, peak_kb, said = run_import(path)
            size = path.stat().st_size / 1048576
            print(
                f"{rows:>8,} {size:>6.1f} {seconds:>8.1f} {rows / seconds:>8,.0f} "
                f"{peak_kb / 1024:>12.0f}  {said}",
                flush=True,
            )
        if options.again:
            seconds, peak_kb, said = run_import(path)
            print(
                f"{rows:>8,} {size:>6.1f} {seconds:>8.1f} {rows / seconds:>8,.0f} "
                f"{peak_kb / 1024:>12.0f}  {said} (again)",
                flush=True,
            )


if __name__ == "__main__":
    main()
