"""Pure: the papers of demo candidacies: classes and certificates, resolutions, decisions and
written consents, each numbered per issuer and year and signed by the committee of the day.

Before the 2025 reform the district's standing committee decides on admission ("125-QĐ/HU") and
the commune's committee resolves first ("12-NQ/ĐU"); from 1 July 2025 the new commune's committee
does both. Awareness classes were the district political centre's, then the commune's.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import replace

from ranks.demo.generator.building import CellSeat
from ranks.demo.generator.paths import (
    ADMISSION_DECISION,
    CELL_RESOLUTION,
    CEREMONY,
    CLASS_PASSED,
    COMMITTEE_RESOLUTION,
    ELDER,
    FAILED_VOTE,
    HANDED_OVER,
    HANDOVER_ACCEPTED,
    LATE_CEREMONY,
    OFFICIAL,
    RECEIVED,
    RECOGNITION,
    STAGES,
    WORKING_AWAY,
)
from ranks.demo.generator.plan import (
    REFORM,
    EventPlan,
    MembershipPlan,
    UnitPlan,
    UnitVersionPlan,
)
from ranks.demo.generator.replay import in_order
from ranks.org.tree import in_force

# "Đảng bộ huyện Thanh Miện" is led by the "Huyện ủy Thanh Miện"; a commune's by its "Đảng ủy".
COMMITTEE_TITLES = (
    ("huyện ", "Huyện ủy "),
    ("quận ", "Quận ủy "),
    ("thị xã ", "Thị ủy "),
    ("thành phố ", "Thành ủy "),
    ("tỉnh ", "Tỉnh ủy "),
)
UPPER_KINDS = {"district_committee", "provincial_committee"}
AWAY_PLACES = (
    "Khu công nghiệp VSIP Bắc Ninh",
    "Khu công nghiệp Yên Phong, Bắc Ninh",
    "Khu công nghiệp Đình Vũ, Hải Phòng",
    "Khu chế xuất Tân Thuận, TP. Hồ Chí Minh",
    "Khu công nghiệp Thăng Long, Hà Nội",
)
GRADUATED = "Tốt nghiệp THPT, chuyển về sinh hoạt tại nơi cư trú"
FAILED = "Chưa đủ hai phần ba số đảng viên chính thức tán thành"
LATE = "Lễ kết nạp tổ chức muộn vì quần chúng điều trị bệnh dài ngày"
# About how many papers of each kind an issuer numbers a day: where a year's numbers stand.
PER_DAY = {"QĐ": 0.3, "NQ": 0.15, "CV": 0.8, "GCN": 0.5}


def _title(name: str) -> str:
    """The unit's title without the party's words: "xã Phạm Kha" for "Đảng bộ xã Phạm Kha"."""
    for prefix in ("Đảng bộ cơ sở ", "Đảng bộ "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


class Paperwork:
    def __init__(
        self,
        rng: random.Random,
        *,
        units: Sequence[UnitPlan],
        seats: Sequence[CellSeat],
        memberships: Sequence[MembershipPlan],
    ):
        self.rng = rng
        self.versions = {u.code: u.versions for u in units}
        # Numbers go on from the highest one of the plan, per kind of paper, issuer and year.
        self.numbers: dict[tuple[str, str, int], int] = {}
        seat_of = {s.code: s for s in seats}
        for m in memberships:
            number = m.admission_decision_no.partition("-QĐ/")[0]
            seat = seat_of.get(m.postings[0].cell) if m.postings else None
            if number.isdigit() and seat is not None:
                issuer = seat.issuers[0 if m.admission_decision_date < REFORM else 1][0]
                key = ("QĐ", issuer, m.admission_decision_date.year)
                self.numbers[key] = max(self.numbers.get(key, 0), int(number))

    # -- the tree -----------------------------------------------------------------------------
    def version(self, code: str, day) -> UnitVersionPlan:
        for v in self.versions[code]:
            if in_force(v.valid_from, v.valid_to, day):
                return v
        raise KeyError(f"{code} on {day}")

    def parent(self, code: str, day) -> str | None:
        return self.version(code, day).parent

    def province(self, code: str, day) -> str:
        while (parent := self.parent(code, day)) is not None:
            code = parent
        return code

    def committee(self, code: str, day) -> str:
        """The committee that leads the unit on `day`: "Huyện ủy Thanh Miện", "Đảng ủy xã …"."""
        version = self.version(code, day)
        title = _title(version.name)
        if version.kind in UPPER_KINDS:
            for prefix, committee in COMMITTEE_TITLES:
                if title.startswith(prefix):
                    return committee + title[len(prefix) :]
        return f"Đảng ủy {title}"

    def _next(self, kind: str, issuer: str, day) -> int:
        key = (kind, issuer, day.year)
        if key not in self.numbers:  # the issuer's papers of the year before this one
            self.numbers[key] = int(day.timetuple().tm_yday * PER_DAY[kind])
        self.numbers[key] += self.rng.randint(1, 3)
        return self.numbers[key]

    def _issuer(self, seat: CellSeat, day) -> tuple[str, str]:
        return seat.issuers[0] if day < REFORM else seat.issuers[1]

    # -- the papers -----------------------------------------------------------------------------
    def certificate(self, seat: CellSeat, day) -> tuple[str, str, str]:
        """(where, class name, certificate number) of an awareness class ending on `day`."""
        issuer, _suffix = self._issuer(seat, day)
        number = self._next("GCN", issuer, day)
        if day < REFORM:
            where = f"Trung tâm Chính trị {_title(self.version(issuer, day).name)}"
            certificate_no = f"{number}/GCN-TTCT"
        else:
            where = self.committee(issuer, day)
            certificate_no = f"{number}-GCN/ĐU"
        quarter = (day.month - 1) // 3 + 1
        return where, f"Lớp bồi dưỡng nhận thức về Đảng khóa {quarter}/{day.year}", certificate_no

    def committee_resolution(self, cell: str, day) -> tuple[str, str]:
        """(authority, number) of the resolution of the committee above the cell."""
        commune = self.parent(cell, day) or cell
        return self.committee(commune, day), f"{self._next('NQ', commune, day)}-NQ/ĐU"

    def admission_decision(self, seat: CellSeat, day) -> tuple[str, str]:
        issuer, suffix = self._issuer(seat, day)
        authority = f"Ban Thường vụ {self.committee(issuer, day)}"
        return authority, f"{self._next('QĐ', issuer, day)}-QĐ/{suffix}"

    def late_ceremony_consent(self, seat: CellSeat, day) -> tuple[str, str]:
        """(who approved, document): the committee that decided allows a late ceremony (R9)."""
        issuer, suffix = self._issuer(seat, day)
        number = self._next("CV", issuer, day)
        return f"Ban Thường vụ {self.committee(issuer, day)}", f"Công văn số {number}-CV/{suffix}"

    def provincial_consent(self, cell: str, day) -> tuple[str, str]:
        """(who approved, document): the provincial committee's written consent (R2, R3)."""
        province = self.province(cell, day)
        committee = self.committee(province, day)
        suffix = "TU" if committee.startswith("Tỉnh ủy") else "ThU"
        number = self._next("CV", province, day)
        return f"Ban Thường vụ {committee}", f"Công văn số {number}-CV/{suffix}"

    # -- the events of a path ------------------------------------------------------------------
    def events(
        self,
        cell: CellSeat,
        home: CellSeat,
        started_in: CellSeat | None,
        dates: dict[str, dt.date],
        role: str,
    ) -> list[EventPlan]:
        """The events of a path on `dates`, with their papers, in date order. `cell` is where the
        candidacy is, `home` the cell of the candidate's home, `started_in` the school's cell
        that handed them over."""
        papers = self
        moved = dates.get(HANDOVER_ACCEPTED)
        events = []
        for stage in (*STAGES, OFFICIAL, RECOGNITION):
            if stage not in dates:
                continue
            day = dates[stage]
            # Before an accepted handover, the papers are the school's.
            seat = started_in if started_in and moved and day < moved else cell
            if stage == CLASS_PASSED:
                where, name, number = papers.certificate(seat, day)
                event = EventPlan(stage, day, detail=where, class_name=name, certificate_no=number)
            elif stage in (CELL_RESOLUTION, RECOGNITION):
                # Counted once every membership of the plan is known; until then one for one.
                event = EventPlan(CELL_RESOLUTION, day, votes_for=1, official_members=1)
                if stage == CELL_RESOLUTION and role == FAILED_VOTE:
                    event = replace(event, detail=FAILED)
                if stage == CELL_RESOLUTION and role == ELDER:
                    approved_by, document = papers.provincial_consent(seat.code, day)
                    event = replace(
                        event, exception_approved_by=approved_by, exception_document=document
                    )
            elif stage == COMMITTEE_RESOLUTION:
                authority, number = papers.committee_resolution(seat.code, day)
                event = EventPlan(stage, day, authority=authority, decision_no=number)
            elif stage in (ADMISSION_DECISION, OFFICIAL):
                authority, number = papers.admission_decision(seat, day)
                event = EventPlan(stage, day, authority=authority, decision_no=number)
                if stage == ADMISSION_DECISION:
                    event = replace(event, received_on=dates[RECEIVED])
            elif stage == CEREMONY and role == LATE_CEREMONY:
                approved_by, document = papers.late_ceremony_consent(seat, day)
                event = EventPlan(
                    stage,
                    day,
                    detail=LATE,
                    exception_approved_by=approved_by,
                    exception_document=document,
                )
            else:
                event = EventPlan(stage, day)
            events.append(event)
        if HANDED_OVER in dates:
            day = dates[HANDED_OVER]
            to_unit = papers.parent(home.code, day)
            events.append(EventPlan(HANDED_OVER, day, detail=GRADUATED, to_unit=to_unit))
        if moved:
            events.append(EventPlan(HANDOVER_ACCEPTED, moved, to_unit=home.code))
        if WORKING_AWAY in dates:
            events.append(
                EventPlan(WORKING_AWAY, dates[WORKING_AWAY], location=self.rng.choice(AWAY_PLACES))
            )
        return in_order(events)
