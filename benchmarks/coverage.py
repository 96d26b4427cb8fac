"""How fast are coverage and cell health for a province of 10,000 places? Prints medians.

    DATABASE_URL=sqlite:////tmp/benchcov.sqlite3 .venv/bin/python benchmarks/coverage.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ranks_benchcov .venv/bin/python benchmarks/coverage.py

DATABASE_URL must name a scratch database: it is migrated and its benchmark province (codes BCOV…,
people BCOV-…) is replaced. The province has ~150 communes under 10 districts, 10,000 places
(villages, residential groups, schools, medical stations), a cell based at most of them, and
60,000 party members living at them; places, cells, members and moves appear over 2014–2024 so
that the trend moves. Not a test: run it by hand and copy the figures into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ranks.settings")

from benchmarks.measure import database_facts, machine_facts, timed  # noqa: E402

PREFIX = "BCOV"
ON = dt.date(2024, 6, 1)
YEARS = range(2015, 2025)  # ten year ends, the last one on ON
KINDS = (
    ("village", 0.55),
    ("residential_group", 0.30),
    ("school", 0.10),
    ("medical_station", 0.05),
)
BATCH = 2000


def _day(rng: random.Random, first: int, last: int) -> dt.date:
    start = dt.date(first, 1, 1)
    return start + dt.timedelta(days=rng.randrange((dt.date(last, 12, 31) - start).days + 1))


def clear() -> None:
    """Remove an earlier benchmark province, children before parents."""
    from django.db import transaction

    from ranks.org.models import Place, PlaceVersion, Unit, UnitVersion
    from ranks.people.models import Membership, Person, PersonPlace, Posting

    with transaction.atomic():
        people = Person.objects.filter(person_id__startswith=f"{PREFIX}-")
        PersonPlace.objects.filter(person__in=people).delete()
        Posting.objects.filter(person__in=people).delete()
        Membership.objects.filter(person__in=people).delete()
        people.delete()
        versions = PlaceVersion.objects.filter(place__code__startswith=PREFIX)
        PlaceVersion.cells.through.objects.filter(placeversion__in=versions).delete()
        versions.delete()
        Place.objects.filter(code__startswith=PREFIX).delete()
        UnitVersion.objects.filter(unit__code__startswith=PREFIX).delete()
        Unit.objects.filter(code__startswith=PREFIX).delete()


def fill(places: int, members: int, communes: int, districts: int) -> float:
    """Write the benchmark province with bulk_create; return seconds taken."""
    from django.db import connection, transaction

    from ranks.org.kinds import ensure_unit_kinds
    from ranks.org.models import Place, PlaceVersion, Unit, UnitKind, UnitVersion
    from ranks.people.models import Membership, Person, PersonPlace, Posting
    from ranks.people.names import fold

    started = time.perf_counter()
    rng = random.Random(20240601)
    ensure_unit_kinds(UnitKind)
    kinds = dict(UnitKind.objects.values_list("key", "id"))
    old = dt.date(2000, 1, 1)
    clear()
    with transaction.atomic():
        # Units: the province, its districts, their communes, then a cell per place with one.
        codes = [PREFIX]
        parents: dict[str, str | None] = {PREFIX: None}
        names = {PREFIX: "Đảng bộ tỉnh Thử nghiệm"}
        unit_kind = {PREFIX: "provincial_committee"}
        unit_start = {PREFIX: old}
        commune_codes = []
        for d in range(districts):
            district = f"{PREFIX}-D{d:02}"
            codes.append(district)
            parents[district], names[district] = PREFIX, f"Đảng bộ huyện Số {d}"
            unit_kind[district], unit_start[district] = "district_committee", old
        for c in range(communes):
            commune = f"{PREFIX}-C{c:03}"
            codes.append(commune)
            commune_codes.append(commune)
            parents[commune] = f"{PREFIX}-D{c % districts:02}"
            names[commune], unit_kind[commune] = f"Đảng bộ xã Số {c}", "grassroots_committee"
            unit_start[commune] = old
        place_rows = []  # (code, name, kind, commune, valid_from, cell code or None)
        for p in range(places):
            commune = commune_codes[p % communes]
            kind = rng.choices([k for k, _w in KINDS], [w for _k, w in KINDS])[0]
            # Most places are old; one in eight appears (a new residential group) in 2014–2024.
            since = old if rng.random() < 0.875 else _day(rng, 2014, 2024)
            cell = None
            if rng.random() < 0.88:
                # Half the cells are old; the rest are set up year by year from 2014.
                cell = f"{PREFIX}-X{p:05}"
                start = old if rng.random() < 0.5 else max(since, _day(rng, 2014, 2024))
                codes.append(cell)
                parents[cell], names[cell] = commune, f"Chi bộ số {p}"
                unit_kind[cell], unit_start[cell] = "cell", start
            place_rows.append((f"{PREFIX}-P{p:05}", f"Địa bàn số {p}", kind, commune, since, cell))
        Unit.objects.bulk_create([Unit(code=c) for c in codes], batch_size=BATCH)
        unit_ids = dict(Unit.objects.filter(code__startswith=PREFIX).values_list("code", "id"))
        UnitVersion.objects.bulk_create(
            [
                UnitVersion(
                    unit_id=unit_ids[c],
                    name=names[c],
                    kind_id=kinds[unit_kind[c]],
                    parent_id=unit_ids[parents[c]] if parents[c] else None,
                    valid_from=unit_start[c],
                    can_admit=unit_kind[c] != "cell",
                    area_flags=["mountainous"] if c.startswith(f"{PREFIX}-D0") else [],
                )
                for c in codes
            ],
            batch_size=BATCH,
        )
        Place.objects.bulk_create([Place(code=r[0]) for r in place_rows], batch_size=BATCH)
        place_ids = dict(Place.objects.filter(code__startswith=PREFIX).values_list("code", "id"))
        PlaceVersion.objects.bulk_create(
            [
                PlaceVersion(
                    place_id=place_ids[code],
                    name=name,
                    kind=kind,
                    unit_id=unit_ids[commune],
                    valid_from=since,
                )
                for code, name, kind, commune, since, _cell in place_rows
            ],
            batch_size=BATCH,
        )
        version_ids = dict(
            PlaceVersion.objects.filter(place__code__startswith=PREFIX).values_list(
                "place_id", "id"
            )
        )
        through = PlaceVersion.cells.through
        through.objects.bulk_create(
            [
                through(placeversion_id=version_ids[place_ids[code]], unit_id=unit_ids[cell])
                for code, _n, _k, _c, _s, cell in place_rows
                if cell
            ],
            batch_size=BATCH,
        )
        # Members: one place in fourteen never has one; the rest share 60,000 members.
        inhabited = [r for r in place_rows if rng.random() >= 1 / 14]
        cells_of_commune: dict[str, list[str]] = {}
        for _code, _n, _k, commune, _s, cell in place_rows:
            if cell:
                cells_of_commune.setdefault(commune, []).append(cell)
        people, homes = [], []
        for i in range(members):
            code, _n, _k, commune, since, cell = rng.choice(inhabited)
            admitted = _day(rng, max(1990, since.year), 2024)
            moved_in = None if rng.random() < 0.8 else _day(rng, 2014, 2024)
            posted = cell or rng.choice(cells_of_commune.get(commune) or [f"{PREFIX}-X00000"])
            left = _day(rng, admitted.year + 1, 2030) if rng.random() < 0.05 else None
            name = f"Nguyễn Văn Số {i}"
            people.append(
                Person(
                    person_id=f"{PREFIX}-{i:06}",
                    full_name=name,
                    search_name=fold(name),  # bulk_create skips Person.save()
                    birth_date=_day(rng, 1945, 2004),
                )
            )
            homes.append((code, admitted, moved_in, posted, left))
        Person.objects.bulk_create(people, batch_size=BATCH)
        person_ids = dict(
            Person.objects.filter(person_id__startswith=f"{PREFIX}-").values_list("person_id", "id")
        )
        ids = [person_ids[p.person_id] for p in people]
        PersonPlace.objects.bulk_create(
            [
                PersonPlace(
                    person_id=pid, role="residence", place_id=place_ids[code], valid_from=moved_in
                )
                for pid, (code, _a, moved_in, _p, _l) in zip(ids, homes, strict=True)
            ],
            batch_size=BATCH,
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    person_id=pid,
                    admission_decision_date=admitted,
                    ceremony_date=admitted + dt.timedelta(days=14),
                    official_date=admitted + dt.timedelta(days=380)
                    if admitted + dt.timedelta(days=380) <= ON
                    else None,
                    left_date=left,
                    left_reason="transfer_out" if left else "",
                )
                for pid, (_c, admitted, _m, _p, left) in zip(ids, homes, strict=True)
            ],
            batch_size=BATCH,
        )
        membership_ids: dict[int, int] = {}
        for start in range(0, len(ids), BATCH):
            membership_ids.update(
                Membership.objects.filter(person_id__in=ids[start : start + BATCH]).values_list(
                    "person_id", "id"
                )
            )
        Posting.objects.bulk_create(
            [
                Posting(
                    membership_id=membership_ids[pid],
                    person_id=pid,
                    cell_id=unit_ids[posted],
                    valid_from=admitted,
                    valid_to=left - dt.timedelta(days=1) if left else None,
                )
                for pid, (_c, admitted, _m, posted, left) in zip(ids, homes, strict=True)
            ],
            batch_size=BATCH,
        )
    # bulk_create bypasses the services that keep the counters: count them once, as a load does.
    from ranks.counters import services as counters

    counters.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=60_000)
    parser.add_argument("--communes", type=int, default=150)
    parser.add_argument("--districts", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--keep", action="store_true", help="Reuse the province already there if it matches."
    )
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a scratch database: this fills it with a made-up province.")

    import django

    django.setup()
    from django.core.management import call_command

    from ranks.coverage.health import cell_health
    from ranks.coverage.selectors import coverage_on, coverage_trend
    from ranks.org.models import Place, Unit
    from ranks.people.models import Person

    call_command("migrate", verbosity=0, interactive=False)
    present = (
        Place.objects.filter(code__startswith=PREFIX).count(),
        Person.objects.filter(person_id__startswith=f"{PREFIX}-").count(),
    )
    if options.keep and present == (options.places, options.members):
        print(f"reusing {present[0]:,} places and {present[1]:,} members")
    else:
        seconds = fill(options.places, options.members, options.communes, options.districts)
        print(f"built {options.places:,} places and {options.members:,} members in {seconds:.1f} s")
    province = Unit.objects.get(code=PREFIX)
    commune = Unit.objects.get(code=f"{PREFIX}-C000")
    print(f"{database_facts()}; {machine_facts()}")

    def page(unit):
        """What the coverage page reads: the figures, the map's counts, the first blank page."""
        found = coverage_on(unit, ON)
        found.first_page = found.blank[0:25]
        return found

    rows = [
        ("coverage_on, the province, one date", lambda: page(province)),
        (
            f"coverage_trend, the province, {len(YEARS)} year ends",
            lambda: coverage_trend(province, ON, years=YEARS),
        ),
        ("cell_health, the province, one date", lambda: cell_health(province, ON)),
        ("coverage_on, one commune, one date", lambda: page(commune)),
        ("cell_health, one commune, one date", lambda: cell_health(commune, ON)),
    ]
    print(f"{'what':46} {'median ms':>10} {'queries':>8}")
    for label, call in rows:
        timing = timed(call, runs=options.repeats, count_queries=True)
        result = timing.result
        print(f"{label:46} {timing.median_ms:10.0f} {timing.queries:8d}")
        if label.startswith("coverage_on, the province"):
            t = result.totals
            print(
                f"    {t.total:,} places, {t.without_members:,} without members, "
                f"{t.without_cell:,} without a cell"
            )
        elif label.startswith("coverage_trend"):
            print(
                "    without a cell at each year end: "
                + ", ".join(str(c.totals.without_cell) for c in result)
            )
        elif label.startswith("cell_health, the province"):
            flagged = sum(1 for h in result if "below_minimum" in h.flags)
            print(f"    {len(result):,} cells, {flagged:,} below 3 official members")


if __name__ == "__main__":
    main()
