"""Load held, measured (`make bench-load`, docs/benchmarks.md "Load"): the demo province on a
scratch PostgreSQL database, served by `ranks serve` as in production, under Locust in headless
mode:

- 50 signed-in users reading the province's dashboard, a commune's page and its source list;
- 10 users recording at once through the API: a new person on a cell's source list, then their
  awareness class (two writes, each with its rules, counters and audit);
- `/healthz` asked by the same readers, in the same run: the trivial view the pages are put
  beside.

The figures are counted once every user has started (`--reset-stats`), so the ramp is left out;
the sign-ins still under way then are shown on their own line.

It prints p50, p95 and the errors of each page and the ratio of its p95 to `/healthz`'s. The
goal: the dashboard's p95 at most 3 times `/healthz`'s, and no error.

    make bench-load [LOAD_ARGS="--users 50 --writers 10 --run-time 120"]

Steps: drop and create `ranks_bench_load`, migrate, `ranks demo`, make the users (`prepare`, in a
child with Django), start `ranks serve`, run Locust against it, stop the server, print.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ranks_bench_load"
PASSWORD = "load-bench-2026"
GOAL = 3.0  # the dashboard's p95 at most this many times /healthz's


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def recreate(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if not name.startswith("ranks_bench"):
        sys.exit(f"Refusing to drop {name!r}: the scratch database's name starts with ranks_bench")
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def env_for(url: str, var: Path, **more: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ranks.settings",
        "DATABASE_URL": url,
        "RANKS_VAR_DIR": str(var),
        "RANKS_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "RANKS_DEBUG": "0",
        "PYTHONIOENCODING": "utf-8",
        **more,
    }


def run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"`{' '.join(command)}` exited with {done.returncode}:\n{done.stderr[-4000:]}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- prepare: in a child with Django, on the demo's database ----------------------------------


def prepare(out: Path, readers: int, writers: int) -> None:
    """The users of the run and what each one reads or writes, as JSON."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from ranks.access.services import grant_role
    from ranks.api.services import token_create
    from ranks.core.actor import SYSTEM
    from ranks.core.clock import today
    from ranks.org.models import PlaceVersion, UnitVersion
    from ranks.org.selectors import unit_subtree

    day = today()
    in_force = UnitVersion.objects.valid_on(day).select_related("unit", "kind")
    province = in_force.filter(kind__key="provincial_committee").order_by("unit__code").first()
    if province is None:
        sys.exit("the demo has no province committee in force today")
    below = unit_subtree(province.unit, day).select_related("unit", "kind")
    cells = {v.unit_id: v for v in below if v.kind.holds_members}
    communes = [v for v in below if v.kind.key == "commune_committee"]
    # Each writer records in a commune of its own, in a cell of it based at a village.
    targets = []
    for commune in sorted(communes, key=lambda v: v.unit.code):
        places = (
            PlaceVersion.objects.valid_on(day)
            .filter(cells__in=[c for c, v in cells.items() if v.parent_id == commune.unit_id])
            .annotate(n=Count("cells"))
            .select_related("place")
            .prefetch_related("cells")
        )
        place = next(iter(places), None)
        if place is None:
            continue
        cell = next(c for c in place.cells.all() if c.pk in cells)
        targets.append({"commune": commune.unit.code, "cell": cell.code, "place": place.place.code})
    if len(targets) < writers:
        sys.exit(f"the demo has {len(targets)} communes with a cell at a village, {writers} asked")
    User = get_user_model()
    plan: dict = {"province": province.unit.code, "readers": [], "writers": []}
    for i in range(readers):
        name = f"load-reader-{i:02d}"
        User.objects.create_user(username=name, password=PASSWORD)
        grant_role(actor=SYSTEM, username=name, role="viewer", unit_code=province.unit.code)
        commune = targets[i % len(targets)]["commune"]
        plan["readers"].append({"username": name, "commune": commune})
    for i in range(writers):
        name = f"load-writer-{i:02d}"
        User.objects.create_user(username=name, password=PASSWORD)
        target = targets[i]
        grant_role(actor=SYSTEM, username=name, role="officer", unit_code=target["commune"])
        token = token_create(actor=SYSTEM, username=name, name="load benchmark")[1]
        plan["writers"].append({"username": name, "token": token, **target})
    plan["password"] = PASSWORD
    plan["today"] = day.isoformat()
    out.write_text(json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8")


# --- the run ------------------------------------------------------------------------------------


def wait_until_ready(base: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"ranks serve exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit("ranks serve did not become ready")


def stats_of(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        return [row for row in csv.DictReader(f) if row["Name"] != "Aggregated"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", nargs="?", default="all", choices=["all", "prepare"])
    parser.add_argument("--url", default=os.environ.get("BENCH_LOAD_URL", DEFAULT_URL))
    parser.add_argument("--users", type=int, default=50, help="readers signed in at once")
    parser.add_argument("--writers", type=int, default=10, help="users recording at once")
    parser.add_argument("--run-time", type=int, default=120, help="seconds under full load")
    parser.add_argument("--workers", type=int, default=4, help="ranks serve's processes (2 a core)")
    parser.add_argument("--threads", type=int, default=4, help="threads in each process")
    parser.add_argument("--members", type=int, default=None, help="the demo's members")
    parser.add_argument("--reuse", action="store_true", help="keep the database of a last run")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench-load"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plan_file = out / "plan.json"
    if args.step == "prepare":
        prepare(plan_file, args.users, args.writers)
        return

    var = out / "var"
    var.mkdir(exist_ok=True)
    env = env_for(args.url, var)
    ranks = str(BIN / "ranks")
    started = time.perf_counter()
    if not args.reuse:
        recreate(args.url)
        run([ranks, "migrate", "--no-input", "-v", "0"], env)
        demo = [ranks, "demo"] + (["--members", str(args.members)] if args.members else [])
        run(demo, env)
        run([sys.executable, __file__, "prepare", "--users", str(args.users),
             "--writers", str(args.writers), "--out", str(out)], env)  # fmt: skip
    print(f"# built in {time.perf_counter() - started:.0f} s", file=sys.stderr)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve_env = env_for(
        args.url,
        var,
        RANKS_BIND=f"127.0.0.1:{port}",
        RANKS_WEB_WORKERS=str(args.workers),
        RANKS_WEB_THREADS=str(args.threads),
        RANKS_CONN_MAX_AGE="60",
        RANKS_LOGIN_FAILURE_LIMIT="1000",
    )
    server = subprocess.Popen([ranks, "serve"], env=serve_env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_until_ready(base, server)
        users = args.users + args.writers
        prefix = out / "locust"
        command = [
            str(BIN / "locust"), "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
            "--host", base, "--users", str(users), "--spawn-rate", str(max(users // 10, 1)),
            "--run-time", f"{args.run_time + users // max(users // 10, 1)}s",
            "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
            "--stop-timeout", "30", "--reset-stats",
        ]  # fmt: skip
        locust_env = {**os.environ, "RANKS_LOAD_PLAN": str(plan_file),
                      "RANKS_LOAD_READERS": str(args.users),
                      "RANKS_LOAD_WRITERS": str(args.writers)}  # fmt: skip
        done = subprocess.run(command, env=locust_env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode not in (0, 1):  # 1: some requests failed, shown below
            sys.exit(f"locust exited with {done.returncode}:\n{done.stderr[-4000:]}")
    finally:
        server.terminate()
        server.wait(timeout=30)

    rows = stats_of(prefix)
    health = next((r for r in rows if r["Name"] == "/healthz"), None)
    if health is None:
        sys.exit("no /healthz request was made")
    health_p95 = float(health["95%"])
    print(
        f"# load: {args.users} readers and {args.writers} writers for {args.run_time} s; "
        f"ranks serve {args.workers} processes x {args.threads} threads; PostgreSQL; "
        f"{os.cpu_count()} CPUs (Locust and the server share them)"
    )
    print(f"{'request':<44}{'count':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'x healthz':>11}")
    worst = 0
    for r in sorted(rows, key=lambda r: (r["Type"], r["Name"])):
        p95 = float(r["95%"])
        ratio = p95 / health_p95 if health_p95 else float("inf")
        worst += int(r["Failure Count"])
        name = f"{r['Type']} {r['Name']}"
        print(f"{name:<44}{r['Request Count']:>7}{r['Failure Count']:>8}"
              f"{float(r['50%']):>9.0f}{p95:>9.0f}{ratio:>11.1f}")  # fmt: skip
    dashboard = next(r for r in rows if r["Name"] == "/units/[province]/dashboard/")
    ratio = float(dashboard["95%"]) / health_p95 if health_p95 else float("inf")
    verdict = "held" if ratio <= GOAL and worst == 0 else "NOT held"
    print(f"# goal: dashboard p95 <= {GOAL:g} x /healthz p95 and no error: {verdict} "
          f"({ratio:.1f} x, {worst} errors)")  # fmt: skip
    failures = Path(f"{prefix}_failures.csv")
    if worst and failures.exists():
        print(failures.read_text(encoding="utf-8")[:3000], file=sys.stderr)


if __name__ == "__main__":
    main()
