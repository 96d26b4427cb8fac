"""The bench province: one province of many members, planned with seeded randomness and written
with bulk inserts, for timing progress, composition and the admission ratio at scale.

The shape follows the demo (`ranks.demo`) and the 2025 reform: a province, its districts and
their communes until 30 June 2025, new communes (several old ones merged) directly under the
province from 1 July 2025, and cells that move from the old commune to the new one. Each cell is
based at a place (a village, a residential group, a school, ...). Most members were admitted long
ago; from 2021 on, a share of the membership is admitted each year, more of it at the end of the
year, more in some communes than in others. The current year has admission targets for the
province and its communes.

Rows go in with `bulk_create`, not through the services, and are not audited one by one (one
audit entry says the bench province was built): the services check and audit one row at a time
and the demo writer audits every row, which takes minutes for 100,000 members.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from ranks.core.actor import Actor
from ranks.core.audit import Change, audit_record_many
from ranks.counters import services as counters
from ranks.demo.generator.names import VILLAGE_STEMS, PersonNames
from ranks.demo.generator.people import (
    AGE_AT_ADMISSION,
    OCCUPATION_ADULT,
    OCCUPATION_OLD,
    OCCUPATION_YOUNG,
    PROFESSIONAL,
    SHARE_FEMALE,
    add_years,
)
from ranks.org.models import Place, PlaceVersion, Unit, UnitKind, UnitVersion
from ranks.people.models import Membership, Person, Posting
from ranks.people.names import fold
from ranks.people.status import age_on
from ranks.pipeline.models import Candidate
from ranks.targets.models import Metric, Target, TargetRevision

TREE_START = dt.date(2000, 1, 1)
REFORM = dt.date(2025, 7, 1)
LAST_OLD_DAY = REFORM - dt.timedelta(days=1)
FIRST_RECENT_YEAR = 2021
BATCH = 2000
CODE = "BP"  # the province's code; every unit code starts with it
SUPERUSER = "bench-admin"

# Share of a year's admissions decided in each month: committees rush before 31 December.
MONTH_WEIGHTS = (5, 5, 6, 6, 7, 8, 7, 7, 8, 9, 12, 20)
ETHNICITIES = (("Kinh", 88), ("Mường", 4), ("Tày", 3), ("Thái", 2), ("Hoa", 1), ("Khmer", 1))
RELIGIONS = (("Không", 84), ("Phật giáo", 9), ("Công giáo", 6), ("Cao Đài", 1))
SOURCE_GROUPS = (
    ("youth_union", 45),
    ("student", 10),
    ("worker", 12),
    ("returning_graduate", 8),
    ("military", 8),
    ("association", 6),
    ("religious", 3),
    ("other", 8),
)
STAFF_PLACES = ("school", "medical_station", "agency", "enterprise")
CELL_WEIGHT = {"village": 1.6, "residential_group": 1.4, "enterprise": 0.8}
SEGMENT_TARGETS = {  # share of the admissions target
    Metric.ADMISSIONS_VILLAGES: 0.6,
    Metric.ADMISSIONS_AGE_18_30: 0.7,
    Metric.ADMISSIONS_WOMEN: 0.4,
}


@dataclass(frozen=True)
class Shape:
    members: int = 100_000
    districts: int = 12
    communes: int = 15  # per district, before the reform
    cells: int = 8  # per commune, each based at its own place
    merge: int = 3  # old communes merged into each new commune on 1 July 2025
    rate: float = 0.036  # admissions a year from 2021, as a share of the members
    seed: int = 2025


@dataclass
class Built:
    province: Unit
    units: int = 0
    unit_versions: int = 0
    places: int = 0
    people: int = 0
    left: int = 0
    candidates: int = 0
    targets: int = 0
    admissions: Counter[int] = field(default_factory=Counter)  # by year, from 2021
    seconds: float = 0.0


@dataclass
class _Cell:
    unit: Unit
    setting: str  # the kind of its place
    place: Place
    commune: int  # index of its old commune
    new_commune: Unit  # the commune it moved to on 1 July 2025
    weight: float


def _pick(rng: random.Random, weighted) -> str:
    return rng.choices([k for k, _w in weighted], weights=[w for _k, w in weighted])[0]


def _weekday(day: dt.date) -> dt.date:
    """Committees decide on working days: a Saturday or Sunday becomes the Friday before."""
    return day - dt.timedelta(days=max(0, day.weekday() - 4))


def _admission_days(shape: Shape, rng: random.Random, today: dt.date) -> list[dt.date]:
    """Decision dates of every member: `rate` of the membership a year from 2021 to yesterday
    (by MONTH_WEIGHTS), the rest from 1970 to 2020, more of them in later years."""
    per_year = round(shape.members * shape.rate)
    recent: list[dt.date] = []
    for year in range(FIRST_RECENT_YEAR, today.year + 1):
        for month in rng.choices(range(1, 13), weights=MONTH_WEIGHTS, k=per_year):
            day = rng.randint(1, calendar.monthrange(year, month)[1])
            decided = _weekday(dt.date(year, month, day))
            if decided < today:
                recent.append(decided)
    recent = recent[: shape.members]
    years = list(range(1970, FIRST_RECENT_YEAR))
    older = [
        dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
        for year in rng.choices(
            years, weights=[y - 1960 for y in years], k=shape.members - len(recent)
        )
    ]
    return recent + [_weekday(d) for d in older]


class _Builder:
    def __init__(self, shape: Shape, today: dt.date, on: dt.date):
        self.shape = shape
        self.today = today
        self.on = on
        self.rng = random.Random(f"{shape.seed}:bench")
        self.names = PersonNames(shape.seed)
        self.kinds = dict(UnitKind.objects.values_list("key", "id"))
        self.units: list[Unit] = []
        self.versions: list[UnitVersion] = []
        self.cells: list[_Cell] = []
        self.new_communes: list[Unit] = []
        self.homes_by_commune: dict[int, list[Place]] = {}

    # -- the tree and its places ------------------------------------------------------------
    def _unit(self, code: str) -> Unit:
        unit = Unit(code=code)
        self.units.append(unit)
        return unit

    def _version(self, unit: Unit, name: str, kind: str, parent: Unit | None, start, end, **kw):
        self.versions.append(
            UnitVersion(
                unit=unit,
                name=name,
                kind_id=self.kinds[kind],
                parent=parent,
                valid_from=start,
                valid_to=end,
                **kw,
            )
        )

    def tree(self) -> Unit:
        shape, rng = self.shape, self.rng
        stems = list(VILLAGE_STEMS)
        province = self._unit(CODE)
        self._version(
            province, "Đảng bộ tỉnh Thử Nghiệm", "provincial_committee", None, TREE_START, None
        )
        old_communes: list[tuple[Unit, str, int]] = []  # (unit, name, district)
        for d in range(shape.districts):
            urban = d == 0  # the provincial capital: wards and residential groups
            district = self._unit(f"{CODE}-H{d + 1:02}")
            d_name = (
                "Đảng bộ thành phố Thử Nghiệm"
                if urban
                else f"Đảng bộ huyện {stems[d % len(stems)]} {d + 1}"
            )
            self._version(
                district,
                d_name,
                "district_committee",
                province,
                TREE_START,
                LAST_OLD_DAY,
                can_admit=True,
            )
            for c in range(shape.communes):
                commune = self._unit(f"{district.code}-X{c + 1:02}")
                stem = rng.choice(stems)
                name = f"Đảng bộ phường {stem}" if urban else f"Đảng bộ xã {stem}"
                self._version(
                    commune, name, "commune_committee", district, TREE_START, LAST_OLD_DAY
                )
                old_communes.append((commune, name, d))
        # The reform: each group of `merge` old communes of a district becomes one new commune.
        new_of: list[Unit] = []
        for index, (_commune, name, _d) in enumerate(old_communes):
            position = index % shape.communes
            if position % shape.merge == 0:
                new = self._unit(f"{CODE}-M{len(self.new_communes) + 1:03}")
                self.new_communes.append(new)
                self._version(
                    new, name, "commune_committee", province, REFORM, None, can_admit=True
                )
            new_of.append(self.new_communes[-1])
        self._cells(old_communes, new_of)
        return province

    def _cells(self, old_communes, new_of) -> None:
        shape, rng = self.shape, self.rng
        places, place_versions, links = [], [], []
        for index, (commune, _name, d) in enumerate(old_communes):
            urban = d == 0
            home = "residential_group" if urban else "village"
            staff = [STAFF_PLACES[k % len(STAFF_PLACES)] for k in range(max(0, shape.cells - 5))]
            settings = [home] * (shape.cells - len(staff)) + staff
            homes = []
            for k, setting in enumerate(settings):
                place = Place(code=f"{commune.code}-P{k + 1}")
                place_name = {
                    "village": f"Thôn {rng.choice(VILLAGE_STEMS)} {k + 1}",
                    "residential_group": f"Tổ dân phố số {k + 1}",
                    "school": "Trường Tiểu học",
                    "medical_station": "Trạm Y tế",
                    "agency": "Ủy ban nhân dân",
                    "enterprise": "Công ty cổ phần May",
                }[setting]
                cell = self._unit(f"{commune.code}-C{k + 1}")
                cell_name = f"Chi bộ {place_name[0].lower()}{place_name[1:]}"
                self._version(cell, cell_name, "cell", commune, TREE_START, LAST_OLD_DAY)
                self._version(cell, cell_name, "cell", new_of[index], REFORM, None)
                places.append(place)
                before = PlaceVersion(
                    place=place,
                    name=place_name,
                    kind=setting,
                    unit=commune,
                    valid_from=TREE_START,
                    valid_to=LAST_OLD_DAY,
                )
                after = PlaceVersion(
                    place=place,
                    name=place_name,
                    kind=setting,
                    unit=new_of[index],
                    valid_from=REFORM,
                    valid_to=None,
                )
                place_versions += [before, after]
                links += [(before, cell), (after, cell)]
                weight = CELL_WEIGHT.get(setting, 0.6) * rng.uniform(0.6, 1.4)
                self.cells.append(_Cell(cell, setting, place, index, new_of[index], weight))
                if setting == home:
                    homes.append(place)
            self.homes_by_commune[index] = homes
        self.places, self.place_versions, self.links = places, place_versions, links

    def write_tree(self) -> None:
        Unit.objects.bulk_create(self.units, batch_size=BATCH)
        for v in self.versions:  # the pks exist only now
            v.unit_id = v.unit.pk
            v.parent_id = v.parent.pk if v.parent else None
        UnitVersion.objects.bulk_create(self.versions, batch_size=BATCH)
        Place.objects.bulk_create(self.places, batch_size=BATCH)
        for pv in self.place_versions:
            pv.place_id, pv.unit_id = pv.place.pk, pv.unit.pk
        PlaceVersion.objects.bulk_create(self.place_versions, batch_size=BATCH)
        through = PlaceVersion.cells.through
        through.objects.bulk_create(
            [through(placeversion_id=pv.pk, unit_id=cell.pk) for pv, cell in self.links],
            batch_size=BATCH,
        )

    # -- the members ------------------------------------------------------------------------
    def members(self, built: Built) -> None:
        shape, rng, today = self.shape, self.rng, self.today
        days = _admission_days(shape, rng, today)
        recent = sum(1 for d in days if d.year >= FIRST_RECENT_YEAR)
        weights = [c.weight for c in self.cells]
        # Some communes admit far more than others, so siblings rank apart and some fall behind.
        activity = {c.commune: 0.0 for c in self.cells}
        for commune in activity:
            activity[commune] = rng.uniform(0.3, 1.7)
        busy = [c.weight * activity[c.commune] for c in self.cells]
        seats = rng.choices(self.cells, weights=busy, k=recent)
        seats += rng.choices(self.cells, weights=weights, k=len(days) - recent)
        people, memberships, postings, candidates = [], [], [], []
        for n, (decided, cell) in enumerate(zip(days, seats, strict=True)):
            person, membership, cell_postings = self._member(n, decided, cell)
            people.append(person)
            memberships.append(membership)
            postings.append(cell_postings)
            if membership.left_date:
                built.left += 1
            if decided.year >= FIRST_RECENT_YEAR:
                built.admissions[decided.year] += 1
                candidates.append(
                    Candidate(
                        person=person,
                        cell=cell.unit,
                        added_on=decided - dt.timedelta(days=rng.randint(200, 700)),
                        source_group=_pick(rng, SOURCE_GROUPS),
                    )
                )
        Person.objects.bulk_create(people, batch_size=BATCH)
        for m in memberships:
            m.person_id = m.person.pk
        Membership.objects.bulk_create(memberships, batch_size=BATCH)
        rows = []
        for m, cell_postings in zip(memberships, postings, strict=True):
            for p in cell_postings:
                p.membership_id, p.person_id, p.cell_id = m.pk, m.person_id, p.cell.pk
                rows.append(p)
        Posting.objects.bulk_create(rows, batch_size=BATCH)
        for c in candidates:
            c.person_id, c.cell_id = c.person.pk, c.cell.pk
        Candidate.objects.bulk_create(candidates, batch_size=BATCH)
        built.people, built.candidates = len(people), len(candidates)

    def _member(self, n: int, decided: dt.date, cell: _Cell):
        rng, today = self.rng, self.today
        gender = "female" if rng.random() < SHARE_FEMALE.get(cell.setting, 0.45) else "male"
        ethnicity = _pick(rng, ETHNICITIES)
        band = _pick(rng, AGE_AT_ADMISSION)
        birth = add_years(decided, -rng.randint(*band)) - dt.timedelta(days=rng.randint(0, 364))
        age = age_on(birth, today)
        staff = cell.setting in STAFF_PLACES
        occupation = self._occupation(cell.setting, age, gender)
        professional = _pick(rng, PROFESSIONAL[occupation])
        general = (
            "upper_secondary"
            if staff or rng.random() < 0.8
            else rng.choice(("primary", "lower_secondary"))
        )
        homes = self.homes_by_commune[cell.commune]
        residence = cell.place if not staff else (rng.choice(homes) if homes else None)
        person = Person(
            person_id=f"{CODE}-{n + 1:07}",
            full_name=(name := self.names.full_name(gender, ethnicity)),
            search_name=fold(name),  # bulk_create skips Person.save()
            birth_date=birth,
            gender=gender,
            ethnicity=ethnicity,
            religion=_pick(rng, RELIGIONS),
            education_general=general,
            education_professional=professional,
            occupation=occupation,
            youth_union=age <= 30 and rng.random() < 0.85,
            residence_place=residence,
            workplace_place=cell.place if staff else None,
        )
        start = max(decided, TREE_START)
        left, reason = None, ""
        r = rng.random()
        if r < (0.04 if age >= 70 else 0.005):
            reason = "death"
        elif r < 0.012:
            reason = "transfer_out"
        elif r < 0.015:
            reason = "removal"
        if reason:
            earliest = start + dt.timedelta(days=60)
            if earliest < today:
                left = earliest + dt.timedelta(days=rng.randint(0, (today - earliest).days - 1))
            else:
                reason = ""
        postings = []
        moved = start + dt.timedelta(days=rng.randint(180, 3000)) if rng.random() < 0.02 else None
        if moved and moved < (left or today):
            other = rng.choice(self.cells)
            postings.append(
                Posting(cell=cell.unit, valid_from=start, valid_to=moved - dt.timedelta(days=1))
            )
            postings.append(Posting(cell=other.unit, valid_from=moved, valid_to=left))
        else:
            postings.append(Posting(cell=cell.unit, valid_from=start, valid_to=left))
        held = decided + dt.timedelta(days=rng.randint(14, 45))
        ceremony = held if held < today else None
        official = add_years(ceremony, 1) if ceremony else None
        official = (
            official if official and official < today and (not left or official < left) else None
        )
        membership = Membership(
            person=person,
            admission_decision_date=decided,
            admission_decision_no=f"{rng.randint(1, 999)}-QĐ/{'TU' if decided >= REFORM else 'HU'}",
            ceremony_date=ceremony,
            official_date=official,
            left_date=left,
            left_reason=reason,
        )
        return person, membership, postings

    def _occupation(self, setting: str, age: int, gender: str) -> str:
        rng = self.rng
        if setting in ("school", "medical_station", "agency"):
            return "civil_servant"
        if setting == "enterprise":
            return "worker" if rng.random() < 0.6 else "enterprise_employee"
        if age >= (60 if gender == "male" else 57):
            return "retired" if rng.random() < 0.85 else _pick(rng, OCCUPATION_OLD)
        weights: tuple[tuple[str, float], ...] = OCCUPATION_YOUNG if age <= 23 else OCCUPATION_ADULT
        if setting == "residential_group":
            weights = tuple((k, w * 0.15 if k == "farmer" else w) for k, w in weights)
        return _pick(rng, weights)

    # -- targets ----------------------------------------------------------------------------
    def targets(self, province: Unit, built: Built) -> None:
        """Admission targets of the year of `on`: the province's, 5 % above the yearly pace,
        split among the new communes by their size, some a little over, some under."""
        year, now = self.on.year, timezone.now()
        total = max(1, round(self.shape.members * self.shape.rate * 1.05))
        per_new: dict[int, float] = defaultdict(float)
        for c in self.cells:
            per_new[c.new_commune.pk] += c.weight
        whole = sum(per_new.values()) or 1
        values = {(province.pk, Metric.ADMISSIONS): total}
        # The province's segment targets, which its dashboard compares with their actuals.
        for metric, share in SEGMENT_TARGETS.items():
            values[(province.pk, metric)] = max(1, round(total * share))
        for unit in self.new_communes:
            share = per_new[unit.pk] / whole
            value = max(1, round(total * share * self.rng.uniform(0.85, 1.2)))
            values[(unit.pk, Metric.ADMISSIONS)] = value
        targets = Target.objects.bulk_create(
            [
                Target(unit_id=pk, year=year, metric=metric, value=v, set_by="bench", set_at=now)
                for (pk, metric), v in values.items()
            ]
        )
        TargetRevision.objects.bulk_create(
            [
                TargetRevision(
                    target=t, old_value=None, new_value=t.value, by="bench", at=now, reason="bench"
                )
                for t in targets
            ]
        )
        built.targets = len(targets)


def province_build(*, shape: Shape, actor: Actor, today: dt.date, on: dt.date) -> Built:
    """Write the bench province in one transaction (the database holds no units yet)."""
    started = time.perf_counter()
    builder = _Builder(shape, today, on)
    with transaction.atomic():
        province = builder.tree()
        builder.write_tree()
        built = Built(province=province)
        builder.members(built)
        counters.rebuild()
        builder.targets(province, built)
        _superuser()
        audit_record_many(
            actor,
            [
                Change(
                    "ranks.bench.province.built",
                    "unit",
                    province.code,
                    after={"members": shape.members, "seed": shape.seed, "rows_audited": False},
                )
            ],
        )
    built.units = len(builder.units)
    built.unit_versions = len(builder.versions)
    built.places = len(builder.places)
    with connection.cursor() as cursor:  # fresh statistics, as a production database would have
        cursor.execute("ANALYZE")
    built.seconds = time.perf_counter() - started
    return built


def rows_held() -> dict[str, int]:
    """The units, places and people already in the database: the bench builds into none."""
    return {
        "units": Unit.objects.count(),
        "places": Place.objects.count(),
        "people": Person.objects.count(),
    }


def _superuser():
    """The user the dashboard is fetched as: a superuser who cannot sign in (no password)."""
    user, _created = get_user_model().objects.get_or_create(
        username=SUPERUSER, defaults={"is_superuser": True, "is_staff": True}
    )
    if not user.is_superuser:
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
    return user
