"""A province like Hải Dương in the seeds: 15 units below it, each with one cell, and the year's
targets of 2,200 for the province against 280 + 260 + 190 + 120 + 30 + 3 + 9 × 150 = 2,233 below.

Admissions are written in bulk (memberships and postings), as an import would leave them: the
dashboard counts records, whichever way they came.
"""

from __future__ import annotations

import datetime as dt

from ranks.core.actor import SYSTEM
from ranks.counters import services as counters
from ranks.org.kinds import ensure_unit_kinds
from ranks.org.models import Unit, UnitKind
from ranks.org.services import unit_version_save
from ranks.people.models import Membership, Person, Posting
from ranks.targets.services import target_set

PROVINCE = "HD"
PROVINCE_TARGET = 2200
CHILD_TARGETS = (280, 260, 190, 120, 30, 3, *([150] * 9))
SINCE = dt.date(2000, 1, 1)


def child_code(n: int) -> str:
    return f"HD-{n:02d}"


def build_province(*, year: int, children: int = 15, targets: bool = True) -> Unit:
    """The province, its `children` communes (HD-01 …) and a cell below each (HD-01-A …)."""
    ensure_unit_kinds(UnitKind)
    unit_version_save(
        actor=SYSTEM,
        code=PROVINCE,
        name="Đảng bộ tỉnh Hải Dương",
        kind="provincial_committee",
        valid_from=SINCE,
    )
    for n in range(1, children + 1):
        unit_version_save(
            actor=SYSTEM,
            code=child_code(n),
            name=f"Đảng bộ xã {n:02d}",
            kind="commune_committee",
            parent_code=PROVINCE,
            valid_from=SINCE,
            can_admit=True,
        )
        unit_version_save(
            actor=SYSTEM,
            code=f"{child_code(n)}-A",
            name=f"Chi bộ thôn {n:02d}",
            kind="cell",
            parent_code=child_code(n),
            valid_from=SINCE,
        )
    if targets:
        target_set(
            actor=SYSTEM,
            unit_code=PROVINCE,
            year=year,
            metric="admissions",
            value=PROVINCE_TARGET,
            reason="Nghị quyết 01",
        )
        for n, value in enumerate(CHILD_TARGETS[:children], start=1):
            target_set(
                actor=SYSTEM,
                unit_code=child_code(n),
                year=year,
                metric="admissions",
                value=value,
                reason="Nghị quyết 01",
            )
    return Unit.objects.get(code=PROVINCE)


def admit_in_bulk(
    cell_code: str, count: int, *, first_day: dt.date, last_day: dt.date, prefix: str = ""
) -> None:
    """`count` people admitted to the cell, their decision dates spread from `first_day` to
    `last_day`: three bulk inserts and two reads, however many."""
    cell = Unit.objects.get(code=cell_code)
    prefix = prefix or f"B-{cell_code}"
    span = max((last_day - first_day).days, 0)
    Person.objects.bulk_create(
        Person(
            person_id=f"{prefix}-{i}",
            full_name=f"Người {i}",
            search_name=f"nguoi {i}",
            birth_date=dt.date(1998, 1, 1),
            gender="female" if i % 2 else "male",
            occupation="farmer" if i % 3 == 0 else "worker",
        )
        for i in range(count)
    )
    people = list(Person.objects.filter(person_id__startswith=f"{prefix}-").order_by("id"))
    days = [first_day + dt.timedelta(days=span * i // max(count - 1, 1)) for i in range(count)]
    Membership.objects.bulk_create(
        Membership(person=p, admission_decision_date=d) for p, d in zip(people, days, strict=True)
    )
    memberships = list(
        Membership.objects.filter(person__in=people).select_related("person").order_by("id")
    )
    Posting.objects.bulk_create(
        Posting(membership=m, person=m.person, cell=cell, valid_from=m.admission_decision_date)
        for m in memberships
    )
    # As an import would: count the new memberships.
    counters.add_new(
        "SELECT id FROM people_membership WHERE person_id IN"
        " (SELECT id FROM people_person WHERE person_id LIKE %s)",
        [f"{prefix}-%"],
    )
