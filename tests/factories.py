"""A small world for tests: one province, two districts, two communes each with cells, places and people.

Province P (closes 2025-06-30) → district D1 → commune C1 → cells C1-A (village V1), C1-B (school S1)
                                → district D2 → commune C2 → cell  C2-A (village V2)
From 2025-07-01 the reform: D1, D2 close; new commune N1 (code N1) takes C1-A and C1-B.
Users: alice (officer at C1, sensitive), bob (officer at C2), vera (viewer at P), root (superuser).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM, Actor
from ranks.org.kinds import ensure_unit_kinds
from ranks.org.models import Unit, UnitKind
from ranks.org.services import place_version_save, unit_move, unit_version_save
from ranks.people.models import Person
from ranks.people.services import membership_admit, person_save

PASSWORD = "correct-horse-battery"
REFORM = dt.date(2025, 7, 1)
LAST_OLD_DAY = dt.date(2025, 6, 30)


@dataclass
class World:
    units: dict[str, Unit]
    people: dict[str, Person]
    users: dict[str, object]


def make_user(username: str, *, superuser: bool = False):
    User = get_user_model()
    if superuser:
        return User.objects.create_superuser(username=username, password=PASSWORD)
    return User.objects.create_user(username=username, password=PASSWORD)


def build_world() -> World:
    # A browser test's flush empties every table, the migration's unit kinds included.
    ensure_unit_kinds(UnitKind)
    a = SYSTEM
    unit_version_save(
        actor=a,
        code="P",
        name="Đảng bộ tỉnh Thử",
        kind="provincial_committee",
        valid_from=dt.date(2000, 1, 1),
        valid_to=LAST_OLD_DAY,
    )
    unit_version_save(
        actor=a,
        code="D1",
        name="Đảng bộ huyện Một",
        kind="district_committee",
        parent_code="P",
        valid_from=dt.date(2000, 1, 1),
        valid_to=LAST_OLD_DAY,
        can_admit=True,
    )
    unit_version_save(
        actor=a,
        code="D2",
        name="Đảng bộ huyện Hai",
        kind="district_committee",
        parent_code="P",
        valid_from=dt.date(2000, 1, 1),
        valid_to=LAST_OLD_DAY,
        can_admit=True,
        area_flags=["mountainous"],
    )
    unit_version_save(
        actor=a,
        code="C1",
        name="Đảng bộ xã Một",
        kind="grassroots_committee",
        parent_code="D1",
        valid_from=dt.date(2000, 1, 1),
    )
    unit_version_save(
        actor=a,
        code="C2",
        name="Đảng bộ xã Hai",
        kind="grassroots_committee",
        parent_code="D2",
        valid_from=dt.date(2000, 1, 1),
    )
    unit_version_save(
        actor=a,
        code="C1-A",
        name="Chi bộ thôn Đông",
        kind="cell",
        parent_code="C1",
        valid_from=dt.date(2000, 1, 1),
    )
    unit_version_save(
        actor=a,
        code="C1-B",
        name="Chi bộ trường Tiểu học",
        kind="cell",
        parent_code="C1",
        valid_from=dt.date(2000, 1, 1),
    )
    unit_version_save(
        actor=a,
        code="C2-A",
        name="Chi bộ bản Nà",
        kind="cell",
        parent_code="C2",
        valid_from=dt.date(2000, 1, 1),
    )
    unit_version_save(
        actor=a,
        code="N1",
        name="Đảng bộ xã Mới",
        kind="commune_committee",
        valid_from=REFORM,
        can_admit=True,
    )
    unit_close_old = [("C1", LAST_OLD_DAY)]
    for code, day in unit_close_old:
        from ranks.org.services import unit_close

        unit_close(actor=a, code=code, last_day=day)
    unit_move(actor=a, code="C1-A", new_parent_code="N1", on=REFORM)
    unit_move(actor=a, code="C1-B", new_parent_code="N1", on=REFORM)
    place_version_save(
        actor=a,
        code="V1",
        name="Thôn Đông",
        kind="village",
        unit_code="C1",
        cell_codes=["C1-A"],
        valid_from=dt.date(2000, 1, 1),
        valid_to=LAST_OLD_DAY,
    )
    place_version_save(
        actor=a,
        code="V1",
        name="Thôn Đông",
        kind="village",
        unit_code="N1",
        cell_codes=["C1-A"],
        valid_from=REFORM,
    )
    place_version_save(
        actor=a,
        code="S1",
        name="Trường Tiểu học Một",
        kind="school",
        unit_code="C1",
        cell_codes=["C1-B"],
        valid_from=dt.date(2000, 1, 1),
    )
    place_version_save(
        actor=a,
        code="V2",
        name="Bản Nà",
        kind="village",
        unit_code="C2",
        cell_codes=["C2-A"],
        valid_from=dt.date(2000, 1, 1),
    )

    people = {}
    people["an"] = person_save(
        actor=a,
        person_id="P-AN",
        full_name="Nguyễn Văn An",
        birth_date=dt.date(1990, 5, 1),
        gender="male",
        ethnicity="Kinh",
        religion="Không",
        national_id="030090000001",
        residence_place_code="V1",
    )
    people["dung"] = person_save(
        actor=a,
        person_id="P-DUNG",
        full_name="Đặng Thị Dung",
        birth_date=dt.date(1995, 2, 3),
        gender="female",
        ethnicity="Kinh",
        religion="Công giáo",
        residence_place_code="V1",
    )
    people["lan"] = person_save(
        actor=a,
        person_id="P-LAN",
        full_name="Nguyễn Văn Lan",
        birth_date=dt.date(1988, 8, 8),
        gender="male",
        ethnicity="Thái",
        religion="Không",
        national_id="030088000002",
        residence_place_code="V2",
    )
    membership_admit(
        actor=a,
        person=people["an"],
        cell_code="C1-A",
        admission_decision_date=dt.date(2015, 3, 1),
        ceremony_date=dt.date(2015, 3, 20),
        official_date=dt.date(2016, 3, 20),
    )
    membership_admit(
        actor=a,
        person=people["dung"],
        cell_code="C1-B",
        admission_decision_date=dt.date(2025, 1, 10),
        ceremony_date=dt.date(2025, 2, 1),
    )
    membership_admit(
        actor=a,
        person=people["lan"],
        cell_code="C2-A",
        admission_decision_date=dt.date(2010, 6, 1),
        ceremony_date=dt.date(2010, 6, 15),
        official_date=dt.date(2011, 6, 15),
    )

    users = {
        "alice": make_user("alice"),
        "bob": make_user("bob"),
        "vera": make_user("vera"),
        "root": make_user("root", superuser=True),
    }
    grant_role(actor=a, username="alice", role="officer", unit_code="C1", sensitive=True)
    grant_role(actor=a, username="alice", role="officer", unit_code="N1", sensitive=True)
    grant_role(actor=a, username="bob", role="officer", unit_code="C2")
    grant_role(actor=a, username="vera", role="viewer", unit_code="P")
    units = {u.code: u for u in Unit.objects.all()}
    return World(units=units, people=people, users=users)


def actor(user) -> Actor:
    return Actor.for_user(user)


def add_introducers(
    cell_code: str, ids: tuple[str, ...] = ("P-GT1", "P-GT2"), since: dt.date = dt.date(2012, 1, 5)
) -> list[str]:
    """Official members of `cell_code` since `since`, who may introduce a candidate there (R6)."""
    for n, person_id in enumerate(ids):
        person = Person.objects.filter(person_id=person_id).first() or person_save(
            actor=SYSTEM,
            person_id=person_id,
            full_name=f"Trần Văn Giới {n + 1}",
            birth_date=dt.date(1970 + n, 3, 3),
            gender="male",
        )
        if not person.memberships.exists():
            membership_admit(
                actor=SYSTEM,
                person=person,
                cell_code=cell_code,
                admission_decision_date=since,
                ceremony_date=since + dt.timedelta(days=10),
                official_date=since + dt.timedelta(days=375),
            )
    return list(ids)


def _introducer_ids(cell_code: str) -> tuple[str, ...]:
    """P-GT1 and P-GT2, unless they already belong to another cell: then ones of this cell."""
    from ranks.people.models import Posting

    elsewhere = (
        Posting.objects.filter(person__person_id="P-GT1").exclude(cell__code=cell_code).exists()
    )
    return (f"P-GT1-{cell_code}", f"P-GT2-{cell_code}") if elsewhere else ("P-GT1", "P-GT2")


# The steps before the cell resolution, each `days` after the previous one.
DOSSIER_STEPS = (
    "source_list",
    "class_passed",
    "introducers_assigned",
    "dossier_prepared",
    "background_verified",
    "comments_collected",
)


def record_dossier(
    person_id: str, cell_code: str, start: dt.date, days: int = 14, introducers=None
) -> dt.date:
    """Record the steps up to the comments collected, valid under R4–R6, from `start`; the day of
    the last step is returned. The person must already be a candidate of `cell_code`."""
    from ranks.pipeline.services import stage_event_save

    introducer_ids = introducers or add_introducers(cell_code, ids=_introducer_ids(cell_code))
    day = start
    for stage in DOSSIER_STEPS:
        extra = {}
        if stage == "class_passed":
            extra = {"class_name": "Lớp cảm tình Đảng", "certificate_no": f"GCN-{person_id}"}
        if stage == "introducers_assigned":
            extra = {"introducer_person_ids": introducer_ids}
        stage_event_save(actor=SYSTEM, person_id=person_id, stage=stage, date=day, **extra)
        last, day = day, day + dt.timedelta(days=days)
    return last


def add_official_members(
    cell_code: str, count: int, since: dt.date = dt.date(2010, 1, 4), prefix: str = "P-OM"
) -> list[str]:
    """`count` more official members of `cell_code` (official a year after `since`): the records
    a cell resolution counts (R7)."""
    ids = [f"{prefix}-{cell_code}-{n + 1}" for n in range(count)]
    for n, person_id in enumerate(ids):
        person = person_save(
            actor=SYSTEM,
            person_id=person_id,
            full_name=f"Đảng viên {cell_code} {n + 1}",
            birth_date=dt.date(1975, 1, 1 + n % 28),
            gender="female",
        )
        membership_admit(
            actor=SYSTEM,
            person=person,
            cell_code=cell_code,
            admission_decision_date=since,
            ceremony_date=since + dt.timedelta(days=10),
            official_date=since + dt.timedelta(days=375),
        )
    return ids
