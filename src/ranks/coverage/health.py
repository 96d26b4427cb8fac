"""Cell health on a date for every cell under a unit (DESIGN §7, R14).

A cell's members on a date are the members posted to it that day and the members seconded to it
(a border guard, a commune official), who sit in it while the secondment lasts. Flags:

- `below_minimum`: fewer than 3 official members, so the cell cannot stand on its own (R14);
- `stands_only_by_secondment`: it has 3 but would not once every secondment ended;
- `no_admission_5_years`: nobody admitted to it for 5 years or more (or ever);
- `no_successor`: no candidate in the pipeline;
- `seconded_secretary`: its secretary is seconded from outside;
- `committee_due`: 9 or more official members elect a cell committee (R14). Ranks does not
  record cell committees, so the flag marks every such cell for the committee to check.

A fixed number of queries whatever the number of cells.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from django.db.models import F, Q
from django.db.models.expressions import RawSQL

from ranks.core.collation import sort_key
from ranks.coverage.models import Secondment
from ranks.org import sql
from ranks.org.models import PlaceVersion, Unit, UnitVersion, valid_on_q
from ranks.org.rollup import VersionTree
from ranks.people.models import Absence, PersonPlace, Posting
from ranks.people.status import age_on
from ranks.pipeline import rules
from ranks.pipeline.models import Candidate, StageEvent
from ranks.targets.results import AGE_BANDS

FLAGS = (
    "below_minimum",
    "stands_only_by_secondment",
    "no_admission_5_years",
    "no_successor",
    "seconded_secretary",
    "committee_due",
)
MIN_OFFICIAL = 3
COMMITTEE_FROM = 9
YEARS_WITHOUT_ADMISSION = 5
# A candidacy still in the pipeline: not closed, withdrawn or found ineligible.
_OUT = {"withdrawn", "ineligible"}


@dataclass
class Seconded:
    person_id: str
    full_name: str
    role: str
    from_date: dt.date
    to_date: dt.date | None
    home_unit_code: str | None
    official: bool


@dataclass
class CellHealth:
    code: str
    name: str
    parent_code: str | None
    parent_name: str
    official_members: int = 0
    probationary_members: int = 0
    ages: dict[str, int] = field(default_factory=dict)  # age band → members
    share_over_60: float | None = None  # percent of the members
    last_admission: dt.date | None = None
    years_since_last_admission: int | None = None
    candidates: int = 0
    working_away: int = 0  # members whose workplace that day lies outside the cell's commune
    away_recorded: int = 0  # members with a recorded absence that day (people.Absence)
    seconded: list[Seconded] = field(default_factory=list)
    seconded_secretary: bool = False
    official_without_secondments: int = 0
    flags: list[str] = field(default_factory=list)
    unit_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "parent_code": self.parent_code,
            "official_members": self.official_members,
            "probationary_members": self.probationary_members,
            "ages": self.ages,
            "share_over_60": self.share_over_60,
            "years_since_last_admission": self.years_since_last_admission,
            "candidates": self.candidates,
            "working_away": self.working_away,
            "away_recorded": self.away_recorded,
            "seconded_secretary": self.seconded_secretary,
            "official_without_secondments": self.official_without_secondments,
            "flags": self.flags,
        }


def _seconded(health: CellHealth, s: Secondment, day: dt.date):
    """List a secondment in force on the cell's health; its member's membership on `day` and
    whether they are an official member then."""
    membership = max(
        (m for m in s.person.memberships.all() if m.admission_decision_date <= day),
        key=lambda m: m.admission_decision_date,
        default=None,
    )
    official = bool(
        membership
        and membership.official_date
        and membership.official_date <= day
        and (membership.left_date is None or membership.left_date > day)
    )
    health.seconded.append(
        Seconded(
            s.person.person_id, s.person.full_name, s.role, s.from_date, s.to_date,
            s.home_unit.code if s.home_unit else None, official,
        )
    )  # fmt: skip
    health.seconded_secretary = health.seconded_secretary or s.role == "secretary"
    return membership, official


def _band(age: int) -> str:
    for limit, band in zip((30, 40, 50, 60), AGE_BANDS, strict=False):
        if age <= limit:
            return band
    return AGE_BANDS[-1]


def cell_health(unit: Unit, day: dt.date, only: Collection[int] | None = None) -> list[CellHealth]:
    """Every cell under `unit` (or the unit, if it is a cell) on `day`, by parent and name,
    from the records of its members; or only the cells of `only` (the ones a page shows), read
    from their own records and their communes' tree."""
    scope: RawSQL | list[int]
    if only is None:
        tree = VersionTree.below([unit.pk])
        cells = [v for v, _depth in tree.subtree(unit.pk, day) if v.kind.holds_members]
        scope = RawSQL(*sql.subtree_ever_ids([unit.pk]))
    else:
        wanted = sorted(set(only))
        parents = UnitVersion.objects.valid_on(day).filter(unit_id__in=wanted)
        roots = {p for p in parents.values_list("parent_id", flat=True) if p is not None}
        tree = VersionTree.below(sorted(roots | set(wanted)))
        found = (tree.version(unit_id, day) for unit_id in wanted)
        cells = sorted(
            (v for v in found if v is not None and v.kind.holds_members),
            key=lambda v: (v.parent_id or 0, sort_key(v.name)),
        )
        scope = wanted
    if not cells:
        return []
    ids = [v.unit_id for v in cells]
    # Members posted on the day, and every admission to the cells (for the last one).
    postings = list(
        Posting.objects.filter(cell_id__in=scope, valid_from__lte=day)
        .filter(
            Q(valid_to__isnull=True)
            | Q(valid_to__gte=day)
            | Q(valid_from=F("membership__admission_decision_date"))
        )
        .values_list(
            "cell_id",
            "person_id",
            "valid_from",
            "valid_to",
            "membership__admission_decision_date",
            "membership__official_date",
            "membership__left_date",
            "person__birth_date",
        )
    )
    secondments = list(
        Secondment.objects.filter(cell_id__in=ids, from_date__lte=day)
        .filter(Q(to_date__isnull=True) | Q(to_date__gte=day))
        .select_related("person", "home_unit")
        .prefetch_related("person__memberships")
    )
    candidates = list(
        Candidate.objects.filter(cell_id__in=ids, added_on__lte=day).values_list("id", "cell_id")
    )
    events: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
    for candidate_id, stage, date in StageEvent.objects.filter(
        candidate_id__in=[c for c, _cell in candidates], date__lte=day
    ).values_list("candidate_id", "stage", "date"):
        events[candidate_id].append((stage, date))
    # Where the members work that day, and which unit each of those places belongs to.
    # Joined on the subtree like the postings, not by sending the members' ids back.
    work = list(
        PersonPlace.objects.filter(
            role="workplace",
            person__postings__cell_id__in=scope,
            person__postings__valid_from__lte=day,
        )
        .filter(valid_on_q(day))
        .values_list("person_id", "place_id")
        .distinct()
    )
    place_units = dict(
        PlaceVersion.objects.valid_on(day)
        .filter(place_id__in={place for _p, place in work})
        .values_list("place_id", "unit_id")
    )
    works_at = {person: place_units.get(place) for person, place in work}
    # The members with a recorded absence that day, joined on the subtree the same way: the
    # cost is the people away, not the members.
    away = set(
        Absence.objects.filter(
            person__postings__cell_id__in=scope,
            person__postings__valid_from__lte=day,
            started_on__lte=day,
        )
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        .values_list("person_id", flat=True)
        .distinct()
    )

    by_cell: dict[int, CellHealth] = {}
    for v in cells:
        parent = tree.version(v.parent_id, day) if v.parent_id else None
        by_cell[v.unit_id] = CellHealth(
            unit_id=v.unit_id,
            code=v.unit.code,
            name=v.name,
            parent_code=parent.unit.code if parent else None,
            parent_name=parent.name if parent else "",
        )
    present: dict[int, dict[int, tuple[bool, int]]] = defaultdict(
        dict
    )  # cell → person → (official, age)
    for cell_id, person, vf, vt, admitted, official, left, birth in postings:
        health = by_cell.get(cell_id)
        if health is None:
            continue
        if vf == admitted and admitted <= day:
            if health.last_admission is None or admitted > health.last_admission:
                health.last_admission = admitted
        active = (vt is None or vt >= day) and admitted <= day and (left is None or left > day)
        if active:
            present[cell_id][person] = (
                official is not None and official <= day,
                age_on(birth, day),
            )
            place_unit = works_at.get(person)
            cell = tree.version(cell_id, day)
            assert cell is not None  # by_cell holds the cells in force on the day
            commune = cell.parent_id
            if place_unit is not None and commune not in tree.chain(place_unit, day):
                health.working_away += 1
            if person in away:
                health.away_recorded += 1
    for s in secondments:
        health = by_cell[s.cell_id]
        membership, official = _seconded(health, s, day)
        if membership is not None:
            present[s.cell_id].setdefault(s.person_id, (official, age_on(s.person.birth_date, day)))
    seconded_people = defaultdict(set)
    for s in secondments:
        seconded_people[s.cell_id].add(s.person_id)
    for candidate_id, cell_id in candidates:
        state = rules.state_on(events.get(candidate_id, ()), day)
        if not state.closed and state.side not in _OUT and state.stage != "ceremony":
            by_cell[cell_id].candidates += 1

    for cell_id, health in by_cell.items():
        members = present.get(cell_id, {})
        health.official_members = sum(1 for official, _age in members.values() if official)
        health.probationary_members = len(members) - health.official_members
        health.official_without_secondments = sum(
            1
            for person, (official, _age) in members.items()
            if official and person not in seconded_people[cell_id]
        )
        bands: dict[str, int] = {}
        for _official, age in members.values():
            bands[_band(age)] = bands.get(_band(age), 0) + 1
        health.ages = {b: bands[b] for b in AGE_BANDS if b in bands}
        if members:
            over = sum(1 for _o, age in members.values() if age > 60)
            health.share_over_60 = round(over * 100 / len(members), 1)
        if health.last_admission is not None:
            health.years_since_last_admission = _full_years(health.last_admission, day)
        health.flags = _flags(health)
    return [by_cell[v.unit_id] for v in cells]


def _full_years(start: dt.date, day: dt.date) -> int:
    years = day.year - start.year
    return years - ((day.month, day.day) < (start.month, start.day))


def _flags(h: CellHealth) -> list[str]:
    found = []
    if h.official_members < MIN_OFFICIAL:
        found.append("below_minimum")
    elif h.official_without_secondments < MIN_OFFICIAL:
        found.append("stands_only_by_secondment")
    if (
        h.years_since_last_admission is None
        or h.years_since_last_admission >= YEARS_WITHOUT_ADMISSION
    ):
        found.append("no_admission_5_years")
    if h.candidates == 0:
        found.append("no_successor")
    if h.seconded_secretary:
        found.append("seconded_secretary")
    if h.official_members >= COMMITTEE_FROM:
        found.append("committee_due")
    return found


def _month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def cell_figures(
    unit: Unit, day: dt.date, among: Collection[int] | None = None
) -> list[CellHealth]:
    """Every cell under `unit` on `day` with the figures the flags need, read from the cells'
    counters (`counters.selectors.cell_counts`) and the secondments in force: members, official
    members, candidates in the pipeline, years since the last admission, the seconded and the
    flags. The age bands and the members working away need each member's record: they are left
    empty here, for `cell_health(..., only=)` to fill for the cells a page shows. The cost is
    the cells and their months, never the members below them. `among`: those cells only (and
    their parents' names), wherever they stand (a figure restated in another tree)."""
    from ranks.counters.selectors import cell_counts

    below, params = sql.subtree_on_ids([unit.pk], day)
    chosen: RawSQL | list[int] = RawSQL(below, params)
    on_day = UnitVersion.objects.valid_on(day)
    if among is not None:
        # A set to look up, and one parameter for the query, whatever their number (every cell
        # of the country for the central committee restated).
        among = set(among)
        chosen = RawSQL(*_ids(among))
        parents = on_day.filter(unit_id__in=chosen).values_list("parent_id", flat=True)
        on_day = on_day.filter(Q(unit_id__in=chosen) | Q(unit_id__in=RawSQL(*_ids(set(parents)))))
    else:
        on_day = on_day.filter(unit_id__in=chosen)
    versions = list(
        on_day.values_list("unit_id", "unit__code", "name", "parent_id", "kind__holds_members")
    )
    names = {unit_id: (code, name) for unit_id, code, name, _p, _h in versions}
    cells = [
        (u, code, name, parent)
        for u, code, name, parent, holds in versions
        if holds and (among is None or u in among)
    ]
    if not cells:
        return []
    counts = cell_counts([unit_id for unit_id, *_rest in cells], day)
    by_cell: dict[int, CellHealth] = {}
    for unit_id, code, name, parent_id in cells:
        parent_code, parent_name = names.get(parent_id, (None, "")) if parent_id else (None, "")
        figures = counts.get(unit_id, {})
        members, official = figures.get("members", 0), figures.get("official", 0)
        by_cell[unit_id] = CellHealth(
            unit_id=unit_id, code=code, name=name, parent_code=parent_code, parent_name=parent_name,
            official_members=official, probationary_members=members - official,
            candidates=figures.get("candidates", 0), official_without_secondments=official,
        )  # fmt: skip
    _add_secondments(by_cell, chosen, day)
    _last_admissions(by_cell, counts, day)
    for health in by_cell.values():
        health.flags = _flags(health)
    return sorted(
        by_cell.values(), key=lambda h: (sort_key(h.parent_name), sort_key(h.name), h.code)
    )


def _ids(ids: Collection[int]) -> tuple[str, list]:
    """A sub-select of the ids, one parameter (`counters.rollup.id_lists`); none for none."""
    from ranks.counters.rollup import id_lists

    found = id_lists(sorted(ids))
    return found[0] if found else ("SELECT NULL WHERE 1 = 0", [])


def _add_secondments(by_cell: dict[int, CellHealth], cells, day: dt.date) -> None:
    """The members seconded to the cells on `day` (as `cell_health` counts them): listed, counted
    in the cell when posted elsewhere, and not counted towards it standing on its own."""
    secondments = list(
        Secondment.objects.filter(cell_id__in=cells, from_date__lte=day)
        .filter(Q(to_date__isnull=True) | Q(to_date__gte=day))
        .select_related("person", "home_unit")
        .prefetch_related("person__memberships")
    )
    posted = set(
        Posting.objects.filter(person_id__in={s.person_id for s in secondments})
        .filter(valid_on_q(day, open_start=False))
        .filter(membership__admission_decision_date__lte=day)
        .filter(Q(membership__left_date__isnull=True) | Q(membership__left_date__gt=day))
        .values_list("person_id", "cell_id")
    )
    counted: set[tuple[int, int]] = set()
    for s in secondments:
        health = by_cell.get(s.cell_id)
        if health is None:
            continue
        membership, official = _seconded(health, s, day)
        if (s.person_id, s.cell_id) in counted:
            continue
        counted.add((s.person_id, s.cell_id))
        if (s.person_id, s.cell_id) in posted:
            # A member of the cell who is also seconded to it: counted once, not on its own.
            if official:
                health.official_without_secondments -= 1
        elif membership is not None:
            health.official_members += official
            health.probationary_members += not official


def _last_admissions(by_cell: dict[int, CellHealth], counts: dict[int, dict], day: dt.date):
    """Each cell's last admission by `day` and the full years since: the month from the
    counters; the day itself from the records only where the month leaves the years (or whether
    it was by `day`) in doubt, a twelfth of the cells at most."""
    first = day.replace(day=1)
    doubt: dict[int, dt.date] = {}  # cell → the month to read
    month_of: dict[int, dt.date | None] = {}
    for unit_id in by_cell:
        figures = counts.get(unit_id, {})
        last, earlier = figures.get("last"), figures.get("earlier")
        month_of[unit_id] = last
        if last is not None and last >= first:
            doubt[unit_id] = last  # this month: decided by the day, or only after it?
        elif last is not None and _full_years(last, day) != _full_years(_month_end(last), day):
            doubt[unit_id] = last
        if last is not None and last >= first and earlier is not None:
            month_of[unit_id] = earlier  # if nothing this month was decided by the day
    exact: dict[int, dt.date] = {}
    wanted = sorted(doubt)
    for i in range(0, len(wanted), 5_000):
        chunk = wanted[i : i + 5_000]
        low = min(doubt[c] for c in chunk)
        rows = Posting.objects.filter(
            cell_id__in=chunk,
            valid_from__gte=low,
            valid_from__lte=day,
            valid_from=F("membership__admission_decision_date"),
        ).values_list("cell_id", "valid_from")
        for cell_id, admitted in rows:
            month = doubt[cell_id]
            within = month <= admitted <= _month_end(month)
            if within and (cell_id not in exact or admitted > exact[cell_id]):
                exact[cell_id] = admitted
    for unit_id, health in by_cell.items():
        if unit_id in exact:
            health.last_admission = exact[unit_id]
        elif unit_id in doubt and doubt[unit_id] >= first:
            # Nothing decided this month by the day: the earlier month, read again if in doubt.
            earlier = month_of[unit_id]
            if earlier is not None and earlier < first:
                health.last_admission = _last_in(unit_id, earlier, day)
        else:
            health.last_admission = month_of[unit_id]
        if health.last_admission is not None:
            health.years_since_last_admission = _full_years(health.last_admission, day)


def _last_in(cell_id: int, month: dt.date, day: dt.date) -> dt.date:
    """The last admission to the cell within `month`, as its first day when the years since it
    do not depend on the day (one query otherwise)."""
    if _full_years(month, day) == _full_years(_month_end(month), day):
        return month
    found = (
        Posting.objects.filter(
            cell_id=cell_id,
            valid_from__gte=month,
            valid_from__lte=_month_end(month),
            valid_from=F("membership__admission_decision_date"),
        )
        .order_by("-valid_from")
        .values_list("valid_from", flat=True)
        .first()
    )
    return found or month


def with_details(rows: list[CellHealth], unit: Unit, day: dt.date) -> None:
    """Fill the rows `cell_figures` gave (a page of them) with what only the members' records
    tell: the age bands, the share over 60, the members working away (guessed from the workplace
    and recorded) and the day of the last admission. One `cell_health` over those cells alone."""
    details = {
        h.unit_id: h
        for h in cell_health(unit, day, only=[r.unit_id for r in rows if r.unit_id is not None])
    }
    for row in rows:
        found = details.get(row.unit_id)
        if found is not None:
            row.ages, row.share_over_60 = found.ages, found.share_over_60
            row.working_away, row.last_admission = found.working_away, found.last_admission
            row.away_recorded = found.away_recorded
