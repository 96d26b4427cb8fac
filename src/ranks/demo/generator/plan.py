"""Pure: the plan of a demo province, as plain data: what to write, not how to write it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

TREE_START = dt.date(2000, 1, 1)
"""The demo's tree begins here: memberships older than that are posted to their cell from it."""
REFORM = dt.date(2025, 7, 1)
LAST_OLD_DAY = REFORM - dt.timedelta(days=1)


@dataclass(frozen=True)
class Sizes:
    members: int = 4000
    villages_per_commune: int = 3
    non_members: int | None = None  # default: one for every eight members
    recent_share: float = 0.35  # members admitted from 2016 on, about 3.5 % a year (R16)

    @property
    def extra_people(self) -> int:
        return self.members // 8 if self.non_members is None else self.non_members


@dataclass(frozen=True)
class UnitVersionPlan:
    name: str
    kind: str
    parent: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None = None
    can_admit: bool = False
    area_flags: tuple[str, ...] = ()
    admin_code: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class UnitPlan:
    code: str
    versions: list[UnitVersionPlan]


@dataclass(frozen=True)
class PlaceVersionPlan:
    name: str
    kind: str
    unit: str
    cells: tuple[str, ...]
    valid_from: dt.date | None
    valid_to: dt.date | None = None


@dataclass
class PlacePlan:
    code: str
    versions: list[PlaceVersionPlan]


@dataclass(frozen=True)
class PersonPlan:
    person_id: str
    full_name: str
    birth_date: dt.date
    gender: str
    ethnicity: str
    religion: str
    education_general: str
    education_professional: str
    occupation: str
    youth_union: bool
    residence: str | None
    workplace: str | None
    national_id: str
    phone: str


@dataclass(frozen=True)
class PostingPlan:
    cell: str
    valid_from: dt.date
    valid_to: dt.date | None = None


@dataclass
class MembershipPlan:
    person_id: str
    admission_decision_date: dt.date
    admission_decision_no: str
    ceremony_date: dt.date | None
    official_date: dt.date | None
    left_date: dt.date | None = None
    left_reason: str = ""
    postings: list[PostingPlan] = field(default_factory=list)


@dataclass(frozen=True)
class GrantPlan:
    role: str
    unit: str
    sensitive: bool = False


@dataclass(frozen=True)
class LoginPlan:
    username: str
    superuser: bool = False
    grants: tuple[GrantPlan, ...] = ()


@dataclass
class Plan:
    province: str  # the old province, e.g. "Hải Dương"
    new_province: str  # the province it belongs to since 2025-07-01, e.g. "Hải Phòng"
    seed: int
    units: list[UnitPlan] = field(default_factory=list)
    places: list[PlacePlan] = field(default_factory=list)
    people: list[PersonPlan] = field(default_factory=list)
    memberships: list[MembershipPlan] = field(default_factory=list)
    logins: list[LoginPlan] = field(default_factory=list)
    candidates: list[CandidatePlan] = field(default_factory=list)


@dataclass(frozen=True)
class EventPlan:
    """One stage event, with the fields `stage_event_save` takes for its stage."""

    stage: str
    date: dt.date
    detail: str = ""
    class_name: str = ""
    certificate_no: str = ""
    introducers: tuple[str, ...] = ()  # person ids of official members of the cell (R6)
    youth_union_resolution: bool = False
    votes_for: int | None = None
    official_members: int | None = None
    authority: str = ""
    decision_no: str = ""
    received_on: dt.date | None = None
    to_unit: str | None = None  # a unit code
    location: str = ""
    # An event that breaks a rule is kept as an exception: who approved it, the document, and
    # the rules it breaks (as the service's audit entry names them).
    exception_approved_by: str = ""
    exception_document: str = ""
    exception_for: tuple[str, ...] = ()


@dataclass
class CandidatePlan:
    person_id: str
    cell: str  # where the candidacy is today
    added_on: dt.date
    source_group: str
    mentors: tuple[str, ...]  # person ids of official members of the cell
    events: list[EventPlan] = field(default_factory=list)
    note: str = ""
    started_in: str | None = None  # the cell it began in, when an accepted handover moved it
