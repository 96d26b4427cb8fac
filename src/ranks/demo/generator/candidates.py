"""Pure: candidates for the people who are not members yet, with dated stage events (§5).

Each candidate sits on the source list of a cell of their home commune, has one or two mentors
who are official members of that cell, and a path of stage events in §5 order with realistic
durations, counted back from today: the latest event lies some time before today, as long as the
next step usually takes. So on any day the demo has candidates at every stage up to the
ceremony, a few overdue ones (a cell resolution more than 60 working days old without a
decision, R8; a decision received more than 30 working days ago without a ceremony, R9), one
handed over from a school's cell to the home commune and one working away.

Candidates whose path reaches the decision or the ceremony stay candidates in progress: the
memberships of the plan are the party members, and no candidate duplicates one.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ranks.demo.generator.building import CellSeat
from ranks.demo.generator.plan import (
    REFORM,
    CandidatePlan,
    EventPlan,
    MembershipPlan,
    PersonPlan,
)
from ranks.people.status import age_on
from ranks.pipeline.rules.calendar import add_working_days, is_working_day

# The main stages of §5 a demo candidate can reach (official recognition would make a member).
IDENTIFIED = "identified"
SOURCE_LIST = "source_list"
CLASS_PASSED = "class_passed"
INTRODUCERS_ASSIGNED = "introducers_assigned"
DOSSIER_PREPARED = "dossier_prepared"
BACKGROUND_VERIFIED = "background_verified"
COMMENTS_COLLECTED = "comments_collected"
CELL_RESOLUTION = "cell_resolution"
COMMITTEE_RESOLUTION = "committee_resolution"
ADMISSION_DECISION = "admission_decision"
CEREMONY = "ceremony"
PATH = (
    SOURCE_LIST,
    CLASS_PASSED,
    INTRODUCERS_ASSIGNED,
    DOSSIER_PREPARED,
    BACKGROUND_VERIFIED,
    COMMENTS_COLLECTED,
    CELL_RESOLUTION,
    COMMITTEE_RESOLUTION,
    ADMISSION_DECISION,
    CEREMONY,
)
STAGES = (IDENTIFIED, *PATH)
HANDED_OVER = "handed_over"
WORKING_AWAY = "working_away"

# How long the step that ends in a stage takes: calendar days, or working days ("wd").
STEP = {
    CLASS_PASSED: (30, 180, "days"),
    INTRODUCERS_ASSIGNED: (14, 60, "days"),
    DOSSIER_PREPARED: (20, 60, "days"),
    BACKGROUND_VERIFIED: (30, 90, "days"),
    COMMENTS_COLLECTED: (14, 45, "days"),
    CELL_RESOLUTION: (7, 30, "days"),
    COMMITTEE_RESOLUTION: (10, 30, "wd"),
    ADMISSION_DECISION: (10, 25, "wd"),  # so the decision comes within 60 WD (R8)
    CEREMONY: (5, 25, "wd"),  # counted from the day the decision is received (R9)
}
RECEIVED_AFTER = (2, 7)  # days between the decision and the cell receiving it
IDENTIFIED_WAIT = (5, 40, "days")  # identified only: not on a source list yet

# Where candidates are today: the early stages hold more people than the late ones.
STAGE_WEIGHTS = {
    IDENTIFIED: 3,
    SOURCE_LIST: 22,
    CLASS_PASSED: 13,
    INTRODUCERS_ASSIGNED: 10,
    DOSSIER_PREPARED: 10,
    BACKGROUND_VERIFIED: 9,
    COMMENTS_COLLECTED: 7,
    CELL_RESOLUTION: 6,
    COMMITTEE_RESOLUTION: 5,
    ADMISSION_DECISION: 5,
    CEREMONY: 7,
}
OVERDUE_RESOLUTION = (65, 100)  # working days since the cell resolution, no decision
OVERDUE_CEREMONY = (35, 60)  # working days since the decision was received, no ceremony
MAX_AGE = 45  # older people who are not members are not on a source list in the demo
HOMES = {"village", "residential_group"}

SOURCE_GROUPS = ("youth_union", "military", "returning_graduate", "student", "worker")
CLASS_PLACES = ("Trung tâm Chính trị huyện", "Trung tâm Bồi dưỡng chính trị")
AWAY_PLACES = (
    "Khu công nghiệp VSIP Bắc Ninh",
    "Khu công nghiệp Yên Phong, Bắc Ninh",
    "Khu công nghiệp Đình Vũ, Hải Phòng",
    "Khu chế xuất Tân Thuận, TP. Hồ Chí Minh",
    "Khu công nghiệp Thăng Long, Hà Nội",
)


@dataclass(frozen=True)
class _Member:
    person_id: str
    cell: str
    valid_from: dt.date
    valid_to: dt.date | None
    official: dt.date
    left: dt.date | None

    def official_on(self, day: dt.date) -> bool:
        return (
            self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
            and self.official <= day
            and (self.left is None or day < self.left)
        )


def _back_wd(day: dt.date, n: int) -> dt.date:
    """The n-th working day before `day` (the inverse of add_working_days)."""
    while n > 0:
        day -= dt.timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def _workday(day: dt.date) -> dt.date:
    """The working day on or before `day`: meetings and decisions fall on working days."""
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


class CandidatePlanner:
    def __init__(
        self,
        *,
        seed: int,
        today: dt.date,
        seats: Sequence[CellSeat],
        people: Sequence[PersonPlan],
        memberships: Sequence[MembershipPlan],
    ):
        self.today = today
        self.rng = random.Random(f"{seed}:candidates:{today.isoformat()}")
        self.people = {p.person_id: p for p in people}
        members = {m.person_id for m in memberships}
        self.non_members = [p for p in people if p.person_id not in members]
        self.seats = {s.code: s for s in seats}
        self.cell_of_home: dict[str, CellSeat] = {}
        self.village_cells: dict[str | None, list[CellSeat]] = defaultdict(list)
        self.schools: list[CellSeat] = [s for s in seats if s.setting == "high_school"]
        for seat in seats:
            if seat.setting in HOMES:
                self.village_cells[seat.commune].append(seat)
                for home in seat.homes:
                    self.cell_of_home.setdefault(home, seat)
        self.officials: dict[str, list[_Member]] = defaultdict(list)
        for m in memberships:
            if m.official_date is None:
                continue
            for posting in m.postings:
                self.officials[posting.cell].append(
                    _Member(
                        m.person_id,
                        posting.cell,
                        posting.valid_from,
                        posting.valid_to,
                        m.official_date,
                        m.left_date,
                    )
                )
        # Decision numbers go on from the highest one of the plan, per suffix and year.
        self.numbers: dict[tuple[str, int], int] = defaultdict(int)
        for m in memberships:
            number, _, suffix = m.admission_decision_no.partition("-QĐ/")
            if number.isdigit():
                key = (suffix, m.admission_decision_date.year)
                self.numbers[key] = max(self.numbers[key], int(number))
        self.certificates: dict[int, int] = defaultdict(int)
        self.resolutions: dict[tuple[str, int], int] = defaultdict(int)

    # -- who and where --------------------------------------------------------------------
    def _home_cell(self, person: PersonPlan) -> CellSeat | None:
        if not person.residence:
            return None
        seat = self.cell_of_home.get(person.residence)
        if seat is None:  # a village without a cell: the cell of a neighbouring village
            commune = person.residence.rsplit("-P", 1)[0]
            seat = next(iter(self.village_cells.get(commune, ())), None)
        if seat is None or not self._officials_on(seat.code, self.today):
            return None
        return seat

    def _officials_on(self, cell: str, day: dt.date) -> list[_Member]:
        return [m for m in self.officials.get(cell, ()) if m.official_on(day)]

    def _source_group(self, person: PersonPlan) -> str:
        rng = self.rng
        if person.religion not in ("", "Không") and rng.random() < 0.3:
            return "religious"
        hints = {
            "student": "student",
            "armed_forces": "military",
            "worker": "worker",
            "enterprise_employee": "worker",
        }
        if person.occupation in hints and rng.random() < 0.6:
            return hints[person.occupation]
        if person.education_professional in ("university", "college") and rng.random() < 0.5:
            return "returning_graduate"
        if person.youth_union and rng.random() < 0.6:
            return "youth_union"
        return rng.choices(SOURCE_GROUPS + ("association", "other"), (5, 3, 2, 2, 4, 1, 1))[0]

    # -- the plan -------------------------------------------------------------------------
    def plan(self) -> list[CandidatePlan]:
        rng, today = self.rng, self.today
        pool = [
            (p, seat)
            for p in self.non_members
            if age_on(p.birth_date, today) <= MAX_AGE and (seat := self._home_cell(p))
        ]
        # Roles every demo shows, given to people old enough to have passed a cell resolution.
        wanted: list[tuple[str, str]] = [(stage, "") for stage in STAGES]
        wanted += [
            (CELL_RESOLUTION, "overdue"),
            (ADMISSION_DECISION, "overdue"),
            (CLASS_PASSED, HANDED_OVER),
            (DOSSIER_PREPARED, WORKING_AWAY),
            (COMMITTEE_RESOLUTION, "overdue"),
            (ADMISSION_DECISION, "overdue"),
        ]
        roles: list[tuple[str, str]] = [("", "")] * len(pool)
        order = sorted(range(len(pool)), key=lambda i: age_on(pool[i][0].birth_date, today) < 20)
        for index, role in zip(order, wanted, strict=False):
            roles[index] = role
        stages, weights = list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values())
        out: list[CandidatePlan] = []
        for (person, seat), (stage, role) in zip(pool, roles, strict=True):
            if not stage:
                stage = rng.choices(stages, weights)[0]
                late = stage in PATH and PATH.index(stage) >= PATH.index(CELL_RESOLUTION)
                if late and age_on(person.birth_date, today - dt.timedelta(days=500)) < 18:
                    stage = rng.choice((SOURCE_LIST, CLASS_PASSED, INTRODUCERS_ASSIGNED))
            candidate = self._candidate(person, seat, stage, role)
            if candidate is not None:
                out.append(candidate)
        return out

    def _step(self, stage: str) -> int:
        low, high, _unit = STEP[stage]
        return self.rng.randint(low, high)

    def _dates(self, stage: str, role: str) -> dict[str, dt.date]:
        """The dates of the path up to `stage`, counted back from today."""
        rng, today = self.rng, self.today
        dates: dict[str, dt.date] = {}
        if stage == IDENTIFIED:
            dates[IDENTIFIED] = _workday(
                today - dt.timedelta(days=rng.randint(*IDENTIFIED_WAIT[:2]))
            )
            return dates
        reached = PATH[: PATH.index(stage) + 1]
        nxt = PATH[len(reached)] if len(reached) < len(PATH) else None
        # Time spent in the current stage so far: up to what the next step usually takes.
        if role == "overdue" and stage in (CELL_RESOLUTION, COMMITTEE_RESOLUTION):
            since_resolution = rng.randint(*OVERDUE_RESOLUTION)
            resolution = _workday(_back_wd(today, since_resolution))
            if stage == CELL_RESOLUTION:
                latest = resolution
            else:
                latest = min(
                    add_working_days(resolution, self._step(COMMITTEE_RESOLUTION)),
                    _back_wd(today, 1),
                )
        elif stage == ADMISSION_DECISION:
            days = rng.randint(*OVERDUE_CEREMONY) if role == "overdue" else rng.randint(0, 25)
            received = _workday(_back_wd(today, days))
            latest = _workday(received - dt.timedelta(days=rng.randint(*RECEIVED_AFTER)))
            dates["received_on"] = received
        elif nxt is None:  # the ceremony: probation runs
            latest = _workday(today - dt.timedelta(days=rng.randint(0, 300)))
        else:
            low, high, unit = STEP[nxt]
            if stage == CELL_RESOLUTION:
                high = 40  # not overdue yet
            elapsed = rng.randint(0, high)
            if unit == "wd":
                latest = _back_wd(today, elapsed)
            else:
                latest = today - dt.timedelta(days=elapsed)
            latest = _workday(latest)
        dates[stage] = latest
        if role == "overdue" and stage == COMMITTEE_RESOLUTION:
            dates[CELL_RESOLUTION] = resolution
        day = latest
        for current in reversed(reached[1:]):
            previous = PATH[PATH.index(current) - 1]
            low, high, unit = STEP[current]
            if previous in dates:
                day = dates[previous]
                continue
            if current == CEREMONY:
                received = _workday(_back_wd(day, rng.randint(low, high)))
                dates["received_on"] = received
                day = _workday(received - dt.timedelta(days=rng.randint(*RECEIVED_AFTER)))
            elif unit == "wd":
                day = _workday(_back_wd(day, rng.randint(low, high)))
            else:
                day = _workday(day - dt.timedelta(days=rng.randint(low, high)))
            dates[previous] = day
        return dates

    def _candidate(
        self, person: PersonPlan, seat: CellSeat, stage: str, role: str
    ) -> CandidatePlan | None:
        rng, today = self.rng, self.today
        dates = self._dates(stage, role)
        group = self._source_group(person)
        cell = seat
        to_unit = None
        if role == HANDED_OVER:
            # A graduate of a district high school: handed from the school's cell to the home cell.
            schools = [s for s in self.schools if person.residence in s.homes]
            schools = [s for s in schools if self._officials_on(s.code, today)]
            if schools:
                cell, to_unit, group = rng.choice(schools), seat.code, "student"
            else:  # no school cell: handed to a cell of another commune, where they now work
                others = [
                    s
                    for commune, cells in self.village_cells.items()
                    if commune != seat.commune
                    for s in cells
                ]
                to_unit = rng.choice(others).code if others else None
        elif role == WORKING_AWAY:
            group = "worker"
        added_on = min(dates.values())
        events = [self._event(name, dates, cell) for name in STAGES if name in dates]
        mentors = self._mentors(cell.code, dates.get(INTRODUCERS_ASSIGNED, added_on))
        if not mentors:
            return None
        last = events[-1].date
        if role == HANDED_OVER and to_unit:
            day = _workday(last + dt.timedelta(days=rng.randint(0, max(0, (today - last).days))))
            events.append(
                EventPlan(
                    HANDED_OVER,
                    max(day, last),
                    detail="Tốt nghiệp THPT, chuyển về sinh hoạt tại nơi cư trú",
                    to_unit=to_unit,
                )
            )
        if role == WORKING_AWAY:
            day = last + dt.timedelta(days=rng.randint(0, max(0, (today - last).days)))
            events.append(
                EventPlan(WORKING_AWAY, day, detail=f"Đi làm việc tại {rng.choice(AWAY_PLACES)}")
            )
        return CandidatePlan(
            person_id=person.person_id,
            cell=cell.code,
            added_on=added_on,
            source_group=group,
            mentors=tuple(mentors),
            events=events,
        )

    def _mentors(self, cell: str, day: dt.date) -> list[str]:
        """One or two official members of the cell, on `day` and still today."""
        today = self.today
        both = [m.person_id for m in self._officials_on(cell, today) if m.official_on(day)]
        pool = sorted(set(both or [m.person_id for m in self._officials_on(cell, today)]))
        if not pool:
            return []
        k = 2 if len(pool) > 1 and self.rng.random() < 0.7 else 1
        return sorted(self.rng.sample(pool, k))

    def _event(self, stage: str, dates: dict[str, dt.date], seat: CellSeat) -> EventPlan:
        rng = self.rng
        day = dates[stage]
        if stage == CLASS_PASSED:
            self.certificates[day.year] += rng.randint(1, 6)
            return EventPlan(
                stage,
                day,
                detail=f"Lớp bồi dưỡng nhận thức về Đảng, {rng.choice(CLASS_PLACES)}",
                certificate_no=f"{self.certificates[day.year]}/GCN-TTCT",
            )
        if stage == CELL_RESOLUTION:
            counted = len(self._officials_on(seat.code, day))
            members = counted if counted >= 3 else rng.randint(7, 15)
            votes = rng.randint(math.ceil(members * 2 / 3), members)
            return EventPlan(stage, day, votes_for=votes, official_members=members)
        issuer, suffix = seat.issuers[0] if day < REFORM else seat.issuers[1]
        if stage == COMMITTEE_RESOLUTION:
            self.resolutions[(issuer, day.year)] += rng.randint(1, 3)
            number = self.resolutions[(issuer, day.year)]
            return EventPlan(stage, day, decision_no=f"{number}-NQ/{suffix}")
        if stage == ADMISSION_DECISION:
            self.numbers[(suffix, day.year)] += rng.randint(1, 4)
            number = self.numbers[(suffix, day.year)]
            return EventPlan(
                stage, day, decision_no=f"{number}-QĐ/{suffix}", received_on=dates["received_on"]
            )
        return EventPlan(stage, day)


def plan_candidates(
    *,
    seed: int,
    today: dt.date,
    seats: Sequence[CellSeat],
    people: Sequence[PersonPlan],
    memberships: Sequence[MembershipPlan],
) -> list[CandidatePlan]:
    """Candidates for the people of the plan who are not members, in the order of the people."""
    return CandidatePlanner(
        seed=seed, today=today, seats=seats, people=people, memberships=memberships
    ).plan()
