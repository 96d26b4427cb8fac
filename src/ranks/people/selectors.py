"""Reads about people: name search, members of a cell or subtree on a date, counts, memberships."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Collate

from ranks.core.collation import person_order
from ranks.org import sql
from ranks.org.models import UnitVersion
from ranks.org.tree import in_force
from ranks.people.models import Membership, Person, Posting
from ranks.people.names import fold

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
    with connection.cursor() as cursor:
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
    with connection.cursor() as cursor:
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


def people_matching(*, scope: Scope, query: str, limit: int = 50) -> list[Person]:
    """The people `scope` sees whose name matches `query`, as `person_search` orders them."""
    return person_search(scope.people(Person.objects.all()), query, limit=limit)


def person_ids_visible(*, scope: Scope, person_ids: Iterable[str]) -> set[str]:
    """Those of `person_ids` whose people `scope` covers: one query."""
    people = scope.people(Person.objects.filter(person_id__in=list(person_ids)))
    return set(people.values_list("person_id", flat=True))
