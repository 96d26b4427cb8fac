"""A small province restructured on 1 July 2025 through `restructure_apply`: communes C1 and C2
of district D1 merged into the new commune N (their cells move), D1 dissolved, district D2
dissolved into the province (its commune C3 moves up). A cell of C1 closed before the merge and
went nowhere; a cell opened under N in 2026. Admissions before and after, in every cell."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM
from ranks.org.kinds import ensure_unit_kinds
from ranks.org.models import Unit, UnitKind
from ranks.org.services import place_version_save, unit_close, unit_version_save
from ranks.people.models import Membership
from ranks.people.services import membership_admit, membership_leave, person_save
from ranks.restructure.services import restructure_apply
from tests.factories import make_user

D = dt.date
START = D(2000, 1, 1)
REFORM = D(2025, 7, 1)
LAST_OLD_DAY = D(2025, 6, 30)
NEW_CELL_FROM = D(2026, 1, 1)

# (cell, decision date, gender) of every admission recorded.
ADMISSIONS = [
    ("C1-A", D(2023, 5, 3), "male"),
    ("C1-A", D(2024, 2, 10), "female"),
    ("C1-A", D(2024, 9, 1), "male"),
    ("C1-B", D(2024, 4, 4), "female"),
    ("C1-X", D(2024, 6, 15), "female"),
    ("C2-A", D(2024, 11, 20), "male"),
    ("C3-A", D(2024, 3, 1), "female"),
    ("C2-A", D(2025, 3, 12), "female"),
    ("C1-A", D(2025, 9, 9), "male"),
    ("C3-A", D(2025, 10, 2), "male"),
    ("N-B", D(2026, 2, 3), "female"),
    ("C2-A", D(2026, 2, 17), "male"),
    ("C1-A", D(2026, 3, 5), "female"),
    ("C3-A", D(2026, 3, 20), "male"),
]


@dataclass
class Restructured:
    units: dict[str, Unit]


def _unit(code: str, name: str, kind: str, parent: str | None, **dates) -> None:
    unit_version_save(
        actor=SYSTEM,
        code=code,
        name=name,
        kind=kind,
        parent_code=parent,
        valid_from=dates.get("valid_from", START),
        valid_to=dates.get("valid_to"),
        can_admit=kind != "cell",
    )


@pytest.fixture
def restructured(db) -> Restructured:
    ensure_unit_kinds(UnitKind)
    _unit("P", "Đảng bộ tỉnh Thử", "provincial_committee", None)
    _unit("D1", "Đảng bộ huyện Một", "district_committee", "P")
    _unit("D2", "Đảng bộ huyện Hai", "district_committee", "P")
    _unit("C1", "Đảng bộ xã Một", "grassroots_committee", "D1")
    _unit("C2", "Đảng bộ xã Hai", "grassroots_committee", "D1")
    _unit("C3", "Đảng bộ xã Ba", "grassroots_committee", "D2")
    for cell, parent, name in [
        ("C1-A", "C1", "Chi bộ thôn Đông"),
        ("C1-B", "C1", "Chi bộ thôn Tây"),
        ("C1-X", "C1", "Chi bộ thôn Cũ"),
        ("C2-A", "C2", "Chi bộ bản Nà"),
        ("C3-A", "C3", "Chi bộ bản Ba"),
    ]:
        _unit(cell, name, "cell", parent)
    _unit("N", "Đảng bộ xã Mới", "commune_committee", "P", valid_from=REFORM)
    for code, kind, owner, cells in [
        ("V1", "village", "C1", ["C1-A"]),
        ("V2", "village", "C1", []),
        ("S2", "school", "C2", ["C2-A"]),
        ("V3", "village", "C3", ["C3-A"]),
        ("V4", "village", "C3", []),
    ]:
        place_version_save(
            actor=SYSTEM, code=code, name=f"Nơi {code}", kind=kind, unit_code=owner,
            cell_codes=cells, valid_from=START,
        )  # fmt: skip
    people = {}
    for i, (cell, day, gender) in enumerate(ADMISSIONS):
        people[i] = person_save(
            actor=SYSTEM,
            person_id=f"P-{i:02d}",
            full_name=f"Người Số {i}",
            birth_date=D(1990 + i % 10, 1, 15),
            gender=gender,
            residence_place_code="V1" if cell.startswith("C1") else "",
        )
        if cell != "N-B":
            membership_admit(
                actor=SYSTEM, person=people[i], cell_code=cell, admission_decision_date=day
            )
    # The cell closed before the reform: its member leaves, then it closes.
    gone = Membership.objects.get(person__person_id="P-04")
    membership_leave(actor=SYSTEM, membership=gone, on=D(2025, 3, 30), reason="death")
    unit_close(actor=SYSTEM, code="C1-X", last_day=D(2025, 3, 31))
    restructure_apply(
        actor=SYSTEM, kind="merge", on=REFORM, sources=["C1", "C2"], targets=["N"],
        reason="Sáp nhập xã",
    )  # fmt: skip
    restructure_apply(actor=SYSTEM, kind="dissolve", on=REFORM, sources=["D2"], targets=["P"])
    restructure_apply(actor=SYSTEM, kind="dissolve", on=REFORM, sources=["D1"], targets=[])
    _unit("N-B", "Chi bộ khu Mới", "cell", "N", valid_from=NEW_CELL_FROM)
    for i, (cell, day, _gender) in enumerate(ADMISSIONS):
        if cell == "N-B":
            membership_admit(
                actor=SYSTEM, person=people[i], cell_code=cell, admission_decision_date=day
            )
    for username, unit in [("prov", "P"), ("newc", "N"), ("third", "C3")]:
        make_user(username)
        grant_role(actor=SYSTEM, username=username, role="officer", unit_code=unit)
    make_user("stranger")
    grant_role(actor=SYSTEM, username="stranger", role="officer", unit_code="C3-A")
    return Restructured(units={u.code: u for u in Unit.objects.all()})
