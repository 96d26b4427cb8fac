"""Pure: candidates for the people who are not members yet, with dated stage events (§5).

Each candidate sits on the source list of a cell of their home commune, has one or two mentors
who are official members of that cell, and a path of stage events in §5 order with realistic
durations, counted back from today: the latest event lies some time before today, as long as the
next step usually takes. So on any day the demo has candidates at every stage, a few overdue
ones (a cell resolution more than 60 working days old without a decision, R8; a decision received
more than 30 working days ago without a ceremony, R9), a failed vote, a school's graduate handed
over to the home commune and not yet accepted, another accepted and going on there, one working
away, and members recognised after their probation.

Every event is one the service would accept (`replay` checks the path with the rules engine
before the candidate is kept), or an exception with who approved it and the document: a late
ceremony, and in a mountainous or otherwise flagged province a village elder over 60 admitted
with the provincial committee's consent. A candidate whose path reaches the ceremony is a
probationary member from the decision, as the service makes them: the planner returns those
memberships with the candidates.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ranks.demo.generator.building import CellSeat
from ranks.demo.generator.paperwork import Paperwork
from ranks.demo.generator.paths import (
    ADMISSION_DECISION,
    BACKGROUND_VERIFIED,
    CELL_RESOLUTION,
    CEREMONY,
    CLASS_PASSED,
    COMMENTS_COLLECTED,
    COMMITTEE_RESOLUTION,
    DOSSIER_PREPARED,
    ELDER,
    FAILED_VOTE,
    HANDED_OVER,
    HANDOVER_ACCEPTED,
    IDENTIFIED,
    INTRODUCERS_ASSIGNED,
    LATE_CEREMONY,
    OFFICIAL,
    OVERDUE,
    PATH,
    RECOGNITION,
    SOURCE_LIST,
    STAGES,
    WORKING_AWAY,
    add_side_dates,
    path_dates,
)
from ranks.demo.generator.plan import (
    CandidatePlan,
    EventPlan,
    MembershipPlan,
    PersonPlan,
    PostingPlan,
    UnitPlan,
)
from ranks.demo.generator.replay import Tenure, replay
from ranks.people.status import age_on, months_between
from ranks.pipeline import rules

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
EARLY = (SOURCE_LIST, CLASS_PASSED, INTRODUCERS_ASSIGNED)
MAX_AGE = 45  # older people who are not members are not on a source list in the demo
ELDER_AGE = 60  # over this, admission needs the provincial committee's consent (R2)
HOMES = {"village", "residential_group"}
MIN_VOTERS = 3  # a cell votes with at least three official members (R14)

# Roles every demo shows, beside one candidate at each stage.
WANTED = (
    *((stage, "") for stage in STAGES),
    (OFFICIAL, ""),
    (OFFICIAL, ""),
    (CELL_RESOLUTION, OVERDUE),
    (COMMITTEE_RESOLUTION, OVERDUE),
    (ADMISSION_DECISION, OVERDUE),
    (ADMISSION_DECISION, OVERDUE),
    (CLASS_PASSED, HANDED_OVER),
    (BACKGROUND_VERIFIED, HANDOVER_ACCEPTED),
    (DOSSIER_PREPARED, WORKING_AWAY),
    (CELL_RESOLUTION, FAILED_VOTE),
    (CELL_RESOLUTION, FAILED_VOTE),
    (CEREMONY, LATE_CEREMONY),
    (CEREMONY, ELDER),
)
TRIES = 60  # people tried for a role before the demo goes without it

SOURCE_GROUPS = ("youth_union", "military", "returning_graduate", "student", "worker")
ELDER_NOTE = "Già làng, người có uy tín trong đồng bào dân tộc ở bản"


@dataclass
class _Draft:
    person: PersonPlan
    cell: CellSeat  # where the candidacy is today
    group: str
    events: list[EventPlan]
    mentors: tuple[str, ...]
    started_in: CellSeat | None = None
    note: str = ""
    failed_vote: bool = False


class CandidatePlanner:
    def __init__(
        self,
        *,
        seed: int,
        today: dt.date,
        seats: Sequence[CellSeat],
        people: Sequence[PersonPlan],
        memberships: Sequence[MembershipPlan],
        units: Sequence[UnitPlan],
    ):
        self.today = today
        self.rng = random.Random(f"{seed}:candidates:{today.isoformat()}")
        members = {m.person_id for m in memberships}
        self.non_members = [p for p in people if p.person_id not in members]
        self.cell_of_home: dict[str, CellSeat] = {}
        self.village_cells: dict[str | None, list[CellSeat]] = defaultdict(list)
        self.schools: list[CellSeat] = [s for s in seats if s.setting == "high_school"]
        for seat in seats:
            if seat.setting in HOMES:
                self.village_cells[seat.commune].append(seat)
                for home in seat.homes:
                    self.cell_of_home.setdefault(home, seat)
        # Postings of every member (what the records show of an introducer), and of the official
        # ones by cell (who may introduce, and who is counted at a vote).
        self.postings: dict[str, list[Tenure]] = defaultdict(list)
        self.officials: dict[str, list[Tenure]] = defaultdict(list)
        for m in memberships:
            for posting in m.postings:
                self._post(m, posting)
        self.papers = Paperwork(self.rng, units=units, seats=seats, memberships=memberships)
        self.memberships: list[MembershipPlan] = []

    def _post(self, m: MembershipPlan, posting: PostingPlan) -> None:
        tenure = Tenure(
            m.person_id,
            posting.cell,
            posting.valid_from,
            posting.valid_to,
            m.official_date,
            m.left_date,
        )
        self.postings[m.person_id].append(tenure)
        if m.official_date is not None:
            self.officials[posting.cell].append(tenure)

    # -- who and where --------------------------------------------------------------------
    def _home_cell(self, person: PersonPlan) -> CellSeat | None:
        if not person.residence:
            return None
        seat = self.cell_of_home.get(person.residence)
        if seat is None:  # a village without a cell: the cell of a neighbouring village
            seat = next(iter(self.village_cells.get(self._commune(person), ())), None)
        if seat is None or not self._officials_on(seat.code, self.today):
            return None
        return seat

    def _commune(self, person: PersonPlan) -> str:
        return (person.residence or "").rsplit("-P", 1)[0]

    def _officials_on(self, cell: str, day: dt.date, but: str = "") -> list[Tenure]:
        return [
            t for t in self.officials.get(cell, ()) if t.official_on(day) and t.person_id != but
        ]

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
        group = rng.choices(SOURCE_GROUPS + ("association", "other"), (5, 3, 2, 2, 4, 1, 1))[0]
        return "other" if group == "youth_union" and not person.youth_union else group

    # -- the plan -------------------------------------------------------------------------
    def plan(self) -> list[CandidatePlan]:
        rng, today = self.rng, self.today
        pool = [
            (p, seat)
            for p in self.non_members
            if age_on(p.birth_date, today) <= MAX_AGE and (seat := self._home_cell(p))
        ]
        # Roles go to people old enough to have passed a cell resolution; handovers to the
        # youngest, just out of school; the elder's case to someone over 60.
        older_first = sorted(pool, key=lambda ps: age_on(ps[0].birth_date, today) < 20)
        youngest_first = sorted(pool, key=lambda ps: ps[0].birth_date, reverse=True)
        elders = [
            (p, seat)
            for p in self.non_members
            if age_on(p.birth_date, today) > ELDER_AGE
            for seat in self._elder_cells(p)
        ]
        drafts: dict[str, _Draft] = {}
        for stage, role in WANTED:
            choices = older_first
            if role == ELDER:
                choices = elders
            elif role in (HANDED_OVER, HANDOVER_ACCEPTED):
                choices = youngest_first
            tried = 0
            for person, seat in choices:
                if person.person_id in drafts:
                    continue
                if tried == TRIES:
                    break
                tried += 1
                draft = self._draft(person, seat, stage, role)
                if draft is not None:
                    drafts[person.person_id] = draft
                    break
        stages, weights = list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values())
        for person, seat in pool:
            if person.person_id in drafts:
                continue
            stage = rng.choices(stages, weights)[0]
            late = stage in PATH and PATH.index(stage) >= PATH.index(CELL_RESOLUTION)
            if late and age_on(person.birth_date, today - dt.timedelta(days=500)) < 18:
                stage = rng.choice(EARLY)
            # Not eligible yet, or the cell cannot do it: the candidate is earlier on the path.
            for attempt in (stage, rng.choice(EARLY), CLASS_PASSED, SOURCE_LIST):
                draft = self._draft(person, seat, attempt, "")
                if draft is not None:
                    drafts[person.person_id] = draft
                    break
        ordered = [drafts[key] for key in sorted(drafts)]
        for draft in ordered:
            self._admit(draft)
        return [self._candidate(draft) for draft in ordered]

    def _elder_cells(self, person: PersonPlan) -> list[CellSeat]:
        """The home cell, then the other village cells of the commune (a village without a
        member is looked after by a neighbouring village's cell)."""
        home = self._home_cell(person)
        others = self.village_cells.get(self._commune(person), [])
        cells = [home] if home else []
        return cells + [s for s in others if s is not home]

    def _draft(self, person: PersonPlan, home: CellSeat, stage: str, role: str) -> _Draft | None:
        """The candidacy of `person` at `stage`, or None when the rules or the cell do not let
        them get there (too young, no introducers, a cell too small to vote…)."""
        rng, today = self.rng, self.today
        group = self._source_group(person)
        cell, started_in = home, None
        if role in (HANDED_OVER, HANDOVER_ACCEPTED):
            schools = [
                s
                for s in self.schools
                if person.residence in s.homes and self._officials_on(s.code, today)
            ]
            if not schools:
                return None
            school, group = rng.choice(schools), "student"
            if role == HANDED_OVER:
                cell = school
            else:
                started_in = school
        elif role == WORKING_AWAY:
            group = "worker"
        elif role == ELDER:
            group = "other"
        dates = path_dates(rng, today, stage, role)
        add_side_dates(rng, today, dates, role)
        if role == HANDOVER_ACCEPTED and self.papers.parent(
            home.code, dates[HANDED_OVER]
        ) != self.papers.parent(home.code, dates[HANDOVER_ACCEPTED]):
            return None  # the commune handed to no longer exists on the day it accepts
        introducers: tuple[str, ...] = ()
        youth_union = False
        if INTRODUCERS_ASSIGNED in dates:
            picked = self._introducers(person, cell.code, dates[INTRODUCERS_ASSIGNED], group)
            if picked is None:
                return None
            introducers, youth_union = picked
        for key in (CELL_RESOLUTION, RECOGNITION):
            if key in dates and len(self._officials_on(cell.code, dates[key])) < MIN_VOTERS:
                return None
        mentors: Sequence[str]
        if introducers and rng.random() < 0.7:
            mentors = introducers
        else:
            mentors = self._mentors(cell.code, dates.get(INTRODUCERS_ASSIGNED, min(dates.values())))
        if not mentors:
            return None
        events = self.papers.events(cell, home, started_in, dates, role)
        events = [
            replace(e, introducers=introducers, youth_union_resolution=youth_union)
            if e.stage == INTRODUCERS_ASSIGNED
            else e
            for e in events
        ]
        checked = []
        for refusal in replay(
            events, person=person, flags=cell.flags, cell=cell.code, tenures=self.postings
        ):
            event = refusal.event
            if refusal.state or bool(refusal.findings) != bool(event.exception_approved_by):
                return None  # refused, or an exception where nothing needs one
            if refusal.findings:
                event = replace(
                    event, exception_for=tuple(sorted({f.rule for f in refusal.findings}))
                )
            checked.append(event)
        return _Draft(
            person=person,
            cell=cell,
            group=group,
            events=checked,
            mentors=tuple(sorted(mentors)),
            started_in=started_in,
            note=ELDER_NOTE if role == ELDER else "",
            failed_vote=role == FAILED_VOTE,
        )

    def _introducers(
        self, person: PersonPlan, cell: str, day: dt.date, group: str
    ) -> tuple[tuple[str, ...], bool] | None:
        """Two official members of the cell, posted there at least 12 months before `day` and
        still there today; for a Youth Union member sometimes the Youth Union executive's
        resolution and one member (R6)."""
        months = rules.rules_on(day)["introducer_months_together"]
        valid = sorted(
            {
                t.person_id
                for t in self._officials_on(cell, day, but=person.person_id)
                if t.official_on(self.today) and months_between(t.valid_from, day) >= months
            }
        )
        youth = person.youth_union and (group == "youth_union" or self.rng.random() < 0.2)
        if valid and (youth or (person.youth_union and len(valid) == 1)):
            return (self.rng.choice(valid),), True
        if len(valid) < 2:
            return None
        return tuple(sorted(self.rng.sample(valid, 2))), False

    def _mentors(self, cell: str, day: dt.date) -> list[str]:
        """One or two official members of the cell, on `day` and still today."""
        today = self.today
        both = [m.person_id for m in self._officials_on(cell, today) if m.official_on(day)]
        pool = sorted(set(both or [m.person_id for m in self._officials_on(cell, today)]))
        if not pool:
            return []
        k = 2 if len(pool) > 1 and self.rng.random() < 0.7 else 1
        return sorted(self.rng.sample(pool, k))

    # -- after every path is known ----------------------------------------------------------
    def _admit(self, draft: _Draft) -> None:
        """The membership the ceremony creates (R13: party age from the decision), official
        from the end of probation once recognised (R11)."""
        stages = {e.stage: e for e in draft.events}
        if CEREMONY not in stages:
            return
        decision, ceremony = stages[ADMISSION_DECISION], stages[CEREMONY]
        official = None
        if OFFICIAL in stages:
            months = rules.rules_on(ceremony.date)["probation_months"]
            official = rules.add_months(ceremony.date, months)
        membership = MembershipPlan(
            person_id=draft.person.person_id,
            admission_decision_date=decision.date,
            admission_decision_no=decision.decision_no,
            ceremony_date=ceremony.date,
            official_date=official,
            postings=[PostingPlan(draft.cell.code, decision.date)],
        )
        self.memberships.append(membership)
        self._post(membership, membership.postings[0])

    def _counted(self, draft: _Draft, event: EventPlan, admission: bool) -> EventPlan:
        """The vote against all official members of the cell that day, the candidate aside."""
        members = len(self._officials_on(draft.cell.code, event.date, but=draft.person.person_id))
        required = math.ceil(rules.rules_on(event.date)["vote_share"] * members)
        if admission and draft.failed_vote:
            votes = self.rng.randint(max(1, members // 3), required - 1)
        else:
            votes = self.rng.randint(required, members)
        return replace(event, votes_for=votes, official_members=members)

    def _candidate(self, draft: _Draft) -> CandidatePlan:
        events, ceremony = [], None
        for event in draft.events:
            if event.stage == CEREMONY:
                ceremony = event.date
            if event.stage == CELL_RESOLUTION:
                event = self._counted(draft, event, admission=ceremony is None)
            events.append(event)
        return CandidatePlan(
            person_id=draft.person.person_id,
            cell=draft.cell.code,
            added_on=min(e.date for e in events),
            source_group=draft.group,
            mentors=draft.mentors,
            events=events,
            note=draft.note,
            started_in=draft.started_in.code if draft.started_in else None,
        )


def plan_candidates(
    *,
    seed: int,
    today: dt.date,
    seats: Sequence[CellSeat],
    people: Sequence[PersonPlan],
    memberships: Sequence[MembershipPlan],
    units: Sequence[UnitPlan],
) -> tuple[list[CandidatePlan], list[MembershipPlan]]:
    """Candidates for the people of the plan who are not members, in the order of the people,
    and the memberships of those whose path reached the ceremony."""
    planner = CandidatePlanner(
        seed=seed, today=today, seats=seats, people=people, memberships=memberships, units=units
    )
    candidates = planner.plan()
    return candidates, planner.memberships
