"""Who works away from a unit's cells on a date (R15, 213-QĐ/TW): the party members with a
recorded absence (`people.Absence`) and the candidates in the pipeline's side state
`working_away`, each with where, since when, the last comment and when the next is due; and how
many under each unit directly below.

The cost is the cells and the people away, never the members below: the members are the
absences open on the day joined in SQL to the postings in the subtree (`members_away`, which
the due list reads too), the candidates those with
a `working_away` event in it; the units directly below each of their cells come from one walk up
the tree from those cells alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Max, Q
from django.db.models.expressions import RawSQL

from ranks.core.collation import person_key, sort_key
from ranks.org import sql
from ranks.org.models import Unit, UnitVersion, valid_on_q
from ranks.people.models import Absence, AbsenceComment
from ranks.pipeline import rules
from ranks.pipeline.models import Candidate, StageEvent
from ranks.pipeline.stages import Stage

MEMBER = "member"
CANDIDATE = "candidate"


@dataclass(frozen=True)
class AwayRow:
    """One person working away on the day."""

    kind: str  # MEMBER or CANDIDATE
    person_id: str
    full_name: str
    cell_code: str
    cell_name: str
    unit_code: str  # the unit directly below the one asked for that holds the cell
    unit_name: str
    where_kind: str  # an `AbsenceWhere` value for a member; "" for a candidate
    where: str
    since: dt.date
    last_comment: dt.date | None
    next_due: dt.date
    overdue: bool
    finding: rules.Finding  # the R15 finding the deadline comes from


@dataclass
class AwayCount:
    """How many work away under one unit directly below (or the unit itself, if it is a cell)."""

    code: str
    name: str
    members: int = 0
    candidates: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.members + self.candidates


@dataclass
class AwayList:
    unit_code: str
    unit_name: str
    on: dt.date
    rows: list[AwayRow] = field(default_factory=list)
    counts: list[AwayCount] = field(default_factory=list)

    @property
    def members(self) -> int:
        return sum(1 for r in self.rows if r.kind == MEMBER)

    @property
    def candidates(self) -> int:
        return sum(1 for r in self.rows if r.kind == CANDIDATE)

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.overdue)


@dataclass(frozen=True)
class MemberAway:
    """A party member away on the day, from the absence open then and the posting in force."""

    person_id: str
    full_name: str
    cell_id: int
    cell_code: str
    where_kind: str
    where: str
    since: dt.date
    last_comment: dt.date | None  # the last comment recorded on or before the day
    finding: rules.Finding  # R15: when the next comment is due


def members_away(unit: Unit, day: dt.date) -> list[MemberAway]:
    """The party members working away on `day` whose posting that day is in `unit`'s subtree,
    with their last comment and the R15 deadline of the next: one query, two when someone is
    away."""
    below = RawSQL(*sql.subtree_on_ids([unit.pk], day))
    found = list(
        Absence.objects.filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=day),
            valid_on_q(day, prefix="person__postings__", open_start=False),
            started_on__lte=day,
            person__postings__cell_id__in=below,
        )
        .values_list(
            "pk",
            "person__person_id",
            "person__full_name",
            "where_kind",
            "where",
            "started_on",
            "person__postings__cell_id",
            "person__postings__cell__code",
        )
        .distinct()
    )
    last_comment = (
        dict(
            AbsenceComment.objects.filter(absence_id__in=[m[0] for m in found], on__lte=day)
            .values("absence_id")
            .annotate(last=Max("on"))
            .values_list("absence_id", "last")
        )
        if found
        else {}
    )
    return [
        MemberAway(
            person_id=person_id,
            full_name=name,
            cell_id=cell_id,
            cell_code=cell_code,
            where_kind=where_kind,
            where=where,
            since=since,
            last_comment=last_comment.get(pk),
            finding=rules.member_away_comment(since, last_comment.get(pk), day),
        )  # fmt: skip
        for pk, person_id, name, where_kind, where, since, cell_id, cell_code in found
    ]


def _candidates(below: RawSQL, day: dt.date) -> list[tuple]:
    """(person_id, full name, cell id, where, since, last comments collected) of each candidate
    of the subtree's cells in the side state `working_away` on `day`: the candidates who went
    away by then (one query), then their events (one query)."""
    found = list(
        Candidate.objects.filter(
            cell_id__in=below, events__stage=Stage.WORKING_AWAY, events__date__lte=day
        )
        .values_list("pk", "person__person_id", "person__full_name", "cell_id")
        .distinct()
    )
    events: dict[int, list[tuple[str, dt.date, str]]] = {}
    for candidate_id, stage, date, location in (
        StageEvent.objects.filter(candidate_id__in=[c[0] for c in found], date__lte=day)
        .order_by("date", "pk")
        .values_list("candidate_id", "stage", "date", "location")
    ):
        events.setdefault(candidate_id, []).append((stage, date, location))
    rows = []
    for pk, person_id, name, cell_id in found:
        own = events.get(pk, [])
        state = rules.state_on(((stage, date) for stage, date, _where in own), day)
        if state.closed or state.side != Stage.WORKING_AWAY or state.side_since is None:
            continue
        where = next((w for s, _d, w in reversed(own) if s == Stage.WORKING_AWAY), "")
        comments = [d for s, d, _w in own if s == Stage.COMMENTS_COLLECTED]
        rows.append(
            (person_id, name, cell_id, where, state.side_since, max(comments, default=None))
        )
    return rows


def _units_below(unit: Unit, cell_ids: set[int], day: dt.date) -> dict[int, int]:
    """For each cell, the unit directly below `unit` on `day` that holds it (the cell itself if
    it is directly below; `unit` if `unit` is the cell): one walk up from the cells."""
    if not cell_ids:
        return {}
    text, params = sql.ancestries_on(sorted(cell_ids), day)
    chains: dict[int, dict[int, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        for start, unit_id, depth in cursor.fetchall():
            chains.setdefault(start, {})[depth] = unit_id
    found = {}
    for cell_id, chain in chains.items():
        ordered = [chain[d] for d in sorted(chain)]
        if unit.pk not in ordered:
            continue
        at = ordered.index(unit.pk)
        found[cell_id] = ordered[at - 1] if at > 0 else unit.pk
    return found


def away_on(unit: Unit, day: dt.date) -> AwayList:
    """Everyone working away from the cells under `unit` on `day`, by unit directly below, cell
    and name (Vietnamese order), and the counts under each unit directly below (with those
    where nobody is away). A fixed number of queries."""
    below = RawSQL(*sql.subtree_on_ids([unit.pk], day))
    members = members_away(unit, day)
    candidates = _candidates(below, day)
    cells = {m.cell_id for m in members} | {c[2] for c in candidates}
    group_of = _units_below(unit, cells, day)
    children = list(
        UnitVersion.objects.valid_on(day)
        .filter(parent_id=unit.pk)
        .values_list("unit_id", flat=True)
    )
    names = {
        unit_id: (code, name)
        for unit_id, code, name in UnitVersion.objects.valid_on(day)
        .filter(unit_id__in=cells | set(group_of.values()) | set(children) | {unit.pk})
        .values_list("unit_id", "unit__code", "name")
    }
    own_code, own_name = names.get(unit.pk, (unit.code, unit.code))
    result = AwayList(unit_code=own_code, unit_name=own_name, on=day)

    def row(kind, person_id, name, cell_id, where_kind, where, since, last, finding):
        group = group_of.get(cell_id, unit.pk)
        return AwayRow(
            kind=kind, person_id=person_id, full_name=name,
            cell_code=names[cell_id][0], cell_name=names[cell_id][1],
            unit_code=names[group][0], unit_name=names[group][1],
            where_kind=where_kind, where=where, since=since, last_comment=last,
            next_due=finding.date, overdue=finding.status == rules.BLOCKED, finding=finding,
        )  # fmt: skip

    for m in members:
        result.rows.append(
            row(
                MEMBER,
                m.person_id,
                m.full_name,
                m.cell_id,
                m.where_kind,
                m.where,
                m.since,
                m.last_comment,
                m.finding,
            )  # fmt: skip
        )
    for person_id, name, cell_id, where, since, last in candidates:
        finding = rules.candidate_away_comment(since, last, day)
        result.rows.append(
            row(CANDIDATE, person_id, name, cell_id, "", where, since, last, finding)
        )
    result.rows.sort(
        key=lambda r: (
            sort_key(r.unit_name), r.unit_code, sort_key(r.cell_name), r.cell_code,
            person_key(r.full_name, r.person_id),
        )
    )  # fmt: skip
    counts = {
        names[unit_id][0]: AwayCount(code=names[unit_id][0], name=names[unit_id][1])
        for unit_id in (children or [unit.pk])
        if unit_id in names
    }
    for r in result.rows:
        count = counts.get(r.unit_code)
        if count is None:
            continue
        if r.kind == MEMBER:
            count.members += 1
        else:
            count.candidates += 1
        count.overdue += r.overdue
    result.counts = sorted(counts.values(), key=lambda c: (sort_key(c.name), c.code))
    return result
