"""Reads about people: name search, members of a cell or subtree on a date, counts, memberships."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Collate

from ranks.core.collation import given_name, person_order, vietnamese
from ranks.core.replica import read_connection
from ranks.org import sql
from ranks.org.models import PlaceVersion, Unit, UnitVersion
from ranks.org.tree import in_force
from ranks.people.models import (
    Absence,
    AbsenceComment,
    Membership,
    Person,
    PersonAttributes,
    PersonPlace,
    Posting,
)
from ranks.people.names import fold
from ranks.pipeline.findings_text import finding_citation
from ranks.pipeline.rules import BLOCKED, WARNING, member_away_comment

if TYPE_CHECKING:
    from ranks.access.scope import Scope

# Above every character a folded name can hold: `name >= q AND name < q + TOP` is "starts with q"
# in code point order, which an index in that order reads as one range.
TOP = "\U0010ffff"


def _by_code_point() -> Collate:
    """`search_name` in code point order: the order of the index of migration 0008 on
    PostgreSQL ("C"), and SQLite's own (BINARY)."""
    return Collate(F("search_name"), "C" if connection.vendor == "postgresql" else "BINARY")


def person_search(people: QuerySet[Person], query: str, *, limit: int = 50) -> list[Person]:
    """People whose name has words starting with each word of `query`, diacritics and case ignored.

    "nguyen van an" finds "Nguyễn Văn An" and "Nguyễn Văn Anh" but not "Nguyễn Văn Lan". Names
    that begin with the query come first, the exact name first among them ("Nguyễn Văn An",
    "Nguyễn Văn An An", "Nguyễn Văn Anh"); then the other matches ("Bùi Nguyễn Văn An"); each in
    code point order of the folded name.

    Within a scope (`people` filtered), PostgreSQL reads the scope's people first and sorts their
    matches: the rank is an expression no index gives, so the planner never walks a name index
    hoping to meet matches of the scope early (a commune's officer: 200 ms at 6 million people
    when it walked the names that begin with the query). Over everyone, the names that begin
    with the query are one range of the index of migration 0008 (names in code point order),
    read in order until `limit` are found: a typical full name needs no more. Only when fewer
    begin with it are the other matches looked up, through the trigram index of migration 0005
    (a `BitmapOr` of two scans of it per word), which reads every match of the words before
    ordering them: a common word over the whole country costs about a second
    (docs/benchmarks.md, "Name search"); the rank keeps the planner from walking a name index
    there too (17 s for a name no one has).
    """
    folded = fold(query)
    if not folded:
        return []
    begins = Q(by_code_point__gte=folded) & Q(by_code_point__lt=folded + TOP)
    matches = Q()
    for token in folded.split():
        matches &= Q(search_name__startswith=token) | Q(search_name__contains=f" {token}")
    ranked = people.annotate(
        by_code_point=_by_code_point(),
        rank=Case(When(begins, then=Value(0)), default=Value(1), output_field=IntegerField()),
    )
    if people.query.has_filters():
        found: list[Person] = list(
            ranked.filter(matches).order_by("rank", "by_code_point", "person_id")[:limit]
        )
        return found
    first: list[Person] = list(ranked.filter(begins).order_by("by_code_point", "person_id")[:limit])
    if len(first) == limit:
        return first
    others = ranked.filter(matches).exclude(begins).order_by("rank", "by_code_point", "person_id")
    return first + list(others[: limit - len(first)])


def cell_members_on(cell_id: int, day: dt.date) -> QuerySet[Posting]:
    on_day: QuerySet[Posting] = Posting.objects.valid_on(day)
    return (
        on_day.filter(cell_id=cell_id, membership__admission_decision_date__lte=day)
        .filter(Q(membership__left_date__isnull=True) | Q(membership__left_date__gt=day))
        .select_related("person", "membership")
        .order_by(*person_order("person__"))
    )


@dataclass(frozen=True)
class CellMember:
    """A member of a cell on a day, with their status then."""

    person: Person
    membership: Membership
    status: str


def cell_members_with_status(*, cell_id: int, day: dt.date) -> list[CellMember]:
    """The members of the cell on `day` (`cell_members_on`), each with their status that day."""
    return [
        CellMember(posting.person, posting.membership, posting.membership.status_on(day))
        for posting in cell_members_on(cell_id, day)
    ]


def member_counts_on(unit_id: int, day: dt.date) -> dict[str, int]:
    """Official and probationary members in the unit's subtree on `day`: one query, which reads
    the subtree's postings through their `cell_id` index (`sql.first`)."""
    cells, params = sql.subtree_on_ids([unit_id], day)
    d = sql.date_param(day)
    text = (
        "SELECT"
        " SUM(CASE WHEN m.official_date IS NOT NULL AND m.official_date <= %s THEN 1 ELSE 0 END),"
        " COUNT(*)"
        " FROM people_posting p JOIN people_membership m ON m.id = p.membership_id"
        f" WHERE p.cell_id IN ({cells})"
        " AND p.valid_from <= %s AND (p.valid_to IS NULL OR p.valid_to >= %s)"
        " AND m.admission_decision_date <= %s AND (m.left_date IS NULL OR m.left_date > %s)"
    )
    with read_connection().cursor() as cursor:
        cursor.execute(text, [d, *params, d, d, d, d])
        official, total = cursor.fetchone()
    official, total = official or 0, total or 0
    return {"official": official, "probationary": total - official, "total": total}


def member_counts_below(unit_ids: list[int], day: dt.date) -> dict[int, dict[str, int]]:
    """For each unit: official and probationary members below it on `day` (every unit asked is
    in the answer). One query, through the postings' cell index: for units of few members."""
    zero = {"official": 0, "probationary": 0, "total": 0}
    if not unit_ids:
        return {}
    d = sql.date_param(day)
    valid = "COALESCE({a}.valid_from, '0001-01-01') <= %s AND COALESCE({a}.valid_to, '9999-12-31') >= %s"
    marks = ", ".join(["%s"] * len(unit_ids))
    text = (
        "WITH RECURSIVE sub(top_id, unit_id) AS ("
        f" SELECT v.unit_id, v.unit_id FROM org_unitversion v WHERE v.unit_id IN ({marks})"
        f" AND {valid.format(a='v')}"
        " UNION SELECT s.top_id, c.unit_id FROM org_unitversion c JOIN sub s ON c.parent_id = s.unit_id"
        f" WHERE {valid.format(a='c')})"
        " SELECT s.top_id,"
        " SUM(CASE WHEN m.official_date IS NOT NULL AND m.official_date <= %s THEN 1 ELSE 0 END), COUNT(*)"
        " FROM people_posting p JOIN sub s ON p.cell_id = s.unit_id"
        " JOIN people_membership m ON m.id = p.membership_id"
        " WHERE p.valid_from <= %s AND (p.valid_to IS NULL OR p.valid_to >= %s)"
        " AND m.admission_decision_date <= %s AND (m.left_date IS NULL OR m.left_date > %s)"
        " GROUP BY s.top_id"
    )
    with read_connection().cursor() as cursor:
        cursor.execute(text, [*unit_ids, d, d, d, d, d, d, d, d, d])
        rows = cursor.fetchall()
    found = {unit_id: dict(zero) for unit_id in unit_ids}
    for top, official, total in rows:
        found[top] = {
            "official": official or 0,
            "probationary": total - (official or 0),
            "total": total,
        }
    return found


@dataclass(frozen=True)
class Stint:
    """A member's time in one cell, with the cell's name when it began."""

    posting: Posting
    cell_name: str


@dataclass(frozen=True)
class MembershipOnDay:
    """A membership as a person's page shows it on a day."""

    membership: Membership
    status: str
    party_age: tuple[int, int]  # years, months
    stints: list[Stint]


def person_memberships_on(*, person: Person, day: dt.date) -> list[MembershipOnDay]:
    """The person's memberships, each with its status and party age on `day` and the cells it
    was posted to: four queries."""
    memberships = list(person.memberships.prefetch_related("postings__cell"))
    cell_ids = {p.cell_id for m in memberships for p in m.postings.all()}
    versions = list(UnitVersion.objects.filter(unit_id__in=cell_ids))

    def cell_name(posting: Posting) -> str:
        for v in versions:
            if v.unit_id == posting.cell_id and in_force(
                v.valid_from, v.valid_to, posting.valid_from
            ):
                return v.name
        return posting.cell.code

    return [
        MembershipOnDay(
            membership=m,
            status=m.status_on(day),
            party_age=m.party_age_on(day),
            stints=[Stint(p, cell_name(p)) for p in m.postings.all()],
        )
        for m in memberships
    ]


@dataclass(frozen=True)
class Transfer:
    """A member's move from one cell to another: the day they belong to the new cell, and the
    stints before and after it."""

    day: dt.date
    left: Stint
    joined: Stint


def membership_transfers(stints: list[Stint]) -> list[Transfer]:
    """The transfers of a membership, read from its stints in order: each stint that begins the
    day after the one before it ends, in another cell (`membership_transfer` writes them so),
    unless a restructure opened it carrying the member from a cell that closed."""
    return [
        Transfer(after.posting.valid_from, before, after)
        for before, after in zip(stints, stints[1:], strict=False)
        if before.posting.valid_to is not None
        and after.posting.valid_from == before.posting.valid_to + dt.timedelta(days=1)
        and after.posting.cell_id != before.posting.cell_id
        and after.posting.restructure_id is None  # a restructure's carry is no transfer
    ]


def people_matching(*, scope: Scope, query: str, limit: int = 50) -> list[Person]:
    """The people `scope` sees whose identifier is `query` (as typed, or in capitals: read
    through the identifier's unique index), then those whose name matches it, as
    `person_search` orders them."""
    people = scope.people(Person.objects.all())
    text = query.strip()
    by_id: list[Person] = (
        list(people.filter(person_id__in=sorted({text, text.upper()}))) if text else []
    )
    by_name = person_search(people, query, limit=limit)
    seen = {p.pk for p in by_id}
    return [*by_id, *(p for p in by_name if p.pk not in seen)][:limit]


def person_ids_visible(*, scope: Scope, person_ids: Iterable[str]) -> set[str]:
    """Those of `person_ids` whose people `scope` covers: one query."""
    people = scope.people(Person.objects.filter(person_id__in=list(person_ids)))
    return set(people.values_list("person_id", flat=True))


# --- the member register --------------------------------------------------------------------

REGISTER_PAGE_SIZE = 50  # rows of a register's page
# Above this many rows an export is refused: narrow it by cell, status or year first (or use
# `ranks export members`, which writes the import's columns a row at a time).
REGISTER_EXPORT_LIMIT = 20_000
REGISTER_STATUSES = ("probationary", "official")
# Up to this many cells are sent to the database as a list of ids (a province's 1,440 planned
# better than the subtree's sub-select: 164 ms against 540 for a name); beyond, the sub-select.
CELLS_SENT = 5_000


@dataclass(frozen=True)
class RegisterCell:
    """A cell below the register's unit on its day: the register's rows are ordered by cell."""

    unit_id: int
    code: str
    name: str


@dataclass(frozen=True)
class RegisterRow:
    """A member as the register shows them on its day."""

    person: Person
    membership: Membership
    cell: RegisterCell
    status: str
    party_age: tuple[int, int]  # years, months
    residence: str  # the name of the place they lived on the day, or ""


@dataclass(frozen=True)
class RegisterFilters:
    """What the register is asked for: a name or identifier, a status, a cell, a year of
    admission (each empty: all)."""

    query: str = ""
    status: str = ""
    cell_code: str = ""
    year: int | None = None

    @property
    def narrowing(self) -> bool:
        """Whether a filter the counters cannot count is asked (all but the status)."""
        return bool(self.query or self.cell_code or self.year)


@dataclass(frozen=True)
class Register:
    rows: list[RegisterRow]
    page: Page[Posting]
    total: int
    cells: list[RegisterCell]
    counted: bool  # whether the total and the page's place came from the counters


def register_cells(*, scope: Scope, unit: Unit, day: dt.date) -> list[RegisterCell]:
    """The cells below `unit` on `day` that `scope` covers, by code: one query, whose cost grows
    with the units below, never with their members."""
    versions = scope.units(
        UnitVersion.objects.valid_on(day).filter(
            unit_id__in=RawSQL(*sql.subtree_on_ids([unit.pk], day)), kind__holds_members=True
        ),
        "unit",
    )
    return [
        RegisterCell(unit_id, code, name)
        for unit_id, code, name in versions.order_by("unit__code").values_list(
            "unit_id", "unit__code", "name"
        )
    ]


def _present(postings: QuerySet[Posting], day: dt.date) -> QuerySet[Posting]:
    return postings.filter(membership__admission_decision_date__lte=day).filter(
        Q(membership__left_date__isnull=True) | Q(membership__left_date__gt=day)
    )


def _status_q(status: str, day: dt.date) -> Q:
    official = Q(membership__official_date__isnull=False, membership__official_date__lte=day)
    if status == "official":
        return official
    if status == "probationary":
        return ~official
    return Q()


def _matching_q(query: str) -> Q:
    """A person's name has words starting with each word of `query` (as `person_search`), or
    their identifier is `query` (as typed, or in capitals): the identifier's index answers it."""
    text = query.strip()
    if not text:
        return Q()
    by_id = Q(person__person_id__in=sorted({text, text.upper()}))
    folded = fold(text)
    if not folded:
        return by_id
    by_name = Q()
    for token in folded.split():
        by_name &= Q(person__search_name__startswith=token) | Q(
            person__search_name__contains=f" {token}"
        )
    return by_id | by_name


def _register_postings(in_cells: Q, day: dt.date, filters: RegisterFilters) -> QuerySet[Posting]:
    """The postings on `day` of the members present in the cells (`in_cells`), filtered,
    ordered by cell code then name (`vietnamese`), with their person, membership and cell."""
    on_day: QuerySet[Posting] = Posting.objects.valid_on(day)
    postings = _present(on_day.filter(in_cells), day)
    postings = postings.filter(_status_q(filters.status, day))
    if filters.year:
        postings = postings.filter(
            membership__admission_decision_date__gte=dt.date(filters.year, 1, 1),
            membership__admission_decision_date__lte=dt.date(filters.year, 12, 31),
        )
    if filters.query:
        postings = postings.filter(_matching_q(filters.query))
    return postings.select_related("person", "membership", "cell").order_by(
        "cell__code", *person_order("person__")
    )


class _CellWalk:
    """The register of a large unit as a sequence for `Paginator`: its length is the counters'
    figure, and a slice reads only the cells it falls in (the counters say how many members
    each cell has on the day), so a page costs its rows and the cells' counters, never the
    members below the unit."""

    def __init__(
        self, cells: list[RegisterCell], counts: dict[int, int], day: dt.date, status: str
    ) -> None:
        self.cells = cells
        self.counts = counts
        self.day = day
        self.status = status

    def __len__(self) -> int:
        return sum(self.counts.get(c.unit_id, 0) for c in self.cells)

    def __getitem__(self, window: slice) -> list[Posting]:
        start, stop = window.start or 0, window.stop
        wanted: list[int] = []
        skip, seen = 0, 0
        for cell in self.cells:
            n = self.counts.get(cell.unit_id, 0)
            if n and seen + n > start and (stop is None or seen < stop):
                if not wanted:
                    skip = start - seen
                wanted.append(cell.unit_id)
            seen += n
        if not wanted:
            return []
        postings = _register_postings(
            Q(cell_id__in=wanted), self.day, RegisterFilters(status=self.status)
        )
        end = None if stop is None else skip + (stop - start)
        return list(postings[skip:end])


def _residences(person_ids: list[int], day: dt.date) -> dict[int, str]:
    """Where each person lived on `day`: the name of the place's version then (or its latest):
    two queries."""
    periods: QuerySet[PersonPlace] = PersonPlace.objects.valid_on(day)
    place_of = dict(
        periods.filter(person_id__in=person_ids, role="residence").values_list(
            "person_id", "place_id"
        )
    )
    names: dict[int, str] = {}
    versions = PlaceVersion.objects.filter(place_id__in=set(place_of.values())).order_by(
        "valid_from"
    )
    for version in versions:
        if version.place_id not in names or in_force(version.valid_from, version.valid_to, day):
            names[version.place_id] = version.name
    return {person: names.get(place, "") for person, place in place_of.items()}


def register_rows(
    postings: Iterable[Posting], cells: list[RegisterCell], day: dt.date
) -> list[RegisterRow]:
    """The rows of the postings shown, with status, party age and residence on `day`."""
    postings = list(postings)
    by_id = {c.unit_id: c for c in cells}
    homes = _residences([p.person_id for p in postings], day)
    return [
        RegisterRow(
            person=p.person,
            membership=p.membership,
            cell=by_id.get(p.cell_id) or RegisterCell(p.cell_id, p.cell.code, p.cell.code),
            status=p.membership.status_on(day),
            party_age=p.membership.party_age_on(day),
            residence=homes.get(p.person_id, ""),
        )
        for p in postings
    ]


def _walk_counts(
    *, scope: Scope, unit: Unit, day: dt.date, cells: list[RegisterCell], status: str
) -> dict[int, int] | None:
    """Each cell's members on `day` (of one status) from the counters, when the unit is large
    enough for that to read less than its records (`RECORDS_LIMIT`); None otherwise."""
    from ranks.counters.selectors import RECORDS_LIMIT, cell_counts, members_on

    if members_on([unit.pk], day.replace(day=1)).get(unit.pk, 0) < RECORDS_LIMIT:
        return None
    counted = cell_counts([c.unit_id for c in cells], day)
    found = {}
    for unit_id, figures in counted.items():
        members, official = int(figures["members"]), int(figures["official"])
        found[unit_id] = {"official": official, "probationary": members - official}.get(
            status, members
        )
    return found


def members_register(
    *,
    scope: Scope,
    unit: Unit,
    day: dt.date,
    filters: RegisterFilters,
    page_number: str | int | None = None,
    page_size: int = REGISTER_PAGE_SIZE,
) -> Register:
    """One page of the members present on `day` in the cells below `unit` that `scope` covers,
    ordered by cell code then name, with its total.

    A unit of `RECORDS_LIMIT` members or more, unfiltered or filtered by status alone, is walked
    cell by cell from the counters (`_CellWalk`): the total and the page's cells come from the
    counters, the page's rows from those cells alone. Otherwise the rows are one query with
    LIMIT and OFFSET over the unit's (or the filter's) postings, and the total one sum through
    the postings' cell index (`member_counts_on`) when only a status is asked, a count of the
    rows else."""
    cells = register_cells(scope=scope, unit=unit, day=day)
    if filters.cell_code:
        shown = [c for c in cells if c.code == filters.cell_code]
    else:
        shown = cells
    counts = None
    if not filters.narrowing:
        counts = _walk_counts(scope=scope, unit=unit, day=day, cells=cells, status=filters.status)
    listed: _CellWalk | QuerySet[Posting]
    if counts is not None:
        listed = _CellWalk(shown, counts, day, filters.status)
    elif len(shown) <= CELLS_SENT:  # the cells read already, as a list: the planner knows them
        listed = _register_postings(Q(cell_id__in=[c.unit_id for c in shown]), day, filters)
    else:  # the subtree as a sub-select: a region's cells are too many to send one by one
        below = Q(cell_id__in=RawSQL(*sql.subtree_on_ids([unit.pk], day)))
        if not scope.full:
            below &= Q(cell_id__in=RawSQL(*scope.unit_ids_sql()))
        listed = _register_postings(below, day, filters)
    paginator: Paginator[Posting] = Paginator(listed, page_size)  # type: ignore[arg-type]  # a _CellWalk is a sequence of postings: len() and slices
    if counts is None and not filters.narrowing:
        whole = scope.full or scope.units_on(Unit.objects.filter(pk=unit.pk), day).exists()
        if whole:  # below `RECORDS_LIMIT`: one sum through the postings' cell index
            figures = member_counts_on(unit.pk, day)
            paginator.count = figures[filters.status or "total"]  # no count of the rows
    page = paginator.get_page(page_number)
    return Register(
        rows=register_rows(page.object_list, cells, day),
        page=page,
        total=paginator.count,
        cells=cells,
        counted=counts is not None,
    )


def members_register_all(
    *, scope: Scope, unit: Unit, day: dt.date, filters: RegisterFilters, total: int
) -> list[RegisterRow]:
    """Every row of the register (`total` of them, as `members_register` counted), for an
    export: read a cell at a time through the same walk when the counters order it."""
    found = members_register(
        scope=scope, unit=unit, day=day, filters=filters, page_size=max(total, 1)
    )
    return found.rows


# --- what the forms of a person offer and check -------------------------------------------

PLACES_OFFERED_LIMIT = 500  # places a form lists; beyond them a code is typed


@dataclass(frozen=True)
class PlacePeriod:
    """Where a person lived or worked, and when (`PersonPlace`), with the place's name."""

    role: str
    code: str
    name: str
    valid_from: dt.date | None
    valid_to: dt.date | None


def person_attribute_periods(*, person: Person) -> list[PersonAttributes]:
    """The person's occupation, education and Youth Union membership over time, newest first:
    one query. Ethnicity and religion are not read here: only `person_sensitive_read`, which
    logs the read, gives their history."""
    periods = person.attribute_periods.defer("ethnicity", "religion").order_by("-valid_from")
    return list(periods)


def person_place_periods(*, person: Person) -> list[PlacePeriod]:
    """The person's places over time, newest first for each role: two queries."""
    periods = list(
        PersonPlace.objects.filter(person=person).select_related("place").order_by("role")
    )
    versions = PlaceVersion.objects.filter(place_id__in={p.place_id for p in periods})
    names: dict[int, list[PlaceVersion]] = {}
    for v in sorted(versions, key=lambda v: v.valid_from or dt.date.min):
        names.setdefault(v.place_id, []).append(v)

    def name_of(period: PersonPlace) -> str:
        day = period.valid_to or period.valid_from or dt.date.max
        found = [
            v for v in names.get(period.place_id, []) if in_force(v.valid_from, v.valid_to, day)
        ]
        chosen = found or names.get(period.place_id, [])
        return chosen[-1].name if chosen else period.place.code

    found = [
        PlacePeriod(p.role, p.place.code, name_of(p), p.valid_from, p.valid_to) for p in periods
    ]
    return sorted(
        found, key=lambda p: (p.role != "residence", -(p.valid_from or dt.date.min).toordinal())
    )


def places_offered(*, scope: Scope, unit: Unit, day: dt.date) -> list[tuple[str, str]]:
    """(code, name) of the places a form about people of `unit` offers: those belonging on
    `day` to the unit or a unit below it, or, for a cell, to the committee it is under; only
    those `scope` covers, by name, at most `PLACES_OFFERED_LIMIT`. Three queries."""
    root = unit.pk
    version = UnitVersion.objects.valid_on(day).filter(unit=unit).select_related("kind").first()
    if version is not None and version.kind.holds_members and version.parent_id is not None:
        root = version.parent_id
    on_day: QuerySet[PlaceVersion] = PlaceVersion.objects.valid_on(day)
    versions = scope.places(
        on_day.filter(unit_id__in=RawSQL(*sql.subtree_on_ids([root], day))), "place"
    )
    rows = versions.order_by(vietnamese("name"), "place__code").values_list("place__code", "name")
    return [(code, name) for code, name in rows[:PLACES_OFFERED_LIMIT]]


def place_code_covered(*, scope: Scope, code: str) -> bool:
    """Whether `scope` covers the place of `code` (an unknown code is not covered)."""
    return scope.places(PlaceVersion.objects.filter(place__code=code), "place").exists()


def person_exists(*, person_id: str) -> bool:
    """Whether anyone has this identifier (identifiers are unique across the country)."""
    return Person.objects.filter(person_id=person_id.strip()).exists()


@dataclass(frozen=True)
class CurrentMembership:
    """A member's running membership and the cell they belong to on a day."""

    membership: Membership
    cell: Unit
    cell_name: str
    since: dt.date
    status: str


def member_current(*, person: Person, day: dt.date) -> CurrentMembership | None:
    """The person's membership that has not ended, with their cell on `day` (else their last
    one): None for a person who is no member now. Two queries."""
    membership = (
        person.memberships.filter(left_date__isnull=True)
        .order_by("-admission_decision_date")
        .first()
    )
    if membership is None:
        return None
    postings = list(membership.postings.select_related("cell").order_by("valid_from"))
    if not postings:
        return None
    current = next((p for p in postings if in_force(p.valid_from, p.valid_to, day)), postings[-1])
    names = unit_names_on_day([current.cell_id], day)
    return CurrentMembership(
        membership=membership,
        cell=current.cell,
        cell_name=names.get(current.cell_id, current.cell.code),
        since=current.valid_from,
        status=membership.status_on(day),
    )


def unit_names_on_day(unit_ids: list[int], day: dt.date) -> dict[int, str]:
    """Each unit's name on `day`, else its latest before, else its first: one query."""
    found: dict[int, str] = {}
    versions = UnitVersion.objects.filter(unit_id__in=unit_ids)
    for v in sorted(versions, key=lambda v: v.valid_from or dt.date.min):
        if v.unit_id not in found or (v.valid_from or dt.date.min) <= day:
            found[v.unit_id] = v.name
    return found


def transfer_cells(*, officer: Scope, cell: Unit, day: dt.date) -> list[tuple[str, str]]:
    """(code, name) of the cells a member of `cell` may be moved to by a writer of `officer`
    scope: the other cells under the same committee on `day` (an officer above may type another
    cell's code). Two queries."""
    version = UnitVersion.objects.valid_on(day).filter(unit=cell).first()
    if version is None or version.parent_id is None:
        return []
    siblings = officer.units(
        UnitVersion.objects.valid_on(day)
        .filter(parent_id=version.parent_id, kind__holds_members=True)
        .exclude(unit=cell),
        "unit",
    )
    return list(
        siblings.order_by(vietnamese("name"), "unit__code").values_list("unit__code", "name")
    )


def cell_code_covered(*, scope: Scope, code: str) -> bool:
    """Whether `scope` covers the unit of `code` (an unknown code is not covered)."""
    return scope.unit(code.strip()) is not None


def person_covered(*, scope: Scope, person: Person) -> bool:
    """Whether `scope` covers the person (a posting, home or workplace in a covered period)."""
    return bool(scope.people(Person.objects.filter(pk=person.pk)).exists())


def person_home_unit(*, person: Person, day: dt.date) -> Unit | None:
    """The unit whose places a form about the person offers: their cell on `day` if a member,
    else the unit their home (else their workplace) belongs to then. Two or three queries."""
    current = member_current(person=person, day=day)
    if current is not None:
        return current.cell
    for place_id in (person.residence_place_id, person.workplace_place_id):
        if place_id is None:
            continue
        versions: QuerySet[PlaceVersion] = PlaceVersion.objects.valid_on(day)
        version = versions.filter(place_id=place_id).select_related("unit").first()
        if version is not None:
            return version.unit
    return None


def member_current_of(memberships: list[MembershipOnDay], day: dt.date) -> CurrentMembership | None:
    """`member_current` from the memberships a person's page has read already: no query."""
    running = [m for m in memberships if m.membership.left_date is None and m.stints]
    if not running:
        return None
    chosen = max(running, key=lambda m: m.membership.admission_decision_date)
    stints = chosen.stints
    stint = next(
        (s for s in stints if in_force(s.posting.valid_from, s.posting.valid_to, day)), stints[-1]
    )
    return CurrentMembership(
        membership=chosen.membership,
        cell=stint.posting.cell,
        cell_name=stint.cell_name,
        since=stint.posting.valid_from,
        status=chosen.status,
    )


# --- the register a page at a time after a position (the API's cursor) ------------------------


@dataclass(frozen=True)
class RegisterKey:
    """A row's place in the register's order: its cell's code, then the person's given name,
    full name and identifier (`person_order`); the given name is that of `full_name`."""

    cell_code: str
    full_name: str
    person_id: str


def register_key(row: RegisterRow) -> RegisterKey:
    return RegisterKey(row.cell.code, row.person.full_name, row.person.person_id)


def _after_key(postings: QuerySet[Posting], after: RegisterKey | None) -> QuerySet[Posting]:
    """The postings that come after `after` in the register's order: the comparisons of the
    order itself (the cell's code, then the collated given and full names, then the id)."""
    if after is None:
        return postings
    given, full, _person_id = person_order("person__")
    ranked = postings.alias(after_given=given, after_full=full)
    g = given_name(after.full_name)
    f = after.full_name
    later_person = Q(after_given__gt=g) | (
        Q(after_given=g)
        & (Q(after_full__gt=f) | Q(after_full=f, person__person_id__gt=after.person_id))
    )
    return ranked.filter(
        Q(cell__code__gt=after.cell_code) | Q(cell__code=after.cell_code) & later_person
    )


def members_register_after(
    *,
    scope: Scope,
    unit: Unit,
    day: dt.date,
    filters: RegisterFilters,
    after: RegisterKey | None,
    size: int,
) -> list[RegisterRow]:
    """Up to `size` rows of the register (`members_register`: the same cells, filters and
    order) that come after `after`, for a cursor: a page costs what the page's first page does,
    however far it is. A unit the register walks through the counters (`_walk_counts`) reads
    only the cells the rows fall in, from the cursor's cell on; otherwise one query with the
    order's comparisons and LIMIT."""
    cells = register_cells(scope=scope, unit=unit, day=day)
    shown = [c for c in cells if c.code == filters.cell_code] if filters.cell_code else cells
    counts = None
    if not filters.narrowing:
        counts = _walk_counts(scope=scope, unit=unit, day=day, cells=cells, status=filters.status)
    postings: list[Posting]
    if counts is not None:
        codes = [c.code for c in shown]
        start = codes.index(after.cell_code) if after and after.cell_code in codes else 0
        postings = []
        i = start
        while len(postings) < size and i < len(shown):
            wanted, n = [], 0
            while i < len(shown) and n < size - len(postings):
                cell = shown[i]
                i += 1
                if counts.get(cell.unit_id, 0):
                    wanted.append(cell.unit_id)
                    n += counts[cell.unit_id]
            if not wanted:
                break
            batch = _register_postings(
                Q(cell_id__in=wanted), day, RegisterFilters(status=filters.status)
            )
            postings += list(_after_key(batch, after)[: size - len(postings)])
    else:
        if len(shown) <= CELLS_SENT:
            below = Q(cell_id__in=[c.unit_id for c in shown])
        else:
            below = Q(cell_id__in=RawSQL(*sql.subtree_on_ids([unit.pk], day)))
            if not scope.full:
                below &= Q(cell_id__in=RawSQL(*scope.unit_ids_sql()))
        postings = list(_after_key(_register_postings(below, day, filters), after)[:size])
    return register_rows(postings, cells, day)


# --- transfers and leavings of a unit in a period ---------------------------------------------

MOVE_DIRECTIONS = ("in", "out", "within")


def _day_before(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} - 1)"
    return f"date({column}, '-1 day')"


def _below_on(cell: str, day: str) -> str:
    """SQL: the cell was below the root of `ever_sub` (or was it) on the day."""
    return (
        f"EXISTS (SELECT 1 FROM ever_sub e WHERE e.unit_id = {cell}"
        f" AND e.vf <= {day} AND e.vt >= {day})"
    )


@dataclass(frozen=True)
class UnitTransfer:
    """A member's move from one cell to another, on the first day in the new cell; `direction`
    says how it crosses the unit asked about: into it, out of it, or within it."""

    posting: Posting  # the posting in the new cell (with its person and cell)
    from_cell: RegisterCell
    to_cell: RegisterCell
    direction: str


def unit_transfers(
    *,
    unit: Unit,
    start: dt.date,
    end: dt.date,
    direction: str = "",
    after: tuple[dt.date, int] | None = None,
    size: int = 50,
) -> list[UnitTransfer]:
    """The transfers from `start` to `end` (each on its first day in the new cell) into, out
    of or within the cells below `unit` on their dates, as the counters count them
    (`counters.sql.movement_rollup`: a posting starting the day after another of the membership
    ended, in another cell, not opened by a restructure's carry, the member present on both days; into the unit when the new cell is
    below it that day and the old one was not the day before, out of it the other way round),
    by date then posting, after `after` (a date and a posting id). Every direction, unless one is
    asked.

    One query from the postings that start in the period in the unit's cells (into, within) or
    that end the day before in them (out), through the postings' indexes; then the rows'
    cells' names."""
    cte, params = sql.subtree_ever_cte([unit.pk])
    below = sql.first("SELECT unit_id FROM ever_sub")
    before = _day_before("q.valid_from")
    new_in = _below_on("q.cell_id", "q.valid_from")
    old_in = _below_on("p.cell_id", before)
    touching = {
        "in": f"q.cell_id IN ({below}) AND {new_in} AND NOT {old_in}",
        "out": f"p.cell_id IN ({below}) AND {old_in} AND NOT {new_in}",
        "within": f"q.cell_id IN ({below}) AND {new_in} AND {old_in}",
        "": f"(q.cell_id IN ({below}) OR p.cell_id IN ({below})) AND ({new_in} OR {old_in})",
    }[direction]
    text = (
        f"{cte} SELECT q.id, p.cell_id, CASE WHEN {new_in} THEN 1 ELSE 0 END,"
        f" CASE WHEN {old_in} THEN 1 ELSE 0 END"
        " FROM people_posting q"
        " JOIN people_membership m ON m.id = q.membership_id"
        f" JOIN people_posting p ON p.membership_id = q.membership_id AND p.valid_to = {before}"
        " WHERE q.valid_from >= %s AND q.valid_from <= %s AND p.cell_id <> q.cell_id"
        " AND q.restructure_id IS NULL"
        f" AND {before} >= m.admission_decision_date"
        " AND (m.left_date IS NULL OR q.valid_from < m.left_date)"
        f" AND {touching}"
    )
    params += [sql.date_param(start), sql.date_param(end)]
    if after is not None:
        text += " AND (q.valid_from > %s OR (q.valid_from = %s AND q.id > %s))"
        params += [sql.date_param(after[0]), sql.date_param(after[0]), after[1]]
    text += " ORDER BY q.valid_from, q.id LIMIT %s"
    params.append(size)
    with read_connection().cursor() as cursor:
        cursor.execute(text, params)
        found = cursor.fetchall()
    postings = Posting.objects.select_related("person", "cell").in_bulk([r[0] for r in found])
    names = _cell_names(
        [(r[1], postings[r[0]].valid_from) for r in found]
        + [(postings[r[0]].cell_id, postings[r[0]].valid_from) for r in found]
    )
    moves = []
    for posting_id, from_id, into, out_of in found:
        posting = postings[posting_id]
        moves.append(
            UnitTransfer(
                posting=posting,
                from_cell=names[(from_id, posting.valid_from)],
                to_cell=names[(posting.cell_id, posting.valid_from)],
                direction="within" if into and out_of else "in" if into else "out",
            )
        )
    return moves


def _cell_names(wanted: list[tuple[int, dt.date]]) -> dict[tuple[int, dt.date], RegisterCell]:
    """Each (cell, day): its code and its name that day (else its latest before, else its
    first). Two queries."""
    ids = {unit_id for unit_id, _day in wanted}
    codes = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "code"))
    versions = sorted(
        UnitVersion.objects.filter(unit_id__in=ids), key=lambda v: v.valid_from or dt.date.min
    )
    found = {}
    for unit_id, day in wanted:
        mine = [v for v in versions if v.unit_id == unit_id]
        began = [v for v in mine if (v.valid_from or dt.date.min) <= day]
        chosen = began[-1] if began else mine[0] if mine else None
        code = codes.get(unit_id, "")
        found[(unit_id, day)] = RegisterCell(unit_id, code, chosen.name if chosen else code)
    return found


@dataclass(frozen=True)
class UnitLeaving:
    """A membership that ended, with the cell the member was in on their last day present."""

    membership: Membership  # with its person
    cell: RegisterCell


def unit_leavings(
    *,
    unit: Unit,
    start: dt.date,
    end: dt.date,
    reason: str = "",
    after: tuple[dt.date, int] | None = None,
    size: int = 50,
) -> list[UnitLeaving]:
    """The memberships that ended from `start` to `end` (of `reason`, if given) whose member's
    cell on their last day present (the day before leaving, or the decision day for one who
    left on it; the lowest cell id if two) was below `unit` that day, as the counters count
    leavings (`counters.sql.movement_rollup`); by the day left then membership, after `after`
    (a date and a membership id). One query from the memberships that ended in the period
    (their index on the day left), then the cells' names."""
    cte, params = sql.subtree_ever_cte([unit.pk])
    last_day = (
        "CASE WHEN m.left_date > m.admission_decision_date"
        f" THEN {_day_before('m.left_date')} ELSE m.left_date END"
    )
    chosen = "m.left_date >= %s AND m.left_date <= %s"
    params += [sql.date_param(start), sql.date_param(end)]
    if reason:
        chosen += " AND m.left_reason = %s"
        params.append(reason)
    text = (
        f"{cte}, gone(id, lft, day) AS (SELECT m.id, m.left_date, {last_day}"
        f" FROM people_membership m WHERE {chosen}),"
        " last(id, lft, day, cell_id) AS (SELECT g.id, g.lft, g.day, MIN(p.cell_id) FROM gone g"
        " JOIN people_posting p ON p.membership_id = g.id AND p.valid_from <= g.day"
        " AND (p.valid_to IS NULL OR p.valid_to >= g.day) GROUP BY g.id, g.lft, g.day)"
        f" SELECT l.id, l.cell_id, l.day FROM last l WHERE {_below_on('l.cell_id', 'l.day')}"
    )
    if after is not None:
        text += " AND (l.lft > %s OR (l.lft = %s AND l.id > %s))"
        params += [sql.date_param(after[0]), sql.date_param(after[0]), after[1]]
    text += " ORDER BY l.lft, l.id LIMIT %s"
    params.append(size)
    with read_connection().cursor() as cursor:
        cursor.execute(text, params)
        found = cursor.fetchall()
    days = {r[0]: r[2] if isinstance(r[2], dt.date) else dt.date.fromisoformat(r[2]) for r in found}
    memberships = Membership.objects.select_related("person").in_bulk(list(days))
    names = _cell_names([(r[1], days[r[0]]) for r in found])
    return [
        UnitLeaving(membership=memberships[mid], cell=names[(cell_id, days[mid])])
        for mid, cell_id, _day in found
    ]


# --- members working away ---------------------------------------------------------------------


def absences_of(person: Person) -> list[Absence]:
    """The person's times working away, the newest first, with their cells: one query."""
    return list(person.absences.select_related("cell").order_by("-started_on", "-pk"))


@dataclass(frozen=True)
class CommentDue:
    """When the next yearly comment on a member working away is due (R15), on a date."""

    since: dt.date
    last_comment: dt.date | None
    deadline: dt.date
    overdue: bool
    soon: bool  # within the warning window of the deadline, not past it
    citation: str  # the document and clause, in the active language


def comment_due(absence: Absence, last_comment: dt.date | None, on: dt.date) -> CommentDue:
    """The R15 deadline of an absence's next comment, counted from its start or its last comment
    on the working-day calendar (`pipeline.rules.member_away_comment`)."""
    finding = member_away_comment(absence.started_on, last_comment, on)
    assert finding.date is not None
    return CommentDue(
        since=absence.started_on,
        last_comment=last_comment,
        deadline=finding.date,
        overdue=finding.status == BLOCKED,
        soon=finding.status == WARNING,
        citation=finding_citation(finding),
    )


def absence_comments_of(person: Person) -> dict[int, list[AbsenceComment]]:
    """The comments on each of the person's absences (by absence pk), the newest first: one
    query."""
    found: dict[int, list[AbsenceComment]] = {}
    for comment in AbsenceComment.objects.filter(absence__person=person).order_by("-on", "-pk"):
        found.setdefault(comment.absence_id, []).append(comment)
    return found


_ABSENCE_FIELDS = ("cell_id", "where_kind", "where", "started_on", "ended_on", "contact", "note")


def _absence_digest(rows: list[tuple[Any, ...]]) -> str:
    text = json.dumps(
        [
            [value.isoformat() if isinstance(value, dt.date) else value for value in row]
            for row in sorted(rows)
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def absence_basis(person_id: str) -> str:
    """A short digest of everything recorded about the person's working away (each absence's
    id, cell, dates, where, contact and note): it changes with every start, return or change, so
    a device that wrote against one basis can tell whether the record moved since. A person with
    none (or no such person) has the digest of an empty list. One query."""
    return absence_bases([person_id])[person_id]


def absence_bases(person_ids: Iterable[str]) -> dict[str, str]:
    """`absence_basis` of each of `person_ids` (identifiers), in one query whatever their number:
    the recording page of a cell carries each member's."""
    wanted = list(dict.fromkeys(person_ids))
    rows: dict[str, list[tuple[Any, ...]]] = {pid: [] for pid in wanted}
    if wanted:
        for person_id, *row in Absence.objects.filter(person__person_id__in=wanted).values_list(
            "person__person_id", "pk", *_ABSENCE_FIELDS
        ):
            rows[person_id].append(tuple(row))
    return {pid: _absence_digest(found) for pid, found in rows.items()}


def absence_open_for(person_ids: Iterable[str], *, on: dt.date | None = None) -> dict[str, Absence]:
    """Of the people of `person_ids` (identifiers), those working away, with their absence: not
    yet back (`on` None), or away on `on` (started by then, not back by then). One query."""
    wanted = list(dict.fromkeys(person_ids))
    if not wanted:
        return {}
    absences = Absence.objects.filter(person__person_id__in=wanted)
    if on is None:
        absences = absences.filter(ended_on__isnull=True)
    else:
        absences = absences.filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=on), started_on__lte=on
        )
    found: dict[str, Absence] = {}
    for absence in absences.annotate(key=F("person__person_id")).order_by("started_on", "pk"):
        found[absence.key] = absence  # the latest one wins
    return found
