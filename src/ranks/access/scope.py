"""What an actor may see: the subtrees of the units where they hold a role, as SQL sub-selects.

A grant at a unit covers every unit that was below it at any time, for the periods it was.
People are covered through their postings to cells, and their homes and workplaces, in those
periods; places through the unit they belong to. Everything else answers 404, like a missing row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.db.models.expressions import Expression, RawSQL

from ranks.access.models import ROLE_RANK, Grant, Role
from ranks.core.actor import Actor
from ranks.core.replica import read_connection
from ranks.org import sql
from ranks.org.models import Unit

if TYPE_CHECKING:
    from ranks.access.backends import GrantRow


@dataclass(frozen=True)
class Scope:
    full: bool
    root_ids: tuple[int, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not self.full and not self.root_ids

    def covers(self, unit_id: int | None) -> bool:
        """Whether the unit of `unit_id` is covered (None, no unit, never is)."""
        if unit_id is None:
            return False
        return self.full or unit_id in self.covered_ids([unit_id])

    def covered_ids(self, unit_ids: Iterable[int | None]) -> set[int]:
        """Which of a few units are covered: one walk up the tree from them (`sql.covered_among`),
        whatever the size of the granted subtrees. Full access covers every unit that exists."""
        wanted = [i for i in dict.fromkeys(unit_ids) if i is not None]
        if not wanted or self.empty:
            return set()
        if self.full:
            return set(Unit.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        with read_connection().cursor() as cursor:
            cursor.execute(*sql.covered_among(wanted, self.root_ids))
            return {row[0] for row in cursor.fetchall()}

    def unit(self, code: str, annotations: Mapping[str, Expression] | None = None) -> Unit | None:
        """The unit of `code` if it is covered, else None, like a missing one: one query, walking
        up from the unit, which may carry `annotations` a page reads with it."""
        units = Unit.objects.filter(code=code).annotate(**(annotations or {}))
        if self.full or self.empty:
            return self.units(units).first()
        start = (f"SELECT id FROM {Unit._meta.db_table} WHERE code = %s", [code])
        return units.filter(pk__in=RawSQL(*sql.covered_among(start, self.root_ids))).first()

    def unit_ids_sql(self) -> tuple[str, list]:
        return sql.subtree_ever_ids(self.root_ids)

    def units(self, qs: QuerySet, path: str = "pk") -> QuerySet:
        """Rows of `qs` whose unit (reached by `path`) is covered."""
        if self.full:
            return qs
        if self.empty:
            return qs.none()
        return qs.filter(**{f"{path}__in": RawSQL(*self.unit_ids_sql())})

    def units_on(self, qs: QuerySet, day: dt.date, path: str = "pk") -> QuerySet:
        """Rows whose unit was below a granted unit on `day` (the tree of that date, not its history)."""
        if self.full:
            return qs
        if self.empty:
            return qs.none()
        return qs.filter(**{f"{path}__in": RawSQL(*sql.subtree_on_ids(self.root_ids, day))})

    def unit_ids_on_sql(self, day: dt.date) -> tuple[str, list]:
        return sql.subtree_on_ids(self.root_ids, day)

    def person_ids_sql(self) -> tuple[str, list]:
        """People posted to a covered cell, or living or working at a covered place, in a
        covered period. Each branch starts from the subtree and reads through an index (place
        versions by unit, postings by cell, people by residence and by workplace): `sql.first`
        keeps PostgreSQL from guessing the subtree large and scanning the national tables."""
        cte, params = sql.subtree_ever_cte(self.root_ids)
        units = sql.first("SELECT unit_id FROM ever_sub")
        places = sql.first("SELECT place_id FROM covered_places")
        text = (
            f"{cte}, covered_places(place_id) AS ("
            f" SELECT pv.place_id FROM org_placeversion pv JOIN ever_sub s ON pv.unit_id = s.unit_id"
            f" WHERE pv.unit_id IN ({units})"
            f" AND COALESCE(pv.valid_from, '0001-01-01') <= s.vt"
            f" AND COALESCE(pv.valid_to, '9999-12-31') >= s.vf)"
            f" SELECT p.person_id FROM people_posting p JOIN ever_sub s ON p.cell_id = s.unit_id"
            f" WHERE p.cell_id IN ({units})"
            f" AND p.valid_from <= s.vt AND COALESCE(p.valid_to, '9999-12-31') >= s.vf"
            f" UNION SELECT per.id FROM people_person per WHERE per.residence_place_id IN ({places})"
            f" UNION SELECT per.id FROM people_person per WHERE per.workplace_place_id IN ({places})"
        )
        return sql.first(text), params

    def people(self, qs: QuerySet, path: str = "pk") -> QuerySet:
        if self.full:
            return qs
        if self.empty:
            return qs.none()
        return qs.filter(**{f"{path}__in": RawSQL(*self.person_ids_sql())})

    def places(self, qs: QuerySet, path: str = "pk") -> QuerySet:
        """Places (by `path` to the Place) whose some version belongs to a covered unit."""
        if self.full:
            return qs
        if self.empty:
            return qs.none()
        cte, params = sql.subtree_ever_cte(self.root_ids)
        text = (
            f"{cte} SELECT pv.place_id FROM org_placeversion pv JOIN ever_sub s ON pv.unit_id = s.unit_id"
            f" WHERE COALESCE(pv.valid_from, '0001-01-01') <= s.vt AND COALESCE(pv.valid_to, '9999-12-31') >= s.vf"
        )
        return qs.filter(**{f"{path}__in": RawSQL(text, params)})


def _grants(actor: Actor) -> QuerySet[Grant]:
    return Grant.objects.filter(user=actor.user)  # type: ignore[misc]  # Actor types the User model as its abstract base


def scope_for(
    actor: Actor,
    *,
    role: str = Role.VIEWER,
    sensitive: bool = False,
    grants: Iterable[Grant | GrantRow] | None = None,
) -> Scope:
    """The scope of an actor for an action needing at least `role` (and the sensitive grant).
    `grants`: the actor's grants if already read (a page asking for several roles reads them
    once)."""
    if actor.has_full_access:
        return Scope(full=True)
    if not getattr(actor.user, "is_active", False):
        return Scope(full=False)
    wanted = ROLE_RANK[Role(role)]
    roots = sorted(
        g.unit_id
        for g in (_grants(actor) if grants is None else grants)
        if ROLE_RANK[Role(g.role)] >= wanted and (g.sensitive or not sensitive)
    )
    return Scope(full=False, root_ids=tuple(roots))
