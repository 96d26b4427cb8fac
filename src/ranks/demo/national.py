"""The national data set: the whole country, planned one old province at a time by the demo's
generator and streamed to the interchange files of DESIGN.md §8.

Every one of the 63 provinces before the 2025 reform is planned with `build_plan` (its districts
and communes from `vietnamadminunits`, the new communes its communes went into on 2025-07-01,
cells, places, people, members, candidates with their stage events), written to the files and
dropped, so memory holds one province's plan. Members are shared among the provinces in
proportion to their communes: about 5.6 million at scale 1. Villages per commune grow with the
scale so that cells keep about 27 members: about 210,000 cells at scale 1.

What the demo does not plan is planned here from the plan: the Central Committee above the
provinces, admission targets for each year (like `ranks.demo.targets`, but from the planned
admissions instead of the database) and secondments of police and agency members to village
cells. A new province merged from several old ones, and a new commune that received communes of
two old provinces, are written once: the old province that continues the new one (Hải Phòng for
Hải Dương and Hải Phòng) writes the province's whole history, and the first old province to
plan a new commune writes that commune.

Codes are unique across the country: the demo's codes start with the old province's code
(`HD-X10507-C01`, person `HD-000001`), the new communes' with the new province's and their
official code (`HP-N10507`), and national IDs with the province's official code.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vietnamadminunits.database import query

from ranks.demo.generator import (
    LAST_OLD_DAY,
    REFORM,
    TREE_START,
    Plan,
    Sizes,
    build_plan,
    find_province,
    old_province_names,
)
from ranks.demo.generator.plan import MembershipPlan, UnitPlan, UnitVersionPlan
from ranks.demo.targets import SEGMENTS, YEARS_BACK
from ranks.interchange.schema import KIND_ORDER, KINDS
from ranks.org.adminunits import _literal, load_province
from ranks.org.tree import in_force

MEMBERS_AT_SCALE_ONE = 5_600_000
# Villages or residential groups per commune at scale 1: with the communes' schools and medical
# stations, the districts' high schools and agencies, the blocs and the police, about 210,000
# cells of about 27 members each (tests/demo/test_national.py checks the count).
VILLAGES_AT_SCALE_ONE = 22
CENTRAL_CODE = "TW"
CENTRAL_NAME = "Ban Chấp hành Trung ương Đảng Cộng sản Việt Nam"
CELL_KINDS = {"cell", "grassroots_cell"}
SECONDMENT_ROLES = (("secretary", 6), ("deputy_secretary", 2), ("member", 2))


@dataclass(frozen=True)
class ProvinceJob:
    """One old province to plan: how many members, with which seed."""

    short: str  # the old province as the package names it: "Hải Dương"
    code: str  # its unit code: HD
    new_code: str  # the unit code of the province it belongs to since 2025-07-01: HP
    continues: bool  # the new province is this one, continued (Hải Phòng)
    communes: int
    members: int
    seed: int


@dataclass
class Totals:
    old_provinces: int = 0
    new_provinces: int = 0
    units: int = 0  # distinct codes
    unit_rows: int = 0  # periods
    cells: int = 0
    places: int = 0
    people: int = 0
    members: int = 0  # memberships
    member_rows: int = 0  # one per member and cell
    candidates: int = 0
    events: int = 0
    targets: int = 0
    secondments: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # rows written to each file


def villages_per_commune(scale: float) -> int:
    return max(1, round(VILLAGES_AT_SCALE_ONE * scale))


def province_seed(seed: int, short: str) -> int:
    """The seed of one province's plan, from the run's seed and the province."""
    digest = hashlib.sha256(f"{seed}:national:{short}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


def _share(total: int, weights: Sequence[int]) -> list[int]:
    """`total` split in proportion to `weights`, largest remainders first; the sum is exact."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    counts = [int(x) for x in exact]
    rest = total - sum(counts)
    for index in sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))[:rest]:
        counts[index] += 1
    return counts


def province_jobs(
    *, scale: float, seed: int, provinces: Iterable[str] | None = None
) -> list[ProvinceJob]:
    """The old provinces to plan, in the package's alphabetical order: all 63, or those named.

    Members are shared among all 63 by their number of communes, so a province gets the same
    members (and the same plan) whether it is planned alone or with the others."""
    names = old_province_names()
    loaded = [load_province(name) for name in names]
    communes = [sum(len(d.communes) for d in old.districts) for old, _new in loaded]
    members = _share(round(MEMBERS_AT_SCALE_ONE * scale), communes)
    wanted = set(names) if provinces is None else {find_province(p) for p in provinces}
    return [
        ProvinceJob(
            short=name,
            code=old.unit_code,
            new_code=new.unit_code,
            continues=old.key == new.key,
            communes=count,
            members=share,
            seed=province_seed(seed, name),
        )
        for name, (old, new), count, share in zip(names, loaded, communes, members, strict=True)
        if name in wanted
    ]


# -- units written once ---------------------------------------------------------------------


class SharedUnits:
    """Decides which plan writes a unit that several plans hold: a new province and the new
    communes that received communes of more than one old province."""

    def __init__(self, jobs: Sequence[ProvinceJob]):
        self.continued = {job.new_code for job in jobs if job.continues}
        self.written: set[str] = set()

    def keep(self, job: ProvinceJob, unit: UnitPlan) -> bool:
        code = unit.code
        if code == job.new_code:
            if job.continues:
                self.written.add(code)
                return True
            # The new province: the old province that continues it writes its whole history;
            # without it (a part of the country), the first of the others writes it.
            if code in self.continued or code in self.written:
                return False
            self.written.add(code)
            return True
        if code.startswith(f"{job.new_code}-N"):  # a commune of the new map
            if code in self.written:
                return False
            self.written.add(code)
        return True


def unit_rows(unit: UnitPlan) -> list[dict]:
    """The rows of one unit, one per period; a province hangs below the Central Committee."""
    rows = []
    for v in unit.versions:
        parent = v.parent
        if parent is None and v.kind == "provincial_committee":
            parent = CENTRAL_CODE
        rows.append(
            {
                "code": unit.code,
                "name": v.name,
                "kind": v.kind,
                "parent_code": parent,
                "valid_from": v.valid_from,
                "valid_to": v.valid_to,
                "area_flags": v.area_flags,
                "can_admit": v.can_admit,
            }
        )
    return rows


CENTRAL = UnitPlan(CENTRAL_CODE, [UnitVersionPlan(CENTRAL_NAME, "central", None, TREE_START)])


def unplanned_communes(jobs: Sequence[ProvinceJob], shared: SharedUnits) -> list[UnitPlan]:
    """New communes that no old commune went into, of the new provinces written: the special
    zone of Hoàng Sa, whose old district the demo leaves out as uninhabited. A committee with
    no cells, so that the new map has all its 3,321 communes."""
    units = []
    for job in jobs:
        if not job.continues or job.new_code not in shared.written:
            continue
        _old, new = load_province(job.short)
        rows = query(
            "SELECT wardShort, wardType, wardCode FROM admin_units "
            f"WHERE provinceKey = {_literal(new.key)} ORDER BY wardCode"
        )
        for row in rows:
            code = f"{job.new_code}-N{row['wardCode']}"
            if code in shared.written:
                continue
            shared.written.add(code)
            name = f"Đảng bộ {row['wardType'].lower()} {row['wardShort']}"
            version = UnitVersionPlan(
                name, "commune_committee", job.new_code, REFORM, can_admit=True
            )
            units.append(UnitPlan(code, [version]))
    return units


# -- the tree of a plan on a date -----------------------------------------------------------


class Tree:
    """Parents of a plan's units on a date."""

    def __init__(self, units: Sequence[UnitPlan]):
        self.versions = {u.code: u.versions for u in units}

    def parent_on(self, code: str, day: dt.date) -> str | None:
        for v in self.versions.get(code, ()):
            if in_force(v.valid_from, v.valid_to, day):
                return v.parent
        return None

    def child_of(self, root: str, code: str, day: dt.date) -> str | None:
        """The unit directly below `root` on `day` whose subtree holds `code`."""
        for _depth in range(12):
            parent = self.parent_on(code, day)
            if parent is None:
                return None
            if parent == root:
                return code
            code = parent
        return None

    def children(self, root: str, day: dt.date) -> list[str]:
        return sorted(code for code in self.versions if self.parent_on(code, day) == root)


# -- targets --------------------------------------------------------------------------------


class TargetPlanner:
    """Admission targets set the way `ranks.demo.targets` sets them, from the planned admissions:
    each year's target of the units directly below a province near what they admitted (past
    years) or last year's figure and a little more (the current year, and 2025 for the
    provinces the reform dissolved); the province a little under the sum of its children's,
    with segment targets; the Central Committee the sum of the provinces'."""

    def __init__(self, *, seed: int, today: dt.date):
        self.seed, self.today = seed, today
        self.years = range(today.year - YEARS_BACK, today.year + 1)
        self.sums: dict[tuple[str, int], int] = defaultdict(int)
        self.set: set[tuple[str, int]] = set()

    def _period(self, job: ProvinceJob, year: int) -> tuple[str, dt.date, dt.date] | None:
        start, end = dt.date(year, 1, 1), min(dt.date(year, 12, 31), self.today)
        if year <= REFORM.year:
            root, end = job.code, min(end, LAST_OLD_DAY)
        else:
            root = job.new_code
        return (root, start, end) if start <= end else None

    def plan(self, plan: Plan, job: ProvinceJob) -> list[dict]:
        """The targets of the units below the plan's provinces; the provinces' wait for `close`."""
        rng = random.Random(f"{self.seed}:targets:{job.short}")
        tree = Tree(plan.units)
        admissions: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
        for m in plan.memberships:
            if m.admission_decision_date.year in self.years:
                admissions[m.admission_decision_date.year].append(
                    (m.admission_decision_date, m.postings[0].cell)
                )
        rows = []
        last: dict[str, int] = {}
        for year in self.years:
            period = self._period(job, year)
            if period is None:
                continue
            root, start, end = period
            actual: Counter[str] = Counter()
            for day, cell in admissions[year]:
                if start <= day <= end and (child := tree.child_of(root, cell, day)):
                    actual[child] += 1
            current = end != dt.date(year, 12, 31)
            elapsed = (end - start).days + 1
            days = (dt.date(year, 12, 31) - start).days + 1
            for child in tree.children(root, end):
                if current:
                    base = last.get(child) or round(actual[child] * days / elapsed)
                    value = max(1, round(base * rng.uniform(1.0, 1.2)))
                else:
                    value = max(1, round(actual[child] * rng.uniform(0.85, 1.2)))
                last[child] = actual[child]
                if (child, year) in self.set:
                    continue  # a new commune another province's plan already gave a target
                self.set.add((child, year))
                self.sums[(root, year)] += value
                rows.append(_target(child, year, "admissions", value))
        return rows

    def close(self) -> list[dict]:
        """The provinces' targets and segment targets, and the Central Committee's."""
        rows = []
        central: Counter[int] = Counter()
        for root, year in sorted(self.sums):
            rng = random.Random(f"{self.seed}:targets:{root}:{year}")
            value = max(1, round(self.sums[(root, year)] * rng.uniform(0.95, 0.99)))
            central[year] += value
            rows.append(_target(root, year, "admissions", value))
            for metric, share in SEGMENTS.items():
                rows.append(_target(root, year, metric, max(1, round(value * share))))
        for year in sorted(central):
            rows.append(_target(CENTRAL_CODE, year, "admissions", central[year]))
        return rows


def _target(unit: str, year: int, metric: str, value: int) -> dict:
    return {"unit_code": unit, "year": year, "metric": metric, "value": value}


# -- secondments ----------------------------------------------------------------------------


def plan_secondments(plan: Plan, job: ProvinceJob, *, seed: int, today: dt.date) -> list[dict]:
    """Police and agency members of the province seconded to lead or strengthen commune cells:
    most of the cells with fewer than 3 official members today, and a few others (more in a
    mountainous or ethnic-minority province), at most one cell in twenty."""
    rng = random.Random(f"{seed}:secondments:{job.short}")
    tree = Tree(plan.units)
    officials: Counter[str] = Counter()
    donors: list[MembershipPlan] = []
    sources = (f"{job.code}-CA-", f"{job.code}-KCQ-")
    for m in plan.memberships:
        if m.left_date is not None or not m.official_date or m.official_date > today:
            continue
        cell = m.postings[-1].cell
        officials[cell] += 1
        if cell.startswith(sources):
            donors.append(m)
    flagged = bool(plan.units[0].versions[0].area_flags)
    cells = [
        u.code
        for u in plan.units
        if u.versions[-1].kind == "cell" and u.code.startswith(f"{job.code}-X")
    ]
    weak = [c for c in cells if officials[c] < 3 and rng.random() < 0.6]
    share = 0.03 if flagged else 0.01
    others = [c for c in cells if officials[c] >= 3 and rng.random() < share]
    chosen = (weak + others)[: len(cells) // 20 + 1]
    donors.sort(key=lambda m: m.person_id)
    rng.shuffle(donors)
    rows = []
    for cell in chosen:
        if not donors:
            break
        donor = donors.pop()
        assert donor.official_date is not None  # donors are official members
        earliest = max(donor.official_date, today - dt.timedelta(days=1500))
        latest = today - dt.timedelta(days=30)
        if earliest > latest:
            continue
        start = earliest + dt.timedelta(days=rng.randint(0, (latest - earliest).days))
        end = None
        if rng.random() < 0.3:
            end = start + dt.timedelta(days=rng.randint(180, 730))
            end = end if end < today else None
        role = rng.choices([r for r, _ in SECONDMENT_ROLES], [w for _, w in SECONDMENT_ROLES])[0]
        rows.append(
            {
                "person_id": donor.person_id,
                "cell_code": cell,
                "role": role,
                "from_date": start,
                "to_date": end,
                "home_unit_code": tree.parent_on(donor.postings[-1].cell, start),
            }
        )
    return rows


# -- files ----------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ";".join(value)
    return str(value)


class Files:
    """One CSV file per kind, in UTF-8 with the English keys of every column the import reads."""

    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.paths = {kind: directory / f"{kind}.csv" for kind in KIND_ORDER}
        self.handles = {kind: path.open("w", encoding="utf-8", newline="") for kind, path in self.paths.items()}  # fmt: skip
        self.columns = {kind: [c.key for c in KINDS[kind].columns] for kind in KIND_ORDER}
        self.writers = {kind: csv.writer(handle) for kind, handle in self.handles.items()}
        self.rows: Counter[str] = Counter()
        for kind in KIND_ORDER:
            self.writers[kind].writerow(self.columns[kind])

    def write(self, kind: str, rows: Iterable[dict]) -> None:
        columns, writer = self.columns[kind], self.writers[kind]
        count = 0
        for row in rows:
            writer.writerow([_text(row.get(key)) for key in columns])
            count += 1
        self.rows[kind] += count

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()


def _places(plan: Plan) -> Iterable[dict]:
    for p in plan.places:
        for v in p.versions:
            yield {
                "code": p.code,
                "name": v.name,
                "kind": v.kind,
                "unit_code": v.unit,
                "cell_codes": v.cells,
                "valid_from": v.valid_from,
                "valid_to": v.valid_to,
            }


def _people(plan: Plan) -> Iterable[dict]:
    for p in plan.people:
        yield {
            "person_id": p.person_id,
            "full_name": p.full_name,
            "birth_date": p.birth_date,
            "gender": p.gender,
            "ethnicity": p.ethnicity,
            "religion": p.religion,
            "education_general": p.education_general,
            "education_professional": p.education_professional,
            "occupation": p.occupation,
            "youth_union": p.youth_union,
            "residence_place_code": p.residence,
            "workplace_place_code": p.workplace,
            "national_id": p.national_id,
            "phone": p.phone,
        }


def _members(memberships: Iterable[MembershipPlan]) -> Iterable[dict]:
    for m in memberships:
        for posting in m.postings:
            yield {
                "person_id": m.person_id,
                "cell_code": posting.cell,
                "admission_decision_date": m.admission_decision_date,
                "admission_decision_no": m.admission_decision_no,
                "ceremony_date": m.ceremony_date,
                "official_date": m.official_date,
                "left_date": m.left_date,
                "left_reason": m.left_reason,
                "cell_from": posting.valid_from,
            }


def _candidates(plan: Plan) -> Iterable[dict]:
    for c in plan.candidates:
        yield {
            "person_id": c.person_id,
            # Where the candidacy began: an accepted handover moves it to `c.cell`.
            "cell_code": c.started_in or c.cell,
            "added_on": c.added_on,
            "source_group": c.source_group,
            "mentor_person_ids": c.mentors,
        }


def _events(plan: Plan) -> Iterable[dict]:
    for c in plan.candidates:
        for e in c.events:
            yield {
                "person_id": c.person_id,
                "stage": e.stage,
                "date": e.date,
                "detail": e.detail,
                "certificate_no": e.certificate_no,
                "votes_for": e.votes_for,
                # Blank: the import counts the official members the records show (R7, R11).
                "official_members": None,
                "decision_no": e.decision_no,
                "received_on": e.received_on,
                "to_unit_code": e.to_unit,
                "class_name": e.class_name,
                "introducer_person_ids": e.introducers,
                "youth_union_resolution": e.youth_union_resolution or None,
                "authority": e.authority,
                "location": e.location,
                "exception_approved_by": e.exception_approved_by,
                "exception_document": e.exception_document,
            }


def build_national(
    directory: Path,
    *,
    scale: float,
    seed: int,
    today: dt.date,
    provinces: Iterable[str] | None = None,
    on_province: Callable[[ProvinceJob, Plan, float], None] | None = None,
) -> Totals:
    """Plan the country one old province at a time and write the interchange files to
    `directory` (units.csv … secondments.csv); the same arguments write the same files."""
    jobs = province_jobs(scale=scale, seed=seed, provinces=provinces)
    shared = SharedUnits(jobs)
    targets = TargetPlanner(seed=seed, today=today)
    totals = Totals(old_provinces=len(jobs), new_provinces=len({j.new_code for j in jobs}))
    files = Files(directory)
    try:
        files.write("units", unit_rows(CENTRAL) if jobs else ())
        totals.units += 1 if jobs else 0
        for job in jobs:
            started = time.monotonic()
            sizes = Sizes(members=job.members, villages_per_commune=villages_per_commune(scale))
            plan = build_plan(
                job.short,
                seed=job.seed,
                sizes=sizes,
                today=today,
                id_province_codes=[_official_code(job)],
            )
            kept = [u for u in plan.units if shared.keep(job, u)]
            files.write("units", (row for u in kept for row in unit_rows(u)))
            totals.units += len(kept)
            totals.cells += sum(1 for u in kept if u.versions[-1].kind in CELL_KINDS)
            files.write("places", _places(plan))
            files.write("people", _people(plan))
            files.write("members", _members(plan.memberships))
            files.write("candidates", _candidates(plan))
            files.write("events", _events(plan))
            files.write("targets", targets.plan(plan, job))
            files.write("secondments", plan_secondments(plan, job, seed=seed, today=today))
            totals.places += len(plan.places)
            totals.people += len(plan.people)
            totals.members += len(plan.memberships)
            totals.candidates += len(plan.candidates)
            if on_province:
                on_province(job, plan, time.monotonic() - started)
            del plan, kept
        extra = unplanned_communes(jobs, shared)
        files.write("units", (row for u in extra for row in unit_rows(u)))
        totals.units += len(extra)
        files.write("targets", targets.close())
    finally:
        files.close()
    totals.rows = dict(files.rows)
    totals.unit_rows = files.rows["units"]
    totals.member_rows = files.rows["members"]
    totals.events = files.rows["events"]
    totals.targets = files.rows["targets"]
    totals.secondments = files.rows["secondments"]
    return totals


def _official_code(job: ProvinceJob) -> str:
    old, _new = load_province(job.short)
    return old.code
