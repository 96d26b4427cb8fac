"""Pure: the people of a demo province: party members in its cells, with their admissions,
transfers and leavings, and people who are not members yet (in a highland province, one of them
a village elder past 60).

Three random streams keep what should not move from moving: names, genders and ethnicities come
from the seed alone (the same seed gives the same names on any day); dates, occupations and the
like also depend on today.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from ranks.demo.generator import regions
from ranks.demo.generator.names import PersonNames
from ranks.demo.generator.plan import (
    REFORM,
    TREE_START,
    MembershipPlan,
    PersonPlan,
    PostingPlan,
    Sizes,
)
from ranks.demo.generator.structure import CellSeat
from ranks.people.status import age_on

RECENT_START = dt.date(2016, 1, 1)
ELDER_AGE = (62, 65)  # a village elder of a highland province, in years today
STAFF = {"school", "medical_station", "high_school", "agency"}
HOMES = {"village", "residential_group"}

# Age today of the members of each kind of cell: staff are of working age.
AGE_RANGE = {"police": (21, 55), **{s: (23, 59) for s in STAFF}}
SHARE_FEMALE = {
    "village": 0.35,
    "residential_group": 0.42,
    "school": 0.75,
    "medical_station": 0.65,
    "high_school": 0.6,
    "agency": 0.45,
    "police": 0.15,
}
AGE_AT_ADMISSION = (((18, 22), 38), ((23, 30), 38), ((31, 40), 17), ((41, 55), 7))

OCCUPATION_YOUNG = (
    ("student", 30),
    ("worker", 22),
    ("enterprise_employee", 15),
    ("farmer", 6),
    ("self_employed", 7),
    ("armed_forces", 8),
    ("other", 12),
)
OCCUPATION_ADULT = (
    ("farmer", 24),
    ("worker", 17),
    ("enterprise_employee", 12),
    ("self_employed", 15),
    ("civil_servant", 14),
    ("armed_forces", 3),
    ("other", 10),
)
OCCUPATION_OLD = (("farmer", 50), ("self_employed", 30), ("other", 20))
PROFESSIONAL = {
    "civil_servant": (("university", 70), ("postgraduate", 12), ("college", 13), ("vocational", 5)),
    "armed_forces": (("university", 55), ("college", 25), ("vocational", 20)),
    "student": (("none", 55), ("vocational", 20), ("college", 25)),
    "farmer": (("none", 70), ("vocational", 25), ("college", 5)),
    "worker": (("vocational", 50), ("none", 35), ("college", 15)),
    "enterprise_employee": (("university", 40), ("college", 25), ("vocational", 25), ("none", 10)),
    "self_employed": (("none", 50), ("vocational", 30), ("college", 10), ("university", 10)),
    "retired": (("university", 30), ("college", 20), ("vocational", 20), ("none", 30)),
    "other": (("none", 50), ("vocational", 30), ("university", 20)),
}
MOBILE_PREFIXES = (
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "38",
    "39",
    "86",
    "96",
    "97",
    "98",
    "70",
    "76",
    "77",
    "78",
    "79",
    "89",
    "90",
    "93",
    "81",
    "82",
    "83",
    "84",
    "85",
    "88",
    "91",
    "94",
)


def _pick(rng: random.Random, weighted: Sequence[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def _day_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def allocate(total: int, weights: Sequence[float], rng: random.Random, floor: int = 3) -> list[int]:
    """Split `total` among slots: `floor` each when there are enough, the rest by weight."""
    if not weights:
        return []
    base = min(floor, total // len(weights))
    counts = [base] * len(weights)
    for index in rng.choices(range(len(weights)), weights=weights, k=total - base * len(weights)):
        counts[index] += 1
    return counts


class PeoplePlanner:
    def __init__(
        self,
        *,
        province_short: str,
        province_code: str,
        unit_code: str,
        all_province_codes: Sequence[str],
        flags: frozenset[str],
        seed: int,
        today: dt.date,
        sizes: Sizes,
    ):
        self.province_code = province_code
        self.unit_code = unit_code
        self.all_codes = list(all_province_codes)
        self.highland = "mountainous" in flags
        self.today = today
        self.sizes = sizes
        self.ethnic_mix = regions.ethnic_mix(province_short)
        self.names = PersonNames(seed)
        self.rng_identity = random.Random(f"{seed}:identity")
        self.rng_allocate = random.Random(f"{seed}:allocate")
        self.rng = random.Random(f"{seed}:life:{today.isoformat()}")
        self.national_ids: set[str] = set()
        self.people: list[PersonPlan] = []
        self.memberships: list[MembershipPlan] = []
        self._seats: list[CellSeat] = []  # the cell each membership began in, for numbering

    # -- identity -------------------------------------------------------------------------
    def _identity(self, share_female: float) -> tuple[str, str, str, str]:
        rng = self.rng_identity
        gender = "female" if rng.random() < share_female else "male"
        ethnicity = _pick(rng, self.ethnic_mix)
        religion = _pick(rng, regions.religion_mix(ethnicity))
        return self.names.full_name(gender, ethnicity), gender, ethnicity, religion

    def _national_id(self, birth: dt.date, gender: str) -> str:
        rng = self.rng
        province = self.province_code if rng.random() < 0.9 else rng.choice(self.all_codes)
        century = (0 if birth.year < 2000 else 2) + (1 if gender == "female" else 0)
        while True:
            nid = f"{int(province):03d}{century}{birth.year % 100:02d}{rng.randint(0, 999999):06d}"
            if nid not in self.national_ids:
                self.national_ids.add(nid)
                return nid

    def _phone(self) -> str:
        rng = self.rng
        if rng.random() < 0.08:
            return ""
        return f"0{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 9999999):07d}"

    def _education(self, age: int, occupation: str, staff: bool) -> tuple[str, str]:
        rng = self.rng
        if staff or occupation in {"civil_servant", "armed_forces"}:
            general = "upper_secondary"
        else:
            weights: list[tuple[str, float]]
            if age >= 60:
                weights = [("primary", 12), ("lower_secondary", 48), ("upper_secondary", 40)]
            elif age >= 45:
                weights = [("primary", 4), ("lower_secondary", 30), ("upper_secondary", 66)]
            else:
                weights = [("primary", 1), ("lower_secondary", 9), ("upper_secondary", 90)]
            if self.highland:
                weights = [
                    (k, w * {"primary": 3, "lower_secondary": 1.5}.get(k, 1)) for k, w in weights
                ]
            general = _pick(rng, weights)
        professional = _pick(rng, PROFESSIONAL[occupation])
        if general != "upper_secondary" and professional in {"university", "postgraduate"}:
            professional = "vocational"
        return general, professional

    def _occupation(self, setting: str, age: int, gender: str) -> str:
        rng = self.rng
        if setting in STAFF:
            return "civil_servant"
        if setting == "police":
            return "armed_forces"
        retire_age = 60 if gender == "male" else 57
        if age >= retire_age:
            return "retired" if rng.random() < 0.85 else _pick(rng, OCCUPATION_OLD)
        weights: Sequence[tuple[str, float]] = OCCUPATION_YOUNG if age <= 23 else OCCUPATION_ADULT
        if setting == "residential_group":
            weights = tuple((k, w * 0.15 if k == "farmer" else w) for k, w in weights)
        return _pick(rng, weights)

    def _person(
        self, *, full_name, gender, ethnicity, religion, birth, setting, residence, workplace
    ) -> PersonPlan:
        age = age_on(birth, self.today)
        occupation = self._occupation(setting, age, gender)
        general, professional = self._education(age, occupation, setting in STAFF | {"police"})
        person = PersonPlan(
            person_id=f"{self.unit_code}-{len(self.people) + 1:06d}",
            full_name=full_name,
            birth_date=birth,
            gender=gender,
            ethnicity=ethnicity,
            religion=religion,
            education_general=general,
            education_professional=professional,
            occupation=occupation,
            youth_union=age <= 30 and self.rng.random() < 0.85,
            residence=residence,
            workplace=workplace,
            national_id=self._national_id(birth, gender),
            phone=self._phone(),
        )
        self.people.append(person)
        return person

    # -- members --------------------------------------------------------------------------
    def _admission_and_birth(self, setting: str) -> tuple[dt.date, dt.date]:
        rng, today = self.rng, self.today
        low, high = AGE_RANGE.get(setting, (18, 80))
        years = list(range(1965, RECENT_START.year))
        for _ in range(40):
            if rng.random() < self.sizes.recent_share:
                admitted = _day_between(rng, RECENT_START, today - dt.timedelta(days=1))
            else:
                year = rng.choices(years, weights=[y - 1960 for y in years])[0]
                admitted = _day_between(rng, dt.date(year, 1, 1), dt.date(year, 12, 31))
            band = rng.choices([b for b, _ in AGE_AT_ADMISSION], [w for _, w in AGE_AT_ADMISSION])[
                0
            ]
            birth = add_years(admitted, -rng.randint(*band)) - dt.timedelta(
                days=rng.randint(0, 364)
            )
            if low <= age_on(birth, today) <= high and age_on(birth, admitted) >= 18:
                return admitted, birth
        admitted = today - dt.timedelta(days=rng.randint(400, 3000))
        return admitted, add_years(admitted, -max(low, 25))

    def plan_members(self, seats: list[CellSeat]) -> None:
        counts = allocate(self.sizes.members, [s.weight for s in seats], self.rng_allocate)
        by_commune: dict[str | None, list[CellSeat]] = defaultdict(list)
        for seat in seats:
            if seat.setting in HOMES:
                by_commune[seat.commune].append(seat)
        home_seats = [s for s in seats if s.setting in HOMES]
        for seat, count in zip(seats, counts, strict=True):
            for _ in range(count):
                self._member(seat, by_commune, home_seats)
        self._number_decisions()

    def _member(self, seat: CellSeat, by_commune, home_seats) -> None:
        rng, today = self.rng, self.today
        full_name, gender, ethnicity, religion = self._identity(SHARE_FEMALE[seat.setting])
        admitted, birth = self._admission_and_birth(seat.setting)
        ceremony_day = admitted + dt.timedelta(days=rng.randint(14, 45))
        ceremony = ceremony_day if ceremony_day <= today else None
        official = add_years(ceremony, 1) if ceremony else None
        official = official if official and official <= today else None

        start = max(admitted, TREE_START)
        moves: list[tuple[dt.date, CellSeat]] = []
        if seat.setting in HOMES and rng.random() < 0.02:
            earliest = start + dt.timedelta(days=180)
            if earliest < today:
                neighbours = [s for s in by_commune[seat.commune] if s is not seat]
                pool = neighbours if neighbours and rng.random() < 0.6 else home_seats
                target = rng.choice(pool)
                if target is not seat:
                    moves.append(
                        (_day_between(rng, earliest, today - dt.timedelta(days=1)), target)
                    )

        left, reason = None, ""
        r = rng.random()
        age = age_on(birth, today)
        if r < 0.015 and age >= 55:
            reason = "death"
        elif 0.015 <= r < 0.02:
            reason = "removal"
        elif 0.02 <= r < 0.03:
            reason = "transfer_out"
        if reason:
            earliest = (moves[-1][0] if moves else start) + dt.timedelta(days=30)
            if reason == "removal" and ceremony and rng.random() < 0.5:
                # Not recognised at the end of probation (R12).
                earliest = max(earliest, ceremony + dt.timedelta(days=300))
            if earliest < today:
                left = _day_between(rng, earliest, today - dt.timedelta(days=1))
                if official and official >= left:
                    official = None
            else:
                reason = ""

        final = moves[-1][1] if moves else seat
        residence = rng.choice(final.homes) if final.homes else None
        person = self._person(
            full_name=full_name,
            gender=gender,
            ethnicity=ethnicity,
            religion=religion,
            birth=birth,
            setting=seat.setting,
            residence=residence,
            workplace=final.workplace,
        )
        postings, cell, since = [], seat.code, start
        for day, target in moves:
            postings.append(PostingPlan(cell, since, day - dt.timedelta(days=1)))
            cell, since = target.code, day
        postings.append(PostingPlan(cell, since, left))
        membership = MembershipPlan(
            person_id=person.person_id,
            admission_decision_date=admitted,
            admission_decision_no="",
            ceremony_date=ceremony,
            official_date=official,
            left_date=left,
            left_reason=reason,
            postings=postings,
        )
        self.memberships.append(membership)
        self._seats.append(seat)

    def _number_decisions(self) -> None:
        """Decision numbers per admitting committee and year, in date order: "125-QĐ/HU"."""
        groups: dict[tuple[str, int], list[tuple[MembershipPlan, str]]] = defaultdict(list)
        for m, seat in zip(self.memberships, self._seats, strict=True):
            code, suffix = (
                seat.issuers[0] if m.admission_decision_date < REFORM else seat.issuers[1]
            )
            groups[(code, m.admission_decision_date.year)].append((m, suffix))
        for key in sorted(groups):
            number = 0
            for m, suffix in sorted(
                groups[key], key=lambda x: (x[0].admission_decision_date, x[0].person_id)
            ):
                number += self.rng.randint(1, 4)
                m.admission_decision_no = f"{number}-QĐ/{suffix}"

    # -- people who are not members -------------------------------------------------------
    def plan_non_members(self, homes: list[str]) -> None:
        rng, today = self.rng, self.today
        for index in range(self.sizes.extra_people):
            if index == 0 and self.highland:
                self._village_elder(homes)
                continue
            full_name, gender, ethnicity, religion = self._identity(0.45)
            age = rng.randint(18, 35) if rng.random() < 0.8 else rng.randint(36, 50)
            birth = add_years(today, -age) - dt.timedelta(days=rng.randint(1, 364))
            self._person(
                full_name=full_name,
                gender=gender,
                ethnicity=ethnicity,
                religion=religion,
                birth=birth,
                setting="village",
                residence=rng.choice(homes) if homes else None,
                workplace=None,
            )

    def _village_elder(self, homes: list[str]) -> None:
        """A respected elder of a mountain village, past 60, whom the cell may propose for
        admission with the provincial committee's consent (R2)."""
        rng, today = self.rng, self.today
        full_name, gender, ethnicity, religion = self._identity(0.0)
        self._person(
            full_name=full_name,
            gender=gender,
            ethnicity=ethnicity,
            religion=religion,
            birth=add_years(today, -rng.randint(*ELDER_AGE))
            - dt.timedelta(days=rng.randint(1, 364)),
            setting="village",
            residence=rng.choice(homes) if homes else None,
            workplace=None,
        )
        self.people[-1] = replace(
            self.people[-1],
            occupation="farmer",
            education_general="primary",
            education_professional="none",
            youth_union=False,
        )
